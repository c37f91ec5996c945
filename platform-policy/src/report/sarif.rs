//! SARIF 2.1.0 for GitHub code scanning: a hand-written subset (one run,
//! a driver with every rule and its help, results with real regions,
//! `partialFingerprints` and suppressions with their justification).

use std::collections::HashMap;

use platform_model::Severity;
use serde_json::{Map, Value, json};

use super::fingerprint::line_hashes;
use super::model::PolicyReport;
use crate::finding::Finding;
use crate::lines::LineIndex;
use crate::rule::RuleMeta;

/// The SARIF schema URI.
pub(crate) const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `k8s.image-tag` → `K8sImageTag`.
fn pascal(id: &str) -> String {
    id.split(['.', '-'])
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn rule(meta: &RuleMeta, severity: Severity) -> Value {
    let domain = meta.id.split('.').next().unwrap_or("");
    let mut tags: Vec<String> = meta.tags.iter().map(ToString::to_string).collect();
    if !domain.is_empty() && !tags.iter().any(|t| t == domain) {
        tags.push(domain.to_owned());
    }
    let kinds: Vec<&str> = meta.applies_to.iter().map(|k| k.as_str()).collect();
    let mut properties = json!({
        "tags": tags,
        "precision": "high",
        "problem.severity": match severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "recommendation",
        },
        "profile": meta.profile,
    });
    if meta.is_security() {
        properties["security-severity"] = json!(match severity {
            Severity::Error => "8.0",
            Severity::Warning => "5.0",
            Severity::Info => "2.0",
        });
    }
    let mut help = format!(
        "{}\n\nApplies to: {}. Default severity: {}.",
        meta.rationale,
        kinds.join(", "),
        meta.default_severity
    );
    if !meta.options.is_empty() {
        help.push_str("\n\nOptions:");
        for o in &meta.options {
            help.push_str(&format!("\n- {}: {}", o.name, o.description));
        }
    }
    let markdown = format!(
        "**{}**\n\n{}\n\nApplies to: {}. Default severity: `{}`. Exempt an object with the annotation `platform-policy.io/ignore.{}: \"<reason>\"`, or a line with `# platform-policy ignore={} <reason>`.",
        meta.title,
        meta.rationale,
        kinds.join(", "),
        meta.default_severity,
        meta.id,
        meta.id
    );
    json!({
        "id": meta.id,
        "name": pascal(&meta.id),
        "shortDescription": {"text": truncate(&meta.title, 1024)},
        "fullDescription": {"text": truncate(if meta.rationale.is_empty() { &meta.title } else { &meta.rationale }, 1024)},
        "help": {"text": help, "markdown": markdown},
        "defaultConfiguration": {"level": level(severity)},
        "properties": properties,
    })
}

/// What a family of codes merged in from the catalog and the graph means.
fn family_description(code: &str) -> &'static str {
    match code.split('.').next().unwrap_or("") {
        "yaml" => {
            "The file is YAML that Backstage's catalog parser refuses: a syntax error, a repeated key, or a parser limit reached."
        }
        "file" => {
            "A file of the catalog tree cannot be read as a catalog file: unreadable, not UTF-8, leading outside the root, not a regular file, or not parsed."
        }
        "entity" => {
            "Backstage's catalog refuses this entity as it validates it (the envelope, the entity and kind schemas, field formats, references, duplicates, nesting)."
        }
        "location" => {
            "A Location's targets cannot be followed as Backstage's catalog follows them (not found, outside the root, a cycle, a type or glob Backstage refuses)."
        }
        "placeholder" => {
            "A `$text`, `$json` or `$yaml` placeholder cannot be resolved as Backstage's readers resolve it."
        }
        "app-config" => {
            "The app-config the catalog is ingested with is one Backstage's backend would refuse or read otherwise."
        }
        "catalog" => {
            "Backstage would not store this entity: the catalog rules refuse it, or its file or Location fails."
        }
        "vap" => {
            "A ValidatingAdmissionPolicy the cluster enforces, evaluated offline as the API server evaluates it for a CREATE: Deny bindings are errors, Warn warnings, Audit notes."
        }
        "graph" => {
            "A problem of the catalog as a graph: a reference to nothing, a missing or wrong owner, a cycle, an API nobody provides or uses."
        }
        _ => "A finding merged in from the catalog or the graph checks.",
    }
}

/// A rule entry for a code the policy registry does not define (catalog
/// validation and graph findings merged into the report).
fn merged_rule(code: &str, severity: Severity) -> Value {
    let description = family_description(code);
    json!({
        "id": code,
        "name": pascal(code),
        "shortDescription": {"text": code},
        "fullDescription": {"text": description},
        "help": {
            "text": format!("{description}\n\nThe README's table of diagnostic codes describes `{code}`."),
            "markdown": format!("**{code}**\n\n{description}\n\nSee the table of diagnostic codes in the README for `{code}`."),
        },
        "defaultConfiguration": {"level": level(severity)},
        "properties": {"tags": [code.split('.').next().unwrap_or(code)]},
    })
}

