//! Ids of the rules the engine itself reports (input and configuration
//! problems, exemptions) and of rules referred to across modules. They
//! live next to [`Finding`](super::Finding) because a finding's `rule` is
//! one of them for everything the engine reports itself.

/// A file that cannot be read (I/O, not UTF-8, too large).
pub const INPUT_UNREADABLE: &str = "input.unreadable";
/// YAML that does not parse (syntax, duplicate keys, budgets).
pub const INPUT_YAML: &str = "input.yaml";
/// A Kubernetes object with a broken envelope.
pub const INPUT_MANIFEST: &str = "input.manifest";
/// A kind no rule knows; the object is skipped.
pub const INPUT_UNKNOWN_KIND: &str = "input.unknown-kind";
/// A Dockerfile syntax error.
pub const DOCKER_SYNTAX: &str = "docker.syntax";
/// A configuration problem.
pub const CONFIG_INVALID: &str = "config.invalid";
/// A configuration naming a rule that does not exist.
pub const CONFIG_UNKNOWN_RULE: &str = "config.unknown-rule";
/// An exemption without a reason or for an unknown rule.
pub const POLICY_EXEMPTION: &str = "policy.exemption";
/// The lifecycle severity ladder.
pub const PROD_REQUIRES_RESTRICTED: &str = "xref.prod-requires-restricted";
/// A ValidatingAdmissionPolicy or binding that cannot be evaluated (its
/// shape, an expression that does not compile or is not supported).
pub const ADMISSION_POLICY: &str = "admission.policy";
/// The prefix of the rule ids of ValidatingAdmissionPolicy findings:
/// `vap.<policy-name>`.
pub const VAP_PREFIX: &str = "vap.";
