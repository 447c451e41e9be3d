//! Escaping for Markdown (CommonMark + GFM tables), by where a value lands.
//!
//! Every value from a person or a backend goes through one of these before it is in a
//! document: as inline text (the default), in a table cell, as link text, or as a link
//! target. The result can never open a heading, list, quote, code block, table column,
//! link, image or HTML tag, whatever characters it holds.

/// ASCII punctuation that can start or end emphasis, code, links, images, tables,
/// headings or strikethrough anywhere in a line; a backslash makes each literal.
/// `<`, `>` and `&` become entities instead, so no HTML can form.
const SPECIAL: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '(', ')', '!', '|', '~', '#', '@',
];

/// Inline text: one line, nothing in it can open structure. Beyond `SPECIAL`, a
/// leading list, quote or setext marker is escaped, and the `://` and `www.` of
/// would-be autolinks are broken, so a URL in text stays text.
pub fn inline(text: &str) -> String {
    escape(text, true)
}

/// The escaping itself; `line_start` guards what only matters when the value may
/// begin a line (list, quote and setext markers).
fn escape(text: &str, line_start: bool) -> String {
    let chars: Vec<char> = text
        .trim()
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut out = String::with_capacity(text.len() + 8);
    let leading_digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    for (i, &c) in chars.iter().enumerate() {
        let escape = SPECIAL.contains(&c)
            || (line_start && i == 0 && matches!(c, '-' | '+' | '=' | '>'))
            || (line_start && i == leading_digits && i > 0 && matches!(c, '.' | ')'))
            || (c == ':' && chars.get(i + 1) == Some(&'/') && chars.get(i + 2) == Some(&'/'))
            || (c == '.'
                && i >= 3
                && chars[i - 3..i]
                    .iter()
                    .collect::<String>()
                    .eq_ignore_ascii_case("www"));
        match c {
            '<' => out.push_str("&lt;"),
            '>' if i > 0 || !line_start => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if escape => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A GFM table cell: inline text that is never empty (an empty cell is fine, but a
/// visible dash reads better) and keeps `|` escaped so the row keeps its columns.
pub fn cell(text: &str) -> String {
    // A cell never starts a line: `| 12.5% |` needs no list guard.
    let escaped = escape(text, false);
    if escaped.is_empty() {
        "—".to_string()
    } else {
        escaped
    }
}

/// Multi-line text as paragraphs: each line escaped on its own (so none can start a
/// block), blank lines kept as paragraph breaks.
pub fn paragraphs(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                inline(line)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A link target, if `url` is http(s): characters that could end or break the target
/// are percent-encoded. Anything else (javascript:, data:, file:…) is refused.
pub fn url(raw: &str) -> Option<String> {
    // A URL stored before credentials were redacted at the source is redacted here.
    let redacted = crate::domain::text::redact_userinfo(raw);
    let trimmed = redacted.trim();
    let lower = trimmed.to_ascii_lowercase();
    // The scheme is written in lower case (`hTtP://` is http too, and a reader of
    // the Markdown should see it as such).
    let scheme = if lower.starts_with("http://") {
        "http://"
    } else if lower.starts_with("https://") {
        "https://"
    } else {
        return None;
    };
    let mut out = String::with_capacity(trimmed.len());
    out.push_str(scheme);
    for b in trimmed[scheme.len()..].bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~:/?#@!$&*+,;=%".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Some(out)
}

/// `[text](url)` when `url` is http(s); otherwise the text and the refused target,
/// both as plain escaped text.
pub fn link(text: &str, target: &str) -> String {
    match url(target) {
        Some(u) => format!("[{}]({u})", inline(text)),
        None if target.trim().is_empty() => inline(text),
        None => format!(
            "{} ({})",
            inline(text),
            inline(&crate::domain::text::redact_userinfo(target))
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_lose_the_credentials_a_stored_url_may_hold() {
        assert_eq!(
            url("http://admin:pw@prom:9090/graph").as_deref(),
            Some("http://***@prom:9090/graph")
        );
        let text = link("gen", "ftp://u:pw@x/");
        assert!(!text.contains("pw") && text.contains("\\*\\*\\*"), "{text}");
    }

    #[test]
    fn inline_text_cannot_open_structure_or_html() {
        assert_eq!(inline("| ]( <script>"), "\\| \\]\\( &lt;script&gt;");
        assert_eq!(inline("# heading\n- item"), "\\# heading - item");
        assert_eq!(inline("- item"), "\\- item");
        assert_eq!(inline("> quote"), "\\> quote");
        assert_eq!(inline("12. item"), "12\\. item");
        assert_eq!(
            inline("[x](javascript:alert(1))"),
            "\\[x\\]\\(javascript:alert\\(1\\)\\)"
        );
        assert_eq!(
            inline("see http://evil.example or www.evil.example"),
            "see http\\://evil.example or www\\.evil.example"
        );
        assert_eq!(inline("a & b, 12:30 v4.1 x-y"), "a &amp; b, 12:30 v4.1 x-y");
    }

    #[test]
    fn cells_keep_their_columns_and_are_never_blank() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("  "), "—");
        assert_eq!(cell("46.7%"), "46.7%");
        assert_eq!(cell("- x > y"), "- x &gt; y");
    }

    #[test]
    fn paragraphs_escape_each_line_and_keep_breaks() {
        assert_eq!(paragraphs("one\n===\n\n    code?"), "one\n\\===\n\ncode?");
    }

    #[test]
    fn only_http_links_are_links() {
        assert_eq!(
            url("https://runbooks/x y(1)"),
            Some("https://runbooks/x%20y%281%29".into())
        );
        assert_eq!(url("javascript:alert(1)"), None);
        assert_eq!(
            url(" HTTP://a/B"),
            Some("http://a/B".into()),
            "scheme in lower case"
        );
        assert_eq!(link("runbook", "https://r/1"), "[runbook](https://r/1)");
        assert_eq!(
            link("runbook", "file:///etc/passwd"),
            "runbook (file\\:///etc/passwd)"
        );
        assert_eq!(link("runbook", ""), "runbook");
    }
}
