//! Every diagnostic code `platform-model` reports, in one place. Codes are
//! dotted, lowercase and kebab-cased: `<area>.<what>`; tools match on them.
//! The per-module constants (`yaml::CODE_SYNTAX`, `validate::codes`,
//! `loader::location_codes`, …) are these values under their first names.

/// A YAML syntax error.
pub const YAML_SYNTAX: &str = "yaml.syntax";
/// A parser budget was exceeded.
pub const YAML_BUDGET: &str = "yaml.budget";
/// A mapping repeats a key.
pub const YAML_DUPLICATE_KEY: &str = "yaml.duplicate-key";

/// A file cannot be read.
pub const FILE_UNREADABLE: &str = "file.unreadable";
/// A file is not UTF-8.
pub const FILE_ENCODING: &str = "file.encoding";
/// A file is a FIFO, a device, a socket or a directory.
pub const FILE_NOT_REGULAR: &str = "file.not-regular";
/// A file or link leads outside the root.
pub const FILE_OUTSIDE_ROOT: &str = "file.outside-root";
/// A YAML file of a directory walk does not parse, so it was not read as a
/// catalog file (a warning; an error when a Location targets the file or
/// it has a catalog file name).
pub const FILE_NOT_PARSED: &str = "file.not-parsed";
/// Backstage would ingest none of a file's entities.
pub const CATALOG_FILE_NOT_INGESTED: &str = "catalog.file-not-ingested";
/// The app-config's catalog rules do not allow an entity's kind from the
/// location it was reached from (Backstage's `NotAllowedError`).
pub const CATALOG_NOT_ALLOWED: &str = "catalog.not-allowed";

/// An app-config value Backstage's backend would refuse (it does not start).
pub const APP_CONFIG_INVALID: &str = "app-config.invalid";
/// An app-config key Backstage does not read where it is written.
pub const APP_CONFIG_UNKNOWN_KEY: &str = "app-config.unknown-key";
/// A `${VAR}` or `$env` whose variable is not set: the value is dropped.
pub const APP_CONFIG_UNSET_VARIABLE: &str = "app-config.unset-variable";
/// A `$file` or `$include` that cannot be read or parsed, or leads
/// outside the repository.
pub const APP_CONFIG_INCLUDE: &str = "app-config.include";
/// A `catalog.locations` type that is not read offline.
pub const APP_CONFIG_LOCATION_TYPE: &str = "app-config.location-type";

/// The document root is not a mapping.
pub const ENTITY_NOT_OBJECT: &str = "entity.not-object";
/// `apiVersion`, `kind` or `metadata.name` missing or not a non-empty string.
pub const ENTITY_ENVELOPE: &str = "entity.envelope";
/// `metadata.annotations` is not a mapping.
pub const ENTITY_ANNOTATIONS: &str = "entity.annotations";
/// The entity breaks Backstage's `Entity` schema.
pub const ENTITY_SCHEMA: &str = "entity.schema";
/// `relations` or `status` given as input.
pub const ENTITY_UNKNOWN_ROOT_FIELD: &str = "entity.unknown-root-field";
/// A field breaks Backstage's format rules (names, namespaces, tags, …).
pub const ENTITY_FIELD_FORMAT: &str = "entity.field-format";
/// The spec breaks its kind's schema.
pub const ENTITY_KIND_SCHEMA: &str = "entity.kind-schema";
/// No kind validator recognises the kind and apiVersion.
pub const ENTITY_UNKNOWN_KIND: &str = "entity.unknown-kind";
/// A reference in a relation field cannot be parsed.
pub const ENTITY_INVALID_REF: &str = "entity.invalid-ref";
/// The entity nests deeper than the validator's depth limit.
pub const ENTITY_TOO_DEEP: &str = "entity.too-deep";
/// Two documents define the same entity.
pub const ENTITY_DUPLICATE: &str = "entity.duplicate";

