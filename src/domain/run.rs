//! A command run through sitrep (`sitrep run`): how it is written in the timeline
//! before it starts and after it ends, and the tail of its output kept with it.
//! Pure: the process itself is run by the CLI.

use std::collections::VecDeque;
use std::time::Duration;

use super::text::sanitize_line;

/// Lines of output kept with the entry.
pub const TAIL_LINES: usize = 20;
/// Characters of one output line kept.
pub const LINE_CHARS: usize = 240;
/// Bytes of a line read before the rest of it is dropped (a 10 MB line of binary).
const LINE_BYTES: usize = 4 * 1024;

/// `argv` as a person would type it: words with spaces or quotes are quoted, every
/// control character made visible. The environment is never part of it.
pub fn command_line(argv: &[String]) -> String {
    argv.iter()
        .map(|word| {
            let safe = !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_alphanumeric() || "-_./=:,+@%^".contains(c));
            if safe {
                sanitize_line(word)
            } else {
                format!("'{}'", sanitize_line(&word.replace('\'', r"'\''")))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A typed command line split into words the way a shell splits them, without the
/// shell: whitespace separates words, '…' keeps everything as it is, "…" and a
/// backslash keep the next character. Nothing is expanded (no `$VAR`, `*`, `|`).
pub fn split_words(line: &str) -> Result<Vec<String>, super::DomainError> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err(super::DomainError::invalid("a ' is not closed")),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c) => w.push(c),
                            None => return Err(super::DomainError::invalid("a \" is not closed")),
                        },
                        Some(c) => w.push(c),
                        None => return Err(super::DomainError::invalid("a \" is not closed")),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => return Err(super::DomainError::invalid("a line cannot end with \\")),
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// The entry written before the command starts.
pub fn started_text(argv: &[String]) -> String {
    format!("running: {}", command_line(argv))
}

/// A command run for an incident, as its two timeline entries record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded<'a> {
    /// The entry written before it started (`running: …`).
    pub started: &'a super::TimelineEntry,
    /// The command line as written.
    pub command: &'a str,
    /// The entry written when it ended, if one was (none: it may still run, or
    /// sitrep was killed first).
    pub finished: Option<&'a super::TimelineEntry>,
}

impl Recorded<'_> {
    /// How it ended, in the words its entry used: `exited 3 after 0.1s`.
    pub fn outcome(&self) -> String {
        match self.finished {
            Some(e) => {
                let first = e.text.lines().next().unwrap_or_default();
                ending_of(first).map_or_else(|| first.to_string(), |(_, how)| how.to_string())
            }
            None => "no end recorded".into(),
        }
    }

    /// It ran and exited 0.
    pub fn succeeded(&self) -> bool {
        self.finished.is_some_and(|e| {
            let first = e.text.lines().next().unwrap_or_default();
            ending_of(first).is_some_and(|(_, how)| how.starts_with("exited 0 after "))
        })
    }
}

/// `(name, how)` of a first line that [`finished_text`] wrote: `("sh", "exited 3
/// after 0.1s")`.
fn ending_of(line: &str) -> Option<(&str, &str)> {
    let (name, how) = line.split_once(' ')?;
    let exited = how
        .strip_prefix("exited ")
        .and_then(|rest| rest.split_once(" after "))
        .is_some_and(|(code, _)| code.parse::<i32>().is_ok());
    (exited || how.starts_with("killed by ") || how.starts_with("could not start: "))
        .then_some((name, how))
}

/// The commands `timeline` records running, each with the entry that says how it
/// ended (the first later ending entry of the same program).
pub fn recorded(timeline: &[super::TimelineEntry]) -> Vec<Recorded<'_>> {
    let mut out: Vec<Recorded> = Vec::new();
    let mut ended = vec![false; timeline.len()];
    for (n, entry) in timeline.iter().enumerate() {
        let Some(command) = entry.text.strip_prefix("running: ") else {
            continue;
        };
        let program = command
            .split(' ')
            .next()
            .unwrap_or_default()
            .trim_matches('\'');
        let finished = timeline.iter().enumerate().skip(n + 1).find(|(m, e)| {
            !ended[*m]
                && ending_of(e.text.lines().next().unwrap_or_default())
                    .is_some_and(|(name, _)| name == program)
        });
        if let Some((m, _)) = finished {
            ended[m] = true;
        }
        out.push(Recorded {
            started: entry,
            command,
            finished: finished.map(|(_, e)| e),
        });
    }
    out
}

