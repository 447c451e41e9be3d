//! Pretty JSON of a long list on several threads, byte for byte what
//! `serde_json::to_string_pretty` writes: each thread renders a run of elements with
//! a formatter that starts one level in, and the runs are joined in order.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// Fewer elements than this per thread are not worth a thread.
const MIN_ITEMS_PER_WORKER: usize = 500;

/// serde_json's `PrettyFormatter` (two spaces), starting at `level`.
struct Indented {
    level: usize,
    has_value: bool,
}

impl Indented {
    fn indent<W: ?Sized + io::Write>(&self, w: &mut W) -> io::Result<()> {
        for _ in 0..self.level {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    /// `[` or `{`: one level in, nothing inside yet.
    fn open<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    /// `]` or `}`: on a line of its own unless empty.
    fn close<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }

    /// Before an element or a key: a new line, after a comma unless it is the first.
    fn next<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
}

impl Formatter for Indented {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next(w, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Elements of the top-level array, each on its own lines one level in, joined by
/// `,\n`: the inside of `[\n … \n]`.
fn render_run<T: Serialize>(mut out: Vec<u8>, items: &[T]) -> serde_json::Result<Vec<u8>> {
    for (n, item) in items.iter().enumerate() {
        out.extend_from_slice(if n == 0 { b"  " } else { b",\n  " });
        let formatter = Indented {
            level: 1,
            has_value: false,
        };
        let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
        item.serialize(&mut ser)?;
    }
    Ok(out)
}

/// `serde_json::to_string_pretty(items)`, rendered on up to `workers` threads.
pub fn pretty_list<T: Serialize + Sync>(items: &[T], workers: usize) -> serde_json::Result<String> {
    let workers = workers.min(items.len() / MIN_ITEMS_PER_WORKER).max(1);
    if workers == 1 || items.is_empty() {
        return serde_json::to_string_pretty(items);
    }
    let size = items.len().div_ceil(workers);
    // About a kilobyte per alert: the first run is rendered straight into the whole
    // document, the others copied after it.
    let guess = |n: usize| n * 1024;
    let (first, rest) = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(size)
            .skip(1)
            .map(|chunk| {
                scope.spawn(move || render_run(Vec::with_capacity(guess(chunk.len())), chunk))
            })
            .collect();
        let mut head = Vec::with_capacity(guess(items.len()));
        head.extend_from_slice(b"[\n");
        let first = render_run(head, &items[..size.min(items.len())]);
        let rest: Vec<serde_json::Result<Vec<u8>>> = handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(serde::ser::Error::custom(
                        "rendering JSON failed on a thread",
                    ))
                })
            })
            .collect();
        (first, rest)
    });
    let mut out = first?;
    for part in rest {
        out.extend_from_slice(b",\n");
        out.extend_from_slice(&part?);
    }
    out.extend_from_slice(b"\n]");
    // Only serde_json wrote into the runs, and it writes UTF-8.
    String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_long_list_renders_byte_for_byte_as_serde_json_does() {
        let items: Vec<serde_json::Value> = (0..2_345)
            .map(|i| {
                json!({
                    "id": i,
                    "name": format!("alert \"{i}\"\nsecond line"),
                    "labels": {"a": "1", "b": {"nested": [1, 2, {"x": null}]}},
                    "empty_map": {},
                    "empty_list": [],
                    "list": ["x", "y"],
                    "none": null,
                    "ok": i % 2 == 0,
                })
            })
            .collect();
        let expected = serde_json::to_string_pretty(&items).unwrap();
        for workers in [1, 2, 3, 4, 7] {
            assert_eq!(pretty_list(&items, workers).unwrap(), expected, "{workers}");
        }
        for n in [0, 1, 499, 500, 1000, 1001] {
            let some = &items[..n];
            assert_eq!(
                pretty_list(some, 4).unwrap(),
                serde_json::to_string_pretty(some).unwrap(),
                "{n}"
            );
        }
    }
}
