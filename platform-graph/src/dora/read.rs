//! Reading deployments and incidents: rows in JSON, YAML or CSV, the
//! deployment history of Argo CD `Application` objects, and GitHub's
//! deployments with their statuses. A row that cannot be read is a located
//! diagnostic, left out and counted; reading never fails as a whole.

// A rejected row is the rare path and its diagnostic is the result: boxing
// every `Err` would buy nothing.
#![allow(clippy::result_large_err)]

use std::collections::HashSet;
use std::sync::Arc;

use jiff::Timestamp;
use platform_model::yaml::{
    YamlDocument, YamlOptions, YamlSchema, parse_stream, push_pointer_token,
};
use platform_model::{Diagnostic, Span};
use serde::Serialize;
use serde_json::{Map, Value};

use super::events::{Commit, Deployment, DeploymentStatus, EventKey, Incident};
use super::rows::{FieldValue, Row, is_structured, read_csv};
use super::time::parse_instant;
use crate::codes;

/// What reading one file gave.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Read<T> {
    /// The events read.
    pub items: Vec<T>,
    /// Why rows were left out (and warnings about rows that were kept).
    pub diagnostics: Vec<Diagnostic>,
    /// How many rows were left out.
    pub rejected: usize,
}

impl<T> Default for Read<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            diagnostics: Vec::new(),
            rejected: 0,
        }
    }
}

impl<T> Read<T> {
    fn reject(&mut self, diagnostic: Diagnostic) {
        self.rejected += 1;
        self.diagnostics.push(diagnostic);
    }

    fn append(&mut self, other: Read<T>) {
        self.items.extend(other.items);
        self.diagnostics.extend(other.diagnostics);
        self.rejected += other.rejected;
    }
}

impl Read<Deployment> {
    /// Adds what another file gave; a deployment whose id an earlier file
    /// already used is rejected as a duplicate.
    pub fn extend(&mut self, other: Read<Deployment>) {
        self.append(other);
        reject_duplicate_ids(self, |d| d.id.as_deref(), |d| &d.source);
    }
}

impl Read<Incident> {
    /// Adds what another file gave; an incident whose id an earlier file
    /// already used is rejected as a duplicate.
    pub fn extend(&mut self, other: Read<Incident>) {
        self.append(other);
        reject_duplicate_ids(self, |i| i.id.as_deref(), |i| &i.source);
    }
}

/// Reads deployments from a file named `file` (as shown in diagnostics).
///
/// Formats, told apart by content:
/// - rows: a JSON or YAML list of objects (or `{"deployments": [...]}`), or
///   CSV with a header, with the fields `time`, `entity`, `environment`,
///   `version`, `commit`, `status` (`success` or `failure`), `rollback_of`,
///   `id` and `commits` (a list of `{sha, time}` objects or of `sha=time`
///   texts; in CSV separated by spaces or `;`);
/// - an Argo CD `Application` (or a `List` of them): each `status.history`
///   entry is a successful deployment of the application; an entry that
///   goes back to a revision deployed before rolls back the entry before it;
/// - GitHub's deployments (`GET /repos/{owner}/{repo}/deployments`), each
///   with its statuses (`GET …/deployments/{id}/statuses`) under
///   `statuses`, or all statuses under a top-level `statuses` object keyed
///   by deployment id.
#[must_use]
pub fn read_deployments(file: &str, text: &str) -> Read<Deployment> {
    let file: Arc<str> = file.into();
    let mut out = Read::default();
    if is_structured(text) {
        for doc in documents(&file, text, &mut out.diagnostics) {
            deployments_of_document(&doc, &mut out);
        }
    } else {
        let csv = read_csv(&file, text);
        out.rejected += csv.rejected;
        out.diagnostics.extend(csv.diagnostics.iter().cloned());
        for row in csv.rows(&file, text) {
            match deployment_of_row(&row) {
                Ok(d) => out.items.push(d),
                Err(d) => out.reject(d),
            }
        }
    }
    reject_duplicate_ids(&mut out, |d| d.id.as_deref(), |d| &d.source);
    sort_by_position(&mut out.diagnostics);
    out
}