/// A fingerprint for a result whose file text the report does not hold
/// (no line hash can be made): the rule, file, position and message.
fn location_fingerprint(f: &Finding, span: &platform_model::Span) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [
        f.diagnostic.code.as_ref(),
        &*span.file,
        &span.line.to_string(),
        &span.column.to_string(),
        &f.diagnostic.message,
    ] {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Line and column (characters) just past `offset` in `text`.
#[cfg(test)]
fn end_position(text: &str, offset: usize) -> Option<(u32, u32)> {
    Some(LineIndex::new(text).line_column(text, offset))
}

/// What one file contributes to every result in it: line hashes and the
/// line index, computed once per file.
struct FileInfo {
    hashes: Vec<String>,
    index: LineIndex,
}

fn result(
    report: &PolicyReport,
    f: &Finding,
    rule_index: usize,
    files: &mut HashMap<String, FileInfo>,
) -> Option<Value> {
    let span = f.diagnostic.span.as_ref()?;
    let mut region = Map::new();
    region.insert("startLine".into(), json!(span.line.max(1)));
    region.insert("startColumn".into(), json!(span.column.max(1)));
    let source = report.source(&span.file);
    let info = source.map(|text| {
        &*files
            .entry(span.file.to_string())
            .or_insert_with(|| FileInfo {
                hashes: line_hashes(text),
                index: LineIndex::new(text),
            })
    });
    if let (Some(text), Some(info)) = (source, info)
        && span.end > span.start
    {
        let (line, column) = info.index.line_column(text, span.end);
        region.insert("endLine".into(), json!(line));
        region.insert("endColumn".into(), json!(column));
    }
    let mut result = json!({
        "ruleId": f.diagnostic.code,
        "ruleIndex": rule_index,
        "level": level(f.diagnostic.severity),
        "message": {"text": f.diagnostic.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": span.file.to_string(), "uriBaseId": "%SRCROOT%"},
                "region": region,
            }
        }],
    });
    match info.and_then(|info| info.hashes.get(span.line.saturating_sub(1) as usize)) {
        Some(h) => result["partialFingerprints"] = json!({"primaryLocationLineHash": h}),
        // Without the file's text: a hash of what the result says, so that
        // every result still has a fingerprint.
        None => {
            result["partialFingerprints"] =
                json!({"platformLocationHash/v1": location_fingerprint(f, span)});
        }
    }
    if let Some(s) = &f.suppression {
        result["suppressions"] = json!([{"kind": "inSource", "justification": s.reason}]);
    }
    let mut props = Map::new();
    if let Some(a) = &f.artefact {
        props.insert("artefact".into(), json!(a));
    }
    if let Some(p) = &f.diagnostic.path {
        props.insert("path".into(), json!(p));
    }
    if let Some(c) = &f.component {
        props.insert("component".into(), json!(c));
    }
    if !props.is_empty() {
        result["properties"] = Value::Object(props);
    }
    Some(result)
}

pub(crate) fn log(report: &PolicyReport) -> Value {
    let mut rules = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let used: std::collections::HashSet<&str> = report
        .findings
        .iter()
        .map(|f| f.diagnostic.code.as_ref())
        .collect();
    for r in &report.rules {
        if r.enabled || used.contains(r.meta.id.as_ref()) {
            index.insert(r.meta.id.as_ref(), rules.len());
            rules.push(rule(&r.meta, r.severity));
        }
    }
    // Findings merged in from elsewhere (catalog validation, the graph)
    // name rules the checker does not know: describe them minimally rather
    // than drop the findings.
    for f in &report.findings {
        if !index.contains_key(f.diagnostic.code.as_ref()) {
            index.insert(f.diagnostic.code.as_ref(), rules.len());
            rules.push(merged_rule(&f.diagnostic.code, f.diagnostic.severity));
        }
    }
    let mut files = HashMap::new();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for f in &report.findings {
        let Some(&i) = index.get(f.diagnostic.code.as_ref()) else {
            continue;
        };
        match result(report, f, i, &mut files) {
            Some(r) => results.push(r),
            None => notifications.push(json!({
                "level": level(f.diagnostic.severity),
                "message": {"text": f.diagnostic.message},
                "associatedRule": {"id": f.diagnostic.code, "index": i},
            })),
        }
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "platform-policy",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolConfigurationNotifications": notifications,
            }],
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The checked directory."}}},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "profile": report.summary.profile,
                "summary": report.summary,
                "scorecards": report.scorecards,
            },
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_truncation() {
        assert_eq!(pascal("k8s.image-tag"), "K8sImageTag");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(end_position("ab\ncd", 5), Some((2, 3)));
    }
}
