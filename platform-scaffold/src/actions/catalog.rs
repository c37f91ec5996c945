//! `catalog:write`, `catalog:fetch` and `catalog:register`, and the
//! [`CatalogClient`] they talk to: in memory, or a local catalog directory
//! where registration adds a Location target.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use platform_model::{Entity, EntityRef, LoadOptions, Loader};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Action, ActionContext, object_schema};
use crate::Error;

/// What the `catalog:*` actions need from a catalog. Implement it to talk
/// to a real Backstage.
pub trait CatalogClient: Send + Sync {
    /// The entity with this reference, as JSON, if the catalog has it.
    ///
    /// # Errors
    ///
    /// When the catalog cannot be asked.
    fn entity(&self, entity_ref: &EntityRef) -> Result<Option<Value>, Error>;

    /// Registers a Location target (a URL or path of a `catalog-info.yaml`)
    /// and returns the references of the entities it holds, when known.
    ///
    /// # Errors
    ///
    /// When the target is already registered or cannot be registered.
    fn register(&self, target: &str) -> Result<Vec<String>, Error>;
}

/// A catalog held in memory; registrations are recorded.
#[derive(Debug, Default)]
pub struct MemoryCatalog {
    entities: Vec<Value>,
    registered: Mutex<Vec<String>>,
}

impl MemoryCatalog {
    /// A catalog of these entities.
    #[must_use]
    pub fn new(entities: Vec<Value>) -> Self {
        Self {
            entities,
            registered: Mutex::default(),
        }
    }

    /// A catalog of typed entities (those that cannot be serialised are left out).
    #[must_use]
    pub fn from_entities<'a>(entities: impl IntoIterator<Item = &'a Entity>) -> Self {
        Self::new(
            entities
                .into_iter()
                .filter_map(|e| e.to_value().ok())
                .collect(),
        )
    }

    /// The targets registered so far.
    #[must_use]
    pub fn registrations(&self) -> Vec<String> {
        self.registered
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

fn reference_of(entity: &Value) -> Option<EntityRef> {
    let kind = entity.get("kind")?.as_str()?;
    let namespace = entity
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let name = entity.pointer("/metadata/name")?.as_str()?;
    Some(EntityRef::new(kind, namespace, name))
}

impl CatalogClient for MemoryCatalog {
    fn entity(&self, entity_ref: &EntityRef) -> Result<Option<Value>, Error> {
        Ok(self
            .entities
            .iter()
            .find(|e| reference_of(e).as_ref() == Some(entity_ref))
            .cloned())
    }

    fn register(&self, target: &str) -> Result<Vec<String>, Error> {
        let mut registered = self
            .registered
            .lock()
            .map_err(|_| Error::Failed("the catalog is unavailable".into()))?;
        if registered.iter().any(|t| t == target) {
            return Err(Error::Failed(format!("Location {target} already exists")));
        }
        registered.push(target.to_owned());
        Ok(Vec::new())
    }
}

/// A catalog directory on disk: entities are loaded with platform-model,
/// and registration adds the target to the Location entity of
/// `scaffolder-locations.yaml` in the directory (created when missing).
#[derive(Debug)]
pub struct LocalCatalog {
    dir: PathBuf,
    memory: MemoryCatalog,
    lock: Mutex<()>,
}

/// The file registrations are written to.
pub(crate) const LOCATIONS_FILE: &str = "scaffolder-locations.yaml";
/// Largest registrations file read back.
const MAX_LOCATIONS_BYTES: usize = 16 * 1024 * 1024;

impl LocalCatalog {
    /// Loads the catalog under `dir` (following its Locations).
    ///
    /// # Errors
    ///
    /// When the directory cannot be read.
    pub fn open(dir: &Path) -> Result<Self, Error> {
        let loader =
            Loader::new(LoadOptions::default()).map_err(|e| Error::Failed(e.to_string()))?;
        let catalog = loader
            .load(dir)
            .map_err(|e| Error::Failed(format!("the catalog cannot be loaded: {e}")))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            memory: MemoryCatalog::from_entities(catalog.entities()),
            lock: Mutex::default(),
        })
    }

    fn entities_at(target: &str) -> Vec<String> {
        let path = target.strip_prefix("file://").unwrap_or(target);
        if url::Url::parse(path).is_ok() || !Path::new(path).is_file() {
            return Vec::new();
        }
        let Ok(loader) = Loader::new(LoadOptions::default().with_follow_locations(false)) else {
            return Vec::new();
        };
        loader
            .load(Path::new(path))
            .map(|c| c.entities().map(|e| e.entity_ref().to_string()).collect())
            .unwrap_or_default()
    }
}

impl CatalogClient for LocalCatalog {
    fn entity(&self, entity_ref: &EntityRef) -> Result<Option<Value>, Error> {
        self.memory.entity(entity_ref)
    }

