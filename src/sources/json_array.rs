//! A JSON array read as it arrives, one element at a time: a storm's 50 MB answer
//! is never held whole, only the element being read (a few hundred bytes), so the
//! memory a poll needs does not grow with the answer.
//!
//! The splitter checks the array's own structure (brackets, commas, strings and
//! their escapes); what is inside an element is for the element's parser.

use super::SourceError;

/// Splits one JSON array, fed in chunks of any size, into its elements.
#[derive(Debug, Default)]
pub struct Splitter {
    state: State,
    /// The element being read.
    element: Vec<u8>,
    /// Brackets and braces open inside the element.
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// Bytes fed so far (where an error is).
    bytes: usize,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening `[`.
    #[default]
    Start,
    /// After `[` or `,`: an element (or, after `[`, the closing `]`).
    Value { first: bool },
    /// Inside an element.
    Element,
    /// After an element: `,` or `]`.
    Next,
    /// After the closing `]`: only whitespace.
    Done,
}

fn invalid(what: &str, at: usize) -> SourceError {
    SourceError::Json(format!("{what} at byte {at}"))
}

/// What a JSON value that is not an array is, by its first byte.
fn kind_of(first: u8) -> Option<&'static str> {
    Some(match first {
        b'{' => "an object",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        b'-' | b'0'..=b'9' => "a number",
        _ => return None,
    })
}

/// The first `"` or `\\` in `s`. An answer's strings are mostly short (label names
/// and values), where a call into memchr costs more than it saves: eight bytes are
/// looked at at a time instead (a byte equal to either sets its high bit below).
fn quote_or_backslash(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let mut i = 0;
    while let Some(word) = s.get(i..i + 8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_le_bytes(bytes);
        // Only the lowest flagged byte is sure (a borrow can flag bytes above it).
        let found =
            zero_bytes(x ^ (ONES * u64::from(b'"'))) | zero_bytes(x ^ (ONES * u64::from(b'\\')));
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|n| i + n)
}

impl Splitter {
    /// Reads `chunk`, handing each element completed in it to `each` (its bytes
    /// exactly as sent). Fails at the first byte that cannot be part of an array.
    pub fn feed(
        &mut self,
        chunk: &[u8],
        mut each: impl FnMut(&[u8]) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        let mut i = 0;
        while i < chunk.len() {
            let at = self.bytes + i;
            match self.state {
                State::Element => {
                    let (used, ended) = self.scan(&chunk[i..]);
                    let piece = &chunk[i..i + used];
                    i += used;
                    if !ended {
                        self.element.extend_from_slice(piece);
                    } else if self.element.is_empty() {
                        // Begun and ended in this chunk: handed out where it lies.
                        self.state = State::Next;
                        each(piece)?;
                    } else {
                        self.state = State::Next;
                        self.element.extend_from_slice(piece);
                        each(&self.element)?;
                        self.element.clear();
                    }
                    continue;
                }
                _ if chunk[i].is_ascii_whitespace() => {}
                State::Start => match chunk[i] {
                    b'[' => self.state = State::Value { first: true },
                    other => {
                        return Err(match kind_of(other) {
                            Some(kind) => SourceError::Shape(format!(
                                "expected a JSON array of alerts, got {kind}"
                            )),
                            None => invalid("expected value", at),
                        })
                    }
                },
                State::Value { first: true } if chunk[i] == b']' => self.state = State::Done,
                State::Value { .. } => match chunk[i] {
                    b',' | b']' | b'}' | b':' => return Err(invalid("expected value", at)),
                    _ => {
                        self.state = State::Element;
                        self.depth = 0;
                        self.in_string = false;
                        self.escaped = false;
                        continue;
                    }
                },
                State::Next => match chunk[i] {
                    b',' => self.state = State::Value { first: false },
                    b']' => self.state = State::Done,
                    _ => return Err(invalid("expected ',' or ']'", at)),
                },
                State::Done => return Err(invalid("trailing characters", at)),
            }
            i += 1;
        }
        self.bytes += chunk.len();
        Ok(())
    }

