//! Runs each binding's policy over every object it matches, as the API
//! server runs it for a CREATE, and turns the outcome into findings.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::collections::{BTreeSet, HashMap, HashSet};

use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::{Context, IdedExpr as Expression, Value as CelValue};
use serde_json::{Map, Value, json};

use super::cost::{self, Size};
use super::environment::{self, VARIABLES};
use super::json_val::json_val;
use super::matching::{self, NAMESPACE_NAME_LABEL, Request};
use super::model::{self, Action, Binding, Policy, Problems};
use super::resources::{Kinds, Resource, split_api_version};
use crate::finding::{ArtefactId, ArtefactKind, Finding};
use crate::inputs::{Inputs, Manifest};
use platform_model::Severity;

/// One expression, compiled, with its text.
struct Compiled {
    expression: Expression,
    text: String,
    /// `variables.<name>` it reads.
    reads: BTreeSet<String>,
    /// The largest input the cost estimate has accepted for an expression
    /// that reads no variable: the estimate grows with its input, so any
    /// input within it passes too without walking the expression again.
    accepted: Cell<Option<Size>>,
}

impl Compiled {
    /// Whether the expression is within the cost limits on `input` (with
    /// `variables.<name>` bounded by `sizes`).
    fn within_budget(&self, input: Size, sizes: &HashMap<String, Size>) -> Result<(), String> {
        let cacheable = self.reads.is_empty();
        if cacheable
            && self
                .accepted
                .get()
                .is_some_and(|a| input.list <= a.list && input.string <= a.string)
        {
            return Ok(());
        }
        cost::estimate(&self.expression, input, sizes).map_err(|o| o.message)?;
        // Kept only when it covers the one before: two inputs that passed
        // say nothing of their join.
        if cacheable
            && self
                .accepted
                .get()
                .is_none_or(|a| input.list >= a.list && input.string >= a.string)
        {
            self.accepted.set(Some(input));
        }
        Ok(())
    }
}

struct CompiledValidation {
    check: Compiled,
    message: Option<String>,
    message_expression: Option<Compiled>,
    reason: String,
    field_path: Option<String>,
}

/// A policy ready to run.
struct Ready<'m> {
    policy: Policy,
    manifest: &'m Manifest,
    conditions: Vec<(String, Compiled)>,
    variables: Vec<(String, Compiled)>,
    validations: Vec<CompiledValidation>,
    audits: Vec<(String, Compiled)>,
    /// Whether any expression reads `request`, `namespaceObject`: the
    /// values are made only for the policies that do.
    reads_request: bool,
    reads_namespace: bool,
}

impl Ready<'_> {
    fn expressions(&self) -> impl Iterator<Item = &Compiled> {
        self.conditions
            .iter()
            .chain(&self.variables)
            .chain(&self.audits)
            .map(|(_, c)| c)
            .chain(
                self.validations
                    .iter()
                    .flat_map(|v| std::iter::once(&v.check).chain(v.message_expression.as_ref())),
            )
    }

    fn mentions(&self, name: &str) -> bool {
        self.expressions()
            .any(|c| environment::mentions(&c.expression, name))
    }
}

