//! Checks a template without running it: unknown actions, input keys
//! outside an action's schema, references to undefined parameters or
//! steps, `steps.a-b` written with a dot, duplicate step ids, `if` values
//! that are always true, `each` values that cannot iterate, template syntax
//! errors and invalid parameter schemas. Each finding is a located
//! [`Diagnostic`].

use std::collections::{BTreeSet, HashMap};

use platform_model::Diagnostic;
use serde_json::Value;

use crate::actions::{ActionRegistry, ActionSchemas};
use crate::parameters::declared;
use crate::render::{RenderOptions, Renderer};
use crate::schema::compile;
use crate::template::Template;

/// Diagnostic codes of the linter.
pub mod codes {
    /// A step names an action the registry does not have.
    pub const UNKNOWN_ACTION: &str = "scaffold.unknown-action";
    /// An input key the action's schema does not allow.
    pub const UNKNOWN_INPUT: &str = "scaffold.unknown-input";
    /// A required input key is missing.
    pub const MISSING_INPUT: &str = "scaffold.missing-input";
    /// `parameters.x` where no page declares `x`.
    pub const UNDEFINED_PARAMETER: &str = "scaffold.undefined-parameter";
    /// `steps.x` / `steps['x']` where no step has id `x`.
    pub const UNDEFINED_STEP: &str = "scaffold.undefined-step";
    /// A reference to a step that runs later (or to the step itself).
    pub const LATER_STEP: &str = "scaffold.later-step";
    /// `steps.a-b`: parsed as a subtraction, always null.
    pub const DASHED_STEP: &str = "scaffold.dashed-step-reference";
    /// Two steps share an id.
    pub const DUPLICATE_STEP: &str = "scaffold.duplicate-step-id";
    /// An `if` that is a non-empty literal string: always true.
    pub const IF_ALWAYS_TRUE: &str = "scaffold.if-always-true";
    /// An `each` that is neither an expression, an array nor an object.
    pub const EACH_SHAPE: &str = "scaffold.each-shape";
    /// A template string that does not compile.
    pub const TEMPLATE_SYNTAX: &str = "scaffold.template-syntax";
    /// A parameter page schema that does not compile.
    pub const INVALID_SCHEMA: &str = "scaffold.invalid-schema";
}

/// A reference found in template text.
#[derive(Debug, PartialEq, Eq)]
struct Reference {
    name: String,
    /// `steps.a-b`: the text after the dash.
    dashed: Option<String>,
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// The expression regions of a template string (`${{ }}` and `{% %}`).
fn regions(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let next = [("${{", "}}"), ("{%", "%}")]
            .iter()
            .filter_map(|(open, close)| rest.find(open).map(|i| (i, *open, *close)))
            .min_by_key(|(i, ..)| *i);
        let Some((start, open, close)) = next else {
            break;
        };
        let body = &rest[start + open.len()..];
        let end = body.find(close).unwrap_or(body.len());
        out.push(&body[..end]);
        rest = &body[(end + close.len()).min(body.len())..];
    }
    out
}

/// `root.name` and `root['name']` references in expression text.
fn references(expression: &str, root: &str) -> Vec<Reference> {
    let mut found = Vec::new();
    let mut search = 0;
    while let Some(offset) = expression[search..].find(root) {
        let start = search + offset;
        search = start + root.len();
        let before = expression[..start].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == '.') {
            continue;
        }
        let after = &expression[start + root.len()..];
        if let Some(rest) = after.strip_prefix('.') {
            let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            if name.is_empty() {
                continue;
            }
            let tail = &rest[name.len()..];
            let dashed = tail
                .strip_prefix('-')
                .map(|t| {
                    t.chars()
                        .take_while(|c| is_ident(*c) || *c == '-')
                        .collect::<String>()
                })
                .filter(|t| !t.is_empty());
            found.push(Reference { name, dashed });
        } else if let Some(rest) = after.trim_start().strip_prefix('[') {
            let rest = rest.trim_start();
            let Some(quote) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') else {
                continue;
            };
            let inner = &rest[1..];
            if let Some(end) = inner.find(quote) {
                found.push(Reference {
                    name: inner[..end].to_owned(),
                    dashed: None,
                });
            }
        }
    }
    found
}