/// The entries `commands` wrote: each start and each ending.
pub fn entry_ids(commands: &[Recorded<'_>]) -> Vec<super::EntryId> {
    commands
        .iter()
        .flat_map(|c| std::iter::once(c.started.id).chain(c.finished.map(|f| f.id)))
        .collect()
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    /// Killed by this signal number.
    Signal(i32),
    /// It never started: why (not found, not executable).
    NotStarted(String),
}

impl Ending {
    /// How a process ended, from its exit code or the signal that killed it (as
    /// `ExitStatus` says them).
    pub fn from_status(code: Option<i32>, signal: Option<i32>) -> Self {
        match (code, signal) {
            (Some(code), _) => Self::Exited(code),
            (None, Some(sig)) => Self::Signal(sig),
            (None, None) => Self::NotStarted("no exit status".into()),
        }
    }

    /// The exit code sitrep gives back: the command's, 128 + the signal like a shell,
    /// 127 for a command that is not there and 126 for one that cannot run.
    pub fn exit_code(&self, not_found: bool) -> i32 {
        match self {
            Self::Exited(code) => *code,
            Self::Signal(sig) => 128 + sig,
            Self::NotStarted(_) if not_found => 127,
            Self::NotStarted(_) => 126,
        }
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => "signal",
    }
}

/// `12.3s`, `4m05s`.
fn took(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = d.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

/// The entry written after it ends: how, after how long, and the tail of its output.
pub fn finished_text(argv: &[String], ending: &Ending, elapsed: Duration, tail: &Tail) -> String {
    let name = argv.first().map(|c| sanitize_line(c)).unwrap_or_default();
    let mut text = match ending {
        Ending::Exited(code) => format!("{name} exited {code} after {}", took(elapsed)),
        Ending::Signal(sig) => format!(
            "{name} killed by {} ({sig}) after {}",
            signal_name(*sig),
            took(elapsed)
        ),
        Ending::NotStarted(why) => format!("{name} could not start: {}", sanitize_line(why)),
    };
    let lines = tail.lines();
    if tail.binary {
        text.push_str(&format!(
            "\noutput: {} bytes, binary (not kept)",
            tail.bytes
        ));
    } else if !lines.is_empty() {
        let dropped = if tail.total_lines() > lines.len() as u64 {
            format!(" (last {} of {})", lines.len(), tail.total_lines())
        } else {
            String::new()
        };
        text.push_str(&format!("\noutput{dropped}:"));
        for line in lines {
            text.push_str("\n  ");
            text.push_str(&line);
        }
    }
    if tail.held_open {
        text.push_str("\n(something it started still holds its output: not waited for)");
    }
    text
}

/// The last [`TAIL_LINES`] lines of a stream of bytes, each cut to [`LINE_CHARS`]
/// and made safe (invalid UTF-8 replaced, control characters visible), whatever the
/// stream's size: it holds at most one partial line of [`LINE_BYTES`] besides them.
#[derive(Debug, Default)]
pub struct Tail {
    lines: VecDeque<String>,
    current: Vec<u8>,
    current_cut: bool,
    total: u64,
    bytes: u64,
    /// A NUL byte or invalid UTF-8 was seen: the output is data, not text, and no
    /// line of it is kept.
    binary: bool,
    /// The command ended but its output stayed open (a process it started in the
    /// background holds it): what came after the drain was not waited for.
    pub held_open: bool,
}

impl Tail {
    pub fn feed(&mut self, bytes: &[u8]) {
        self.bytes += bytes.len() as u64;
        if !self.binary && bytes.contains(&0) {
            self.binary = true;
        }
        for piece in bytes.split_inclusive(|b| *b == b'\n') {
            let (body, ends) = match piece.strip_suffix(b"\n") {
                Some(body) => (body, true),
                None => (piece, false),
            };
            let room = LINE_BYTES.saturating_sub(self.current.len());
            if body.len() > room {
                self.current.extend_from_slice(&body[..room]);
                self.current_cut = true;
            } else {
                self.current.extend_from_slice(body);
            }
            if ends {
                self.end_line();
            }
        }
    }

    /// Ends the stream: a last line without a newline still counts.
    pub fn finish(&mut self) {
        if !self.current.is_empty() {
            self.end_line();
        }
    }

    fn end_line(&mut self) {
        // A line cut at the byte cap may end inside a character: only a bad sequence
        // before the cut makes it binary.
        let whole = if self.current_cut {
            let valid = match std::str::from_utf8(&self.current) {
                Ok(_) => self.current.len(),
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                Err(_) => 0,
            };
            valid == self.current.len() || self.current.len() - valid < 4
        } else {
            std::str::from_utf8(&self.current).is_ok()
        };
        if !whole {
            self.binary = true;
        }
        let raw = String::from_utf8_lossy(&self.current);
        let raw = raw.trim_end_matches('\r');
        let mut line: String = sanitize_line(raw).chars().take(LINE_CHARS).collect();
        if self.current_cut || raw.chars().count() > LINE_CHARS {
            line.push('…');
        }
        self.current.clear();
        self.current_cut = false;
        self.total += 1;
        if self.lines.len() == TAIL_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.iter().cloned().collect()
    }

    /// Lines seen in all.
    pub fn total_lines(&self) -> u64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn a_typed_line_is_split_like_a_shell_would_without_expanding_anything() {
        let split = |line: &str| split_words(line).unwrap();
        assert_eq!(
            split("kubectl rollout undo  deploy/room"),
            argv(&["kubectl", "rollout", "undo", "deploy/room"])
        );
        assert_eq!(
            split(r#"sh -c 'echo $HOME | wc -c' "a \"b\" c" d\ e ''"#),
            argv(&["sh", "-c", "echo $HOME | wc -c", r#"a "b" c"#, "d e", ""])
        );
        assert_eq!(split("a'b'\"c\"d"), argv(&["abcd"]));
        assert_eq!(split("   "), Vec::<String>::new());
        for bad in ["echo 'open", "echo \"open", "echo \\"] {
            assert!(split_words(bad).is_err(), "{bad}");
        }
        // The split words, shown again, read back the same.
        let words = split(r#"printf '%s\n' "it's" a\ b"#);
        assert_eq!(split(&command_line(&words)), words);
    }

    #[test]
    fn a_command_line_reads_as_typed_and_shows_no_control_characters() {
        assert_eq!(
            command_line(&argv(&[
                "kubectl",
                "rollout",
                "undo",
                "deploy/room",
                "--to-revision=41"
            ])),
            "kubectl rollout undo deploy/room --to-revision=41"
        );
        assert_eq!(
            command_line(&argv(&["sh", "-c", "echo it's done; exit 3", ""])),
            r"sh -c 'echo it'\''s done; exit 3' ''"
        );
        let hostile = command_line(&argv(&["echo", "\u{1b}[2Jx\ny"]));
        assert!(
            !hostile.contains('\u{1b}') && !hostile.contains('\n'),
            "{hostile}"
        );
    }

    #[test]
    fn the_ending_says_how_and_after_how_long_with_the_tail() {
        let mut tail = Tail::default();
        tail.feed(b"rolled back\npartial");
        tail.finish();
        let text = finished_text(
            &argv(&["kubectl", "rollout"]),
            &Ending::Exited(0),
            Duration::from_millis(12_345),
            &tail,
        );
        assert_eq!(
            text,
            "kubectl exited 0 after 12.3s\noutput:\n  rolled back\n  partial"
        );
        let killed = finished_text(
            &argv(&["sleep"]),
            &Ending::Signal(15),
            Duration::from_secs(125),
            &Tail::default(),
        );
        assert_eq!(killed, "sleep killed by SIGTERM (15) after 2m05s");
        assert_eq!(Ending::Signal(2).exit_code(false), 130);
        assert_eq!(Ending::NotStarted("x".into()).exit_code(true), 127);
    }

    #[test]
    fn the_tail_keeps_the_last_lines_cut_and_safe_whatever_comes_in() {
        let mut tail = Tail::default();
        for i in 0..1_000 {
            tail.feed(format!("line {i}\n").as_bytes());
        }
        // One enormous line of text with escapes in it, fed in pieces.
        let long = "é\u{1b}[2J".repeat(500_000);
        for chunk in long.as_bytes().chunks(8191) {
            tail.feed(chunk);
        }
        tail.finish();
        let lines = tail.lines();
        assert_eq!(lines.len(), TAIL_LINES);
        assert_eq!(lines[0], "line 981");
        let last = &lines[TAIL_LINES - 1];
        assert!(
            last.ends_with('…') && last.chars().count() == LINE_CHARS + 1,
            "{last}"
        );
        assert!(last.chars().all(|c| !c.is_control()), "{last:?}");
        assert_eq!(tail.total_lines(), 1_001);
        assert!(!tail.binary, "text cut inside a character is still text");
    }

    #[test]
    fn binary_output_is_counted_not_kept() {
        for data in [vec![0u8, 1, 2, b'\n', 3], vec![b'a', 0xff, 0xfe, b'\n']] {
            let mut tail = Tail::default();
            tail.feed(&data);
            tail.finish();
            let text = finished_text(
                &["cat".to_string()],
                &Ending::Exited(0),
                Duration::ZERO,
                &tail,
            );
            assert_eq!(
                text,
                format!(
                    "cat exited 0 after 0.0s\noutput: {} bytes, binary (not kept)",
                    data.len()
                )
            );
        }
    }
}
