//! Finding templates (user override, else built-in default) and rendering them with
//! Markdown escaping on by default.

use std::fs;
use std::path::{Path, PathBuf};

use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde::Serialize;
use thiserror::Error as ThisError;

use super::markdown;

pub const POSTMORTEM_TEMPLATE: &str = "postmortem.md";
pub const COMMS_TEMPLATE: &str = "comms-update.md";
/// The comms draft as plain text, to paste into a status page as it is.
pub const COMMS_TEXT_TEMPLATE: &str = "comms-update.txt";
pub const REVIEW_TEMPLATE: &str = "review.md";
/// The body of a comms update posted to a generic JSON webhook.
pub const WEBHOOK_TEMPLATE: &str = "webhook.json";

/// The built-in templates, compiled into the binary.
const DEFAULTS: &[(&str, &str)] = &[
    (
        POSTMORTEM_TEMPLATE,
        include_str!("../../templates/postmortem.md"),
    ),
    (
        COMMS_TEMPLATE,
        include_str!("../../templates/comms-update.md"),
    ),
    (
        COMMS_TEXT_TEMPLATE,
        include_str!("../../templates/comms-update.txt"),
    ),
    (REVIEW_TEMPLATE, include_str!("../../templates/review.md")),
    (
        WEBHOOK_TEMPLATE,
        include_str!("../../templates/webhook.json"),
    ),
];

#[derive(Debug, ThisError)]
pub enum ReportError {
    #[error("no template '{name}' (see 'sitrep templates list')")]
    NotFound { name: String },
    #[error("cannot read template '{}': {detail}", path.display())]
    Read { path: PathBuf, detail: String },
    /// A syntax or rendering error, naming the template file and line.
    #[error("template '{origin}' line {line}: {detail}")]
    Template {
        origin: String,
        line: usize,
        detail: String,
    },
}

/// Where a template's text comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    /// A user's file that replaces the built-in of the same name.
    Override(PathBuf),
    /// A user's file with a name of its own.
    User(PathBuf),
    /// A file named by path.
    File(PathBuf),
}

impl Origin {
    fn label(&self, name: &str) -> String {
        match self {
            Self::BuiltIn => format!("built-in {name}"),
            Self::Override(p) | Self::User(p) | Self::File(p) => p.display().to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInfo {
    pub name: String,
    pub origin: Origin,
}

/// The templates available: built-ins and the user's directory.
#[derive(Debug, Clone)]
pub struct Templates {
    dir: PathBuf,
}

impl Templates {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    /// Every template by name, with where it comes from; built-ins first.
    pub fn list(&self) -> Vec<TemplateInfo> {
        let mut out: Vec<TemplateInfo> = DEFAULTS
            .iter()
            .map(|(name, _)| {
                let path = self.dir.join(name);
                let origin = if path.is_file() {
                    Origin::Override(path)
                } else {
                    Origin::BuiltIn
                };
                TemplateInfo {
                    name: (*name).to_string(),
                    origin,
                }
            })
            .collect();
        if let Ok(entries) = fs::read_dir(&self.dir) {
            let mut extra: Vec<TemplateInfo> = entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|name| !DEFAULTS.iter().any(|(d, _)| d == name))
                .map(|name| TemplateInfo {
                    origin: Origin::User(self.dir.join(&name)),
                    name,
                })
                .collect();
            extra.sort_by(|a, b| a.name.cmp(&b.name));
            out.extend(extra);
        }
        out
    }

    /// The built-in text of a template, for `templates show --default`.
    pub fn built_in(name: &str) -> Option<&'static str> {
        DEFAULTS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| *text)
    }

    /// The text of `name` — a path if it contains a slash, else the user's file of
    /// that name, else the built-in — and where it came from.
    pub fn source(&self, name: &str) -> Result<(String, Origin), ReportError> {
        if name.contains('/') {
            let path = PathBuf::from(name);
            return read(&path).map(|text| (text, Origin::File(path)));
        }
        let path = self.dir.join(name);
        if path.is_file() {
            let origin = if Self::built_in(name).is_some() {
                Origin::Override(path.clone())
            } else {
                Origin::User(path.clone())
            };
            return read(&path).map(|text| (text, origin));
        }
        Self::built_in(name)
            .map(|text| (text.to_string(), Origin::BuiltIn))
            .ok_or_else(|| ReportError::NotFound { name: name.into() })
    }

    /// Whether template `name` parses (`sitrep doctor`): where it comes from, or the
    /// error naming its file and line. Rendering errors (a value it names that does
    /// not exist) show only when it renders.
    pub fn check(&self, name: &str) -> Result<Origin, ReportError> {
        let (text, origin) = self.source(name)?;
        let label = origin.label(name);
        let mut env = environment();
        env.add_template_owned(label.clone(), text)
            .map_err(|e| template_error(&label, &e))?;
        Ok(origin)
    }

