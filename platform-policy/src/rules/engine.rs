//! The engine's own rules (`input.*`, `docker.syntax`, `config.*`,
//! `policy.exemption`): what the engine meets while reading.

use std::sync::Arc;

use platform_model::Severity;

use super::support::{meta, nothing, rule};
use crate::finding::{ArtefactKind, ids};
use crate::rule::{Profile, Rule};

/// The engine's own rules: they report what the engine meets while
/// reading; their `check` does nothing.
pub(super) fn rules() -> Vec<Arc<dyn Rule>> {
    use ArtefactKind as A;
    use Profile::Baseline as B;
    use Severity::{Error, Info, Warning};
    vec![
        rule(
            meta(
                ids::INPUT_UNREADABLE,
                "Files can be read",
                Error,
                &[A::File],
                B,
                "A file that looks like an artefact could not be read (I/O error, not UTF-8, over the size limit), so none of its content was checked.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::INPUT_YAML,
                "YAML parses",
                Error,
                &[A::File],
                B,
                "A YAML file (or one document of it) does not parse: a syntax error, a duplicate key or a parser limit. Nothing in that document was checked; Kubernetes and Backstage would reject it too.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::INPUT_MANIFEST,
                "Kubernetes objects have a valid envelope",
                Error,
                &[A::Manifest],
                B,
                "An object needs string `apiVersion`, `kind` and `metadata.name`, label and annotation values must be strings, and a `List` holds objects in `items`. The API server rejects anything else.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::INPUT_UNKNOWN_KIND,
                "Kinds are known",
                Info,
                &[A::Manifest],
                B,
                "No rule knows this kind and no CustomResourceDefinition or CompositeResourceDefinition in the input defines it, so the object was skipped. This is a note, not a failure.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::DOCKER_SYNTAX,
                "Dockerfiles parse",
                Error,
                &[A::Dockerfile],
                B,
                "The Dockerfile has a syntax error BuildKit would reject (unknown instruction, instruction before FROM, FROM without image, unterminated heredoc, duplicate stage name).",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::CONFIG_INVALID,
                "The configuration is valid",
                Error,
                &[A::Config],
                B,
                "The policy configuration has a key, value or option the checker does not understand; it was ignored.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::CONFIG_UNKNOWN_RULE,
                "The configuration names existing rules",
                Error,
                &[A::Config],
                B,
                "The configuration names a rule id that no registered rule has, usually a typo; the entry was ignored.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::POLICY_EXEMPTION,
                "Exemptions give a reason and name a rule",
                Warning,
                &[A::Manifest, A::HelmValues, A::Dockerfile, A::CatalogEntity],
                B,
                "An exemption must name existing rule ids and say why (`platform-policy.io/ignore.<rule-id>: \"<reason>\"`, or `# platform-policy ignore=<rule-id> <reason>`). Exemptions without a reason are not applied.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::ADMISSION_POLICY,
                "Admission policies can be evaluated",
                Error,
                &[A::Manifest],
                B,
                "A ValidatingAdmissionPolicy or ValidatingAdmissionPolicyBinding that cannot be evaluated: its shape is one the API server refuses, an expression does not compile, calls a Kubernetes CEL library that offline evaluation does not support (the authorizer, semver, format, lists' isSorted/sum/min/max), or a binding names a policy that is not in the input. The policy's own findings are reported as `vap.<policy-name>`.",
            ),
            nothing,
        ),
    ]
}
