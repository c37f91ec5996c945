//! Kubernetes `ValidatingAdmissionPolicy` offline: the cluster's own
//! admission policies, found in the checked tree or given apart
//! (`CheckOptions::with_policies`), evaluated against every object as the
//! API server evaluates them for a CREATE, with CEL and the Kubernetes CEL
//! libraries.
//!
//! - [`model`] reads policies and bindings;
//! - [`resources`] names each object's resource (built-in kinds and the
//!   input's CustomResourceDefinitions);
//! - [`matching`] decides which objects a policy and binding apply to;
//! - [`environment`] compiles expressions and refuses unsupported ones;
//! - [`cost`] bounds an expression before it runs;
//! - [`k8s_lib`] holds the Kubernetes libraries (quantities, IPs, CIDRs,
//!   URLs, regex `find`);
//! - [`json_val`] gives objects to CEL as the API server does, as
//!   [`lazy_val`] maps and lists built when read;
//! - [`evaluate`] runs them and reports findings `vap.<policy-name>`.

pub(crate) mod cost;
pub(crate) mod environment;
pub(crate) mod evaluate;
pub(crate) mod json_val;
pub(crate) mod k8s_lib;
pub(crate) mod lazy_val;
pub(crate) mod matching;
pub(crate) mod model;
pub(crate) mod resources;

use crate::finding::Finding;
use crate::inputs::Inputs;

/// Evaluates the admission policies among `inputs` and `extra` over the
/// objects of `inputs`, on a thread with a stack deep enough for the CEL
/// parser and evaluator on any expression the limits let through.
pub(crate) fn evaluate(inputs: &Inputs, extra: &[Inputs]) -> Vec<Finding> {
    let any = inputs
        .manifests()
        .iter()
        .chain(extra.iter().flat_map(|e| e.manifests().iter()))
        .any(|m| model::is_kind(m, "ValidatingAdmissionPolicy"));
    if !any {
        return Vec::new();
    }
    let outcome = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("admission".into())
            .stack_size(environment::STACK_BYTES)
            .spawn_scoped(scope, || evaluate::evaluate(inputs, extra))
            .map_err(|e| format!("the evaluation thread could not start: {e}"))
            .and_then(|handle| {
                handle
                    .join()
                    .map_err(|_| "the evaluation stopped on an internal error".to_owned())
            })
    });
    // A failure of ours is reported, not passed off as "no findings".
    outcome.unwrap_or_else(|message| {
        vec![Finding::new(
            crate::finding::ids::ADMISSION_POLICY,
            platform_model::Severity::Error,
            format!("admission policies were not evaluated: {message}"),
        )]
    })
}