    /// How many bytes of `rest` belong to the element, and whether it ended there.
    fn scan(&mut self, rest: &[u8]) -> (usize, bool) {
        let mut i = 0;
        while i < rest.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                // Most of an answer is string contents: jump to what ends or escapes.
                match quote_or_backslash(&rest[i..]) {
                    None => return (rest.len(), false),
                    Some(n) => {
                        i += n;
                        if rest[i] == b'"' {
                            self.in_string = false;
                            if self.depth == 0 {
                                return (i + 1, true);
                            }
                        } else {
                            self.escaped = true;
                        }
                        i += 1;
                    }
                }
                continue;
            }
            match rest[i] {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' if self.depth > 0 => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return (i + 1, true);
                    }
                }
                // A number, true, false or null ends where the array goes on.
                b',' | b']' | b'}' if self.depth == 0 => return (i, true),
                b if b.is_ascii_whitespace() && self.depth == 0 => return (i, true),
                _ => {}
            }
            i += 1;
        }
        (rest.len(), false)
    }

    /// The answer ended: fails unless the array was closed.
    pub fn finish(
        mut self,
        each: impl FnMut(&[u8]) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        // A bare number as the last thing is only ended by the end of the answer.
        if self.state == State::Element && self.depth == 0 && !self.in_string {
            self.state = State::Next;
            let element = std::mem::take(&mut self.element);
            let mut each = each;
            each(&element)?;
        }
        match self.state {
            State::Done => Ok(()),
            State::Start => Err(SourceError::Json("EOF while parsing a value".into())),
            _ => Err(SourceError::Json(format!(
                "EOF while parsing a list at byte {}",
                self.bytes
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn split(body: &[u8], chunk: usize) -> Result<Vec<String>, SourceError> {
        let mut s = Splitter::default();
        let mut out = Vec::new();
        for c in body.chunks(chunk.max(1)) {
            s.feed(c, |e| {
                out.push(String::from_utf8_lossy(e).into_owned());
                Ok(())
            })?;
        }
        s.finish(|e| {
            out.push(String::from_utf8_lossy(e).into_owned());
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn elements_come_out_whole_whatever_the_chunks() {
        let body = br#" [ {"a":"x]\"}","b":[1,{"c":2}]} , 3 ,"s\\" ,true,null,[[]] ] "#;
        for chunk in 1..body.len() + 1 {
            assert_eq!(
                split(body, chunk).unwrap(),
                vec![
                    r#"{"a":"x]\"}","b":[1,{"c":2}]}"#,
                    "3",
                    r#""s\\""#,
                    "true",
                    "null",
                    "[[]]"
                ],
                "chunks of {chunk}"
            );
        }
        assert_eq!(split(b"[]", 1).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn the_word_at_a_time_search_finds_the_first_quote_or_backslash() {
        for len in 0..40 {
            for at in 0..len {
                for needle in [b'"', b'\\'] {
                    let mut s = vec![b'a'; len];
                    s[at] = needle;
                    if at + 3 < len {
                        s[at + 3] = b'"';
                    }
                    assert_eq!(quote_or_backslash(&s), Some(at), "{len} {at}");
                }
            }
            // Bytes one off either (a borrow across bytes) are not found.
            assert_eq!(quote_or_backslash(&vec![b'!'; len]), None);
            assert_eq!(quote_or_backslash(&vec![b'#'; len]), None);
            assert_eq!(quote_or_backslash(&vec![0x5d; len]), None);
            assert_eq!(quote_or_backslash(&vec![0xdc; len]), None);
        }
    }

    #[test]
    fn what_is_not_an_array_is_a_clear_error() {
        let e = split(br#"{"data": []}"#, 4).unwrap_err().to_string();
        assert!(
            e.contains("expected a JSON array of alerts, got an object"),
            "{e}"
        );
        for (body, says) in [
            (&b"<html>"[..], "invalid JSON"),
            (b"", "EOF"),
            (b"[{\"a\":1}", "EOF"),
            (b"[{\"a\":1},", "EOF"),
            (b"[1 2]", "expected ',' or ']'"),
            (b"[1,]", "expected value"),
            (b"[,1]", "expected value"),
            (b"[1] x", "trailing characters"),
            (b"[\"open", "EOF"),
        ] {
            let e = split(body, 3).unwrap_err().to_string();
            assert!(e.contains(says), "{:?}: {e}", String::from_utf8_lossy(body));
        }
    }

    proptest! {
        /// Any JSON array serde can write splits into exactly the elements serde
        /// reads back, fed in chunks of any size.
        #[test]
        fn splits_as_serde_reads(values in proptest::collection::vec(any_json(), 0..8), chunk in 1usize..64) {
            let body = serde_json::to_vec_pretty(&values).unwrap();
            let elements = split(&body, chunk).unwrap();
            let back: Vec<serde_json::Value> = elements.iter().map(|e| serde_json::from_str(e).unwrap()).collect();
            prop_assert_eq!(back, values);
        }
    }

    fn any_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            "[\\PC\"\\\\\\[\\]{},]{0,12}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                proptest::collection::btree_map("[a-z\"\\]]{0,4}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
