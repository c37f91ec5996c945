//! A rule of a rule file, compiled, as a [`Rule`] like the built-in ones:
//! configured, exempted, reported and scored the same way.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use cel::{Context, IdedExpr as Expression, Value as CelValue};
use serde_json::{Map, Value, json};

use super::format::{RuleSpec, Subject};
use crate::admission::cost::{self, Size};
use crate::admission::environment::{self, STACK_BYTES};
use crate::admission::evaluate::field_path_pointer;
use crate::admission::json_val::json_val;
use crate::dockerfile::Dockerfile;
use crate::finding::{ArtefactId, ArtefactKind, Finding, ids};
use crate::rule::{OptionKind, Rule, RuleContext, RuleMeta, RuleOption};
use platform_model::{Severity, Span};

struct Compiled {
    expression: Expression,
    text: String,
}

struct CompiledValidation {
    check: Compiled,
    each: Option<Compiled>,
    message: Option<String>,
    message_expression: Option<Compiled>,
    field_path: Option<String>,
}

/// A rule written in CEL.
pub(crate) struct CelRule {
    meta: RuleMeta,
    subject: Subject,
    defaults: Map<String, Value>,
    matches: Option<Compiled>,
    validations: Vec<CompiledValidation>,
}

fn option_kind(value: &Value) -> OptionKind {
    match value {
        Value::Bool(_) => OptionKind::Bool,
        Value::Number(_) => OptionKind::Integer,
        Value::Array(_) => OptionKind::StringList,
        Value::Object(_) => OptionKind::StringListMap,
        _ => OptionKind::String,
    }
}

impl CelRule {
    /// Compiles `spec`; expressions that do not compile are
    /// `config.invalid` findings at their place in the rule file.
    pub(crate) fn new(spec: RuleSpec) -> Result<Self, Vec<Finding>> {
        let mut variables: Vec<&str> = spec.subject.variables().to_vec();
        variables.push("options");
        let mut known = HashSet::new();
        let mut problems = Vec::new();
        let span_of = |pointer: &str| {
            spec.spans
                .iter()
                .find(|(p, _)| p == pointer)
                .map_or_else(|| spec.span.clone(), |(_, s)| s.clone())
        };
        let mut compile = |text: &str, pointer: String| -> Option<Compiled> {
            match environment::compile(text, &variables, &mut known) {
                Ok(expression) => Some(Compiled {
                    expression,
                    text: text.trim().to_owned(),
                }),
                Err(p) => {
                    problems.push(
                        Finding::new(
                            ids::CONFIG_INVALID,
                            Severity::Error,
                            format!("rule `{}`: {}", spec.id, p.message),
                        )
                        .with_span(span_of(&pointer)),
                    );
                    None
                }
            }
        };
        let matches = spec
            .matches
            .as_deref()
            .and_then(|m| compile(m, format!("{}/match", spec.pointer)));
        let validations: Vec<CompiledValidation> = spec
            .validations
            .iter()
            .filter_map(|v| {
                let base = v.pointer.trim_end_matches("/expression").to_owned();
                let check = compile(&v.expression, v.pointer.clone());
                let each = v
                    .each
                    .as_deref()
                    .map(|e| compile(e, format!("{base}/each")));
                let message_expression = v
                    .message_expression
                    .as_deref()
                    .map(|e| compile(e, format!("{base}/messageExpression")));
                Some(CompiledValidation {
                    check: check?,
                    each: match each {
                        Some(e) => Some(e?),
                        None => None,
                    },
                    message: v.message.clone(),
                    message_expression: match message_expression {
                        Some(e) => Some(e?),
                        None => None,
                    },
                    field_path: v.field_path.clone(),
                })
            })
            .collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        let kind = match spec.subject {
            Subject::Manifest => ArtefactKind::Manifest,
            Subject::HelmValues => ArtefactKind::HelmValues,
            Subject::Dockerfile => ArtefactKind::Dockerfile,
            Subject::CatalogEntity | Subject::Component => ArtefactKind::CatalogEntity,
        };
        let mut meta = RuleMeta::new(spec.id.clone(), spec.title.clone(), spec.severity)
            .with_applies_to(&[kind])
            .with_profile(spec.profile)
            .with_rationale(
                format!("{} (rule file {})", spec.rationale, spec.file)
                    .trim_start()
                    .to_owned(),
            )
            .with_tag("custom");
        for (name, value) in &spec.options {
            meta = meta.with_option(RuleOption::new(
                name.clone(),
                option_kind(value),
                format!("default {value}"),
            ));
        }
        Ok(Self {
            meta,
            subject: spec.subject,
            defaults: spec.options,
            matches,
            validations,
        })
    }
}

