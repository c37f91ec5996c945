//! The JSON report (`platform check --format json`).

use serde_json::{Map, Value, json};

use super::model::PolicyReport;
use crate::finding::Finding;

/// One finding as JSON: the workspace's flat diagnostic form
/// ([`DiagnosticRecord`](platform_model::DiagnosticRecord): `code`, `rule`,
/// `severity`, `message`, `file`, `line`, `column`, `path`, `notes`), then
/// the policy's extras.
pub(crate) fn finding(f: &Finding) -> Value {
    let mut m = match serde_json::to_value(f.diagnostic.record()) {
        Ok(Value::Object(m)) => m,
        // A record is a struct of strings and numbers: it always serialises
        // to an object.
        _ => Map::new(),
    };
    m.insert("suppressed".into(), json!(f.is_suppressed()));
    if let Some(s) = &f.suppression {
        m.insert("reason".into(), json!(s.reason));
        m.insert("suppression".into(), json!(s.kind));
    }
    if let Some(a) = &f.artefact {
        m.insert("artefact".into(), json!(a));
    }
    if let Some(c) = &f.component {
        m.insert("component".into(), json!(c));
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