/// Reads incidents: rows (JSON, YAML or CSV as for
/// [`read_deployments`]) with the fields `entity`, `started`, `resolved`,
/// `caused_by_deployment` and `id`. A resolution before the start is
/// rejected.
#[must_use]
pub fn read_incidents(file: &str, text: &str) -> Read<Incident> {
    let file: Arc<str> = file.into();
    let mut out = Read::default();
    if is_structured(text) {
        for doc in documents(&file, text, &mut out.diagnostics) {
            let Some(rows) = row_list(&doc, "incidents", &mut out) else {
                continue;
            };
            for row in rows {
                match incident_of_row(&row) {
                    Ok(i) => out.items.push(i),
                    Err(d) => out.reject(d),
                }
            }
        }
    } else {
        let csv = read_csv(&file, text);
        out.rejected += csv.rejected;
        out.diagnostics.extend(csv.diagnostics.iter().cloned());
        for row in csv.rows(&file, text) {
            match incident_of_row(&row) {
                Ok(i) => out.items.push(i),
                Err(d) => out.reject(d),
            }
        }
    }
    reject_duplicate_ids(&mut out, |i| i.id.as_deref(), |i| &i.source);
    sort_by_position(&mut out.diagnostics);
    out
}

/// Diagnostics in file order, as an editor lists them.
fn sort_by_position(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| d.span.as_ref().map(|s| (s.line, s.column)));
}

/// The documents of a JSON or YAML text; syntax errors become diagnostics.
fn documents(file: &Arc<str>, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<YamlDocument> {
    let stream = parse_stream(
        file,
        text,
        &YamlOptions::default().with_schema(YamlSchema::Core12),
    );
    diagnostics.extend(stream.diagnostics);
    let mut docs = Vec::new();
    for doc in stream.documents {
        if let Some(error) = &doc.error {
            diagnostics.push(error.clone());
        } else if !doc.value.is_null() {
            docs.push(doc);
        }
    }
    docs
}

fn object_row<'a>(doc: &'a YamlDocument, value: &'a Value, pointer: String) -> Option<Row<'a>> {
    value.as_object().map(|fields| Row::Object {
        fields,
        doc,
        pointer,
    })
}

/// The rows of a document: a list, or the list under `key`.
fn row_list<'a, T>(doc: &'a YamlDocument, key: &str, out: &mut Read<T>) -> Option<Vec<Row<'a>>> {
    let (list, base) = match &doc.value {
        Value::Array(items) => (items, String::new()),
        Value::Object(map) => match map.get(key) {
            Some(Value::Array(items)) => (items, format!("/{key}")),
            _ => {
                out.diagnostics.push(
                    Diagnostic::error(
                        codes::DORA_FORMAT,
                        format!("expected a list of rows, or an object with a `{key}` list"),
                    )
                    .with_path("")
                    .with_span(doc.value_span("")),
                );
                return None;
            }
        },
        _ => {
            out.diagnostics.push(
                Diagnostic::error(codes::DORA_FORMAT, "expected a list of rows")
                    .with_path("")
                    .with_span(doc.value_span("")),
            );
            return None;
        }
    };
    let mut rows = Vec::with_capacity(list.len());
    for (i, value) in list.iter().enumerate() {
        let pointer = format!("{base}/{i}");
        match object_row(doc, value, pointer.clone()) {
            Some(row) => rows.push(row),
            None => out.reject(
                Diagnostic::error(codes::DORA_FIELD, "a row must be an object")
                    .with_path(pointer.as_str())
                    .with_span(doc.value_span(&pointer)),
            ),
        }
    }
    Some(rows)
}