    fn register(&self, target: &str) -> Result<Vec<String>, Error> {
        let _guard = self
            .lock
            .lock()
            .map_err(|_| Error::Failed("the catalog is unavailable".into()))?;
        let file = self.dir.join(LOCATIONS_FILE);
        let existing = if file.exists() {
            let bytes = crate::workspace::read_limited(&file, MAX_LOCATIONS_BYTES, LOCATIONS_FILE)?;
            Some(
                String::from_utf8(bytes)
                    .map_err(|_| Error::Failed(format!("{LOCATIONS_FILE} is not UTF-8")))?,
            )
        } else {
            None
        };
        let mut document: Value = match existing.ok_or(()) {
            Ok(text) => serde_saphyr::from_str(&text)
                .map_err(|e| Error::Failed(format!("{LOCATIONS_FILE}: {e}")))?,
            Err(()) => json!({
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "Location",
                "metadata": {"name": "scaffolder-registrations", "description": "Locations registered by platform-scaffold"},
                "spec": {"type": "url", "targets": []},
            }),
        };
        let targets = document
            .pointer_mut("/spec/targets")
            .and_then(Value::as_array_mut)
            .ok_or_else(|| Error::Failed(format!("{LOCATIONS_FILE} has no spec.targets list")))?;
        if targets.iter().any(|t| t.as_str() == Some(target)) {
            return Err(Error::Failed(format!("Location {target} already exists")));
        }
        targets.push(Value::String(target.to_owned()));
        let text = serde_saphyr::to_string(&document).map_err(|e| Error::Failed(e.to_string()))?;
        let staged = self.dir.join(format!(".{LOCATIONS_FILE}.tmp"));
        std::fs::write(&staged, text).map_err(|e| Error::io(LOCATIONS_FILE, &e))?;
        std::fs::rename(&staged, &file).map_err(|e| Error::io(LOCATIONS_FILE, &e))?;
        Ok(Self::entities_at(target))
    }
}

/// `catalog:write`: writes an entity as `catalog-info.yaml` (or
/// `filePath`), annotated with the template it came from.
#[derive(Clone, Copy, Debug, Default)]
pub struct CatalogWrite;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WriteInput {
    #[serde(default)]
    file_path: Option<String>,
    entity: serde_json::Map<String, Value>,
}

impl Action for CatalogWrite {
    fn id(&self) -> &str {
        "catalog:write"
    }

    fn description(&self) -> &str {
        "Writes a catalog descriptor file into the workspace."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({"filePath": {"type": "string"}, "entity": {"type": "object"}}),
            &["entity"],
        )
    }

    fn supports_dry_run(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: WriteInput = ctx.input_as(self.id())?;
        let mut entity = Value::Object(input.entity);
        if let Some(metadata) = entity.get_mut("metadata").and_then(Value::as_object_mut) {
            let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
            if let Some(map) = annotations.as_object_mut() {
                map.insert(
                    "backstage.io/source-template".into(),
                    Value::String(ctx.template_ref().to_owned()),
                );
            }
        }
        let text = serde_saphyr::to_string(&entity)
            .map_err(|e| Error::Failed(format!("the entity cannot be written as YAML: {e}")))?;
        let path = input
            .file_path
            .unwrap_or_else(|| "catalog-info.yaml".into());
        ctx.log(&format!("writing {path}"));
        ctx.workspace().write(&path, text.as_bytes())?;
        Ok(())
    }
}

/// `catalog:fetch`: reads entities from a [`CatalogClient`].
#[derive(Clone)]
pub struct CatalogFetch {
    client: Arc<dyn CatalogClient>,
}

impl std::fmt::Debug for CatalogFetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CatalogFetch")
    }
}

impl CatalogFetch {
    /// Reads from `client`.
    #[must_use]
    pub fn new(client: Arc<dyn CatalogClient>) -> Self {
        Self { client }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FetchInput {
    #[serde(default)]
    entity_ref: Option<String>,
    #[serde(default)]
    entity_refs: Option<Vec<String>>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    default_kind: Option<String>,
    #[serde(default)]
    default_namespace: Option<String>,
}

impl Action for CatalogFetch {
    fn id(&self) -> &str {
        "catalog:fetch"
    }

    fn description(&self) -> &str {
        "Returns entities of the catalog by reference."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({
                "entityRef": {"type": "string"},
                "entityRefs": {"type": "array", "items": {"type": "string"}},
                "optional": {"type": "boolean"},
                "defaultKind": {"type": "string"},
                "defaultNamespace": {"type": "string"},
            }),
            &[],
        )
    }

    fn output_schema(&self) -> Value {
        json!({"type": "object", "properties": {"entity": {"type": "object"}, "entities": {"type": "array", "items": {"type": "object"}}}})
    }

    fn supports_dry_run(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: FetchInput = ctx.input_as(self.id())?;
        if input.entity_ref.is_none() && input.entity_refs.is_none() {
            return Err(Error::InvalidInput(
                "Missing entity reference or references".into(),
            ));
        }
        let lookup = |text: &str| -> Result<Option<Value>, Error> {
            let entity_ref = EntityRef::parse_with(
                text,
                input.default_kind.as_deref(),
                input.default_namespace.as_deref().unwrap_or(""),
            )
            .map_err(|e| {
                Error::InvalidInput(format!("`{text}` is not an entity reference: {e}"))
            })?;
            let found = self.client.entity(&entity_ref)?;
            if found.is_none() && !input.optional {
                return Err(Error::Failed(format!("Entity {entity_ref} not found")));
            }
            Ok(found)
        };
        if let Some(text) = &input.entity_ref {
            let entity = lookup(text)?;
            ctx.output("entity", entity.unwrap_or(Value::Null));
        }
        if let Some(texts) = &input.entity_refs {
            let entities = texts
                .iter()
                .map(|t| lookup(t).map(|e| e.unwrap_or(Value::Null)))
                .collect::<Result<Vec<_>, _>>()?;
            ctx.output("entities", Value::Array(entities));
        }
        Ok(())
    }
}

/// `catalog:register`: registers a `catalog-info.yaml` location through a
/// [`CatalogClient`].
#[derive(Clone)]
pub struct CatalogRegister {
    client: Arc<dyn CatalogClient>,
}

impl std::fmt::Debug for CatalogRegister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CatalogRegister")
    }
}

