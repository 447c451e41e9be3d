//! Escaping for Markdown (CommonMark + GFM tables), by where a value lands.
//!
//! Every value from a person or a backend goes through one of these before it is in a
//! document: as inline text (the default), in a table cell, as link text, or as a link
//! target. The result can never open a heading, list, quote, code block, table column,
//! link, image or HTML tag, whatever characters it holds.

/// Inline text: one line, nothing in it can open structure, and only what could is
/// escaped, so a pasted draft reads like the text that was typed (`(none)`, `#1`,
/// `snake_case`, `a > b` stay as they are). Escaped: `\\`, `` ` ``, `*`, `[` and `]`
/// (no link or image opens or closes without them), `|`, `~`, `@`, `_` unless inside a word, `&` that
/// would spell an entity, `<` (as `&lt;`: no HTML, no autolink); at the start of a
/// line a heading, list, quote or setext marker; and the `://` and `www.` of
/// would-be autolinks, so a URL in text stays text.
pub fn inline(text: &str) -> String {
    escape(text, true)
}

/// The escaping itself; `line_start` guards what only matters when the value may
/// begin a line (heading, list, quote and setext markers).
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
    let word = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(|c| c.is_alphanumeric())
    };
    for (i, &c) in chars.iter().enumerate() {
        let at_start = line_start && i == 0;
        let escape = match c {
            // `]` too: inside a link's text (`link()`), an unescaped one would end
            // the text early and let `(…)` after it become the target.
            '\\' | '`' | '*' | '[' | ']' | '|' | '~' | '@' => true,
            // Inside a word (`snake_case`) `_` can neither open nor close emphasis.
            '_' => !(word(i.checked_sub(1)) && word(Some(i + 1))),
            // A heading needs a space (or nothing) after its `#`s, a list item after
            // its marker; a rule or setext line is nothing but `-` or `=`.
            '#' => {
                at_start && {
                    let run = chars.iter().take_while(|c| **c == '#').count();
                    run <= 6 && chars.get(run).is_none_or(|c| *c == ' ')
                }
            }
            '-' | '+' => {
                at_start
                    && (chars.get(1).is_none_or(|c| *c == ' ')
                        || chars.iter().all(|c| *c == c_first(&chars) || *c == ' '))
            }
            '=' | '>' => at_start,
            '.' | ')' => {
                (line_start && i == leading_digits && i > 0)
                    || (c == '.'
                        && i >= 3
                        && chars[i - 3..i]
                            .iter()
                            .collect::<String>()
                            .eq_ignore_ascii_case("www"))
            }
            ':' => chars.get(i + 1) == Some(&'/') && chars.get(i + 2) == Some(&'/'),
            _ => false,
        };
        match c {
            '<' => out.push_str("&lt;"),
            '&' if spells_entity(&chars[i + 1..]) => out.push_str("&amp;"),
            c if escape => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn c_first(chars: &[char]) -> char {
    chars.first().copied().unwrap_or(' ')
}

/// Whether the text after a `&` would make it an entity or character reference
/// (`&amp;`, `&#38;`, `&#x26;`), which a renderer would replace.
fn spells_entity(after: &[char]) -> bool {
    let body = after
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '#')
        .count();
    body > 0 && after.get(body) == Some(&';')
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

/// A code span in a GFM table cell (a command line): fenced with more backticks than
/// the text holds in a row, `|` escaped so the row keeps its columns (GFM reads
/// `\|` as `|` even in code), one line.
pub fn code_cell(text: &str) -> String {
    let text: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.is_empty() {
        return "—".into();
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
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
        assert_eq!(inline("| ]( <script>"), "\\| \\]( &lt;script>");
        assert_eq!(inline("# heading\n- item"), "\\# heading - item");
        assert_eq!(inline("- item"), "\\- item");
        assert_eq!(inline("> quote"), "\\> quote");
        assert_eq!(inline("12. item"), "12\\. item");
        assert_eq!(
            inline("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(
            inline("see http://evil.example or www.evil.example"),
            "see http\\://evil.example or www\\.evil.example"
        );
        assert_eq!(inline("a & b, 12:30 v4.1 x-y"), "a & b, 12:30 v4.1 x-y");
        assert_eq!(inline("&amp; &#38;"), "&amp;amp; &amp;#38;");
    }

    #[test]
    fn what_cannot_change_the_markdown_is_left_as_typed() {
        for text in [
            "(none)",
            "#1 posted",
            "local time (UTC+00:00)",
            "2026-12-07 03:54:18Z (first mitigation step)",
            "sitrep_responder and snake_case",
            "a > b, 5 - 3 = 2, done!",
        ] {
            assert_eq!(inline(text), text);
            assert_eq!(cell(text), text);
        }
        assert_eq!(
            inline("_emphasis_ or *this*"),
            "\\_emphasis\\_ or \\*this\\*"
        );
    }

    /// What a CommonMark (+ GFM tables and strikethrough) reader sees of `doc`:
    /// the text, and every event that is not text or the blocks the test expects.
    fn read(doc: &str) -> (String, Vec<String>) {
        use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
        let mut text = String::new();
        let mut other = Vec::new();
        for event in Parser::new_ext(doc, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::Start(
                    Tag::Paragraph
                    | Tag::Table(_)
                    | Tag::TableHead
                    | Tag::TableRow
                    | Tag::TableCell,
                )
                | Event::End(
                    TagEnd::Paragraph
                    | TagEnd::Table
                    | TagEnd::TableHead
                    | TagEnd::TableRow
                    | TagEnd::TableCell,
                ) => {}
                other_event => other.push(format!("{other_event:?}")),
            }
        }
        (text, other)
    }

    fn typed(text: &str) -> String {
        text.trim()
            .chars()
            .map(|c| {
                if matches!(c, '\n' | '\r' | '\t') {
                    ' '
                } else {
                    c
                }
            })
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Whatever a value holds, a reader sees exactly its text (inline, and in
        /// a table cell), and nothing else: no emphasis, code, link, HTML, heading.
        #[test]
        fn every_value_reads_as_typed(text in proptest::prop_oneof![
            "[|\\\\\\]\\[()<>`*_#!\\-+=~\n\t .:&;@\"'a-z0-9]{0,40}",
            proptest::prelude::any::<String>(),
        ]) {
            let expected = typed(&text);
            // A line that is a value alone (a list item's or a paragraph's start).
            let (seen, other) = read(&inline(&text));
            if !expected.is_empty() {
                proptest::prop_assert_eq!(&seen, &expected, "inline {:?}", inline(&text));
                proptest::prop_assert!(other.is_empty(), "{:?} from {:?}", other, inline(&text));
            }
            let code = format!("| a |\n| --- |\n| {} |\n", code_cell(&text));
            let mut code_seen = String::new();
            let mut code_other = Vec::new();
            for event in pulldown_cmark::Parser::new_ext(&code, pulldown_cmark::Options::ENABLE_TABLES) {
                match event {
                    pulldown_cmark::Event::Code(c) | pulldown_cmark::Event::Text(c) => code_seen.push_str(&c),
                    pulldown_cmark::Event::Start(_) | pulldown_cmark::Event::End(_) => {}
                    e => code_other.push(format!("{e:?}")),
                }
            }
            if !expected.is_empty() && !expected.chars().any(char::is_control) {
                proptest::prop_assert_eq!(code_seen, format!("a{expected}"), "code {:?}", code);
                proptest::prop_assert!(code_other.is_empty(), "{:?}", code_other);
            }
            // As a link's text: one link, to where it was meant to go, reading as typed
            // (a fuzzer found `]` ending the text early and `(…)` becoming the target).
            let mut targets = Vec::new();
            let mut link_text = String::new();
            for event in pulldown_cmark::Parser::new(&link(&text, "https://r.example/x")) {
                match event {
                    pulldown_cmark::Event::Start(pulldown_cmark::Tag::Link { dest_url, .. }) => {
                        targets.push(dest_url.to_string())
                    }
                    pulldown_cmark::Event::Text(t) => link_text.push_str(&t),
                    _ => {}
                }
            }
            if !expected.is_empty() {
                proptest::prop_assert_eq!(targets, vec!["https://r.example/x".to_string()]);
                proptest::prop_assert_eq!(&link_text, &expected);
            }
            let row = format!("| a |\n| --- |\n| {} |\n", cell(&text));
            let (seen, other) = read(&row);
            let cell_text = if expected.is_empty() { "—".to_string() } else { expected.clone() };
            proptest::prop_assert_eq!(seen, format!("a{cell_text}"), "cell {:?}", cell(&text));
            proptest::prop_assert!(other.is_empty(), "{:?}", other);
        }
    }

    #[test]
    fn cells_keep_their_columns_and_are_never_blank() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("  "), "—");
        assert_eq!(cell("46.7%"), "46.7%");
        assert_eq!(cell("- x > y"), "- x > y");
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
