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

/// Renders one diagnostic; `source` is the text of the diagnostic's file.
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
    let mut group = match (&diagnostic.span, source) {
        (Some(span), Some(text)) => {
            let start = span.start.min(text.len());
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            line_text = text[line_start..line_end].trim_end_matches('\r');
            let local_start = (start - line_start).min(line_text.len());
            let local_end = span.end.clamp(start, line_start + line_text.len()) - line_start;
            let local_end = if local_end > local_start {
                local_end
            } else {
                // Point at one character when the span is empty.
                line_text[local_start..]
                    .chars()
                    .next()
                    .map_or(local_start, |c| local_start + c.len_utf8())
            };
            range = local_start..local_end;
            line_number = span.line as usize;
            path = span.file.to_string();
            let mut annotation = AnnotationKind::Primary.span(range.clone());
            if let Some(label) = &diagnostic.label {
                annotation = annotation.label(label.as_str());
            }
            title = title.id(diagnostic.code.as_ref());
            title.element(
                Snippet::source(line_text)
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
    renderer.render(&[group])
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
    fn renders_without_source() {
        let d = Diagnostic::warning("file.unreadable", "cannot read");
        let text = render(&d, None, &RenderOptions::default());
        assert!(
            text.starts_with("warning[file.unreadable]: cannot read"),
            "{text}"
        );
    }
}
