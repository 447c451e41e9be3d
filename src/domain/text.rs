//! Making untrusted text safe to show: control characters, escape sequences and
//! invisible formatting characters (bidi overrides, zero-width marks) become visible
//! placeholders instead of reaching a terminal or a report.
//!
//! Everything a person types or a backend sends passes through here once, where it
//! enters the domain. Nothing is silently dropped: ESC becomes `␛`, so an injected
//! `\x1b[2J` shows up as the harmless text `␛[2J`.

use super::DomainError;

/// Longest single-line value (title, name, region…), in characters.
pub const MAX_LINE_CHARS: usize = 500;
/// Longest free text (a timeline entry, a summary), in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Sanitizes a single-line value: line breaks and tabs become spaces, every other
/// control or invisible formatting character becomes a visible placeholder, and
/// surrounding whitespace is trimmed.
pub fn sanitize_line(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => out.push(' '),
            _ => push_visible(&mut out, c),
        }
    }
    out.trim().to_string()
}

/// For a field that must stay on one line of a table: like [`sanitize_line`], but a
/// line break is shown as a visible mark (`␤`, `␍`) instead of a space, so a label
/// value cannot fake an extra row and its break is not hidden either.
pub fn visible_line(raw: &str) -> String {
    if is_clean_line(raw) {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '\n' | '\u{2028}' | '\u{2029}' => out.push('\u{2424}'),
            '\r' => out.push('\u{240d}'),
            '\t' => out.push(' '),
            _ => push_visible(&mut out, c),
        }
    }
    out.trim().to_string()
}

/// Sanitizes free text that may span lines: `\r\n` and `\r` become `\n`, tabs become
/// spaces, other control or invisible characters become visible placeholders, and
/// surrounding whitespace is trimmed.
pub fn sanitize_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            _ => push_visible(&mut out, c),
        }
    }
    out.trim().to_string()
}