    /// Renders template `name` with `context`. Nothing is written anywhere: a template
    /// error returns before any output exists. Rendering is bounded: a template that
    /// loops without end runs out of fuel, and one whose output grows past
    /// [`MAX_OUTPUT_BYTES`] is stopped; both are errors naming the template.
    pub fn render(&self, name: &str, context: &impl Serialize) -> Result<String, ReportError> {
        let (text, origin) = self.source(name)?;
        let label = origin.label(name);
        let mut env = environment();
        env.add_template_owned(label.clone(), text)
            .map_err(|e| template_error(&label, &e))?;
        let template = env
            .get_template(&label)
            .map_err(|e| template_error(&label, &e))?;
        let mut out = CappedOutput::default();
        let rendered = template.render_captured_to(Value::from_serialize(context), &mut out);
        if out.over {
            return Err(ReportError::Template {
                origin: label,
                line: 0,
                detail: format!(
                    "the document grew past {} MiB; is a loop in the template running away?",
                    MAX_OUTPUT_BYTES / (1024 * 1024)
                ),
            });
        }
        rendered.map_err(|e| template_error(&label, &e))?;
        let mut out = String::from_utf8(out.bytes).map_err(|e| ReportError::Template {
            origin: label.clone(),
            line: 0,
            detail: e.to_string(),
        })?;
        if !out.ends_with('\n') {
            out.push('\n');
        }
        Ok(out)
    }
}

/// How many template instructions one rendering may run. The built-in postmortem of
/// a 10,000-entry incident needs between 100,000 and 300,000 (measured), so this
/// leaves room for incidents fifty times larger while a runaway loop stops within
/// about a second of CPU in a release build.
pub const FUEL: u64 = 10_000_000;

/// The largest document a template may write.
pub const MAX_OUTPUT_BYTES: usize = 64 * 1024 * 1024;

/// A writer that refuses to grow past [`MAX_OUTPUT_BYTES`].
#[derive(Default)]
struct CappedOutput {
    bytes: Vec<u8>,
    over: bool,
}

impl std::io::Write for CappedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT_BYTES {
            self.over = true;
            return Err(std::io::Error::other("document too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn read(path: &Path) -> Result<String, ReportError> {
    fs::read_to_string(path).map_err(|e| ReportError::Read {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

fn template_error(label: &str, e: &Error) -> ReportError {
    ReportError::Template {
        origin: e.name().unwrap_or(label).to_string(),
        line: e.line().unwrap_or(0),
        detail: e
            .detail()
            .map(str::to_string)
            .unwrap_or_else(|| e.kind().to_string()),
    }
}

/// A value's text: `none` and undefined print as nothing.
fn text_of(value: &Value) -> String {
    if value.is_none() || value.is_undefined() {
        String::new()
    } else if let Some(s) = value.as_str() {
        s.to_string()
    } else {
        value.to_string()
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Escape for Markdown unless a filter has already made the value safe, or the
    // template is plain text (`.txt`), where escapes would be pasted literally. In a
    // JSON template (`.json`) every value is written as JSON, so that no text can
    // break the document.
    env.set_formatter(|out, state, value| {
        let text = if state.name().ends_with(".json") && !value.is_safe() {
            serde_json::to_string(value).map_err(|e| {
                Error::new(ErrorKind::BadSerialization, "cannot write a value as JSON")
                    .with_source(e)
            })?
        } else if value.is_safe() || state.name().ends_with(".txt") {
            text_of(value)
        } else {
            markdown::inline(&text_of(value))
        };
        out.write_str(&text)
            .map_err(|_| Error::new(ErrorKind::WriteFailure, "cannot write the document"))
    });
    env.add_filter("cell", |v: Value| {
        Value::from_safe_string(markdown::cell(&text_of(&v)))
    });
    env.add_filter("code_cell", |v: Value| {
        Value::from_safe_string(markdown::code_cell(&text_of(&v)))
    });
    env.add_filter("paragraphs", |v: Value| {
        Value::from_safe_string(markdown::paragraphs(&text_of(&v)))
    });
    env.add_filter("url", |v: Value| {
        Value::from_safe_string(markdown::url(&text_of(&v)).unwrap_or_default())
    });
    env.add_filter("link", |target: Value, text: String| {
        Value::from_safe_string(markdown::link(&text, &text_of(&target)))
    });
    env.add_filter("raw", |v: Value| Value::from_safe_string(text_of(&v)));
    env
}
