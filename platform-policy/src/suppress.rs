//! Exemptions: annotations on objects and entities, comments in YAML files
//! and Dockerfiles. Every exemption needs a reason; suppressed findings stay
//! in the report with that reason.
//!
//! - `platform-policy.io/ignore.<rule-id>: "<reason>"` and
//!   `platform-policy.io/ignore-all: "<reason>"` in `metadata.annotations`
//!   of a Kubernetes object or catalog entity;
//! - `# platform-policy ignore=<rule-id>[,<rule-id>…] <reason>` on the line
//!   above a YAML key (the key and everything under it) or a Dockerfile
//!   instruction (with its continuation lines), or at the end of a YAML line;
//! - `# platform-policy ignore-file=<rule-id>[,…] <reason>` anywhere in a
//!   file: the whole file. `all` stands for every rule in both forms.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use platform_model::{Severity, Span};
use serde_json::Value;

use crate::finding::{ArtefactId, ArtefactKind, Finding, Suppression, SuppressionKind};
use crate::inputs::Inputs;
use crate::rules::ids;

/// Annotation prefix of per-rule exemptions.
pub const IGNORE_PREFIX: &str = "platform-policy.io/ignore.";
/// Annotation exempting an object from every rule.
pub const IGNORE_ALL: &str = "platform-policy.io/ignore-all";
/// Marker of exemption comments.
const COMMENT_MARKER: &str = "platform-policy ";

/// What an exemption covers.
#[derive(Clone, Debug)]
struct Exemption {
    /// `None` means every rule.
    rules: Option<Vec<String>>,
    reason: String,
    span: Span,
    /// Inclusive line range; `None` = the whole artefact or file.
    lines: Option<(u32, u32)>,
}

impl Exemption {
    fn covers(&self, rule: &str, line: u32) -> bool {
        self.rules
            .as_ref()
            .is_none_or(|r| r.iter().any(|x| x == rule))
            && self.lines.is_none_or(|(a, b)| (a..=b).contains(&line))
    }
}

/// Applies exemptions to `findings` and returns the problems with the
/// exemptions themselves.
pub(crate) fn apply(
    inputs: &Inputs,
    known: &HashSet<String>,
    findings: &mut [Finding],
) -> Vec<Finding> {
    let mut problems = Vec::new();
    let by_artefact = annotations(inputs, known, &mut problems);
    let mut by_file: HashMap<Arc<str>, Vec<Exemption>> = HashMap::new();
    let files: HashSet<Arc<str>> = findings
        .iter()
        .filter_map(|f| f.span.as_ref().map(|s| Arc::clone(&s.file)))
        .collect();
    for file in files {
        let Some(text) = inputs.source(&file) else {
            continue;
        };
        if !text.contains(COMMENT_MARKER) {
            continue;
        }
        let dockerfile = inputs.dockerfiles().iter().find(|d| d.file == file);
        let list = comments(
            &file,
            text,
            dockerfile.map(|d| &d.dockerfile),
            known,
            &mut problems,
        );
        if !list.is_empty() {
            by_file.insert(file, list);
        }
    }
    for f in findings.iter_mut() {
        if f.rule.starts_with("config.") || f.rule == ids::POLICY_EXEMPTION {
            continue;
        }
        let line = f.span.as_ref().map_or(0, |s| s.line);
        if let Some(list) = f.artefact_id.and_then(|id| by_artefact.get(&id))
            && let Some(e) = list.iter().find(|e| e.covers(&f.rule, line))
        {
            f.suppression = Some(Suppression::new(
                SuppressionKind::Annotation,
                e.reason.clone(),
                Some(e.span.clone()),
            ));
            continue;
        }
        if let Some(list) = f.span.as_ref().and_then(|s| by_file.get(&s.file))
            && let Some(e) = list.iter().find(|e| e.covers(&f.rule, line))
        {
            f.suppression = Some(Suppression::new(
                SuppressionKind::Comment,
                e.reason.clone(),
                Some(e.span.clone()),
            ));
        }
    }
    problems
}

fn problem(message: String, span: Span) -> Finding {
    Finding::new(ids::POLICY_EXEMPTION, Severity::Warning, message).with_span(span)
}

fn annotations(
    inputs: &Inputs,
    known: &HashSet<String>,
    problems: &mut Vec<Finding>,
) -> HashMap<ArtefactId, Vec<Exemption>> {
    let mut out: HashMap<ArtefactId, Vec<Exemption>> = HashMap::new();
    let manifests = inputs.manifests().iter().enumerate().map(|(i, m)| {
        (
            ArtefactId::new(ArtefactKind::Manifest, i),
            &m.location,
            m.annotations(),
        )
    });
    let entities = inputs.entities().iter().enumerate().map(|(i, e)| {
        (
            ArtefactId::new(ArtefactKind::CatalogEntity, i),
            &e.location,
            e.value
                .pointer("/metadata/annotations")
                .and_then(Value::as_object),
        )
    });
    for (id, location, map) in manifests.chain(entities) {
        let Some(map) = map else { continue };
        for (key, value) in map {
            let rules = if key == IGNORE_ALL {
                None
            } else if let Some(rule) = key.strip_prefix(IGNORE_PREFIX) {
                Some(vec![rule.to_owned()])
            } else {
                continue;
            };
            let mut pointer = "/metadata/annotations".to_owned();
            platform_model::yaml::push_pointer_token(&mut pointer, key);
            let span = location.span(&pointer);
            if let Some(rules) = &rules
                && !known.contains(&rules[0])
            {
                problems.push(problem(
                    format!("`{key}` exempts from `{}`, which is not a rule", rules[0]),
                    span,
                ));
                continue;
            }
            let reason = value.as_str().map(str::trim).unwrap_or("");
            if reason.is_empty() {
                problems.push(problem(
                    format!("`{key}` gives no reason, so it is not applied"),
                    span,
                ));
                continue;
            }
            out.entry(id).or_default().push(Exemption {
                rules,
                reason: reason.to_owned(),
                span,
                lines: None,
            });
        }
    }
    out
}