/// Whether `c` is changed by the sanitizers (line breaks and tabs included).
fn needs_cleaning(c: char) -> bool {
    c.is_control() || is_invisible_format(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Whether any character of `s` would be changed, other than `\n` when `allow_newline`.
/// Checks plain ASCII byte by byte, the common case for backend labels.
fn any_to_clean(s: &str, allow_newline: bool) -> bool {
    if s.is_ascii() {
        return s
            .bytes()
            .any(|b| (b < 0x20 && !(allow_newline && b == b'\n')) || b == 0x7f);
    }
    s.chars()
        .any(|c| !(allow_newline && c == '\n') && needs_cleaning(c))
}

/// Whether `s` has leading or trailing whitespace to trim.
fn untrimmed(s: &str) -> bool {
    s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace)
}

/// Whether [`sanitize_line`] would leave `s` as it is.
pub fn is_clean_line(s: &str) -> bool {
    !any_to_clean(s, false) && !untrimmed(s)
}

/// [`sanitize_line`] for an owned value: returns it as is, without copying, when
/// there is nothing to change (the common case for backend labels).
pub fn sanitize_line_owned(raw: String) -> String {
    if !is_clean_line(&raw) {
        sanitize_line(&raw)
    } else {
        raw
    }
}

/// [`sanitize_text`] for an owned value, without copying when nothing changes.
pub fn sanitize_text_owned(raw: String) -> String {
    if any_to_clean(&raw, true) || untrimmed(&raw) {
        sanitize_text(&raw)
    } else {
        raw
    }
}

fn push_visible(out: &mut String, c: char) {
    match c {
        // C0 controls map onto the Unicode "control pictures" block: ESC -> ␛.
        '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
        '\u{7f}' => out.push('\u{2421}'),
        // C1 controls (CSI, OSC… as single code points) have no picture.
        '\u{80}'..='\u{9f}' => out.push_str(&format!("<U+{:04X}>", c as u32)),
        c if is_invisible_format(c) => out.push_str(&format!("<U+{:04X}>", c as u32)),
        c => out.push(c),
    }
}

/// Bidi embeddings, overrides and isolates (Trojan Source), zero-width characters,
/// tag characters (invisible ASCII, used to hide instructions in text) and every
/// other format character (Unicode category Cf) that changes how text reads without
/// being seen.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061c}'
            | '\u{06dd}'
            | '\u{070f}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

/// Replaces the userinfo of every URL in `text` (`http://user:pw@host` →
/// `http://***@host`): a URL with credentials is sent as Basic auth by HTTP clients,
/// and Prometheus echoes the URL it was reached by, so any URL shown, stored or
/// exported may carry a password. Text without `://` is returned as is.
pub fn redact_userinfo(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("://") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        // The authority ends at the path, query, fragment, or anything that cannot be
        // part of a URL written in running text.
        let end = tail
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>') || c.is_whitespace()
            })
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(userinfo_end) => {
                out.push_str("***");
                out.push_str(&authority[userinfo_end..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// A required single-line field: sanitized, non-empty, at most [`MAX_LINE_CHARS`].
pub fn required_line(field: &str, raw: &str) -> Result<String, DomainError> {
    let value = sanitize_line(raw);
    if value.is_empty() {
        return Err(DomainError::invalid(format!("{field} must not be empty")));
    }
    check_length(field, &value, MAX_LINE_CHARS)?;
    Ok(value)
}

/// A required free-text field: sanitized, non-empty, at most [`MAX_TEXT_CHARS`].
pub fn required_text(field: &str, raw: &str) -> Result<String, DomainError> {
    let value = sanitize_text(raw);
    if value.is_empty() {
        return Err(DomainError::invalid(format!("{field} must not be empty")));
    }
    check_length(field, &value, MAX_TEXT_CHARS)?;
    Ok(value)
}

fn check_length(field: &str, value: &str, max: usize) -> Result<(), DomainError> {
    let count = value.chars().count();
    if count > max {
        return Err(DomainError::invalid(format!(
            "{field} is {count} characters long; the limit is {max}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_urls_are_redacted_wherever_they_stand() {
        assert_eq!(
            redact_userinfo("http://admin:pw@am:9093/api"),
            "http://***@am:9093/api"
        );
        assert_eq!(
            redact_userinfo("member https://u@a:1 and http://x:y@b?q=1 failed"),
            "member https://***@a:1 and http://***@b?q=1 failed"
        );
        assert_eq!(redact_userinfo("http://am:9093/a@b"), "http://am:9093/a@b");
        assert_eq!(redact_userinfo("no url: a@b"), "no url: a@b");
        assert_eq!(redact_userinfo("http://p%40ss:w@rd@h/"), "http://***@h/");
        assert_eq!(
            redact_userinfo("postgres://bob:secret@db/sitrep"),
            "postgres://***@db/sitrep"
        );
    }

    #[test]
    fn escape_sequences_become_visible_text() {
        assert_eq!(sanitize_line("a\x1b[2Jb"), "a␛[2Jb");
        assert_eq!(sanitize_line("\x07bell\x7f"), "␇bell␡");
    }

    #[test]
    fn c1_controls_and_bidi_overrides_are_spelled_out() {
        assert_eq!(sanitize_line("x\u{9b}31m"), "x<U+009B>31m");
        assert_eq!(sanitize_line("abc\u{202e}fed"), "abc<U+202E>fed");
        assert_eq!(sanitize_line("zero\u{200b}width"), "zero<U+200B>width");
    }

    #[test]
    fn single_line_values_lose_their_line_breaks() {
        assert_eq!(
            sanitize_line("  two\nlines\r\tand tab "),
            "two lines  and tab"
        );
    }

    #[test]
    fn free_text_keeps_line_breaks_but_normalizes_them() {
        assert_eq!(sanitize_text("one\r\ntwo\rthree\n"), "one\ntwo\nthree");
    }

    #[test]
    fn the_owned_fast_path_agrees_with_the_general_one() {
        for raw in [
            "plain",
            " padded ",
            "a\x1bb",
            "two\nlines",
            "tab\there",
            "rtl\u{202e}",
            "crlf\r\n",
            "直播",
            "x\u{9b}",
            "del\x7f",
            "nl\n",
        ] {
            assert_eq!(
                sanitize_line_owned(raw.to_string()),
                sanitize_line(raw),
                "{raw:?}"
            );
            assert_eq!(
                sanitize_text_owned(raw.to_string()),
                sanitize_text(raw),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn wide_unicode_is_kept_as_is() {
        assert_eq!(sanitize_line("直播 🎥 ok"), "直播 🎥 ok");
    }

    #[test]
    fn required_fields_reject_blank_and_overlong_values() {
        assert!(required_line("title", " \n ").is_err());
        assert!(required_line("title", &"x".repeat(MAX_LINE_CHARS + 1)).is_err());
        assert_eq!(required_line("title", " ok "), Ok("ok".to_string()));
        assert!(required_text("text", &"y".repeat(MAX_TEXT_CHARS + 1)).is_err());
    }
}
