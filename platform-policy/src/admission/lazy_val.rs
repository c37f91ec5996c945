//! CEL maps and lists over JSON, built one level at a time when first read
//! and shared behind an `Arc`.
//!
//! Converting a whole Kubernetes object (env, probes, volumes…) for every
//! policy that matches it, and letting the `cel` crate deep-copy every
//! element a comprehension visits, were most of an admission policy's
//! cost. A [`LazyMap`] or [`LazyList`] holds a borrow of its JSON and, once
//! something reads it, the crate's own map or list of its children (which
//! are lazy in turn). Every accessor hands the interpreter that built value,
//! so types, indexing, `in`, `size()`, iteration, equality, `+`, overloads
//! and conversions behave exactly as for the crate's map and list; a copy is
//! a reference count and shares what was built.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use cel::common::traits::{Adder, Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{CelList, CelMap, CelMapKey, CelString, Type};
use cel::common::value::{Builtin, BuiltinRef, Val};
use serde_json::{Map, Value};

use super::json_val::json_val;

/// A JSON object as a CEL `map`, its entries built when first read.
#[derive(Debug, Clone)]
pub(crate) struct LazyMap<'j> {
    json: &'j Map<String, Value>,
    built: Arc<OnceLock<CelMap<'j>>>,
}

impl<'j> LazyMap<'j> {
    /// The map of `json`, nothing built yet.
    pub(crate) fn new(json: &'j Map<String, Value>) -> Self {
        LazyMap {
            json,
            built: Arc::default(),
        }
    }

    fn built(&self) -> &CelMap<'j> {
        self.built.get_or_init(|| build_map(self.json))
    }

    fn into_built(self) -> CelMap<'j> {
        match Arc::try_unwrap(self.built)
            .ok()
            .and_then(OnceLock::into_inner)
        {
            Some(built) => built,
            None => build_map(self.json),
        }
    }
}

fn build_map(json: &Map<String, Value>) -> CelMap<'_> {
    let mut map: HashMap<CelMapKey<'_>, Box<dyn Val + '_>> = HashMap::with_capacity(json.len());
    for (key, field) in json {
        map.insert(
            CelMapKey::String(CelString::from(key.as_str())),
            json_val(field),
        );
    }
    CelMap::from(map)
}

/// A JSON array as a CEL `list`, its elements built when first read.
#[derive(Debug, Clone)]
pub(crate) struct LazyList<'j> {
    json: &'j [Value],
    built: Arc<OnceLock<CelList<'j>>>,
}

impl<'j> LazyList<'j> {
    /// The list of `json`, nothing built yet.
    pub(crate) fn new(json: &'j [Value]) -> Self {
        LazyList {
            json,
            built: Arc::default(),
        }
    }

    fn built(&self) -> &CelList<'j> {
        self.built.get_or_init(|| build_list(self.json))
    }

    fn into_built(self) -> CelList<'j> {
        match Arc::try_unwrap(self.built)
            .ok()
            .and_then(OnceLock::into_inner)
        {
            Some(built) => built,
            None => build_list(self.json),
        }
    }
}

fn build_list(json: &[Value]) -> CelList<'_> {
    CelList::from(json.iter().map(json_val).collect::<Vec<_>>())
}

/// The accessors both lazy types hand to their built value.
macro_rules! delegate_to_built {
    () => {
        fn as_container(&self) -> Option<&dyn Container> {
            self.built().as_container()
        }

        fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
        where
            Self: 'w,
        {
            self.built().as_indexer()
        }

        fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
        where
            Self: 'w,
        {
            self.built().as_iterable()
        }

        fn as_sizer(&self) -> Option<&dyn Sizer> {
            self.built().as_sizer()
        }

        fn as_zeroer(&self) -> Option<&dyn Zeroer> {
            self.built().as_zeroer()
        }

        fn equals(&self, other: &dyn Val) -> bool {
            self.built().equals(other)
        }

        fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
        where
            Self: 'w,
        {
            Box::new(self.clone())
        }

        fn as_builtin<'b, 'w>(&'b self) -> BuiltinRef<'b, 'w>
        where
            Self: 'w,
        {
            self.built().as_builtin()
        }
    };
}

impl<'j> Val for LazyMap<'j> {
    fn get_type(&self) -> &Type {
        <CelMap as Val>::cel_type()
    }

    fn cel_type() -> &'static Type {
        <CelMap as Val>::cel_type()
    }

    delegate_to_built!();

    fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn Indexer + 'w>>
    where
        Self: 'w,
    {
        Box::new(self.into_built()).into_indexer()
    }

    fn into_builtin<'w>(self: Box<Self>) -> Option<Builtin<'w>>
    where
        Self: 'w,
    {
        Some(Builtin::Map(self.into_built()))
    }
}