fn compile_all<'m>(
    policy: Policy,
    manifest: &'m Manifest,
    known: &mut HashSet<String>,
    found: &mut Vec<Finding>,
) -> Option<Ready<'m>> {
    let mut failed = false;
    let mut one = |source: &model::Source, known: &mut HashSet<String>| -> Option<Compiled> {
        match environment::compile(&source.text, VARIABLES, known) {
            Ok(expression) => {
                let mut reads = BTreeSet::new();
                environment::variables_read(&expression, &mut reads);
                Some(Compiled {
                    expression,
                    text: source.text.trim().to_owned(),
                    reads,
                    accepted: Cell::new(None),
                })
            }
            Err(problem) => {
                failed = true;
                found.push(model::at(
                    manifest,
                    &source.pointer,
                    format!(
                        "ValidatingAdmissionPolicy `{}`: {}",
                        policy.name, problem.message
                    ),
                ));
                None
            }
        }
    };
    let conditions: Vec<_> = policy
        .match_conditions
        .iter()
        .filter_map(|n| Some((n.name.clone(), one(&n.source, known)?)))
        .collect();
    let variables: Vec<_> = policy
        .variables
        .iter()
        .filter_map(|n| Some((n.name.clone(), one(&n.source, known)?)))
        .collect();
    let validations: Vec<_> = policy
        .validations
        .iter()
        .filter_map(|v| {
            let check = one(&v.expression, known)?;
            let message_expression = match &v.message_expression {
                Some(s) => Some(one(s, known)?),
                None => None,
            };
            Some(CompiledValidation {
                check,
                message: v.message.clone(),
                message_expression,
                reason: v.reason.clone(),
                field_path: v.field_path.clone(),
            })
        })
        .collect();
    let audits: Vec<_> = policy
        .audit_annotations
        .iter()
        .filter_map(|a| Some((a.key.clone(), one(&a.value, known)?)))
        .collect();
    // The API server refuses a policy whose expressions do not compile.
    if failed {
        return None;
    }
    let mut ready = Ready {
        policy,
        manifest,
        conditions,
        variables,
        validations,
        audits,
        reads_request: false,
        reads_namespace: false,
    };
    ready.reads_request = ready.mentions("request");
    ready.reads_namespace = ready.mentions("namespaceObject");
    Some(ready)
}

/// The values an expression reads, borrowed per evaluation.
struct Activation<'a> {
    object: &'a dyn Val,
    params: &'a dyn Val,
    namespace: &'a dyn Val,
    request: &'a dyn Val,
    null: &'a dyn Val,
    /// `variables` once a policy's variables are evaluated, else
    /// `no_variables`.
    variables: Option<Box<dyn Val>>,
    no_variables: &'a dyn Val,
}

impl VariableResolver for Activation<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        let value: &'b dyn Val = match variable {
            "object" => self.object,
            "oldObject" => self.null,
            "params" => self.params,
            "namespaceObject" => self.namespace,
            "request" => self.request,
            "variables" => self.variables.as_deref().unwrap_or(self.no_variables),
            _ => return None,
        };
        Some(CowVal::Borrowed(value))
    }
}

fn val_of(value: CelValue) -> Box<dyn Val> {
    let converted: Result<Box<dyn Val>, _> = value.try_into();
    converted.unwrap_or_else(|_| Box::new(cel::common::types::CelNull))
}

fn variables_val(values: &HashMap<String, CelValue>) -> Box<dyn Val> {
    val_of(CelValue::from(values.clone()))
}

/// What one evaluation found.
enum Outcome {
    /// A validation failed.
    Violation {
        message: String,
        reason: String,
        field_path: Option<String>,
    },
    /// An expression could not be evaluated (under `failurePolicy: Fail`).
    Failure { message: String },
    /// An audit annotation's value.
    Audit { key: String, value: String },
}

struct Run<'c> {
    root: &'c Context<'static, 'static>,
    input: Size,
    /// The empty map `variables` is before any variable is evaluated.
    no_variables: &'c dyn Val,
}

