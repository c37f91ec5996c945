//! Rows of an event file, whatever its format: objects of a JSON or YAML
//! document, or records of a CSV file with a header. A row answers "the
//! text of field F" and "where is field F", so the readers of deployments
//! and incidents are written once for every format.

// A rejected row is the rare path and its diagnostic is the result: boxing
// every `Err` would buy nothing.
#![allow(clippy::result_large_err)]

use std::borrow::Cow;
use std::sync::Arc;

use platform_model::yaml::{YamlDocument, push_pointer_token};
use platform_model::{Diagnostic, Span};
use serde_json::{Map, Value};

use crate::codes;

/// One row and where it is.
pub(crate) enum Row<'a> {
    /// An object in a JSON or YAML document, at `pointer`.
    Object {
        /// The object.
        fields: &'a Map<String, Value>,
        /// Its document (for spans).
        doc: &'a YamlDocument,
        /// Its JSON pointer in the document.
        pointer: String,
    },
    /// A CSV record.
    Record(Record<'a>),
}

/// A CSV record with the header it is read by.
pub(crate) struct Record<'a> {
    pub(crate) header: &'a [String],
    pub(crate) values: Vec<String>,
    pub(crate) file: &'a Arc<str>,
    /// 1-based line of the record.
    pub(crate) line: u32,
    /// Where each field is.
    pub(crate) columns: Vec<FieldPosition>,
    /// Byte offset of the record in the file.
    pub(crate) offset: usize,
}

/// What a field holds.
pub(crate) enum FieldValue<'a> {
    /// Text (a CSV field, or a JSON string, number or boolean as text).
    Text(Cow<'a, str>),
    /// A JSON or YAML list.
    List(&'a [Value]),
    /// A JSON or YAML object.
    Object,
}

impl<'a> Row<'a> {
    /// The field's value; `None` when absent, `null` or an empty CSV field.
    pub(crate) fn get(&self, field: &str) -> Option<FieldValue<'a>> {
        match self {
            Row::Object { fields, .. } => match fields.get(field)? {
                Value::Null => None,
                Value::String(s) if s.trim().is_empty() => None,
                Value::String(s) => Some(FieldValue::Text(Cow::Borrowed(s.as_str()))),
                Value::Number(n) => Some(FieldValue::Text(Cow::Owned(n.to_string()))),
                Value::Bool(b) => Some(FieldValue::Text(Cow::Owned(b.to_string()))),
                Value::Array(items) => Some(FieldValue::List(items)),
                Value::Object(_) => Some(FieldValue::Object),
            },
            Row::Record(record) => {
                let index = record
                    .header
                    .iter()
                    .position(|h| h.eq_ignore_ascii_case(field))?;
                let value = record.values.get(index)?.trim();
                (!value.is_empty()).then(|| FieldValue::Text(Cow::Owned(value.to_owned())))
            }
        }
    }

    /// The field as text, or a diagnostic when it is a list or object.
    pub(crate) fn text(&self, field: &str) -> Result<Option<Cow<'a, str>>, Diagnostic> {
        match self.get(field) {
            None => Ok(None),
            Some(FieldValue::Text(t)) => Ok(Some(t)),
            Some(_) => Err(self.problem(
                codes::DORA_FIELD,
                field,
                format!("`{field}` must be text, not a list or an object"),
            )),
        }
    }

    /// The first of `fields` that is present, as text.
    pub(crate) fn first_text(
        &self,
        fields: &[&'static str],
    ) -> Result<Option<(&'static str, Cow<'a, str>)>, Diagnostic> {
        for &field in fields {
            if let Some(text) = self.text(field)? {
                return Ok(Some((field, text)));
            }
        }
        Ok(None)
    }

    /// The JSON pointer of a field of this row (CSV: `/<record>/<column>`).
    pub(crate) fn pointer(&self, field: &str) -> String {
        let mut pointer = self.base_pointer();
        if !field.is_empty() {
            push_pointer_token(&mut pointer, field);
        }
        pointer
    }

    fn base_pointer(&self) -> String {
        match self {
            Row::Object { pointer, .. } => pointer.clone(),
            Row::Record(record) => format!("/{}", record.line),
        }
    }

    /// Where a field is (the row when the field is absent or empty).
    pub(crate) fn span(&self, field: &str) -> Span {
        match self {
            Row::Object { doc, pointer, .. } => {
                let exact = self.pointer(field);
                if doc.spans.locate(&exact).exact {
                    doc.value_span(&exact)
                } else {
                    doc.value_span(pointer)
                }
            }
            Row::Record(record) => {
                let index = record
                    .header
                    .iter()
                    .position(|h| h.eq_ignore_ascii_case(field));
                let at = index
                    .and_then(|i| record.columns.get(i))
                    .copied()
                    .unwrap_or(FieldPosition {
                        line: 0,
                        column: 1,
                        start: 0,
                        end: 0,
                    });
                Span::new(
                    Arc::clone(record.file),
                    record.line.saturating_add(at.line),
                    at.column,
                    record.offset + at.start,
                    record.offset + at.end,
                )
            }
        }
    }

    /// The row itself.
    pub(crate) fn row_span(&self) -> Span {
        self.span("")
    }

    /// A located error about `field` of this row.
    pub(crate) fn problem(
        &self,
        code: &'static str,
        field: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::error(code, message)
            .with_path(self.pointer(field).as_str())
            .with_span(self.span(field))
    }
}