/// A Location's type is not allowed.
pub const LOCATION_TYPE_NOT_ALLOWED: &str = "location.type-not-allowed";
/// A `file` Location target ends with a path separator.
pub const LOCATION_DIRECTORY_TARGET: &str = "location.directory-target";
/// A required Location target does not exist.
pub const LOCATION_NOT_FOUND: &str = "location.not-found";
/// A Location target leads outside the catalog root.
pub const LOCATION_OUTSIDE_ROOT: &str = "location.outside-root";
/// A Location target leads back to a Location file already on the chain.
pub const LOCATION_CYCLE: &str = "location.cycle";
/// A Location target of another type (`url`, …) that is not read offline.
pub const LOCATION_NOT_FOLLOWED: &str = "location.not-followed";
/// A Location target that Backstage would resolve from its working directory.
pub const LOCATION_NOT_RELATIVE: &str = "location.not-relative";
/// A Location target glob is invalid.
pub const LOCATION_BAD_GLOB: &str = "location.bad-glob";
/// A Location target is a FIFO, a device, a socket or a directory.
pub const LOCATION_NOT_REGULAR: &str = "location.not-regular";
/// A file a Location's targets bring fails as it is read (YAML, envelope),
/// which fails the Location.
pub const LOCATION_TARGET_FAILED: &str = "location.target-failed";

/// A placeholder's file does not exist.
pub const PLACEHOLDER_NOT_FOUND: &str = "placeholder.not-found";
/// A placeholder points outside the root.
pub const PLACEHOLDER_OUTSIDE_ROOT: &str = "placeholder.outside-root";
/// A placeholder's file does not hold valid JSON or YAML.
pub const PLACEHOLDER_PARSE: &str = "placeholder.parse";
/// A remote placeholder was not fetched.
pub const PLACEHOLDER_REMOTE: &str = "placeholder.remote";
/// A placeholder names a FIFO, a device, a socket or a directory.
pub const PLACEHOLDER_NOT_REGULAR: &str = "placeholder.not-regular";
/// The placeholders of a load pulled in more than the budget.
pub const PLACEHOLDER_BUDGET: &str = "placeholder.budget";
/// A placeholder's target is not a string.
pub const PLACEHOLDER_NOT_STRING: &str = "placeholder.not-string";
/// A relative placeholder read from a `file` location, where Backstage
/// forms no URL (or a target that forms no URL with the file's).
pub const PLACEHOLDER_NEEDS_URL: &str = "placeholder.needs-url";

/// Every code above.
pub const ALL: &[&str] = &[
    YAML_SYNTAX,
    YAML_BUDGET,
    YAML_DUPLICATE_KEY,
    FILE_UNREADABLE,
    FILE_ENCODING,
    FILE_NOT_REGULAR,
    FILE_OUTSIDE_ROOT,
    FILE_NOT_PARSED,
    CATALOG_NOT_ALLOWED,
    APP_CONFIG_INVALID,
    APP_CONFIG_UNKNOWN_KEY,
    APP_CONFIG_UNSET_VARIABLE,
    APP_CONFIG_INCLUDE,
    APP_CONFIG_LOCATION_TYPE,
    CATALOG_FILE_NOT_INGESTED,
    ENTITY_NOT_OBJECT,
    ENTITY_ENVELOPE,
    ENTITY_ANNOTATIONS,
    ENTITY_SCHEMA,
    ENTITY_UNKNOWN_ROOT_FIELD,
    ENTITY_FIELD_FORMAT,
    ENTITY_KIND_SCHEMA,
    ENTITY_UNKNOWN_KIND,
    ENTITY_INVALID_REF,
    ENTITY_TOO_DEEP,
    ENTITY_DUPLICATE,
    LOCATION_TARGET_FAILED,
    LOCATION_TYPE_NOT_ALLOWED,
    LOCATION_DIRECTORY_TARGET,
    LOCATION_NOT_FOUND,
    LOCATION_OUTSIDE_ROOT,
    LOCATION_CYCLE,
    LOCATION_NOT_FOLLOWED,
    LOCATION_NOT_RELATIVE,
    LOCATION_BAD_GLOB,
    LOCATION_NOT_REGULAR,
    PLACEHOLDER_NOT_FOUND,
    PLACEHOLDER_OUTSIDE_ROOT,
    PLACEHOLDER_PARSE,
    PLACEHOLDER_REMOTE,
    PLACEHOLDER_NOT_REGULAR,
    PLACEHOLDER_BUDGET,
    PLACEHOLDER_NOT_STRING,
    PLACEHOLDER_NEEDS_URL,
];

#[cfg(test)]
mod tests {
    use super::ALL;

    #[test]
    fn codes_are_unique_dotted_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ALL {
            assert!(seen.insert(code), "{code} twice");
            let (area, what) = code.split_once('.').expect("dotted");
            for part in [area, what] {
                assert!(
                    !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                    "{code}"
                );
            }
        }
    }
}