impl Run<'_> {
    fn eval(
        &self,
        compiled: &Compiled,
        activation: &Activation<'_>,
        sizes: &HashMap<String, Size>,
    ) -> Result<CelValue, String> {
        let mut scope = self.root.new_inner_scope();
        scope.set_variable_resolver(activation);
        self.eval_in(compiled, &scope, sizes)
    }

    /// Evaluates in a scope already resolving the activation's variables:
    /// one scope serves every expression that runs after the variables.
    fn eval_in(
        &self,
        compiled: &Compiled,
        scope: &Context<'_, '_>,
        sizes: &HashMap<String, Size>,
    ) -> Result<CelValue, String> {
        compiled.within_budget(self.input, sizes)?;
        CelValue::resolve(&compiled.expression, scope).map_err(|e| e.to_string())
    }

    fn run(
        &self,
        ready: &Ready<'_>,
        audits: bool,
        object: &dyn Val,
        params: &dyn Val,
        namespace: &dyn Val,
        request: &dyn Val,
    ) -> Vec<Outcome> {
        let null = cel::common::types::CelNull;
        let mut activation = Activation {
            object,
            params,
            namespace,
            request,
            null: &null,
            variables: None,
            no_variables: self.no_variables,
        };
        let failure = |text: &str, error: String| Outcome::Failure {
            message: format!("expression '{text}' resulted in error: {error}"),
        };
        let mut outcomes = Vec::new();
        let no_sizes = HashMap::new();
        // matchConditions: any false skips the policy; errors without a
        // false one are failures.
        let mut condition_errors = Vec::new();
        if !ready.conditions.is_empty() {
            let mut conditions_scope = self.root.new_inner_scope();
            conditions_scope.set_variable_resolver(&activation);
            for (_, c) in &ready.conditions {
                match self.eval_in(c, &conditions_scope, &no_sizes) {
                    Ok(CelValue::Bool(true)) => {}
                    Ok(CelValue::Bool(false)) => return Vec::new(),
                    Ok(other) => condition_errors
                        .push(failure(&c.text, format!("expected a bool, got {other:?}"))),
                    Err(e) => condition_errors.push(failure(&c.text, e)),
                }
            }
        }
        if !condition_errors.is_empty() {
            return if ready.policy.ignore_failures {
                Vec::new()
            } else {
                condition_errors
            };
        }
        // variables, in order, each once; a failed one fails its readers.
        let needed: BTreeSet<&str> = ready
            .validations
            .iter()
            .flat_map(|v| {
                v.check
                    .reads
                    .iter()
                    .chain(v.message_expression.iter().flat_map(|m| m.reads.iter()))
            })
            .chain(ready.audits.iter().flat_map(|(_, a)| a.reads.iter()))
            .map(String::as_str)
            .collect();
        let mut values: HashMap<String, CelValue> = HashMap::new();
        let mut sizes: HashMap<String, Size> = HashMap::new();
        let mut failed_variables: HashMap<String, String> = HashMap::new();
        if !needed.is_empty() {
            for (name, v) in &ready.variables {
                if let Some(bad) = v.reads.iter().find(|r| failed_variables.contains_key(*r)) {
                    let e = failed_variables.get(bad).cloned().unwrap_or_default();
                    failed_variables.insert(name.clone(), e);
                    continue;
                }
                let size = cost::estimate(&v.expression, self.input, &sizes);
                match size {
                    Ok(size) => {
                        sizes.insert(name.clone(), size);
                    }
                    Err(o) => {
                        failed_variables
                            .insert(name.clone(), format!("variable `{name}`: {}", o.message));
                        continue;
                    }
                }
                if !values.is_empty() {
                    activation.variables = Some(variables_val(&values));
                }
                match self.eval(v, &activation, &sizes) {
                    Ok(value) => {
                        values.insert(name.clone(), value);
                    }
                    Err(e) => {
                        failed_variables.insert(
                            name.clone(),
                            format!("variable `{name}` resulted in error: {e}"),
                        );
                    }
                }
            }
            if !values.is_empty() {
                activation.variables = Some(variables_val(&values));
            }
        }
        let activation = activation;
        let mut scope = self.root.new_inner_scope();
        scope.set_variable_resolver(&activation);
        let variable_failure = |c: &Compiled| {
            c.reads
                .iter()
                .find_map(|r| failed_variables.get(r).cloned())
        };
        for v in &ready.validations {
            if let Some(e) = variable_failure(&v.check) {
                outcomes.push(failure(&v.check.text, e));
                continue;
            }
            match self.eval_in(&v.check, &scope, &sizes) {
                Ok(CelValue::Bool(true)) => {}
                Ok(CelValue::Bool(false)) => {
                    let from_expression = v
                        .message_expression
                        .as_ref()
                        .filter(|m| variable_failure(m).is_none())
                        .and_then(|m| match self.eval_in(m, &scope, &sizes) {
                            Ok(CelValue::String(s)) if !s.trim().is_empty() => {
                                Some(s.trim().replace('\n', " "))
                            }
                            _ => None,
                        });
                    let message = from_expression
                        .or_else(|| v.message.clone())
                        .unwrap_or_else(|| format!("failed expression: {}", v.check.text));
                    outcomes.push(Outcome::Violation {
                        message,
                        reason: v.reason.clone(),
                        field_path: v.field_path.clone(),
                    });
                }
                Ok(other) => outcomes.push(failure(
                    &v.check.text,
                    format!("expected a bool, got {}", type_name(&other)),
                )),
                Err(e) => outcomes.push(failure(&v.check.text, e)),
            }
        }
        if audits {
            for (key, a) in &ready.audits {
                match self.eval_in(a, &scope, &sizes) {
                    Ok(CelValue::String(s)) => outcomes.push(Outcome::Audit {
                        key: key.clone(),
                        value: s.to_string(),
                    }),
                    Ok(CelValue::Null) => {}
                    Ok(other) => outcomes.push(failure(
                        &a.text,
                        format!("expected a string or null, got {}", type_name(&other)),
                    )),
                    Err(e) => outcomes.push(failure(&a.text, e)),
                }
            }
        }
        if ready.policy.ignore_failures {
            outcomes.retain(|o| !matches!(o, Outcome::Failure { .. }));
        }
        outcomes
    }
}