fn deployments_of_document(doc: &YamlDocument, out: &mut Read<Deployment>) {
    let value = &doc.value;
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    let api = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if kind == "Application" && api.starts_with("argoproj.io/") {
        argo_application(doc, value, "", out);
        return;
    }
    if kind.ends_with("List") && value.get("items").is_some_and(Value::is_array) {
        if let Some(items) = value.get("items").and_then(Value::as_array) {
            for (i, item) in items.iter().enumerate() {
                if item.get("kind").and_then(Value::as_str) == Some("Application")
                    || kind == "ApplicationList"
                {
                    argo_application(doc, item, &format!("/items/{i}"), out);
                }
            }
        }
        return;
    }
    let Some(rows) = row_list(doc, "deployments", out) else {
        return;
    };
    let github = rows.iter().any(is_github_deployment);
    let statuses = value.get("statuses").and_then(Value::as_object);
    for row in rows {
        let result = if github {
            github_deployment(&row, statuses)
        } else {
            deployment_of_row(&row).map(Some)
        };
        match result {
            Ok(Some(d)) => out.items.push(d),
            Ok(None) => {}
            Err(d) => out.reject(d),
        }
    }
}

/// A required text field.
fn required<'a>(
    row: &Row<'a>,
    fields: &[&'static str],
) -> Result<(&'static str, std::borrow::Cow<'a, str>), Diagnostic> {
    row.first_text(fields)?.ok_or_else(|| {
        row.problem(
            codes::DORA_FIELD,
            fields[0],
            format!("the row has no `{}`", fields[0]),
        )
    })
}

fn instant(row: &Row<'_>, field: &'static str, text: &str) -> Result<Timestamp, Diagnostic> {
    parse_instant(text).map_err(|m| row.problem(codes::DORA_TIMESTAMP, field, m))
}

fn optional_text(row: &Row<'_>, field: &str) -> Result<Option<String>, Diagnostic> {
    Ok(row.text(field)?.map(|t| t.trim().to_owned()))
}

/// Reads a status word.
fn status_of(word: &str) -> Option<DeploymentStatus> {
    match word.trim().to_ascii_lowercase().as_str() {
        "success" | "succeeded" | "successful" => Some(DeploymentStatus::Success),
        "failure" | "failed" | "error" => Some(DeploymentStatus::Failure),
        _ => None,
    }
}

fn deployment_of_row(row: &Row<'_>) -> Result<Deployment, Diagnostic> {
    let (time_field, time_text) = required(row, &["time", "deployed_at", "finished_at"])?;
    let time = instant(row, time_field, &time_text)?;
    let (_, entity) = required(row, &["entity"])?;
    let (status_field, status_text) = required(row, &["status"])?;
    let status = status_of(&status_text).ok_or_else(|| {
        row.problem(
            codes::DORA_STATUS,
            status_field,
            format!(
                "unknown status `{}`; expected `success` or `failure`",
                status_text.trim()
            ),
        )
    })?;
    let mut deployment = Deployment::new(
        time,
        EventKey::parse(entity.trim()),
        "",
        status,
        row.row_span(),
    );
    deployment.environment = optional_text(row, "environment")?
        .or(optional_text(row, "env")?)
        .unwrap_or_default();
    deployment.id = optional_text(row, "id")?;
    deployment.version = optional_text(row, "version")?;
    deployment.commit = optional_text(row, "commit")?;
    deployment.rollback_of = optional_text(row, "rollback_of")?;
    deployment.commits = commits_of(row)?;
    Ok(deployment)
}

