//! Locations inside template text, as [`Span`]s.
//!
//! The renderer sees text, not files: its spans have an empty file name
//! and count lines at `\n`, the way the template engine does. Callers that
//! know the file give it with [`in_file`]. In JSON they stay two flat keys,
//! `line` and `column`, the shape the CLI documents.

use std::sync::Arc;

use platform_model::Span;
use serde::Serializer;
use serde::ser::SerializeMap;

/// The zero-width span at 1-based `line` and `column` (in characters) of
/// `source`; byte offsets past the text are clamped to its end.
pub(crate) fn text_span(source: &str, line: usize, column: usize) -> Span {
    let line_start = source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let offset = source
        .get(line_start..)
        .unwrap_or_default()
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(source.len(), |(i, _)| line_start + i);
    Span::new(
        Arc::from(""),
        saturate(line),
        saturate(column),
        offset,
        offset,
    )
}

/// `span` moved into `file`: the same line, column and offsets.
pub(crate) fn in_file(span: &Span, file: &str) -> Span {
    Span::new(
        Arc::from(file),
        span.line,
        span.column,
        span.start,
        span.end,
    )
}

fn saturate(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Serializes a span as `line` and `column` (with `#[serde(flatten)]`).
pub(crate) fn line_and_column<S: Serializer>(
    span: &Span,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(2))?;
    map.serialize_entry("line", &span.line)?;
    map.serialize_entry("column", &span.column)?;
    map.end()
}

/// As [`line_and_column`], with `0` and `0` for no location (a warning an
/// action gave).
pub(crate) fn optional_line_and_column<S: Serializer>(
    span: &Option<Span>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(2))?;
    map.serialize_entry("line", &span.as_ref().map_or(0, |s| s.line))?;
    map.serialize_entry("column", &span.as_ref().map_or(0, |s| s.column))?;
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_spans_point_at_the_character() {
        let span = text_span("ab\ncé${{ x }}", 2, 3);
        assert_eq!((span.line, span.column, span.start), (2, 3, 6));
        assert_eq!(text_span("a", 5, 9).start, 1, "clamped");
        assert_eq!(in_file(&span, "f.txt").to_string(), "f.txt:2:3");
    }
}