/// Parses `ignore=a,b reason` / `ignore-file=a reason` after the marker.
fn directive(body: &str) -> Option<(bool, Vec<String>, String)> {
    let body = body.trim();
    let (whole_file, rest) = if let Some(r) = body.strip_prefix("ignore-file=") {
        (true, r)
    } else {
        (false, body.strip_prefix("ignore=")?)
    };
    let (ids, reason) = match rest.find(char::is_whitespace) {
        Some(p) => (&rest[..p], rest[p..].trim()),
        None => (rest, ""),
    };
    let ids = ids
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    Some((whole_file, ids, reason.to_owned()))
}

fn comments(
    file: &Arc<str>,
    text: &str,
    dockerfile: Option<&crate::dockerfile::Dockerfile>,
    known: &HashSet<String>,
    problems: &mut Vec<Finding>,
) -> Vec<Exemption> {
    let lines: Vec<&str> = text.lines().collect();
    let mut offset = 0usize;
    let mut starts = Vec::with_capacity(lines.len());
    for l in text.split_inclusive('\n') {
        starts.push(offset);
        offset += l.len();
    }
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(pos) = line.find(&format!("# {COMMENT_MARKER}")) else {
            continue;
        };
        let before = &line[..pos];
        let trailing = !before.trim().is_empty();
        if trailing && (dockerfile.is_some() || !before.ends_with(char::is_whitespace)) {
            continue;
        }
        let Some((whole_file, ids, reason)) = directive(&line[pos + 2 + COMMENT_MARKER.len()..])
        else {
            continue;
        };
        let start = starts.get(i).copied().unwrap_or(0) + pos;
        let span = Span::from_offsets(Arc::clone(file), text, start, start + line.len() - pos);
        let unknown: Vec<&String> = ids
            .iter()
            .filter(|r| *r != "all" && !known.contains(*r))
            .collect();
        if ids.is_empty() || !unknown.is_empty() {
            let what = if ids.is_empty() {
                "names no rule".to_owned()
            } else {
                format!("names unknown rule `{}`", unknown[0])
            };
            problems.push(problem(format!("the exemption comment {what}"), span));
            continue;
        }
        if reason.is_empty() {
            problems.push(problem(
                "the exemption comment gives no reason, so it is not applied".into(),
                span,
            ));
            continue;
        }
        let rules = if ids.iter().any(|r| r == "all") {
            None
        } else {
            Some(ids)
        };
        let lines_covered = if whole_file {
            None
        } else if let Some(df) = dockerfile {
            let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            match df.instructions.iter().find(|ins| ins.line > number) {
                Some(ins) => Some((ins.line, ins.end_line)),
                None => continue,
            }
        } else {
            match yaml_block(&lines, i, trailing) {
                Some(range) => Some(range),
                None => continue,
            }
        };
        out.push(Exemption {
            rules,
            reason,
            span,
            lines: lines_covered,
        });
    }
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_content(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// The 1-based line range of the YAML block a comment at line index `i`
/// applies to: the next content line (or line `i` itself for a trailing
/// comment) and the lines indented under it.
fn yaml_block(lines: &[&str], i: usize, trailing: bool) -> Option<(u32, u32)> {
    let first = if trailing {
        i
    } else {
        (i + 1..lines.len()).find(|&j| is_content(lines[j]))?
    };
    let head = lines[first];
    if head.starts_with("---") || head.starts_with("...") {
        return None;
    }
    let base = indent(head);
    let mut last = first;
    for (j, line) in lines.iter().enumerate().skip(first + 1) {
        if !is_content(line) {
            continue;
        }
        if line.starts_with("---") || line.starts_with("...") || indent(line) <= base {
            break;
        }
        last = j;
    }
    let to_u32 = |n: usize| u32::try_from(n + 1).unwrap_or(u32::MAX);
    Some((to_u32(first), to_u32(last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives() {
        assert_eq!(
            directive("ignore=k8s.a,k8s.b   pinned by the CD system"),
            Some((
                false,
                vec!["k8s.a".into(), "k8s.b".into()],
                "pinned by the CD system".into()
            ))
        );
        assert_eq!(
            directive("ignore-file=all legacy"),
            Some((true, vec!["all".into()], "legacy".into()))
        );
        assert_eq!(
            directive("ignore=k8s.a"),
            Some((false, vec!["k8s.a".into()], String::new()))
        );
        assert_eq!(directive("enable=k8s.a"), None);
    }

    #[test]
    fn yaml_blocks_follow_indentation() {
        let lines = [
            "spec:",
            "  # platform-policy ignore=x because",
            "  containers:",
            "    - name: a",
            "      image: b",
            "  volumes: []",
        ];
        assert_eq!(yaml_block(&lines, 1, false), Some((3, 5)));
        assert_eq!(yaml_block(&lines, 4, true), Some((5, 5)));
    }
}