impl<'j> Val for LazyList<'j> {
    fn get_type(&self) -> &Type {
        <CelList as Val>::cel_type()
    }

    fn cel_type() -> &'static Type {
        <CelList as Val>::cel_type()
    }

    delegate_to_built!();

    fn as_adder<'b, 'w>(&'b self) -> Option<&'b (dyn Adder + 'w)>
    where
        Self: 'w,
    {
        self.built().as_adder()
    }

    fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn Indexer + 'w>>
    where
        Self: 'w,
    {
        Box::new(self.into_built()).into_indexer()
    }

    fn into_builtin<'w>(self: Box<Self>) -> Option<Builtin<'w>>
    where
        Self: 'w,
    {
        Some(Builtin::List(self.into_built()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::json_val::json_val;
    use super::LazyMap;
    use cel::{Context, Program, Value};
    use serde_json::json;

    fn containers() -> serde_json::Value {
        json!({"cs": [
            {"name": "app", "ports": [{"containerPort": 8080}]},
            {"name": "proxy", "ports": [{"containerPort": 22}]},
        ]})
    }

    fn eval(expression: &str) -> Value {
        let json = containers();
        let program = Program::compile(expression).expect("compiles");
        let mut context = Context::default();
        context.add_variable_as_val("o", json_val(&json));
        program.execute(&context).expect("runs")
    }

    #[test]
    fn lazy_values_behave_as_maps_and_lists() {
        let cases = [
            ("o.cs.all(c, has(c.name))", Value::Bool(true)),
            (
                "o.cs.exists(c, c.ports.exists(p, p.containerPort == 22))",
                Value::Bool(true),
            ),
            ("o.cs.map(c, c.name)", Value::from(vec!["app", "proxy"])),
            ("size(o.cs) + size(o.cs[0])", Value::Int(4)),
            (
                "'name' in o.cs[1] && !('image' in o.cs[1])",
                Value::Bool(true),
            ),
            (
                "o.cs[0] == o.cs[0] && o.cs[0] != o.cs[1]",
                Value::Bool(true),
            ),
            (
                "o.cs[0].ports == [{'containerPort': 8080}]",
                Value::Bool(true),
            ),
            (
                "[{'containerPort': 8080}] == o.cs[0].ports",
                Value::Bool(true),
            ),
            (
                "{'name': 'app', 'ports': [{'containerPort': 8080}]} == o.cs[0]",
                Value::Bool(true),
            ),
            (
                "size(o.cs + o.cs) == 4 && size([1] + o.cs) == 3",
                Value::Bool(true),
            ),
            (
                "type(o.cs) == list && type(o.cs[0]) == map",
                Value::Bool(true),
            ),
            (
                "o.cs.filter(c, c.name == 'proxy')[0].ports[0].containerPort",
                Value::Int(22),
            ),
            ("o.cs.exists_one(c, c.name == 'app')", Value::Bool(true)),
            ("has(o.missing) || has(o.cs[0].image)", Value::Bool(false)),
            (
                "o.cs[1].ports",
                Value::from(vec![Value::from(std::collections::HashMap::from([(
                    "containerPort",
                    Value::Int(22),
                )]))]),
            ),
        ];
        for (expression, expected) in cases {
            assert_eq!(eval(expression), expected, "{expression}");
        }
    }

    #[test]
    fn a_lazy_map_converts_to_a_plain_value_and_builds_only_what_is_read() {
        let Value::Map(map) = eval("o.cs[1]") else {
            panic!("not a map")
        };
        assert_eq!(map.map.len(), 2);

        let json = containers();
        let fields = json.as_object().expect("an object");
        let lazy = LazyMap::new(fields);
        assert!(lazy.built.get().is_none(), "nothing built before a read");
        let copy = lazy.clone();
        let _ = copy.built();
        assert!(lazy.built.get().is_some(), "copies share what is built");
    }
}
