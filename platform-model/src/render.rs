//! rustc-style rendering of diagnostics with source snippets (feature
//! `render`).
//!
//! ```
//! use platform_model::{Diagnostic, Span};
//! use platform_model::render::{RenderOptions, render};
//!
//! let source = "metadata:\n  name: Bad Name\n";
//! let d = Diagnostic::error("entity.field-format", "name is not valid")
//!     .with_span(Span::from_offsets("catalog-info.yaml".into(), source, 18, 26));
//! let text = render(&d, Some(source), &RenderOptions::default());
//! assert!(text.contains("catalog-info.yaml:2:9"));
//! assert!(text.contains("name: Bad Name"));
//! ```

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::diagnostic::{Diagnostic, Severity};

/// How to render.
#[derive(Clone, Copy, Debug, Default)]
#[must_use]
pub struct RenderOptions {
    color: bool,
    unicode: bool,
}

impl RenderOptions {
    /// ANSI colours (default off).
    pub fn with_color(mut self, color: bool) -> Self {
        self.color = color;
        self
    }

    /// Unicode box drawing instead of ASCII (default off).
    pub fn with_unicode(mut self, unicode: bool) -> Self {
        self.unicode = unicode;
        self
    }
}

/// How many bytes of a line are shown on each side of a diagnostic's start.
/// Longer lines are cut (and marked `…`), so that rendering a diagnostic
/// costs the same however long its line is: rendering every diagnostic of a
/// file is linear in their number, even when they all sit on one line.
pub const LINE_CONTEXT_BYTES: usize = 160;

/// The part of the line around `start` shown in a snippet.
struct Excerpt<'s> {
    /// The shown text, `…` marks included.
    text: std::borrow::Cow<'s, str>,
    /// Byte offset in `text` of the source byte `start`.
    local_start: usize,
    /// Byte offset in the source of the first shown byte.
    source_start: usize,
    /// Length in `text` of the leading `…` mark.
    mark: usize,
    /// Byte offset in the source just past the last shown byte.
    source_end: usize,
    /// Whether the line was cut.
    cut: bool,
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// At most [`LINE_CONTEXT_BYTES`] on each side of `start`, within its line:
/// never scans further than that, so the cost does not grow with the line.
fn excerpt(text: &str, start: usize) -> Excerpt<'_> {
    let start = floor_boundary(text, start);
    let low = floor_boundary(text, start.saturating_sub(LINE_CONTEXT_BYTES));
    let high = floor_boundary(text, start.saturating_add(LINE_CONTEXT_BYTES));
    let line_start = text[low..start].rfind('\n').map_or(low, |i| low + i + 1);
    let line_end = text[start..high].find('\n').map_or(high, |i| start + i);
    let cut_before = line_start == low && low > 0 && text.as_bytes()[low - 1] != b'\n';
    let cut_after =
        line_end == high && high < text.len() && !matches!(text.as_bytes()[high], b'\n' | b'\r');
    let shown = text[line_start..line_end].trim_end_matches('\r');
    if !cut_before && !cut_after {
        return Excerpt {
            text: std::borrow::Cow::Borrowed(shown),
            local_start: start - line_start,
            source_start: line_start,
            mark: 0,
            source_end: line_start + shown.len(),
            cut: false,
        };
    }
    let mark = if cut_before { "…".len() } else { 0 };
    let mut owned = String::with_capacity(shown.len() + 2 * "…".len());
    if cut_before {
        owned.push('…');
    }
    owned.push_str(shown);
    if cut_after {
        owned.push('…');
    }
    Excerpt {
        text: std::borrow::Cow::Owned(owned),
        local_start: mark + (start - line_start),
        source_start: line_start,
        mark,
        source_end: line_start + shown.len(),
        cut: true,
    }
}

