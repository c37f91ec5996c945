//! Human-readable report: findings grouped by file, rustc-style snippets,
//! suppressed findings with their reasons, scorecards and a summary line.

use std::collections::HashMap;
use std::fmt::Write as _;

use platform_model::Severity;
use platform_model::render::{RenderOptions, render};

use super::model::PolicyReport;
use crate::lines::LineIndex;

/// Default of [`TextOptions::with_max_snippet_bytes`]: source lines longer
/// than this many bytes are not quoted under a finding.
pub const DEFAULT_MAX_SNIPPET_BYTES: usize = 1024;

/// How to render text.
#[derive(Clone, Copy, Debug)]
#[must_use]
pub struct TextOptions {
    color: bool,
    min_severity: Severity,
    show_suppressed: bool,
    max_snippet_bytes: usize,
}

impl Default for TextOptions {
    fn default() -> Self {
        Self {
            color: false,
            min_severity: Severity::Info,
            show_suppressed: true,
            max_snippet_bytes: DEFAULT_MAX_SNIPPET_BYTES,
        }
    }
}

impl TextOptions {
    /// ANSI colours (default off).
    pub fn with_color(mut self, color: bool) -> Self {
        self.color = color;
        self
    }

    /// Show only findings at or above this severity (default: all).
    pub fn with_min_severity(mut self, severity: Severity) -> Self {
        self.min_severity = severity;
        self
    }

    /// List suppressed findings with their reasons (default true).
    pub fn with_suppressed(mut self, show: bool) -> Self {
        self.show_suppressed = show;
        self
    }

    /// Longest source line quoted under a finding, in bytes (default
    /// [`DEFAULT_MAX_SNIPPET_BYTES`]); a finding on a longer line is shown
    /// with its location and a note instead, so that the report stays
    /// linear in the number of findings.
    pub fn with_max_snippet_bytes(mut self, bytes: usize) -> Self {
        self.max_snippet_bytes = bytes;
        self
    }
}

/// Renders one finding's diagnostic with only its own line as the source:
/// the renderer never scans the file, and the line is quoted only when it
/// is at most `max` bytes long.
fn render_one(
    d: &mut platform_model::Diagnostic,
    source: Option<(&str, &LineIndex)>,
    max: usize,
    options: &RenderOptions,
) -> String {
    let (Some(span), Some((text, index))) = (d.span.clone(), source) else {
        return render(d, source.map(|(t, _)| t), options);
    };
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let (line_start, line_end) = index.line_range(text, index.line_of(start));
    if line_end - line_start > max {
        d.notes.push(format!(
            "the line is {} bytes long; its snippet is left out (limit {max})",
            line_end - line_start
        ));
        return render(d, None, options);
    }
    let mut local = span;
    local.start = start.saturating_sub(line_start);
    local.end = span_end(local.end, line_start).max(local.start);
    d.span = Some(local);
    let line = text.get(line_start..line_end).unwrap_or("");
    render(d, Some(line), options)
}

fn span_end(end: usize, line_start: usize) -> usize {
    end.saturating_sub(line_start)
}

pub(crate) fn render_report(report: &PolicyReport, options: &TextOptions) -> String {
    let render_options = RenderOptions::default().with_color(options.color);
    let mut out = String::new();
    let mut current_file: Option<&str> = None;
    let mut indexes: HashMap<&str, LineIndex> = HashMap::new();
    for f in report
        .active()
        .filter(|f| f.diagnostic.severity >= options.min_severity)
    {
        let file = f.file().unwrap_or("");
        if current_file != Some(file) {
            let _ = writeln!(
                out,
                "── {} ──",
                if file.is_empty() {
                    "(configuration)"
                } else {
                    file
                }
            );
            current_file = Some(file);
        }
        let mut d = f.to_diagnostic();
        if let Some(a) = &f.artefact {
            d.notes.insert(0, format!("in {a}"));
        }
        let source = f.file().and_then(|file| {
            let text = report.source(file)?;
            let index = indexes.entry(file).or_insert_with(|| LineIndex::new(text));
            Some((text, &*index))
        });
        let rendered = render_one(&mut d, source, options.max_snippet_bytes, &render_options);
        let _ = writeln!(out, "{rendered}");
    }
    let suppressed: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.is_suppressed())
        .collect();
    if options.show_suppressed && !suppressed.is_empty() {
        let _ = writeln!(out, "suppressed:");
        for f in suppressed {
            let at = f
                .diagnostic
                .span
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            let reason = f.suppression.as_ref().map_or("", |s| s.reason.as_str());
            let _ = writeln!(
                out,
                "  {at}: {}[{}] {} — {reason}",
                f.diagnostic.severity, f.diagnostic.code, f.diagnostic.message
            );
        }
        out.push('\n');
    }
    if !report.scorecards.is_empty() {
        let _ = writeln!(out, "scorecards:");
        for card in &report.scorecards {
            let failing: Vec<&str> = card
                .levels
                .iter()
                .flat_map(|l| l.failing.iter().map(String::as_str))
                .collect();
            let detail = if failing.is_empty() {
                String::new()
            } else {
                format!(" (failing: {})", failing.join(", "))
            };
            let _ = writeln!(
                out,
                "  {:<10} {}{detail}",
                card.level.as_str(),
                card.component
            );
        }
        out.push('\n');
    }
    let s = &report.summary;
    let verdict = if s.errors > 0 { "failed" } else { "ok" };
    let _ = writeln!(
        out,
        "{verdict}: {} errors, {} warnings, {} notes, {} suppressed; {} files read ({} manifests, {} values files, {} Dockerfiles, {} catalog entities), profile {}",
        s.errors,
        s.warnings,
        s.infos,
        s.suppressed,
        s.files,
        s.artefacts.manifests,
        s.artefacts.helm_values,
        s.artefacts.dockerfiles,
        s.artefacts.catalog_entities,
        s.profile
    );
    out
}
