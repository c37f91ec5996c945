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

use crate::finding::ids;
use crate::finding::{ArtefactId, ArtefactKind, Finding, Suppression, SuppressionKind};
use crate::inputs::Inputs;

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
    /// The plain reading of an exemption (what the indexes compute).
    #[cfg(test)]
    fn covers(&self, rule: &str, line: u32) -> bool {
        self.rules
            .as_ref()
            .is_none_or(|r| r.iter().any(|x| x == rule))
            && self.lines.is_none_or(|(a, b)| (a..=b).contains(&line))
    }
}

/// The exemptions of one artefact (annotations: no line ranges), looked up
/// by rule in constant time.
#[derive(Default)]
struct ArtefactExemptions {
    list: Vec<Exemption>,
    /// The first exemption naming each rule.
    by_rule: HashMap<String, usize>,
    /// The first `ignore-all`.
    all: Option<usize>,
}

impl ArtefactExemptions {
    fn push(&mut self, e: Exemption) {
        let i = self.list.len();
        match &e.rules {
            None => {
                self.all.get_or_insert(i);
            }
            Some(rules) => {
                for r in rules {
                    self.by_rule.entry(r.clone()).or_insert(i);
                }
            }
        }
        self.list.push(e);
    }

    fn find(&self, rule: &str) -> Option<&Exemption> {
        let i = match (self.by_rule.get(rule).copied(), self.all) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        self.list.get(i)
    }
}

/// The exemption comments of one file, looked up by rule and line: for
/// each rule met, the first covering exemption of every line is computed
/// once (each line is assigned once, by skipping assigned lines), so that
/// many findings and many comments cost linear time.
struct FileExemptions {
    list: Vec<Exemption>,
    by_rule: HashMap<String, RuleLines>,
}

struct RuleLines {
    /// The first whole-file exemption that applies.
    whole: Option<usize>,
    /// `first[line]`: the first line-range exemption covering `line`.
    first: Vec<Option<usize>>,
}

impl FileExemptions {
    fn new(list: Vec<Exemption>) -> Self {
        Self {
            list,
            by_rule: HashMap::new(),
        }
    }

    fn rule_lines(list: &[Exemption], rule: &str) -> RuleLines {
        let applies = |e: &Exemption| e.rules.as_ref().is_none_or(|r| r.iter().any(|x| x == rule));
        let max_line = list
            .iter()
            .filter_map(|e| e.lines.map(|(_, b)| b as usize))
            .max()
            .unwrap_or(0);
        let mut first = vec![None; max_line + 2];
        // `next[l]`: the first line at or after `l` not yet assigned.
        let mut next: Vec<usize> = (0..max_line + 2).collect();
        fn find(next: &mut [usize], mut l: usize) -> usize {
            let mut root = l;
            while next[root] != root {
                root = next[root];
            }
            while next[l] != root {
                let up = next[l];
                next[l] = root;
                l = up;
            }
            root
        }
        let mut whole = None;
        for (i, e) in list.iter().enumerate() {
            if !applies(e) {
                continue;
            }
            match e.lines {
                None => {
                    whole.get_or_insert(i);
                }
                Some((a, b)) => {
                    let (a, b) = (a as usize, b as usize);
                    let mut l = find(&mut next, a);
                    while l <= b {
                        first[l] = Some(i);
                        next[l] = l + 1;
                        l = find(&mut next, l + 1);
                    }
                }
            }
        }
        RuleLines { whole, first }
    }