/// Renders one diagnostic; `source` is the text of the diagnostic's file.
///
/// The cost does not depend on the length of the source or of the line the
/// diagnostic is on (see [`LINE_CONTEXT_BYTES`]).
#[must_use]
pub fn render(diagnostic: &Diagnostic, source: Option<&str>, options: &RenderOptions) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::NOTE,
    };
    let mut title = level
        .primary_title(diagnostic.message.as_str())
        .id(diagnostic.code.as_ref());
    let (line_text, range, line_number, path);
    let mut relocate: Option<(String, String)> = None;
    let mut group = match (&diagnostic.span, source) {
        (Some(span), Some(text)) => {
            let shown = excerpt(text, span.start.min(text.len()));
            let local_start = shown.local_start.min(shown.text.len());
            let end = span.end.clamp(span.start, shown.source_end);
            let local_end = (end.saturating_sub(shown.source_start) + shown.mark)
                .clamp(local_start, shown.text.len());
            let local_end = if local_end > local_start {
                local_end
            } else {
                // Point at one character when the span is empty.
                shown.text[local_start..]
                    .chars()
                    .next()
                    .map_or(local_start, |c| local_start + c.len_utf8())
            };
            range = local_start..local_end;
            line_number = span.line as usize;
            path = span.file.to_string();
            line_text = shown.text.clone();
            let mut annotation = AnnotationKind::Primary.span(range.clone());
            if let Some(label) = &diagnostic.label {
                annotation = annotation.label(label.as_str());
            }
            title = title.id(diagnostic.code.as_ref());
            if shown.cut {
                // The renderer counts the column within the excerpt; the
                // header is corrected once rendered.
                let excerpt_column = line_text[..local_start].chars().count() + 1;
                relocate = Some((
                    format!("{path}:{line_number}:{excerpt_column}"),
                    format!("{path}:{line_number}:{}", span.column),
                ));
            }
            title.element(
                Snippet::source(&*line_text)
                    .line_start(line_number)
                    .path(path.as_str())
                    .annotation(annotation),
            )
        }
        (Some(span), None) => {
            path = span.to_string();
            title.element(
                Snippet::<annotate_snippets::Annotation<'_>>::source("").path(path.as_str()),
            )
        }
        (None, _) => Group::with_title(title),
    };
    if let Some(pointer) = diagnostic.path.as_deref().filter(|p| !p.is_empty()) {
        group = group.element(Level::NOTE.message(format!("field: {pointer}")));
    }
    for note in &diagnostic.notes {
        group = group.element(Level::HELP.message(note.as_str()));
    }
    let renderer = if options.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let renderer = renderer.decor_style(if options.unicode {
        DecorStyle::Unicode
    } else {
        DecorStyle::Ascii
    });
    let rendered = renderer.render(&[group]);
    match relocate {
        Some((wrong, right)) => replace_location(rendered, &wrong, &right),
        None => rendered,
    }
}

/// Replaces the location `wrong` that ends a line of the header (after the
/// title) with `right`.
fn replace_location(rendered: String, wrong: &str, right: &str) -> String {
    let body_start = rendered.find('\n').map_or(rendered.len(), |i| i + 1);
    let found = rendered[body_start..]
        .match_indices(wrong)
        .map(|(i, _)| body_start + i)
        .find(|&i| {
            matches!(
                rendered.as_bytes().get(i + wrong.len()),
                None | Some(b'\n' | b'\x1b')
            )
        });
    match found {
        Some(i) => format!("{}{right}{}", &rendered[..i], &rendered[i + wrong.len()..]),
        None => rendered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    #[test]
    fn renders_the_line_the_label_and_notes() {
        let source = "a: 1\nkind: component\n";
        let d = Diagnostic::error("entity.unknown-kind", "No processor recognized the entity")
            .with_span(Span::from_offsets("x.yaml".into(), source, 11, 20))
            .with_path("/kind")
            .with_label("not a known kind")
            .with_note("kinds are case-sensitive: did you mean `kind: Component`?");
        let text = render(&d, Some(source), &RenderOptions::default());
        assert!(
            text.contains("error[entity.unknown-kind]: No processor recognized the entity"),
            "{text}"
        );
        assert!(text.contains("--> x.yaml:2:7"), "{text}");
        assert!(text.contains("kind: component"), "{text}");
        assert!(text.contains("^^^^^^^^^ not a known kind"), "{text}");
        assert!(text.contains("did you mean"), "{text}");
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let source = format!("a: [{}bad, {}]\n", "x, ".repeat(1_000), "y, ".repeat(1_000));
        let start = source.find("bad").expect("bad");
        let d = Diagnostic::error("entity.schema", "bad item").with_span(Span::from_offsets(
            "long.yaml".into(),
            &source,
            start,
            start + 3,
        ));
        let text = render(&d, Some(&source), &RenderOptions::default());
        assert!(text.contains("--> long.yaml:1:3005"), "{text}");
        assert!(text.contains("x, x, bad, y, y"), "{text}");
        assert!(text.contains("^^^"), "{text}");
        assert!(text.len() < 2 * LINE_CONTEXT_BYTES + 300, "{}", text.len());
        let caret = text
            .lines()
            .find(|l| l.contains("^^^"))
            .expect("caret line");
        let line = text
            .lines()
            .find(|l| l.contains("bad, y"))
            .expect("source line");
        assert_eq!(caret.find('^'), line.find("bad"), "{text}");
    }

    #[test]
    fn renders_without_source() {
        let d = Diagnostic::warning("file.unreadable", "cannot read");
        let text = render(&d, None, &RenderOptions::default());
        assert!(
            text.starts_with("warning[file.unreadable]: cannot read"),
            "{text}"
        );
    }
}
