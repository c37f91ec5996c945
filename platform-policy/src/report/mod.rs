//! The report of a check and its renderings: JSON, SARIF 2.1.0 and text.

mod fingerprint;
mod json;
mod model;
pub(crate) mod sarif;
mod text;

pub use fingerprint::line_hashes;
pub use model::{ArtefactCounts, PolicyReport, RuleSummary, Summary};
pub use text::{DEFAULT_MAX_SNIPPET_BYTES, TextOptions};

/// The renderings, defined here so that the data in `model` does not
/// depend on its renderers.
impl PolicyReport {
    /// The JSON report: `{"findings": [...], "scorecards": [...], "summary": {...}}`.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        json::report(self)
    }

    /// A SARIF 2.1.0 log that GitHub code scanning accepts.
    #[must_use]
    pub fn to_sarif(&self) -> serde_json::Value {
        sarif::log(self)
    }

    /// Human-readable text, grouped by file, with source snippets.
    #[must_use]
    pub fn render_text(&self, options: &TextOptions) -> String {
        text::render_report(self, options)
    }
}