/// Where a field of a CSV record starts: lines after the record's first,
/// 1-based character column on that line, and byte range from the record's
/// start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FieldPosition {
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Where each field of the CSV record at the start of `text` is (quotes
/// respected: a quoted field may hold line breaks).
pub(crate) fn field_positions(text: &str) -> Vec<FieldPosition> {
    let saturate = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let mut fields = Vec::new();
    let mut field = FieldPosition {
        line: 0,
        column: 1,
        start: 0,
        end: text.len(),
    };
    let (mut quoted, mut line, mut line_start) = (false, 0u32, 0usize);
    for (n, (i, c)) in text.char_indices().enumerate() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                field.end = i;
                fields.push(field);
                field = FieldPosition {
                    line,
                    column: saturate(n + 2 - line_start),
                    start: i + 1,
                    end: text.len(),
                };
            }
            '\n' if quoted => {
                line = line.saturating_add(1);
                line_start = n + 1;
            }
            '\n' | '\r' if !quoted => {
                field.end = i;
                break;
            }
            _ => {}
        }
    }
    field.end = field.end.max(field.start);
    fields.push(field);
    fields
}

/// The 1-based character column where each field starts.
#[cfg(test)]
fn field_columns(line: &str) -> Vec<u32> {
    field_positions(line)
        .into_iter()
        .map(|f| f.column)
        .collect()
}

/// Whether a text looks like JSON or YAML rather than CSV: it starts with
/// `{`, `[` or `---`, or its first line that is not a `#` comment is a
/// `key: value` or `key:` line.
pub(crate) fn is_structured(text: &str) -> bool {
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    match first {
        None => false,
        Some(line) => {
            line.starts_with('{')
                || line.starts_with('[')
                || line.starts_with("---")
                || (!line.contains(',') && line.contains(": "))
                || line.ends_with(':')
        }
    }
}

/// The records of a CSV text with a header line, or a diagnostic when the
/// file cannot be read as CSV at all. Lines starting with `#` before the
/// header are comments. Each record that cannot be read (wrong number of
/// fields) is a diagnostic and counted.
pub(crate) struct CsvRows {
    pub(crate) header: Vec<String>,
    pub(crate) records: Vec<(Vec<String>, u32, usize)>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) rejected: usize,
}

