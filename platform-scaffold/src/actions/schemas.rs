//! Which actions a backend has, with their schemas: what
//! [`lint_against`](crate::lint_against) checks a template against.
//!
//! Three sources: the actions a stock Backstage backend registers
//! ([`ActionSchemas::stock`]: a fresh `create-app` backend with the
//! scaffolder plugin 4.3.0 and its GitHub and notifications modules), the
//! actions of an [`ActionRegistry`] ([`ActionSchemas::from_registry`]), and
//! a backend's own list as its `GET /api/scaffolder/v2/actions` serves it
//! ([`ActionSchemas::from_backstage_list`]).
//!
//! The stock schemas are embedded structure only (types, properties,
//! required keys, enums, defaults), derived from the schemas recorded from
//! the real packages (`tools/scaffolder-oracle/action-schema-oracle.js`,
//! reduced by `action-catalog.js`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::ActionRegistry;

/// The recorded Backstage actions (45, of which 27 are stock).
const BACKSTAGE_ACTIONS: &str = include_str!("data/backstage-actions.json");

/// One action as a backend describes it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ActionSchema {
    /// The action id, such as `publish:github`.
    pub id: String,
    /// Its input JSON Schema (`{}` when it declares none).
    pub input: Value,
    /// Its output JSON Schema (`{}` when it declares none).
    pub output: Value,
    /// Whether it runs in a dry run.
    pub supports_dry_run: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recorded {
    id: String,
    stock: bool,
    #[serde(default)]
    supports_dry_run: bool,
    #[serde(default)]
    input: Option<Value>,
    #[serde(default)]
    output: Option<Value>,
}

#[derive(Deserialize)]
struct RecordedFile {
    actions: Vec<Recorded>,
}

/// An entry of Backstage's `/v2/actions` list.
#[derive(Deserialize)]
struct Listed {
    id: String,
    #[serde(default)]
    schema: Option<ListedSchema>,
    #[serde(default, rename = "supportsDryRun")]
    supports_dry_run: bool,
}

#[derive(Deserialize)]
struct ListedSchema {
    #[serde(default)]
    input: Option<Value>,
    #[serde(default)]
    output: Option<Value>,
}

/// A malformed action list.
#[derive(Debug, thiserror::Error)]
#[error("not a list of scaffolder actions (as GET /api/scaffolder/v2/actions returns): {0}")]
pub struct ActionListError(String);

/// Action ids with their schemas.
#[derive(Clone, Debug, Default)]
pub struct ActionSchemas {
    actions: BTreeMap<String, ActionSchema>,
}

fn recorded() -> Vec<Recorded> {
    // Embedded data, checked by a test: a parse failure cannot happen in a
    // build that passed it, and would give an empty list, not a panic.
    serde_json::from_str::<RecordedFile>(BACKSTAGE_ACTIONS)
        .map(|f| f.actions)
        .unwrap_or_default()
}

fn schema_or_empty(schema: Option<Value>) -> Value {
    schema.unwrap_or_else(|| Value::Object(serde_json::Map::new()))
}

impl ActionSchemas {
    /// No actions.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The 27 actions a fresh `create-app` backend registers: the
    /// scaffolder's built-ins (`fetch:*`, `fs:*`, `debug:*`, `catalog:*`)
    /// and the GitHub (`publish:github`, `publish:github:pull-request`,
    /// `github:*`) and notifications (`notification:send`) modules.
    #[must_use]
    pub fn stock() -> Self {
        let mut schemas = Self::new();
        for action in recorded().into_iter().filter(|a| a.stock) {
            schemas.insert(ActionSchema {
                id: action.id,
                input: schema_or_empty(action.input),
                output: schema_or_empty(action.output),
                supports_dry_run: action.supports_dry_run,
            });
        }
        schemas
    }

    /// The schema Backstage's own action `id` has (stock or from the
    /// GitLab, Bitbucket Server and Azure modules), as recorded.
    #[must_use]
    pub fn backstage(id: &str) -> Option<ActionSchema> {
        recorded()
            .into_iter()
            .find(|a| a.id == id)
            .map(|action| ActionSchema {
                id: action.id,
                input: schema_or_empty(action.input),
                output: schema_or_empty(action.output),
                supports_dry_run: action.supports_dry_run,
            })
    }

