//! `crossplane.*`: claims and composite resources validated against their
//! CompositeResourceDefinition, and a bound on time-to-live fields.

use std::sync::Arc;

use platform_model::Severity;
use serde_json::Value;

use super::support::{meta, rule};
use crate::crossplane::{Problem, Walker};
use crate::finding::{ArtefactKind as A, Finding};
use crate::inputs::Manifest;
use crate::rule::{OptionKind, Profile, Rule, RuleContext, RuleOption};

pub(super) fn rules() -> Vec<Arc<dyn Rule>> {
    use Severity::{Error, Warning};
    let m = &[A::Manifest];
    vec![
        rule(meta("crossplane.schema", "Claims and composites match their definition", Error, m, Profile::Baseline,
            "A claim or composite resource is validated against the `openAPIV3Schema` of its CompositeResourceDefinition's version (types, enums, required fields, bounds, patterns), with schema defaults applied first, as the API server does. A version the definition does not serve is an error too."), schema),
        rule(meta("crossplane.unknown-field", "Claims and composites declare no unknown fields", Warning, m, Profile::Baseline,
            "A field the definition's schema does not declare is pruned by the API server without a word: it is usually a typo (`ttlHour`) whose intended setting silently falls back to the default."), unknown_field),
        rule(meta("crossplane.ttl-hours", "Ephemeral environments expire", Warning, m, Profile::Restricted,
            "Ephemeral environments (the seed's `DevEnv` claims) must expire: the effective `spec.ttlHours` (after schema defaults) stays within `min`..`max` hours (default 1..168, a week).")
            .with_option(RuleOption::new("field", OptionKind::String, "the spec field holding the time to live (default ttlHours)"))
            .with_option(RuleOption::new("min", OptionKind::Integer, "smallest allowed value (default 1)"))
            .with_option(RuleOption::new("max", OptionKind::Integer, "largest allowed value (default 168)")), ttl_hours),
    ]
}

/// A claim or composite with the schema of its spec, defaults applied.
struct Instance<'a> {
    index: usize,
    manifest: &'a Manifest,
    schema: Option<&'a Value>,
    defaulted: &'a Value,
    xrd_name: &'a str,
    /// A limit hit while applying defaults.
    limit: Option<&'a Problem>,
}

/// The schema of the `spec` of xr instance `k` (`None` when its version is
/// missing or not served).
fn spec_schema<'a>(
    cx: &RuleContext<'a>,
    k: usize,
) -> Option<(Option<&'a Value>, Option<&'a Value>)> {
    let joins = cx.joins();
    let manifests = cx.inputs().manifests();
    let &(i, x) = joins.xr_instances().get(k)?;
    let m = manifests.get(i)?;
    let xrd_manifest = manifests.get(joins.xrds().get(x)?.manifest)?;
    let version = m.api_version.split_once('/').map_or("", |(_, v)| v);
    let (_, served, pointer) = joins.xrds()[x]
        .versions
        .iter()
        .find(|(name, _, _)| name == version)?;
    if !served {
        return None;
    }
    Some((
        m.get("/spec"),
        xrd_manifest.get(&format!("{pointer}/properties/spec")),
    ))
}

/// Every instance's `spec` with defaults applied, computed once per check.
fn defaulted<'a>(cx: &RuleContext<'a>) -> &'a [Option<crate::joins::Defaulted>] {
    let joins = cx.joins();
    joins.xr_defaulted().get_or_init(|| {
        (0..joins.xr_instances().len())
            .map(|k| {
                let (spec, schema) = spec_schema(cx, k)?;
                let mut value = spec
                    .cloned()
                    .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
                let mut limit = Vec::new();
                if let Some(schema) = schema {
                    Walker::new(cx.walk).apply_defaults(
                        schema,
                        &mut value,
                        &mut String::from("/spec"),
                        &mut limit,
                    );
                }
                Some((value, limit.into_iter().next()))
            })
            .collect()
    })
}