/// Every string leaf of a value with its JSON pointer.
fn leaves<'a>(value: &'a Value, pointer: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::String(s) => out.push((pointer, s)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                leaves(item, format!("{pointer}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                leaves(
                    v,
                    format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        _ => {}
    }
}

/// Keys an input schema allows, when it closes the object
/// (`additionalProperties: false`, directly or in every `oneOf`/`anyOf`
/// branch); `None` when any key is allowed.
fn allowed_keys(schema: &Value) -> Option<BTreeSet<String>> {
    let closed = |s: &Value| s.get("additionalProperties") == Some(&Value::Bool(false));
    if closed(schema) {
        return Some(
            schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default(),
        );
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array)
            && !branches.is_empty()
            && branches.iter().all(closed)
        {
            return Some(
                branches
                    .iter()
                    .filter_map(|b| b.get("properties").and_then(Value::as_object))
                    .flat_map(|p| p.keys().cloned())
                    .collect(),
            );
        }
    }
    None
}

/// Lints `template` against the actions of `registry`.
#[must_use]
pub fn lint(template: &Template, registry: &ActionRegistry) -> Vec<Diagnostic> {
    lint_against(template, &ActionSchemas::from_registry(registry))
}

/// Lints `template` against the actions a backend has: a stock Backstage
/// backend ([`ActionSchemas::stock`]), a registry's, or a backend's own
/// list ([`ActionSchemas::from_backstage_list`]).
#[must_use]
pub fn lint_against(template: &Template, actions: &ActionSchemas) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let located = |d: Diagnostic, pointer: &str, key: bool| {
        let span = if key {
            template.key_span(pointer)
        } else {
            template.span(pointer)
        };
        d.with_path(pointer.to_owned()).with_span(span)
    };
    let renderer = Renderer::new(RenderOptions::default());
    let parameters: BTreeSet<String> = template
        .pages()
        .iter()
        .flat_map(|p| declared(&p.schema))
        .collect();
    for page in template.pages() {
        if let Err(message) = compile(&page.schema) {
            findings.push(located(
                Diagnostic::error(
                    codes::INVALID_SCHEMA,
                    format!(
                        "the schema of page {} is invalid: {message}",
                        page.index + 1
                    ),
                ),
                &page.pointer,
                false,
            ));
        }
    }
    let mut first_index: HashMap<&str, usize> = HashMap::new();
    for (i, step) in template.steps().iter().enumerate() {
        if let Some(first) = first_index.get(step.id.as_str()) {
            findings.push(located(
                Diagnostic::warning(
                    codes::DUPLICATE_STEP,
                    format!("step id `{}` is used by step {} too; the later step's outputs replace the earlier's", step.id, first + 1),
                ),
                &format!("{}/id", step.pointer),
                false,
            ));
        } else {
            first_index.insert(&step.id, i);
        }
    }
    let mut strings: Vec<(Option<usize>, String, String)> = Vec::new();
    for (i, step) in template.steps().iter().enumerate() {
        match actions.get(&step.action) {
            None => {
                let mut unknown = Diagnostic::error(
                    codes::UNKNOWN_ACTION,
                    format!(
                        "Template action with ID '{}' is not registered.",
                        step.action
                    ),
                );
                if let Some(closest) = actions.closest(&step.action) {
                    unknown = unknown.with_note(format!("did you mean `{closest}`?"));
                }
                findings.push(located(unknown, &format!("{}/action", step.pointer), false));
            }
            Some(action) => {
                let schema = &action.input;
                if let (Some(allowed), Some(input)) = (allowed_keys(schema), step.input.as_object())
                {
                    for key in input.keys().filter(|k| !allowed.contains(*k)) {
                        let known: Vec<&str> = allowed.iter().map(String::as_str).collect();
                        findings.push(located(
                            Diagnostic::error(
                                codes::UNKNOWN_INPUT,
                                format!("action {} has no input `{key}`", step.action),
                            )
                            .with_note(format!("its inputs are: {}", known.join(", "))),
                            &format!("{}/input/{key}", step.pointer),
                            true,
                        ));
                    }
                }
                let required = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for key in required.iter().filter_map(Value::as_str) {
                    if step.input.get(key).is_none() {
                        findings.push(located(
                            Diagnostic::error(
                                codes::MISSING_INPUT,
                                format!("action {} requires the input `{key}`", step.action),
                            ),
                            &step.pointer,
                            false,
                        ));
                    }
                }
            }
        }
        if let Some(Value::String(text)) = &step.condition {
            if_literal(
                text,
                &format!("{}/if", step.pointer),
                &located,
                &mut findings,
            );
        }
        match &step.each {
            Some(Value::String(_) | Value::Array(_) | Value::Object(_)) | None => {}
            Some(other) => findings.push(located(
                Diagnostic::error(
                    codes::EACH_SHAPE,
                    format!("`each: {other}` must be an expression, an array or an object"),
                ),
                &format!("{}/each", step.pointer),
                false,
            )),
        }
        let mut found = Vec::new();
        leaves(&step.input, format!("{}/input", step.pointer), &mut found);
        for key in ["if", "each"] {
            if let Some(Value::String(s)) =
                template.value().pointer(&format!("{}/{key}", step.pointer))
            {
                found.push((format!("{}/{key}", step.pointer), s));
            }
        }
        strings.extend(found.into_iter().map(|(p, s)| (Some(i), p, s.to_owned())));
    }
    if let Some(output) = template.output() {
        let mut found = Vec::new();
        leaves(output, "/spec/output".into(), &mut found);
        for (pointer, text) in &found {
            if pointer.ends_with("/if") {
                if_literal(text, pointer, &located, &mut findings);
            }
        }
        strings.extend(found.into_iter().map(|(p, s)| (None, p, s.to_owned())));
    }
    let ids: Vec<&str> = template.steps().iter().map(|s| s.id.as_str()).collect();
    for (at, pointer, text) in &strings {
        if !(text.contains("${{") || text.contains("{%") || text.contains("{#")) {
            continue;
        }
        if let Err(error) = renderer.check_syntax(text) {
            findings.push(located(
                Diagnostic::error(
                    codes::TEMPLATE_SYNTAX,
                    format!(
                        "{} (at line {}, column {} of the template text)",
                        error.message,
                        error.line(),
                        error.column()
                    ),
                ),
                pointer,
                false,
            ));
            continue;
        }
        for region in regions(text) {
            for reference in references(region, "parameters") {
                if !parameters.contains(&reference.name) {
                    findings.push(located(
                        Diagnostic::error(
                            codes::UNDEFINED_PARAMETER,
                            format!("no parameter page declares `{}`", reference.name),
                        ),
                        pointer,
                        false,
                    ));
                }
            }
            for reference in references(region, "steps") {
                if let Some(rest) = &reference.dashed {
                    let id = format!("{}-{rest}", reference.name);
                    findings.push(located(
                        Diagnostic::error(
                            codes::DASHED_STEP,
                            format!(
                                "`steps.{id}` is read as `steps.{} - {rest}` and is always null",
                                reference.name
                            ),
                        )
                        .with_note(format!("write steps['{id}']")),
                        pointer,
                        false,
                    ));
                    continue;
                }
                match ids.iter().position(|id| *id == reference.name) {
                    None => findings.push(located(
                        Diagnostic::error(
                            codes::UNDEFINED_STEP,
                            format!("no step has the id `{}`", reference.name),
                        ),
                        pointer,
                        false,
                    )),
                    Some(j) if at.is_some_and(|i| j >= i) => findings.push(located(
                        Diagnostic::warning(
                            codes::LATER_STEP,
                            format!(
                                "step `{}` has not run yet here, so its outputs are undefined",
                                reference.name
                            ),
                        ),
                        pointer,
                        false,
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    findings.sort_by_key(|d| d.span.as_ref().map(|s| (s.line, s.column)));
    findings
}

fn if_literal(
    text: &str,
    pointer: &str,
    located: &impl Fn(Diagnostic, &str, bool) -> Diagnostic,
    findings: &mut Vec<Diagnostic>,
) {
    if text.contains("${{") || text.contains("{%") || text.trim().is_empty() {
        return;
    }
    findings.push(located(
        Diagnostic::warning(
            codes::IF_ALWAYS_TRUE,
            format!("`if: \"{text}\"` is a non-empty string, so it is always true"),
        )
        .with_note(
            "write a YAML boolean (if: false) or an expression (if: ${{ parameters.flag }})",
        ),
        pointer,
        false,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_in_both_notations() {
        let refs = references(
            " steps['a-b'].output.x ~ steps.c.output ~ steps.d-e.output ~ x.steps.f ",
            "steps",
        );
        let names: Vec<(&str, Option<&str>)> = refs
            .iter()
            .map(|r| (r.name.as_str(), r.dashed.as_deref()))
            .collect();
        assert_eq!(names, vec![("a-b", None), ("c", None), ("d", Some("e"))]);
        assert_eq!(
            regions("a ${{ x }} b {% if y %}c{% endif %}"),
            vec![" x ", " if y ", " endif "]
        );
    }
}
