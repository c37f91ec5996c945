//! Backstage-exact entity validation.
//!
//! [`Validator::validate`] runs the checks of Backstage's catalog backend in
//! its order (the envelope check, the entity policies, the kind schemas, the
//! Location step and reference parsing) and gives the same verdict.
//!
//! Two modes:
//!
//! - [`ValidationMode::Backstage`] stops at the first failure, like
//!   Backstage, and reproduces Backstage's message text, both the inner
//!   message ([`Problem::message`]) and the full status text Backstage
//!   records ([`Validation::backstage_error`]).
//! - [`ValidationMode::Full`] reports every problem at once. The verdict is
//!   the same; only the number of problems differs.
//!
//! ```
//! use platform_model::validate::{Validator, ValidationMode};
//!
//! let doc = serde_json::json!({
//!     "apiVersion": "backstage.io/v1alpha1",
//!     "kind": "Component",
//!     "metadata": {"name": "Bad Name", "tags": ["Java"]},
//!     "spec": {"type": "service", "owner": "team-a"}
//! });
//! let backstage = Validator::new().validate(doc.clone());
//! assert!(!backstage.is_valid());
//! assert_eq!(backstage.problems.len(), 1);
//! assert!(backstage.backstage_error.as_deref().unwrap_or_default()
//!     .starts_with("InputError: Policy check failed for component:default/bad name; caused by Error: \"metadata.name\" is not valid"));
//!
//! let full = Validator::builder().with_mode(ValidationMode::Full).build().validate(doc);
//! let pointers: Vec<&str> = full.problems.iter().map(|p| p.path.as_str()).collect();
//! assert_eq!(pointers, ["/metadata/name", "/metadata/tags/0", "/spec"]);
//! ```
//!
//! The code is split by idea: `api` holds the validator, its builder and the
//! kind plug-in trait; `problem` what validation reports; `run` the order of
//! the stages; `record` the recording of problems and of Backstage's status
//! text; `depth` the depth limit; `order` Backstage's sort of reference
//! lists; `stages` one file per check; `schema`, `schemas` and `format` the
//! JSON Schema evaluator, Backstage's schemas and its field formats.

mod api;
pub mod codes;
mod depth;
mod format;
mod order;
mod problem;
mod record;
mod run;
mod schema;
mod schemas;
mod stages;

pub use api::{
    DEFAULT_MAX_DEPTH, KindValidator, KindVerdict, ValidationMode, Validator, ValidatorBuilder,
};
pub use format::{
    FieldRule, FieldValidators, is_non_empty_string, is_valid_annotation_key,
    is_valid_annotation_value, is_valid_api_version, is_valid_dns_label, is_valid_dns_subdomain,
    is_valid_kind, is_valid_label_key, is_valid_label_value, is_valid_namespace,
    is_valid_object_name, is_valid_tag, is_valid_url, object_name_with_max_length,
};
pub use problem::{Problem, ProblemTarget, Validation};
pub(crate) use stages::envelope::entity_ref_of;
pub use stages::location::{MANAGED_BY_LOCATION, MANAGED_BY_ORIGIN_LOCATION, ReadingLocation};

#[cfg(test)]
mod tests;