impl CatalogRegister {
    /// Registers through `client`.
    #[must_use]
    pub fn new(client: Arc<dyn CatalogClient>) -> Self {
        Self { client }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterInput {
    #[serde(default)]
    catalog_info_url: Option<String>,
    #[serde(default)]
    repo_contents_url: Option<String>,
    #[serde(default)]
    catalog_info_path: Option<String>,
    #[serde(default)]
    optional: bool,
}

/// The reference Backstage reports: a Component not named `generated-*`
/// first, else the first entity.
fn preferred(refs: &[String]) -> Option<&String> {
    refs.iter()
        .find(|r| {
            r.starts_with("component:")
                && !r
                    .rsplit('/')
                    .next()
                    .is_some_and(|n| n.starts_with("generated-"))
        })
        .or_else(|| refs.first())
}

impl Action for CatalogRegister {
    fn id(&self) -> &str {
        "catalog:register"
    }

    fn description(&self) -> &str {
        "Registers a catalog-info.yaml location with the catalog."
    }

    fn input_schema(&self) -> Value {
        json!({
            "oneOf": [
                {"type": "object", "required": ["catalogInfoUrl"], "additionalProperties": false,
                 "properties": {"catalogInfoUrl": {"type": "string"}, "optional": {"type": "boolean"}}},
                {"type": "object", "required": ["repoContentsUrl"], "additionalProperties": false,
                 "properties": {"repoContentsUrl": {"type": "string"}, "catalogInfoPath": {"type": "string"}, "optional": {"type": "boolean"}}},
            ]
        })
    }

    fn output_schema(&self) -> Value {
        json!({"type": "object", "properties": {"entityRef": {"type": "string"}, "catalogInfoUrl": {"type": "string"}}})
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: RegisterInput = ctx.input_as(self.id())?;
        let url = match (&input.catalog_info_url, &input.repo_contents_url) {
            (Some(url), _) => url.clone(),
            (None, Some(base)) => {
                let path = input.catalog_info_path.as_deref().unwrap_or("/catalog-info.yaml");
                format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
            }
            (None, None) => return Err(Error::InvalidInput("Invalid input passed to action catalog:register, catalogInfoUrl or repoContentsUrl is required".into())),
        };
        ctx.log(&format!("Registering {url} in the catalog"));
        match self.client.register(&url) {
            Ok(refs) => {
                if let Some(entity_ref) = preferred(&refs) {
                    ctx.output("entityRef", Value::String(entity_ref.clone()));
                }
                ctx.output("catalogInfoUrl", Value::String(url));
                Ok(())
            }
            Err(error) if input.optional => {
                ctx.log(&format!("registration skipped (optional): {error}"));
                ctx.output("catalogInfoUrl", Value::String(url));
                Ok(())
            }
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferred_reference_skips_generated_components() {
        let refs = vec![
            "api:default/a".to_owned(),
            "component:default/generated-x".to_owned(),
            "component:default/svc".to_owned(),
        ];
        assert_eq!(
            preferred(&refs).map(String::as_str),
            Some("component:default/svc")
        );
    }

    #[test]
    fn local_catalog_registers_once() {
        let dir = tempfile::tempdir().expect("dir");
        let catalog = LocalCatalog::open(dir.path()).expect("open");
        catalog
            .register("https://example.com/a/catalog-info.yaml")
            .expect("first");
        assert!(
            catalog
                .register("https://example.com/a/catalog-info.yaml")
                .is_err()
        );
        let text = std::fs::read_to_string(dir.path().join(LOCATIONS_FILE)).expect("written");
        assert!(
            text.contains("https://example.com/a/catalog-info.yaml"),
            "{text}"
        );
        let reloaded = LocalCatalog::open(dir.path()).expect("reload");
        assert!(
            reloaded
                .register("https://example.com/b/catalog-info.yaml")
                .is_ok()
        );
    }
}