fn instances<'a>(cx: &RuleContext<'a>) -> Vec<Result<Instance<'a>, Finding>> {
    let joins = cx.joins();
    let manifests = cx.inputs().manifests();
    let all = defaulted(cx);
    let mut out = Vec::new();
    for (k, &(i, x)) in joins.xr_instances().iter().enumerate() {
        let m = &manifests[i];
        let xrd = &joins.xrds()[x];
        let Some(xrd_manifest) = manifests.get(xrd.manifest) else {
            continue;
        };
        let version = m.api_version.split_once('/').map_or("", |(_, v)| v);
        let Some((_, served, pointer)) = xrd.versions.iter().find(|(name, _, _)| name == version)
        else {
            out.push(Err(cx.at_manifest(
                i,
                "/apiVersion",
                format!(
                    "CompositeResourceDefinition `{}` has no version `{version}`",
                    xrd_manifest.name
                ),
            )));
            continue;
        };
        if !served {
            out.push(Err(cx.at_manifest(
                i,
                "/apiVersion",
                format!(
                    "version `{version}` of `{}` is not served",
                    xrd_manifest.name
                ),
            )));
            continue;
        }
        let schema = xrd_manifest.get(&format!("{pointer}/properties/spec"));
        let Some(Some((defaulted, limit))) = all.get(k) else {
            continue;
        };
        out.push(Ok(Instance {
            index: i,
            manifest: m,
            schema,
            defaulted,
            xrd_name: &xrd_manifest.name,
            limit: limit.as_ref(),
        }));
    }
    out
}

fn problems(cx: &RuleContext<'_>, instance: &Instance<'_>) -> Vec<Problem> {
    let mut out: Vec<Problem> = instance.limit.into_iter().cloned().collect();
    if let Some(schema) = instance.schema {
        Walker::new(cx.walk).validate(
            schema,
            instance.defaulted,
            &mut String::from("/spec"),
            true,
            &mut out,
        );
    }
    out
}

fn schema(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for item in instances(cx) {
        let instance = match item {
            Ok(i) => i,
            Err(f) => {
                out.push(f);
                continue;
            }
        };
        for p in problems(cx, &instance) {
            if let Problem::Invalid { pointer, message } | Problem::Limit { pointer, message } = p {
                out.push(cx.at_manifest(
                    instance.index,
                    &pointer,
                    format!(
                        "`{}` {message} (schema of `{}`)",
                        pointer.trim_start_matches('/').replace('/', "."),
                        instance.xrd_name
                    ),
                ));
            }
        }
    }
    out
}

fn unknown_field(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for instance in instances(cx).into_iter().flatten() {
        for p in problems(cx, &instance) {
            if let Problem::Unknown { pointer, field } = p {
                out.push(cx.at_manifest(
                    instance.index,
                    &pointer,
                    format!(
                        "`{field}` is not declared by the schema of `{}`; the API server drops it",
                        instance.xrd_name
                    ),
                ));
            }
        }
    }
    out
}

fn ttl_hours(cx: &RuleContext<'_>) -> Vec<Finding> {
    let field = cx
        .option("field")
        .and_then(Value::as_str)
        .unwrap_or("ttlHours")
        .to_owned();
    let min = cx.option_i64("min").unwrap_or(1);
    let max = cx.option_i64("max").unwrap_or(168);
    let mut out = Vec::new();
    for instance in instances(cx).into_iter().flatten() {
        let declared = instance
            .schema
            .and_then(|s| s.pointer(&format!("/properties/{field}")))
            .is_some();
        let Some(value) = instance.defaulted.get(&field) else {
            if declared {
                out.push(cx.at_manifest(instance.index, "/spec", format!("`spec.{field}` is not set and has no default: the environment never expires")));
            }
            continue;
        };
        let written = instance.manifest.get(&format!("/spec/{field}")).is_some();
        let origin = if written { "" } else { " (the schema default)" };
        match value.as_i64() {
            Some(n) if n < min => out.push(cx.at_manifest(
                instance.index,
                &format!("/spec/{field}"),
                format!("`{field}: {n}`{origin} is below the minimum of {min}"),
            )),
            Some(n) if n > max => out.push(cx.at_manifest(
                instance.index,
                &format!("/spec/{field}"),
                format!("`{field}: {n}`{origin} keeps the environment longer than {max} hours"),
            )),
            Some(_) | None => {}
        }
    }
    out
}