fn type_name(value: &CelValue) -> &'static str {
    match value {
        CelValue::List(_) => "a list",
        CelValue::Map(_) => "a map",
        CelValue::Int(_) | CelValue::UInt(_) => "an int",
        CelValue::Float(_) => "a double",
        CelValue::String(_) => "a string",
        CelValue::Bytes(_) => "bytes",
        CelValue::Bool(_) => "a bool",
        CelValue::Null => "null",
        _ => "a value of another type",
    }
}

/// Kubernetes' `fieldPath` (`spec.containers[0].image`,
/// `metadata.labels['app']`) as a JSON pointer.
pub(crate) fn field_path_pointer(path: &str) -> Option<String> {
    let mut pointer = String::new();
    let mut rest = path.trim().trim_start_matches('.');
    let push = |pointer: &mut String, token: &str| {
        pointer.push('/');
        pointer.push_str(&token.replace('~', "~0").replace('/', "~1"));
    };
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']')?;
            let inside = after[..close].trim();
            let token = inside
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inside.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
                .unwrap_or(inside);
            push(&mut pointer, token);
            rest = after[close + 1..].trim_start_matches('.');
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            push(&mut pointer, &rest[..end]);
            rest = rest[end..].trim_start_matches('.');
        }
    }
    Some(pointer)
}

fn labels_of(m: &Manifest) -> Map<String, Value> {
    m.labels().cloned().unwrap_or_default()
}

/// An object that may be a param, with where it lives.
struct Candidate<'m> {
    manifest: &'m Manifest,
}

fn find_params<'m>(
    ready: &Ready<'_>,
    binding: &Binding,
    kinds: &Kinds,
    object_namespace: Option<&str>,
    all: &[Candidate<'m>],
) -> Result<Option<Vec<&'m Manifest>>, (bool, String)> {
    let Some((api_version, kind)) = &ready.policy.param_kind else {
        return Ok(Some(Vec::new()));
    };
    let Some(param_ref) = &binding.param_ref else {
        return Err((
            false,
            "failed to configure binding: the policy has paramKind but the binding no paramRef"
                .into(),
        ));
    };
    let namespaced = kinds.resource(api_version, kind).namespaced;
    let namespace = if namespaced {
        match param_ref.namespace.as_deref().or(object_namespace) {
            Some(ns) => Some(ns),
            None => {
                return Err((
                    false,
                    "failed to configure binding: cannot use a namespaced paramRef without namespace for a cluster-scoped object".into(),
                ));
            }
        }
    } else {
        None
    };
    let found: Vec<&Manifest> = all
        .iter()
        .map(|c| c.manifest)
        .filter(|m| m.api_version == *api_version && m.kind == *kind)
        .filter(|m| namespace.is_none_or(|ns| m.namespace_or_default() == ns))
        .filter(|m| match (&param_ref.name, &param_ref.selector) {
            (Some(name), _) => m.name == *name,
            (None, Some(selector)) => selector.matches(&labels_of(m)),
            (None, None) => false,
        })
        .collect();
    if !found.is_empty() {
        return Ok(Some(found));
    }
    if param_ref.allow_missing {
        Ok(None)
    } else {
        Err((
            true,
            "failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction".into(),
        ))
    }
}

