//! The crate's error type: everything that stops a run or a load.

use platform_model::{Diagnostic, Span};

mod parameter;

pub use parameter::ParameterError;

/// Why a template could not be loaded or run.
///
/// Findings that do not stop anything (lint results, render warnings) are
/// values in reports, not errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The template file is not a valid `scaffolder.backstage.io/v1beta3`
    /// Template; every problem is located.
    #[error("{file}: {}", summarize(diagnostics))]
    InvalidTemplate {
        /// The template file as given.
        file: String,
        /// The problems, each with a span.
        diagnostics: Vec<Diagnostic>,
    },
    /// The values do not satisfy the template's parameter pages.
    #[error("the values do not match the template's parameters: {}", join(errors))]
    InvalidParameters {
        /// Every violation, naming the parameter, the page and the rule.
        errors: Vec<ParameterError>,
    },
    /// The secrets do not satisfy `spec.secrets.schema`.
    #[error(
        "the secrets do not match the template's secrets schema: {}",
        join(errors)
    )]
    InvalidSecrets {
        /// Every violation (secret values are never echoed).
        errors: Vec<ParameterError>,
    },
    /// A step names an action the registry does not have.
    #[error("Template action with ID '{0}' is not registered.")]
    UnknownAction(String),
    /// An action's input is invalid (schema violations and bad combinations).
    #[error("{0}")]
    InvalidInput(String),
    /// A path leaves the workspace or the skeleton.
    #[error("{0}")]
    NotAllowed(String),
    /// A file operation failed; the message names the workspace-relative path.
    #[error("{0}")]
    Io(String),
    /// A template (a file of a skeleton, a path, or a string of the template
    /// file in strict mode) failed to render.
    #[error("{span}: {message}")]
    Template {
        /// Where: the file holding the template (a skeleton-relative path,
        /// or the template file), its 1-based line and column.
        span: Span,
        /// What went wrong, with the field path when in the template file.
        message: String,
    },
    /// An action failed for a reason of its own (a git push refused, an
    /// HTTP error status).
    #[error("{0}")]
    Failed(String),
    /// A step failed; later steps ran only when their `if` asked for it.
    /// Nothing was written to the target; the log and the steps that ran
    /// are in the [`RunFailure`](crate::RunFailure)'s report.
    #[error("step `{step}` ({action}) failed: {message}")]
    StepFailed {
        /// The first failing step's id.
        step: String,
        /// Its action id.
        action: String,
        /// The (redacted) error message.
        message: String,
    },
    /// The run was cancelled through its [`CancelToken`](crate::CancelToken).
    #[error("the run was cancelled")]
    Cancelled,
    /// The output directory cannot be used (it exists and is not empty, or
    /// the result could not be moved into it).
    #[error("{0}")]
    Target(String),
}

fn summarize(diagnostics: &[Diagnostic]) -> String {
    let first = diagnostics
        .iter()
        .find(|d| d.is_error())
        .or_else(|| diagnostics.first());
    match first {
        Some(d) => {
            let at = d
                .span
                .as_ref()
                .map(|s| format!("{}:{}: ", s.line, s.column))
                .unwrap_or_default();
            let more = diagnostics.len().saturating_sub(1);
            if more > 0 {
                format!("{at}{} (and {more} more)", d.message)
            } else {
                format!("{at}{}", d.message)
            }
        }
        None => "invalid template".to_owned(),
    }
}

fn join(errors: &[ParameterError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// An I/O error on `shown` in words a user reads (the error kind's own
    /// text says "entity not found" for a missing file).
    pub(crate) fn io(shown: &str, error: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        let what = match error.kind() {
            ErrorKind::NotFound => "does not exist".to_owned(),
            ErrorKind::PermissionDenied => "permission denied".to_owned(),
            ErrorKind::AlreadyExists => "already exists".to_owned(),
            ErrorKind::NotADirectory => "is not a directory".to_owned(),
            ErrorKind::IsADirectory => "is a directory".to_owned(),
            other => other.to_string(),
        };
        Self::Io(format!("{shown}: {what}"))
    }
}