/// The `commits` field: a list of `{sha, time}` objects, of timestamps or
/// of `sha=time` texts; in CSV, such texts separated by spaces or `;`.
fn commits_of(row: &Row<'_>) -> Result<Vec<Commit>, Diagnostic> {
    let bad = |message: String| row.problem(codes::DORA_TIMESTAMP, "commits", message);
    let one = |text: &str| -> Result<Commit, Diagnostic> {
        let (sha, time) = match text.split_once('=') {
            Some((sha, time)) => (Some(sha.trim().to_owned()), time),
            None => (None, text),
        };
        let time = parse_instant(time).map_err(|m| bad(format!("a commit time: {m}")))?;
        Ok(Commit { sha, time })
    };
    match row.get("commits") {
        None => Ok(Vec::new()),
        Some(FieldValue::Text(text)) => text
            .split([' ', ';', '\t'])
            .filter(|t| !t.is_empty())
            .map(one)
            .collect(),
        Some(FieldValue::List(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => one(text),
                Value::Object(map) => {
                    let time = map
                        .get("time")
                        .and_then(Value::as_str)
                        .ok_or_else(|| bad("a commit needs a `time`".to_owned()))?;
                    let time =
                        parse_instant(time).map_err(|m| bad(format!("a commit time: {m}")))?;
                    Ok(Commit {
                        sha: map.get("sha").and_then(Value::as_str).map(str::to_owned),
                        time,
                    })
                }
                _ => Err(bad("a commit is `{sha, time}` or `sha=time`".to_owned())),
            })
            .collect(),
        Some(FieldValue::Object) => Err(bad("`commits` must be a list".to_owned())),
    }
}

fn incident_of_row(row: &Row<'_>) -> Result<Incident, Diagnostic> {
    let (_, entity) = required(row, &["entity"])?;
    let (started_field, started_text) = required(row, &["started", "started_at"])?;
    let started = instant(row, started_field, &started_text)?;
    let mut incident = Incident::new(EventKey::parse(entity.trim()), started, row.row_span());
    if let Some((field, text)) = row.first_text(&["resolved", "resolved_at"])? {
        let resolved = instant(row, field, &text)?;
        if resolved < started {
            return Err(row.problem(
                codes::DORA_ORDER,
                field,
                format!("resolved at {resolved}, before it started at {started}"),
            ));
        }
        incident.resolved = Some(resolved);
    }
    incident.id = optional_text(row, "id")?;
    incident.caused_by_deployment = optional_text(row, "caused_by_deployment")?;
    Ok(incident)
}

/// Argo CD: `status.history` entries `{id, revision, deployedAt}`.
fn argo_application(doc: &YamlDocument, app: &Value, base: &str, out: &mut Read<Deployment>) {
    let name = app
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if name.is_empty() {
        out.diagnostics.push(
            Diagnostic::error(
                codes::DORA_FORMAT,
                "an Argo CD Application without `metadata.name`",
            )
            .with_path(base)
            .with_span(doc.value_span(base)),
        );
        return;
    }
    let labels = app.pointer("/metadata/labels");
    let key = match labels
        .and_then(|l| l.get(crate::cost::KUBERNETES_ID))
        .and_then(Value::as_str)
    {
        Some(id) => EventKey::KubernetesId(id.to_owned()),
        None => EventKey::ArgoApplication(name.to_owned()),
    };
    let environment = labels
        .and_then(|l| l.get("environment").or_else(|| l.get("env")))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let Some(history) = app.pointer("/status/history").and_then(Value::as_array) else {
        return;
    };
    let mut seen: Vec<String> = Vec::new();
    let mut previous_id: Option<String> = None;
    for (i, entry) in history.iter().enumerate() {
        let mut pointer = format!("{base}/status/history");
        push_pointer_token(&mut pointer, &i.to_string());
        let Some(row) = object_row(doc, entry, pointer) else {
            out.reject(
                Diagnostic::error(codes::DORA_FIELD, "a history entry must be an object")
                    .with_span(doc.value_span(base)),
            );
            continue;
        };
        let result = (|| -> Result<Deployment, Diagnostic> {
            let (field, text) = required(&row, &["deployedAt"])?;
            let time = instant(&row, field, &text)?;
            let revision = match row.get("revision") {
                Some(FieldValue::Text(t)) => Some(t.into_owned()),
                Some(FieldValue::List(_)) | None => entry
                    .get("revisions")
                    .and_then(Value::as_array)
                    .and_then(|r| r.first())
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                Some(FieldValue::Object) => None,
            };
            let history_id = row
                .text("id")?
                .map_or_else(|| i.to_string(), |t| t.into_owned());
            let mut d = Deployment::new(
                time,
                key.clone(),
                environment.clone(),
                DeploymentStatus::Success,
                row.row_span(),
            )
            .with_id(format!("{name}#{history_id}"));
            if let Some(revision) = revision {
                if seen.contains(&revision)
                    && seen.last() != Some(&revision)
                    && let Some(previous) = &previous_id
                {
                    d.rollback_of = Some(previous.clone());
                }
                if is_commit_id(&revision) {
                    d.commit = Some(revision.clone());
                }
                d.version = Some(revision.clone());
                seen.push(revision);
            }
            Ok(d)
        })();
        match result {
            Ok(d) => {
                previous_id = d.id.clone();
                out.items.push(d);
            }
            Err(diagnostic) => out.reject(diagnostic),
        }
    }
}

