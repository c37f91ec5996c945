//! Findings as data: the diagnostic type every crate of the workspace reports.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::pointer::Pointer;
use crate::span::Span;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, never a failure.
    Info,
    /// Suspicious but accepted.
    Warning,
    /// The input is rejected.
    Error,
}

impl Severity {
    /// The lowercase name used in reports (`info`, `warning`, `error`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in the input: a stable code, a severity, a message, the
/// JSON pointer of the field it concerns and the span of that field in its file.
///
/// Diagnostics are values: validating a catalog collects them in a list, and
/// `Err` is kept for "could not run at all".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Diagnostic {
    /// Stable, dotted identifier such as `entity.field-format` or
    /// `yaml.syntax`; tools match on it.
    pub code: Cow<'static, str>,
    /// How serious the finding is.
    pub severity: Severity,
    /// Human-readable text. For catalog validation this is Backstage's own
    /// message wherever Backstage has one.
    pub message: String,
    /// JSON pointer of the field (`/spec/owner`), empty for the document root,
    /// `None` when the finding is not about a field (an I/O or syntax error).
    pub path: Option<Pointer>,
    /// Where in which file; `None` only when there is no file at all (such as
    /// a root path that does not exist).
    pub span: Option<Span>,
    /// A label shown next to the span in rendered output.
    pub label: Option<String>,
    /// Extra lines shown under the snippet (`help:` and `note:` lines).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A new diagnostic without path, span or notes.
    #[must_use]
    pub fn new(
        code: impl Into<Cow<'static, str>>,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            severity,
            message: message.into(),
            path: None,
            span: None,
            label: None,
            notes: Vec::new(),
        }
    }

    /// A new error.
    #[must_use]
    pub fn error(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }

    /// A new warning.
    #[must_use]
    pub fn warning(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, message)
    }

    /// A new informational note.
    #[must_use]
    pub fn info(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Info, message)
    }

    /// Sets the JSON pointer of the field.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<Pointer>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Sets the span.
    #[must_use]
    pub fn with_span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// Sets the span when one is known.
    #[must_use]
    pub fn with_span_opt(mut self, span: Option<Span>) -> Self {
        if span.is_some() {
            self.span = span;
        }
        self
    }

    /// Sets the label drawn under the span.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a note line.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether this is an error.
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The flat JSON form every report of the workspace prints a diagnostic in
/// (`platform graph --problems`, `platform check`, `platform template lint`):
/// one object per diagnostic, its location as `file`, `line` and `column`
/// (an empty file at 1:1 when it has none).
///
/// ```
/// use platform_model::{Diagnostic, Span};
///
/// let d = Diagnostic::error("graph.missing-owner", "no such group")
///     .with_span(Span::new("catalog-info.yaml".into(), 7, 10, 90, 99))
///     .with_path("/spec/owner");
/// let json = serde_json::to_value(d.record())?;
/// assert_eq!(json["code"], "graph.missing-owner");
/// assert_eq!((json["line"].as_u64(), json["path"].as_str()), (Some(7), Some("/spec/owner")));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DiagnosticRecord<'a> {
    /// The diagnostic's code.
    pub code: &'a str,
    /// The same code under the key the first reports used; kept until the
    /// next minor version, use `code`.
    pub rule: &'a str,
    /// `error`, `warning` or `info`.
    pub severity: Severity,
    /// The message.
    pub message: &'a str,
    /// The file (empty when there is none).
    pub file: &'a str,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// JSON pointer of the field, `null` when it is not about a field.
    pub path: Option<&'a str>,
    /// `help:` and `note:` lines, left out when there are none.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub notes: &'a [String],
}

impl Diagnostic {
    /// The flat JSON form of this diagnostic (see [`DiagnosticRecord`]).
    #[must_use]
    pub fn record(&self) -> DiagnosticRecord<'_> {
        let (file, line, column) = self
            .span
            .as_ref()
            .map_or(("", 1, 1), |s| (&*s.file, s.line, s.column));
        DiagnosticRecord {
            code: &self.code,
            rule: &self.code,
            severity: self.severity,
            message: &self.message,
            file,
            line,
            column,
            path: self.path.as_deref(),
            notes: &self.notes,
        }
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: severity[code]: message`, the one-line form used in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(span) = &self.span {
            write!(f, "{span}: ")?;
        }
        write!(f, "{}[{}]: {}", self.severity, self.code, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_form_names_location_code_and_message() {
        let d = Diagnostic::error("entity.schema", "bad")
            .with_span(Span::new("a.yaml".into(), 3, 5, 10, 12))
            .with_path("/spec");
        assert_eq!(d.to_string(), "a.yaml:3:5: error[entity.schema]: bad");
        assert!(d.is_error());
        assert!(Severity::Error > Severity::Warning);
    }
}
