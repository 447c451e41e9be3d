//! Documents from templates: the blameless postmortem draft and the customer comms
//! update. Templates are minijinja (Jinja syntax); defaults live in `templates/` and
//! are compiled in, files of the same name in the user's templates dir override them.
//! Every value is escaped for Markdown where it lands (see `markdown`).
//!
//! Depends on the domain only; `file` writes a finished document, whole or not at all.

pub mod context;
pub mod file;
pub mod markdown;
mod templates;

pub use templates::{
    Origin, ReportError, TemplateInfo, Templates, COMMS_TEMPLATE, COMMS_TEXT_TEMPLATE,
    POSTMORTEM_TEMPLATE, REVIEW_TEMPLATE, WEBHOOK_TEMPLATE,
};