/// Evaluates the policies and bindings among `inputs` and `extra`
/// (policy files given apart from the tree) over the objects of
/// `inputs`.
pub(crate) fn evaluate(inputs: &Inputs, extra: &[Inputs]) -> Vec<Finding> {
    let every: Vec<&Manifest> = inputs
        .manifests()
        .iter()
        .chain(extra.iter().flat_map(|e| e.manifests().iter()))
        .collect();
    if !every
        .iter()
        .any(|m| model::is_kind(m, "ValidatingAdmissionPolicyBinding"))
    {
        let mut found = Vec::new();
        for m in every
            .iter()
            .filter(|m| model::is_kind(m, "ValidatingAdmissionPolicy"))
        {
            let mut problems = Problems::new(m);
            if let Some(policy) = model::read_policy(m, &mut problems) {
                compile_all(policy, m, &mut HashSet::new(), &mut problems.found);
            }
            found.extend(problems.found);
        }
        return found;
    }
    let mut found = Vec::new();
    let mut known = HashSet::new();
    let mut policies: HashMap<String, Ready<'_>> = HashMap::new();
    let mut bindings: Vec<(Binding, &Manifest)> = Vec::new();
    for m in &every {
        let mut problems = Problems::new(m);
        if model::is_kind(m, "ValidatingAdmissionPolicy") {
            if let Some(policy) = model::read_policy(m, &mut problems) {
                let name = policy.name.clone();
                match policies.entry(name) {
                    std::collections::hash_map::Entry::Occupied(e) => problems.push(
                        "/metadata/name",
                        format!("a second ValidatingAdmissionPolicy named `{}`; the first one is evaluated", e.key()),
                    ),
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        if let Some(ready) = compile_all(policy, m, &mut known, &mut problems.found) {
                            slot.insert(ready);
                        }
                    }
                }
            }
        } else if model::is_kind(m, "ValidatingAdmissionPolicyBinding")
            && let Some(binding) = model::read_binding(m, &mut problems)
        {
            bindings.push((binding, m));
        }
        found.extend(problems.found);
    }
    for (binding, m) in &bindings {
        if !policies.contains_key(&binding.policy_name) {
            found.push(
                model::at(
                    m,
                    "/spec/policyName",
                    format!(
                        "binding `{}` names ValidatingAdmissionPolicy `{}`, which is not among the checked files and policies; it was not evaluated",
                        binding.name, binding.policy_name
                    ),
                )
                .with_severity(Severity::Warning),
            );
        }
    }
    let kinds = Kinds::new(every.iter().copied());
    let namespaces: HashMap<&str, &Manifest> = every
        .iter()
        .filter(|m| m.is("", "Namespace"))
        .map(|m| (m.name.as_str(), *m))
        .collect();
    let candidates: Vec<Candidate<'_>> = every.iter().map(|m| Candidate { manifest: m }).collect();
    let root = environment::root_context();
    let null = cel::common::types::CelNull;
    let null_json = Value::Null;
    let no_variables = variables_val(&HashMap::new());
    let mut param_vals: HashMap<*const Manifest, (Box<dyn Val>, Size)> = HashMap::new();
    for (index, m) in inputs.manifests().iter().enumerate() {
        // The API server never runs admission policies on their own kinds.
        if split_api_version(&m.api_version).0 == model::GROUP || m.kind.is_empty() {
            continue;
        }
        let resource = kinds.resource(&m.api_version, &m.kind);
        let object_namespace = resource
            .namespaced
            .then(|| m.namespace_or_default().to_owned());
        let namespace_value: Option<Cow<'_, Value>> = if m.is("", "Namespace") {
            Some(Cow::Borrowed(&m.value))
        } else {
            object_namespace
                .as_deref()
                .map(|ns| match namespaces.get(ns) {
                    Some(n) => Cow::Borrowed(&n.value),
                    None => Cow::Owned(
                        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
                    ),
                })
        };
        let namespace_object: &Value = namespace_value.as_deref().unwrap_or(&null_json);
        let namespace_labels: Option<Map<String, Value>> = namespace_value.as_ref().map(|n| {
            let mut labels = n
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let name = n
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            labels.insert(NAMESPACE_NAME_LABEL.into(), Value::from(name));
            labels
        });
        let labels = labels_of(m);
        let request = Request {
            resource: &resource,
            name: &m.name,
            labels: &labels,
            namespace_labels: namespace_labels.as_ref(),
        };
        // The CEL values, made once for all the policies that match and, for
        // `request` and `namespaceObject`, only if one of them reads it.
        let request_json: OnceCell<Value> = OnceCell::new();
        let object_cell: OnceCell<(Box<dyn Val + '_>, Size)> = OnceCell::new();
        let namespace_cell: OnceCell<Box<dyn Val + '_>> = OnceCell::new();
        let request_cell: OnceCell<Box<dyn Val + '_>> = OnceCell::new();
        for (binding, binding_manifest) in &bindings {
            let Some(ready) = policies.get(&binding.policy_name) else {
                continue;
            };
            if !matching::matches(&ready.policy.constraints, &request, true)
                || !binding
                    .match_resources
                    .as_ref()
                    .is_none_or(|r| matching::matches(r, &request, false))
            {
                continue;
            }
            let (object_val, object_size) = object_cell.get_or_init(|| {
                let size = cost::size_of(&m.value);
                let ns_size = cost::size_of(namespace_object);
                (
                    json_val(&m.value),
                    Size {
                        list: size.list.max(ns_size.list).max(16),
                        string: size.string.max(ns_size.string).max(256),
                    },
                )
            });
            let namespace_val: &dyn Val = if ready.reads_namespace {
                namespace_cell
                    .get_or_init(|| json_val(namespace_object))
                    .as_ref()
            } else {
                &null
            };
            let request_val: &dyn Val = if ready.reads_request {
                request_cell
                    .get_or_init(|| {
                        json_val(request_json.get_or_init(|| {
                            request_value(m, &resource, object_namespace.as_deref())
                        }))
                    })
                    .as_ref()
            } else {
                &null
            };
            let report = |outcome: Outcome, params: Option<&Manifest>| {
                finding(ready, binding, binding_manifest, index, m, outcome, params)
            };
            let params = match find_params(
                ready,
                binding,
                &kinds,
                object_namespace.as_deref(),
                &candidates,
            ) {
                Ok(Some(params)) => params,
                Ok(None) => continue,
                Err((denied, message)) => {
                    if denied {
                        found.push(report(
                            Outcome::Violation {
                                message,
                                reason: "Invalid".into(),
                                field_path: None,
                            },
                            None,
                        ));
                    } else if !ready.policy.ignore_failures {
                        found.push(report(Outcome::Failure { message }, None));
                    }
                    continue;
                }
            };
            let param_list: Vec<Option<&Manifest>> = if params.is_empty() {
                vec![None]
            } else {
                params.into_iter().map(Some).collect()
            };
            for param in param_list {
                let (param_val, param_size): (&dyn Val, Size) = match param {
                    Some(p) => {
                        let (v, s) = &*param_vals
                            .entry(std::ptr::from_ref(p))
                            .or_insert_with(|| (json_val(&p.value), cost::size_of(&p.value)));
                        (v.as_ref(), *s)
                    }
                    None => (&null, Size::default()),
                };
                let run = Run {
                    root: &root,
                    no_variables: no_variables.as_ref(),
                    input: Size {
                        list: object_size.list.max(param_size.list),
                        string: object_size.string.max(param_size.string),
                    },
                };
                let outcomes = run.run(
                    ready,
                    binding.audits,
                    object_val.as_ref(),
                    param_val,
                    namespace_val,
                    request_val,
                );
                found.extend(outcomes.into_iter().map(|o| report(o, param)));
            }
        }
    }
    found
}

