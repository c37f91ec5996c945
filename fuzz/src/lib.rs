//! Helpers shared by the fuzz targets: turning bytes into text and parts,
//! and checking the promise every parser of the workspace makes about
//! locations (a span, or a line and column, always lies inside the input).

#![forbid(unsafe_code)]

use std::collections::HashMap;

use platform_model::{Diagnostic, Span};

/// The fuzz input as text: valid UTF-8 is taken as it is, anything else
/// through the lossy conversion (so every byte string reaches the parser).
#[must_use]
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Splits the input at the first NUL byte: `(before, after)`; `after` is
/// `None` when there is no NUL.
#[must_use]
pub fn split_nul(data: &[u8]) -> (&[u8], Option<&[u8]>) {
    match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    }
}

/// Number of lines of `text` (a final line without `\n` counts; the empty
/// text has one line, and so has the text after a final `\n`).
#[must_use]
pub fn line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

/// Characters of line `line` (1-based) of `text`, without its terminator.
#[must_use]
pub fn line_chars(text: &str, line: usize) -> Option<usize> {
    text.split('\n')
        .nth(line.checked_sub(1)?)
        .map(|l| l.chars().count())
}

/// Characters of line `line` (1-based) of `text` when `\r\n`, a lone `\r`
/// and `\n` all end a line (as YAML reads line breaks).
#[must_use]
pub fn line_chars_any_break(text: &str, line: usize) -> Option<usize> {
    let wanted = line.checked_sub(1)?;
    let mut current = 0usize;
    let mut chars = 0usize;
    let mut iter = text.chars().peekable();
    while let Some(c) = iter.next() {
        let brk = match c {
            '\n' => true,
            '\r' => {
                if iter.peek() == Some(&'\n') {
                    iter.next();
                }
                true
            }
            _ => false,
        };
        if brk {
            if current == wanted {
                return Some(chars);
            }
            current += 1;
            chars = 0;
        } else {
            chars += 1;
        }
    }
    (current == wanted).then_some(chars)
}

/// Whether `line:column` (1-based) lies inside `text`: the line exists and
/// the column is at most one past its last character (a missing value, the
/// end of a line). Lines end at `\n`, or, as YAML reads them, also at a
/// lone `\r`.
#[must_use]
pub fn line_column_in(text: &str, line: usize, column: usize) -> bool {
    if line == 0 || column == 0 {
        return false;
    }
    // A terminating `\r` counts as a character of its line here.
    let lf = line_chars(text, line).is_some_and(|chars| column <= chars + 1);
    lf || line_chars_any_break(text, line).is_some_and(|chars| column <= chars + 1)
}

/// Asserts [`line_column_in`].
#[track_caller]
pub fn assert_line_column(text: &str, line: usize, column: usize, what: &dyn std::fmt::Debug) {
    assert!(
        line_column_in(text, line, column),
        "{what:?}: {line}:{column} is not inside the input ({} lines, line {line} has {:?} characters)",
        line_count(text),
        line_chars(text, line),
    );
}

/// Asserts that `span` covers a byte range of `text` and that its line and
/// column lie inside `text`.
#[track_caller]
pub fn assert_span_in(span: &Span, text: &str, what: &dyn std::fmt::Debug) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{what:?}: span {span:?} outside the {}-byte input",
        text.len()
    );
    assert_line_column(text, span.line as usize, span.column as usize, what);
}

/// Checks every span against the file it names, when that file is one of
/// `sources`; spans of other files (not held in memory) are not checked.
#[track_caller]
pub fn assert_span_in_sources(
    span: &Span,
    sources: &HashMap<String, String>,
    what: &dyn std::fmt::Debug,
) {
    if let Some(text) = sources.get(&*span.file) {
        assert_span_in(span, text, what);
    }
}

/// Checks the span of a diagnostic (if any) against `sources`.
#[track_caller]
pub fn assert_diagnostic(d: &Diagnostic, sources: &HashMap<String, String>) {
    assert!(!d.code.is_empty(), "diagnostic without a code: {d:?}");
    if let Some(span) = &d.span {
        assert_span_in_sources(span, sources, d);
    }
}