    /// The actions of `registry`.
    #[must_use]
    pub fn from_registry(registry: &ActionRegistry) -> Self {
        let mut schemas = Self::new();
        for id in registry.ids() {
            if let Some(action) = registry.get(id) {
                schemas.insert(ActionSchema {
                    id: id.to_owned(),
                    input: action.input_schema(),
                    output: action.output_schema(),
                    supports_dry_run: action.supports_dry_run(),
                });
            }
        }
        schemas
    }

    /// A backend's own list, as `GET /api/scaffolder/v2/actions` returns
    /// it: a JSON array of `{id, description, schema: {input, output}}`.
    ///
    /// # Errors
    ///
    /// [`ActionListError`] when `text` is not such a list.
    pub fn from_backstage_list(text: &str) -> Result<Self, ActionListError> {
        let listed: Vec<Listed> =
            serde_json::from_str(text).map_err(|e| ActionListError(e.to_string()))?;
        let mut schemas = Self::new();
        for action in listed {
            let (input, output) = action.schema.map_or((None, None), |s| (s.input, s.output));
            schemas.insert(ActionSchema {
                id: action.id,
                input: schema_or_empty(input),
                output: schema_or_empty(output),
                supports_dry_run: action.supports_dry_run,
            });
        }
        Ok(schemas)
    }

    /// Adds (or replaces) an action.
    pub fn insert(&mut self, action: ActionSchema) -> &mut Self {
        self.actions.insert(action.id.clone(), action);
        self
    }

    /// An action by id.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&ActionSchema> {
        self.actions.get(id)
    }

    /// Every id, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.actions.keys().map(String::as_str)
    }

    /// The id closest to a misspelt `id`, when one is close.
    #[must_use]
    pub fn closest(&self, id: &str) -> Option<&str> {
        self.ids()
            .map(|known| (strsim::damerau_levenshtein(id, known), known))
            .filter(|(distance, known)| *distance <= (known.len() / 4).max(2))
            .min()
            .map(|(_, known)| known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalog_parses_and_has_the_stock_set() {
        assert_eq!(recorded().len(), 45);
        let stock = ActionSchemas::stock();
        let ids: Vec<&str> = stock.ids().collect();
        assert_eq!(ids.len(), 27);
        for id in [
            "publish:github",
            "publish:github:pull-request",
            "fetch:template",
            "notification:send",
        ] {
            assert!(ids.contains(&id), "{id}");
        }
        assert!(stock.get("publish:gitlab").is_none());
        assert!(ActionSchemas::backstage("publish:gitlab").is_some());
        assert_eq!(stock.closest("publish:githbu"), Some("publish:github"));
        assert_eq!(stock.closest("totally:else"), None);
    }

    /// The embedded catalog is the recorded one reduced to structure:
    /// same actions, stock flags, properties, types and required keys.
    #[test]
    fn the_embedded_catalog_follows_the_recording() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/action-schemas.json"
        );
        let recording: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
        let stock: Vec<&str> = recording["stock"]
            .as_array()
            .expect("stock")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let embedded = recorded();
        let actions = recording["actions"].as_array().expect("actions");
        assert_eq!(actions.len(), embedded.len());
        let shape = |schema: &Value| -> Vec<(String, Value)> {
            let mut out = vec![("required".to_owned(), schema["required"].clone())];
            if let Some(props) = schema["properties"].as_object() {
                for (name, property) in props {
                    out.push((name.clone(), property["type"].clone()));
                }
            }
            out
        };
        for (recorded, ours) in actions.iter().zip(&embedded) {
            let id = recorded["id"].as_str().expect("id");
            assert_eq!(ours.id, id);
            assert_eq!(ours.stock, stock.contains(&id), "{id}");
            let empty = Value::Null;
            for (theirs, mine) in [
                (&recorded["input"], ours.input.as_ref().unwrap_or(&empty)),
                (&recorded["output"], ours.output.as_ref().unwrap_or(&empty)),
            ] {
                assert_eq!(shape(theirs), shape(mine), "{id}");
            }
        }
    }

    #[test]
    fn a_backstage_action_list_is_read() {
        let list = r#"[{"id": "acme:deploy", "description": "d", "schema": {"input": {"type": "object", "required": ["env"]}}},
                      {"id": "bare"}]"#;
        let schemas = ActionSchemas::from_backstage_list(list).expect("list");
        assert_eq!(schemas.ids().collect::<Vec<_>>(), ["acme:deploy", "bare"]);
        assert_eq!(
            schemas.get("acme:deploy").expect("present").input["required"][0],
            "env"
        );
        assert!(ActionSchemas::from_backstage_list("{\"actions\": 1}").is_err());
    }
}