/// The `request` variable of a CREATE.
fn request_value(m: &Manifest, resource: &Resource, namespace: Option<&str>) -> Value {
    let (group, version) = split_api_version(&m.api_version);
    let kind = json!({"group": group, "version": version, "kind": m.kind});
    let res = json!({"group": resource.group, "version": resource.version, "resource": resource.resource});
    json!({
        "kind": kind,
        "resource": res,
        "requestKind": kind,
        "requestResource": res,
        "name": m.name,
        "namespace": namespace.unwrap_or_default(),
        "operation": "CREATE",
        "userInfo": {"username": "", "groups": []},
        "dryRun": false,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
    })
}

fn at_line(m: &Manifest) -> String {
    format!("{}:{}", m.location.position.file, m.location.position.line)
}

#[allow(clippy::too_many_arguments)]
fn finding(
    ready: &Ready<'_>,
    binding: &Binding,
    binding_manifest: &Manifest,
    index: usize,
    m: &Manifest,
    outcome: Outcome,
    params: Option<&Manifest>,
) -> Finding {
    let policy = &ready.policy.name;
    let action = binding.action;
    let wrap = |message: &str| match action {
        Action::Deny => format!(
            "ValidatingAdmissionPolicy '{policy}' with binding '{}' denied request: {message}",
            binding.name
        ),
        Action::Warn | Action::Audit => format!(
            "Validation failed for ValidatingAdmissionPolicy '{policy}' with binding '{}': {message}",
            binding.name
        ),
    };
    let (message, pointer, notes, severity) = match outcome {
        Outcome::Violation {
            message,
            reason,
            field_path,
        } => {
            let pointer = field_path
                .as_deref()
                .and_then(field_path_pointer)
                .filter(|p| m.location.exists(p))
                .unwrap_or_default();
            (
                wrap(&message),
                pointer,
                vec![format!("reason: {reason}")],
                action.severity(),
            )
        }
        Outcome::Failure { message } => (
            wrap(&message),
            String::new(),
            vec!["failurePolicy: Fail".to_owned()],
            action.severity(),
        ),
        Outcome::Audit { key, value } => (
            format!("audit annotation `{policy}/{key}`: {value}"),
            String::new(),
            Vec::new(),
            Severity::Info,
        ),
    };
    let mut f = Finding::new(format!("vap.{policy}"), severity, message)
        .with_span(m.location.span(&pointer))
        .with_path(pointer.clone())
        .with_artefact(ArtefactId::new(ArtefactKind::Manifest, index), m.describe())
        .with_note(format!(
            "policy {} and binding {}",
            at_line(ready.manifest),
            at_line(binding_manifest)
        ));
    if let Some(p) = params {
        f = f.with_note(format!("params: {}", p.describe()));
    }
    for n in notes {
        f = f.with_note(n);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::field_path_pointer;

    #[test]
    fn field_paths_become_pointers() {
        assert_eq!(
            field_path_pointer("spec.replicas").as_deref(),
            Some("/spec/replicas")
        );
        assert_eq!(
            field_path_pointer("spec.containers[0].image").as_deref(),
            Some("/spec/containers/0/image")
        );
        assert_eq!(
            field_path_pointer("metadata.labels['app.kubernetes.io/name']").as_deref(),
            Some("/metadata/labels/app.kubernetes.io~1name")
        );
        assert_eq!(
            field_path_pointer("metadata.labels[\"x\"]").as_deref(),
            Some("/metadata/labels/x")
        );
        assert_eq!(field_path_pointer("spec.containers[0"), None);
    }
}
