//! JSON values as CEL values, as the API server gives objects to admission
//! expressions: integers are `int` (`uint` only above `int`'s range),
//! other numbers `double`, objects maps with string keys.
//!
//! Converted directly rather than through `cel::to_value`: serde's path
//! made every non-negative integer a `uint`, so `object.spec.replicas + 1`
//! had no overload, and it copied every string twice. Strings are borrowed
//! from the JSON; maps and lists are built lazily, one level when first
//! touched, and shared ([`super::lazy_val`]): an expression pays for the
//! part of the object it reads, and the copies the interpreter makes of
//! them cost a reference count.

use cel::common::types::{CelBool, CelDouble, CelInt, CelNull, CelString, CelUInt};
use cel::common::value::Val;
use serde_json::Value;

use super::lazy_val::{LazyList, LazyMap};

/// `value` as a CEL value borrowing its strings.
pub(crate) fn json_val(value: &Value) -> Box<dyn Val + '_> {
    match value {
        Value::Null => Box::new(CelNull),
        Value::Bool(b) => Box::new(CelBool::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Box::new(CelInt::from(i))
            } else if let Some(u) = n.as_u64() {
                Box::new(CelUInt::from(u))
            } else {
                Box::new(CelDouble::from(n.as_f64().unwrap_or(f64::NAN)))
            }
        }
        Value::String(s) => Box::new(CelString::from(s.as_str())),
        Value::Array(items) => Box::new(LazyList::new(items)),
        Value::Object(fields) => Box::new(LazyMap::new(fields)),
    }
}

#[cfg(test)]
mod tests {
    use super::json_val;
    use cel::{Context, Program, Value as CelValue};
    use serde_json::json;

    fn eval(expression: &str, object: &serde_json::Value) -> CelValue {
        let program = Program::compile(expression).expect("compiles");
        let mut context = Context::default();
        context.add_variable_as_val("object", json_val(object));
        program.execute(&context).expect("runs")
    }

    #[test]
    fn integers_are_ints_and_strings_maps_and_lists_keep_their_shape() {
        let object = json!({
            "spec": {"replicas": 3, "ratio": 0.5, "big": u64::MAX, "neg": -2},
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "items": [1, "two", null, true],
        });
        for (expression, expected) in [
            ("object.spec.replicas + 1 == 4", true),
            ("type(object.spec.replicas) == int", true),
            ("type(object.spec.neg) == int", true),
            ("type(object.spec.big) == uint", true),
            ("type(object.spec.ratio) == double", true),
            ("object.metadata.name.startsWith('w')", true),
            ("object.metadata.labels['app'] == 'web'", true),
            ("size(object.items) == 4 && object.items[2] == null", true),
            ("object.items[3]", true),
            ("'spec' in object && !('status' in object)", true),
        ] {
            assert_eq!(
                eval(expression, &object),
                CelValue::Bool(expected),
                "{expression}"
            );
        }
    }
}