    /// The index of the first exemption covering `rule` at `line`.
    fn find_index(&mut self, rule: &str, line: u32) -> Option<usize> {
        let list = &self.list;
        let lines = self
            .by_rule
            .entry(rule.to_owned())
            .or_insert_with(|| Self::rule_lines(list, rule));
        let ranged = lines.first.get(line as usize).copied().flatten();
        match (lines.whole, ranged) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn find(&mut self, rule: &str, line: u32) -> Option<&Exemption> {
        let i = self.find_index(rule, line)?;
        self.list.get(i)
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
    let mut by_file: HashMap<Arc<str>, FileExemptions> = HashMap::new();
    let files: HashSet<Arc<str>> = findings
        .iter()
        .filter_map(|f| f.diagnostic.span.as_ref().map(|s| Arc::clone(&s.file)))
        .collect();
    let dockerfiles: HashMap<&str, &crate::dockerfile::Dockerfile> = inputs
        .dockerfiles()
        .iter()
        .map(|d| (&*d.file, &d.dockerfile))
        .collect();
    for file in files {
        let Some(text) = inputs.source(&file) else {
            continue;
        };
        if !text.contains(COMMENT_MARKER) {
            continue;
        }
        let dockerfile = dockerfiles.get(&*file).copied();
        let list = comments(&file, text, dockerfile, known, &mut problems);
        if !list.is_empty() {
            by_file.insert(file, FileExemptions::new(list));
        }
    }
    for f in findings.iter_mut() {
        if f.diagnostic.code.starts_with("config.") || f.diagnostic.code == ids::POLICY_EXEMPTION {
            continue;
        }
        let line = f.diagnostic.span.as_ref().map_or(0, |s| s.line);
        if let Some(e) = f
            .artefact_id
            .and_then(|id| by_artefact.get(&id))
            .and_then(|list| list.find(&f.diagnostic.code))
        {
            f.suppression = Some(Suppression::new(
                SuppressionKind::Annotation,
                e.reason.clone(),
                Some(e.span.clone()),
            ));
            continue;
        }
        if let Some(e) = f
            .diagnostic
            .span
            .as_ref()
            .and_then(|s| by_file.get_mut(&s.file))
            .and_then(|list| list.find(&f.diagnostic.code, line))
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
) -> HashMap<ArtefactId, ArtefactExemptions> {
    let mut out: HashMap<ArtefactId, ArtefactExemptions> = HashMap::new();
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
    let blocks = Blocks::new(&lines);
    let marker = format!("# {COMMENT_MARKER}");
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(pos) = line.find(&marker) else {
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
        // The line and column are known: no scan from the start of the file.
        let span = Span::new(
            Arc::clone(file),
            u32::try_from(i + 1).unwrap_or(u32::MAX),
            u32::try_from(before.chars().count() + 1).unwrap_or(u32::MAX),
            start,
            start + line.len() - pos,
        );
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
            // Instructions are in line order.
            let next = df.instructions.partition_point(|ins| ins.line <= number);
            match df.instructions.get(next) {
                Some(ins) => Some((ins.line, ins.end_line)),
                None => continue,
            }
        } else {
            match blocks.block(&lines, i, trailing) {
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

fn is_document_marker(line: &str) -> bool {
    line.starts_with("---") || line.starts_with("...")
}

/// For every line, the next content line and where the YAML block headed
/// by each content line ends, computed in one pass (a stack of the open
/// blocks), so that a file of many exemption comments costs linear time.
struct Blocks {
    /// `next_content[i]`: the first content line after line `i`.
    next_content: Vec<Option<usize>>,
    /// `end[j]`: the last line of the block headed by content line `j`.
    end: Vec<usize>,
}

impl Blocks {
    fn new(lines: &[&str]) -> Self {
        let n = lines.len();
        let mut next_content = vec![None; n];
        let mut next = None;
        for i in (0..n).rev() {
            next_content[i] = next;
            if is_content(lines[i]) {
                next = Some(i);
            }
        }
        let mut end: Vec<usize> = (0..n).collect();
        let mut open: Vec<(usize, usize)> = Vec::new();
        let mut last_content = 0usize;
        for (j, line) in lines.iter().enumerate() {
            if !is_content(line) {
                continue;
            }
            let marker = is_document_marker(line);
            let d = indent(line);
            while let Some(&(head, base)) = open.last() {
                if marker || d <= base {
                    end[head] = last_content;
                    open.pop();
                } else {
                    break;
                }
            }
            if !marker {
                open.push((j, d));
            }
            last_content = j;
        }
        for (head, _) in open {
            end[head] = last_content;
        }
        Self { next_content, end }
    }

    /// The 1-based line range of the YAML block a comment at line index
    /// `i` applies to: the next content line (or line `i` itself for a
    /// trailing comment) and the lines indented under it.
    fn block(&self, lines: &[&str], i: usize, trailing: bool) -> Option<(u32, u32)> {
        let first = if trailing {
            i
        } else {
            self.next_content.get(i).copied().flatten()?
        };
        let head = lines.get(first)?;
        if is_document_marker(head) {
            return None;
        }
        let last = self.end.get(first).copied().unwrap_or(first).max(first);
        let to_u32 = |n: usize| u32::try_from(n + 1).unwrap_or(u32::MAX);
        Some((to_u32(first), to_u32(last)))
    }
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
    fn indexed_lookups_agree_with_the_plain_reading() {
        let span = Span::file_start("f".into());
        let ex = |rules: Option<&[&str]>, lines: Option<(u32, u32)>| Exemption {
            rules: rules.map(|r| r.iter().map(|s| (*s).to_owned()).collect()),
            reason: String::new(),
            span: span.clone(),
            lines,
        };
        let list = vec![
            ex(Some(&["a"]), Some((3, 9))),
            ex(Some(&["b", "a"]), Some((1, 4))),
            ex(None, Some((8, 12))),
            ex(Some(&["b"]), None),
            ex(Some(&["a"]), Some((5, 6))),
            ex(None, None),
        ];
        let mut indexed = FileExemptions::new(list.clone());
        for rule in ["a", "b", "c"] {
            for line in 0..15 {
                let plain = list.iter().position(|e| e.covers(rule, line));
                assert_eq!(
                    indexed.find_index(rule, line),
                    plain,
                    "rule {rule} line {line}"
                );
            }
        }
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
        let blocks = Blocks::new(&lines);
        assert_eq!(blocks.block(&lines, 1, false), Some((3, 5)));
        assert_eq!(blocks.block(&lines, 4, true), Some((5, 5)));
    }
}