/// One artefact to judge: its variables and how to locate a finding.
struct Subjected {
    variables: Vec<(&'static str, Value)>,
    size: Size,
    locate: Locate,
}

enum Locate {
    Manifest(usize),
    Values(usize),
    Dockerfile(usize),
    Entity(usize),
}

fn component_value(cx: &RuleContext<'_>, id: ArtefactId) -> Value {
    let joins = cx.joins();
    joins
        .component_of(id)
        .and_then(|c| joins.components().get(c))
        .map_or(Value::Null, |c| {
            json!({
                "ref": c.reference,
                "name": c.name,
                "lifecycle": c.lifecycle,
                "kubernetesId": c.kubernetes_id,
            })
        })
}

/// The Dockerfile model as CEL sees it.
fn dockerfile_value(file: &str, df: &Dockerfile) -> Value {
    let instruction = |i: &crate::dockerfile::Instruction| {
        json!({
            "keyword": i.keyword,
            "arguments": i.text(),
            "flags": i.flags.iter().map(|f| json!({"name": f.name, "value": f.value})).collect::<Vec<_>>(),
            "line": i.line,
            "stage": i.stage,
        })
    };
    let stages: Vec<Value> = df
        .stages
        .iter()
        .map(|s| {
            let user = df
                .stage_instructions(s)
                .filter(|i| i.keyword == "USER")
                .last()
                .map(crate::dockerfile::Instruction::text);
            json!({
                "index": s.index,
                "name": s.name,
                "image": s.image,
                "user": user,
                "instructions": df.stage_instructions(s).map(instruction).collect::<Vec<_>>(),
            })
        })
        .collect();
    let final_stage = stages.last().cloned().unwrap_or(Value::Null);
    json!({
        "file": file,
        "instructions": df.instructions.iter().map(instruction).collect::<Vec<_>>(),
        "stages": stages,
        "finalStage": final_stage,
        "finalUser": final_stage.get("user").cloned().unwrap_or(Value::Null),
    })
}

impl CelRule {
    fn subjects(&self, cx: &RuleContext<'_>) -> Vec<Subjected> {
        let inputs = cx.inputs();
        let sized = |variables: Vec<(&'static str, Value)>, locate| {
            let size = variables.iter().fold(Size::default(), |acc, (_, v)| {
                let s = cost::size_of(v);
                Size {
                    list: acc.list.max(s.list).max(16),
                    string: acc.string.max(s.string).max(256),
                }
            });
            Subjected {
                variables,
                size,
                locate,
            }
        };
        match self.subject {
            Subject::Manifest => inputs
                .manifests()
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let component = component_value(cx, ArtefactId::new(ArtefactKind::Manifest, i));
                    sized(
                        vec![("object", m.value.clone()), ("component", component)],
                        Locate::Manifest(i),
                    )
                })
                .collect(),
            Subject::HelmValues => inputs
                .values()
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let component =
                        component_value(cx, ArtefactId::new(ArtefactKind::HelmValues, i));
                    sized(
                        vec![("values", v.value.clone()), ("component", component)],
                        Locate::Values(i),
                    )
                })
                .collect(),
            Subject::Dockerfile => inputs
                .dockerfiles()
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let component =
                        component_value(cx, ArtefactId::new(ArtefactKind::Dockerfile, i));
                    sized(
                        vec![
                            ("dockerfile", dockerfile_value(&d.file, &d.dockerfile)),
                            ("component", component),
                        ],
                        Locate::Dockerfile(i),
                    )
                })
                .collect(),
            Subject::CatalogEntity => inputs
                .entities()
                .iter()
                .enumerate()
                .map(|(i, e)| sized(vec![("entity", e.value.clone())], Locate::Entity(i)))
                .collect(),
            Subject::Component => {
                let joins = cx.joins();
                joins
                    .components()
                    .iter()
                    .enumerate()
                    .map(|(c, info)| {
                        let workloads: Vec<usize> = joins.component_workloads(c).to_vec();
                        let manifests = inputs.manifests();
                        let objects = |list: &[usize]| -> Vec<Value> {
                            list.iter().filter_map(|&w| manifests.get(w)).map(|m| m.value.clone()).collect()
                        };
                        let pdbs: Vec<usize> = workloads.iter().flat_map(|&w| joins.pdbs_of(w).iter().copied()).collect();
                        let hpas: Vec<usize> = workloads.iter().flat_map(|&w| joins.hpas_of(w).iter().copied()).collect();
                        let values: Vec<Value> = joins
                            .component_values(c)
                            .iter()
                            .filter_map(|&v| inputs.values().get(v))
                            .map(|v| v.value.clone())
                            .collect();
                        let component = json!({
                            "ref": info.reference,
                            "name": info.name,
                            "lifecycle": info.lifecycle,
                            "kubernetesId": info.kubernetes_id,
                            "entity": inputs.entities().get(info.entity).map_or(Value::Null, |e| e.value.clone()),
                            "workloads": objects(&workloads),
                            "pdbs": objects(&pdbs),
                            "hpas": objects(&hpas),
                            "values": values,
                        });
                        sized(vec![("component", component)], Locate::Entity(info.entity))
                    })
                    .collect()
            }
        }
    }

    fn locate(
        cx: &RuleContext<'_>,
        locate: &Locate,
        pointer: &str,
        line: Option<u32>,
        message: String,
    ) -> Finding {
        match *locate {
            Locate::Manifest(i) => cx.at_manifest(i, pointer, message),
            Locate::Values(i) => cx.at_values(i, pointer, message),
            Locate::Entity(i) => cx.at_entity(i, pointer, message),
            Locate::Dockerfile(i) => {
                let d = cx.inputs().dockerfiles().get(i);
                let span = d
                    .and_then(|d| {
                        line.and_then(|l| {
                            d.dockerfile.instructions.iter().find(|ins| ins.line == l)
                        })
                        .map(|ins| ins.span.clone())
                    })
                    .or_else(|| d.map(|d| Span::file_start(Arc::clone(&d.file))))
                    .unwrap_or_else(|| Span::file_start(Arc::from("")));
                cx.at_dockerfile(i, span, message)
            }
        }
    }

    fn run(&self, cx: &RuleContext<'_>) -> Vec<Finding> {
        let root = environment::root_context();
        let mut options = Value::Object(self.defaults.clone());
        if let Value::Object(o) = &mut options {
            for name in self.defaults.keys() {
                if let Some(v) = cx.option(name) {
                    o.insert(name.clone(), v.clone());
                }
            }
        }
        let no_sizes = HashMap::new();
        let mut out = Vec::new();
        for subject in self.subjects(cx) {
            let mut scope = root.new_inner_scope();
            scope.add_variable_as_val("options", json_val(&options));
            for (name, value) in &subject.variables {
                scope.add_variable_as_val(*name, json_val(value));
            }
            let eval = |c: &Compiled, scope: &Context<'_, '_>| -> Result<CelValue, String> {
                cost::estimate(&c.expression, subject.size, &no_sizes).map_err(|o| o.message)?;
                CelValue::resolve(&c.expression, scope).map_err(|e| e.to_string())
            };
            let failure =
                |c: &Compiled, e: String| format!("expression '{}' resulted in error: {e}", c.text);
            if let Some(m) = &self.matches {
                match eval(m, &scope) {
                    Ok(CelValue::Bool(true)) => {}
                    Ok(CelValue::Bool(false)) => continue,
                    Ok(_) => {
                        out.push(Self::locate(
                            cx,
                            &subject.locate,
                            "",
                            None,
                            failure(m, "expected a bool".into()),
                        ));
                        continue;
                    }
                    Err(e) => {
                        out.push(Self::locate(cx, &subject.locate, "", None, failure(m, e)));
                        continue;
                    }
                }
            }
            for v in &self.validations {
                let items: Vec<Option<(i64, CelValue)>> = match &v.each {
                    None => vec![None],
                    Some(each) => match eval(each, &scope) {
                        Ok(CelValue::List(list)) => list
                            .iter()
                            .take(10_000)
                            .enumerate()
                            .map(|(k, x)| Some((i64::try_from(k).unwrap_or(i64::MAX), x.clone())))
                            .collect(),
                        Ok(_) => {
                            out.push(Self::locate(
                                cx,
                                &subject.locate,
                                "",
                                None,
                                failure(each, "expected a list".into()),
                            ));
                            continue;
                        }
                        Err(e) => {
                            out.push(Self::locate(
                                cx,
                                &subject.locate,
                                "",
                                None,
                                failure(each, e),
                            ));
                            continue;
                        }
                    },
                };
                for item in items {
                    let mut inner = scope.new_inner_scope();
                    let mut line = None;
                    let mut index_text = String::new();
                    if let Some((k, x)) = &item {
                        line = match x {
                            CelValue::Map(m) => {
                                m.get(&cel::objects::Key::from("line"))
                                    .and_then(|l| match l {
                                        CelValue::Int(n) => u32::try_from(*n).ok(),
                                        CelValue::UInt(n) => u32::try_from(*n).ok(),
                                        _ => None,
                                    })
                            }
                            _ => None,
                        };
                        index_text = k.to_string();
                        inner.add_variable_from_value("item", x.clone());
                        inner.add_variable_from_value("index", *k);
                    }
                    let pointer = v
                        .field_path
                        .as_deref()
                        .map(|p| p.replace("{index}", &index_text))
                        .and_then(|p| field_path_pointer(&p))
                        .unwrap_or_default();
                    match eval(&v.check, &inner) {
                        Ok(CelValue::Bool(true)) => {}
                        Ok(CelValue::Bool(false)) => {
                            let message = v
                                .message_expression
                                .as_ref()
                                .and_then(|m| match eval(m, &inner) {
                                    Ok(CelValue::String(s)) if !s.trim().is_empty() => {
                                        Some(s.trim().to_owned())
                                    }
                                    _ => None,
                                })
                                .or_else(|| v.message.clone())
                                .unwrap_or_else(|| format!("failed expression: {}", v.check.text));
                            out.push(Self::locate(cx, &subject.locate, &pointer, line, message));
                        }
                        Ok(_) => out.push(Self::locate(
                            cx,
                            &subject.locate,
                            &pointer,
                            line,
                            failure(&v.check, "expected a bool".into()),
                        )),
                        Err(e) => out.push(Self::locate(
                            cx,
                            &subject.locate,
                            &pointer,
                            line,
                            failure(&v.check, e),
                        )),
                    }
                }
            }
        }
        out
    }
}

impl Rule for CelRule {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn check(&self, cx: &RuleContext<'_>) -> Vec<Finding> {
        // CEL's parser and evaluator recurse: a large stack, as for
        // admission policies.
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name(format!("rule {}", self.meta.id))
                .stack_size(STACK_BYTES)
                .spawn_scoped(scope, || self.run(cx))
                .ok()
                .and_then(|h| h.join().ok())
                .unwrap_or_else(|| {
                    vec![cx.finding(format!(
                        "rule `{}` could not run: internal error",
                        self.meta.id
                    ))]
                })
        })
    }
}