/// Whether a text is a full or abbreviated hexadecimal commit id.
pub(crate) fn is_commit_id(text: &str) -> bool {
    (4..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_github_deployment(row: &Row<'_>) -> bool {
    matches!(row, Row::Object { fields, .. } if fields.contains_key("sha")
        && (fields.contains_key("statuses_url") || fields.contains_key("statuses") || fields.contains_key("ref")))
}

/// GitHub: the newest terminal status decides (`success`; `failure` or
/// `error`); a deployment with none yet is left out with a warning.
fn github_deployment(
    row: &Row<'_>,
    statuses: Option<&Map<String, Value>>,
) -> Result<Option<Deployment>, Diagnostic> {
    let Row::Object { fields, .. } = row else {
        return deployment_of_row(row).map(Some);
    };
    let id = row.text("id")?.map(|t| t.into_owned());
    let list = fields
        .get("statuses")
        .and_then(Value::as_array)
        .or_else(|| {
            id.as_deref()
                .and_then(|id| statuses.and_then(|s| s.get(id)))
                .and_then(Value::as_array)
        });
    let mut newest: Option<(Timestamp, DeploymentStatus)> = None;
    for status in list.into_iter().flatten() {
        let state = status.get("state").and_then(Value::as_str).unwrap_or("");
        let outcome = match state {
            "success" => DeploymentStatus::Success,
            "failure" | "error" => DeploymentStatus::Failure,
            "inactive" | "in_progress" | "queued" | "pending" => continue,
            other => {
                return Err(row.problem(
                    codes::DORA_STATUS,
                    "statuses",
                    format!("unknown GitHub deployment state `{other}`"),
                ));
            }
        };
        let at = status
            .get("created_at")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                row.problem(
                    codes::DORA_FIELD,
                    "statuses",
                    "a status without `created_at`",
                )
            })?;
        let at =
            parse_instant(at).map_err(|m| row.problem(codes::DORA_TIMESTAMP, "statuses", m))?;
        if newest.is_none_or(|(t, _)| at > t) {
            newest = Some((at, outcome));
        }
    }
    let Some((time, status)) = newest else {
        return Err(Diagnostic::warning(
            codes::DORA_PENDING,
            "this deployment has no success, failure or error status yet; left out",
        )
        .with_path(row.pointer("").as_str())
        .with_span(row.row_span()));
    };
    let entity = match fields
        .get("payload")
        .and_then(|p| p.get("entity"))
        .and_then(Value::as_str)
    {
        Some(entity) => EventKey::parse(entity),
        None => {
            let repository = fields
                .get("repository_url")
                .and_then(Value::as_str)
                .and_then(|u| u.split("/repos/").nth(1))
                .map(|r| r.trim_end_matches('/').to_owned())
                .ok_or_else(|| {
                    row.problem(
                        codes::DORA_FIELD,
                        "repository_url",
                        "a GitHub deployment needs `repository_url` or `payload.entity`",
                    )
                })?;
            EventKey::GithubRepository(repository)
        }
    };
    let mut d = Deployment::new(
        time,
        entity,
        optional_text(row, "environment")?.unwrap_or_default(),
        status,
        row.row_span(),
    );
    d.id = id;
    d.commit = optional_text(row, "sha")?;
    d.version = optional_text(row, "ref")?.or_else(|| d.commit.clone());
    Ok(Some(d))
}