pub(crate) fn read_csv(file: &Arc<str>, text: &str) -> CsvRows {
    let mut out = CsvRows {
        header: Vec::new(),
        records: Vec::new(),
        diagnostics: Vec::new(),
        rejected: 0,
    };
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - body.len();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(body.as_bytes());
    let mut record = csv::StringRecord::new();
    let (mut lines_before, mut counted_to) = (0usize, 0usize);
    loop {
        let at = reader.position().clone();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let offset = record
                    .position()
                    .map_or(usize::try_from(at.byte()).unwrap_or(0), |p| {
                        usize::try_from(p.byte()).unwrap_or(0)
                    })
                    + bom;
                // The csv crate's line numbers skip comment lines; count
                // newlines from the last record instead (linear overall).
                let offset = record_start(text, offset.min(text.len()));
                lines_before += text.as_bytes()[counted_to.min(offset)..offset]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                counted_to = counted_to.max(offset);
                let line = u32::try_from(lines_before + 1).unwrap_or(u32::MAX);
                let values: Vec<String> = record.iter().map(str::to_owned).collect();
                if values.iter().all(|v| v.trim().is_empty()) {
                    continue;
                }
                if out.header.is_empty() {
                    out.header = values.iter().map(|v| v.trim().to_owned()).collect();
                    continue;
                }
                if values.len() != out.header.len() {
                    out.rejected += 1;
                    out.diagnostics.push(
                        Diagnostic::error(
                            codes::DORA_FIELD,
                            format!(
                                "this row has {} fields; the header has {}",
                                values.len(),
                                out.header.len()
                            ),
                        )
                        .with_path(format!("/{line}").as_str())
                        .with_span(Span::from_offsets(
                            Arc::clone(file),
                            text,
                            offset,
                            offset,
                        )),
                    );
                    continue;
                }
                out.records.push((values, line, offset));
            }
            Err(e) => {
                let (line, offset) = e.position().map_or((1, 0), |p| {
                    (
                        u32::try_from(p.line()).unwrap_or(u32::MAX),
                        usize::try_from(p.byte()).unwrap_or(0) + bom,
                    )
                });
                out.rejected += 1;
                out.diagnostics.push(
                    Diagnostic::error(codes::DORA_FORMAT, format!("not CSV: {e}"))
                        .with_path(format!("/{line}").as_str())
                        .with_span(Span::from_offsets(Arc::clone(file), text, offset, offset)),
                );
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    out
}

/// The csv crate reports where it started looking for a record, before
/// the blank and comment lines it skipped: move past them.
fn record_start(text: &str, mut offset: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        match bytes.get(offset) {
            Some(b'\n' | b'\r') => offset += 1,
            Some(b'#') => match memchr_newline(&bytes[offset..]) {
                Some(end) => offset += end + 1,
                None => return bytes.len(),
            },
            _ => return offset,
        }
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

impl CsvRows {
    /// Each record as a [`Row`].
    pub(crate) fn rows<'a>(&'a self, file: &'a Arc<str>, text: &'a str) -> Vec<Row<'a>> {
        self.records
            .iter()
            .map(|(values, line, offset)| {
                let line_text = text.get(*offset..).unwrap_or("");
                Row::Record(Record {
                    header: &self.header,
                    values: values.clone(),
                    file,
                    line: *line,
                    columns: field_positions(line_text),
                    offset: *offset,
                })
            })
            .collect()
    }
}

/// A survey's CSV: the header, and each record with the span of each of
/// its fields.
pub(crate) struct SurveyRows {
    pub(crate) header: Vec<String>,
    pub(crate) records: Vec<(Vec<String>, Vec<Span>)>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) rejected: usize,
}

/// Reads a survey CSV (see [`crate::nps`]).
pub(crate) fn rows_for_survey(file: &Arc<str>, text: &str) -> SurveyRows {
    let csv = read_csv(file, text);
    let records = csv
        .records
        .iter()
        .map(|(values, line, offset)| {
            let columns = field_positions(text.get(*offset..).unwrap_or(""));
            let spans = (0..values.len())
                .map(|i| match columns.get(i) {
                    Some(at) => Span::new(
                        Arc::clone(file),
                        line.saturating_add(at.line),
                        at.column,
                        offset + at.start,
                        offset + at.end,
                    ),
                    None => Span::new(Arc::clone(file), *line, 1, *offset, *offset),
                })
                .collect();
            (values.clone(), spans)
        })
        .collect();
    SurveyRows {
        header: csv.header,
        records,
        diagnostics: csv.diagnostics,
        rejected: csv.rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_respect_quotes() {
        assert_eq!(field_columns("a,\"b,c\",d"), vec![1, 3, 9]);
        assert_eq!(field_columns("é,x\nnext,line"), vec![1, 3]);
        // A quoted line break: the next field is on the record's second line.
        let fields = field_positions("a,\"b\nbb\",c\n");
        assert_eq!((fields[2].line, fields[2].column), (1, 5));
    }

    #[test]
    fn csv_records_know_their_lines() {
        let file: Arc<str> = "d.csv".into();
        let text = "# comment\ntime,entity\n\n2026-01-01T00:00:00Z,web\n1,2,3\n";
        let rows = read_csv(&file, text);
        assert_eq!(rows.header, vec!["time", "entity"]);
        assert_eq!(rows.records.len(), 1);
        assert_eq!(rows.records[0].1, 4);
        assert_eq!(rows.rejected, 1);
        let d = &rows.diagnostics[0];
        assert_eq!(d.span.as_ref().map(|s| s.line), Some(5));
        let parsed = rows.rows(&file, text);
        assert_eq!(parsed[0].span("entity").column, 22);
    }

    #[test]
    fn structured_or_not() {
        assert!(is_structured("[{\"a\": 1}]"));
        assert!(is_structured(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        ));
        assert!(!is_structured("time,entity,status\n"));
        assert!(!is_structured(""));
    }
}
