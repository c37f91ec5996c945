//! The JSON report (`platform check --format json`).

use serde_json::{Map, Value, json};

use super::model::PolicyReport;
use crate::finding::Finding;

/// One finding as JSON: the contract fields first, then the extras.
pub(crate) fn finding(f: &Finding) -> Value {
    let (file, line, column) = f.span.as_ref().map_or((String::new(), 1, 1), |s| {
        (s.file.to_string(), s.line, s.column)
    });
    let mut m = Map::new();
    m.insert("rule".into(), json!(f.rule));
    m.insert("severity".into(), json!(f.severity));
    m.insert("message".into(), json!(f.message));
    m.insert("file".into(), json!(file));
    m.insert("line".into(), json!(line));
    m.insert("column".into(), json!(column));
    m.insert("suppressed".into(), json!(f.is_suppressed()));
    if let Some(s) = &f.suppression {
        m.insert("reason".into(), json!(s.reason));
        m.insert("suppression".into(), json!(s.kind));
    }
    if let Some(a) = &f.artefact {
        m.insert("artefact".into(), json!(a));
    }
    if let Some(p) = &f.path {
        m.insert("path".into(), json!(p));
    }
    if let Some(c) = &f.component {
        m.insert("component".into(), json!(c));
    }
    if !f.notes.is_empty() {
        m.insert("notes".into(), json!(f.notes));
    }
    Value::Object(m)
}

pub(crate) fn report(r: &PolicyReport) -> Value {
    json!({
        "findings": r.findings.iter().map(finding).collect::<Vec<_>>(),
        "scorecards": r.scorecards,
        "summary": r.summary,
    })
}
