//! TLS failures in words. rustls reports certificate problems as Rust debug text;
//! both the alert sources and the PostgreSQL store show them to people. Depends on
//! nothing of ours.

/// rustls reports certificate problems as Rust debug text
/// (`invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))`); say what is
/// wrong and what to do instead.
pub fn in_words(text: &str) -> Option<&'static str> {
    const WORDS: &[(&str, &str)] = &[
        ("UnknownIssuer", "TLS: the server's certificate is not signed by a CA sitrep trusts; name your CA's certificate (ca_file for a source, sslrootcert for the database)"),
        ("CaUsedAsEndEntity", "TLS: the server presents a CA certificate as its own; it needs a server certificate signed by that CA"),
        ("NotValidForName", "TLS: the server's certificate is not valid for this host name; use the name it was issued for"),
        ("not valid for name", "TLS: the server's certificate is not valid for this host name; use the name it was issued for"),
        ("NotValidForNameContext", "TLS: the server's certificate is not valid for this host name; use the name it was issued for"),
        ("Expired", "TLS: the server's certificate has expired"),
        ("NotValidYet", "TLS: the server's certificate is not valid yet (check the clocks)"),
        ("Revoked", "TLS: the server's certificate has been revoked"),
        ("BadSignature", "TLS: the server's certificate is not signed by a CA sitrep trusts (its signature does not verify against the CA given); check the CA file"),
        ("UnsupportedSignatureAlgorithm", "TLS: the server's certificate uses a signature algorithm sitrep does not accept"),
        ("BadEncoding", "TLS: the server's certificate could not be read"),
        ("InvalidPurpose", "TLS: the server's certificate is not meant for a TLS server"),
        ("HandshakeFailure", "TLS: the handshake failed; the server and sitrep share no protocol version or cipher"),
        ("InvalidContentType", "TLS: the server did not answer with TLS; is it plain http?"),
        ("CorruptMessage", "TLS: the server did not answer with TLS; is it plain http?"),
    ];
    WORDS
        .iter()
        .find(|(code, _)| text.contains(code))
        .map(|(_, words)| *words)
}