/// The second and later events with an id already seen are rejected.
fn reject_duplicate_ids<T>(
    out: &mut Read<T>,
    id: impl Fn(&T) -> Option<&str>,
    source: impl Fn(&T) -> &Span,
) {
    let mut seen: HashSet<String> = HashSet::new();
    let mut first: std::collections::HashMap<String, Span> = std::collections::HashMap::new();
    let mut kept = Vec::with_capacity(out.items.len());
    for item in std::mem::take(&mut out.items) {
        if let Some(key) = id(&item) {
            if !seen.insert(key.to_owned()) {
                let earlier = first.get(key).map(ToString::to_string).unwrap_or_default();
                out.rejected += 1;
                out.diagnostics.push(
                    Diagnostic::error(
                        codes::DORA_DUPLICATE_ID,
                        format!("a second event with the id `{key}`"),
                    )
                    .with_span(source(&item).clone())
                    .with_note(format!("the first is at {earlier}")),
                );
                continue;
            }
            first.insert(key.to_owned(), source(&item).clone());
        }
        kept.push(item);
    }
    out.items = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_and_their_problems() {
        let text = "time,entity,environment,status,id,commits\n\
                    2026-11-02T10:00:00Z,payment-service,production,success,d1,abc=2026-11-02T09:00:00Z\n\
                    2026-11-02T11:00:00Z,payment-service,production,sideways,d2,\n\
                    yesterday,payment-service,production,success,d3,\n\
                    2026-11-02T12:00:00Z,payment-service,production,failure,d1,\n";
        let read = read_deployments("d.csv", text);
        assert_eq!(read.items.len(), 1);
        assert_eq!(read.rejected, 3);
        assert_eq!(read.items[0].commits.len(), 1);
        let codes: Vec<&str> = read.diagnostics.iter().map(|d| d.code.as_ref()).collect();
        assert_eq!(
            codes,
            [
                codes::DORA_STATUS,
                codes::DORA_TIMESTAMP,
                codes::DORA_DUPLICATE_ID
            ]
        );
        let status = &read.diagnostics[0];
        let span = status.span.as_ref().expect("span");
        assert_eq!((span.line, span.column), (3, 49));
        assert_eq!(status.path.as_ref().map(|p| p.as_str()), Some("/3/status"));
    }

    /// Fuzz finding: a quoted field with a line break put the next field's
    /// column on the record's first line, past its end.
    #[test]
    fn fields_after_a_quoted_line_break_are_on_their_line() {
        let text = "id,time,entity,status\nd1,2026-11-02T10:00:00Z,\"pay\nment\",later\n";
        let read = read_deployments("d.csv", text);
        let span = read.diagnostics[0].span.as_ref().expect("span");
        assert_eq!(read.diagnostics[0].code, codes::DORA_STATUS);
        assert_eq!((span.line, span.column), (3, 7));
        assert_eq!(&text[span.start..span.end], "later");
    }

    #[test]
    fn json_rows_are_located() {
        let text = "[\n  {\"time\": \"2026-11-02T10:00:00Z\", \"entity\": \"web\", \"status\": \"success\"},\n  {\"time\": \"2026-11-02T10:00:00Z\", \"entity\": \"web\", \"status\": \"maybe\"}\n]\n";
        let read = read_deployments("d.json", text);
        assert_eq!(read.items.len(), 1);
        let span = read.diagnostics[0].span.as_ref().expect("span");
        assert_eq!(span.line, 3);
        assert_eq!(
            read.diagnostics[0].path.as_ref().map(|p| p.as_str()),
            Some("/1/status")
        );
    }

    #[test]
    fn incidents_resolve_after_they_start() {
        let text = "entity,started,resolved\nweb,2026-11-02T10:00:00Z,2026-11-02T09:00:00Z\nweb,2026-11-02T10:00:00Z,\n";
        let read = read_incidents("i.csv", text);
        assert_eq!(read.items.len(), 1);
        assert_eq!(read.diagnostics[0].code, codes::DORA_ORDER);
        assert!(read.items[0].resolved.is_none());
    }
}
