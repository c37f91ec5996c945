//! How values print in text: JavaScript's `String(value)`, as Nunjucks
//! prints them (`1,2` for arrays, `[object Object]` for objects, nothing
//! for null and undefined, `true` not `True`).

use minijinja::value::{Value, ValueKind};

/// JavaScript's text of a number: integral values without a fraction.
fn js_number(value: &Value) -> String {
    if let Ok(i) = i64::try_from(value.clone()) {
        return i.to_string();
    }
    match f64::try_from(value.clone()) {
        Ok(f) if f.is_nan() => "NaN".to_owned(),
        Ok(f) if f.is_infinite() => if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned(),
        Ok(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
        Ok(f) => f.to_string(),
        Err(_) => value.to_string(),
    }
}

/// `String(value)` in JavaScript, with null and undefined as `""` (as
/// Nunjucks prints them and as `Array.prototype.join` joins them).
pub(crate) fn js_string(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => String::new(),
        ValueKind::Bool => if value.is_true() { "true" } else { "false" }.to_owned(),
        ValueKind::Number => js_number(value),
        ValueKind::String => value.as_str().unwrap_or_default().to_owned(),
        ValueKind::Seq | ValueKind::Iterable => value
            .try_iter()
            .map(|items| items.map(|v| js_string(&v)).collect::<Vec<_>>().join(","))
            .unwrap_or_default(),
        ValueKind::Map => "[object Object]".to_owned(),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javascript_text() {
        let v = |j: serde_json::Value| Value::from(minijinja::value::Serde(j));
        assert_eq!(js_string(&v(serde_json::json!([1, 2]))), "1,2");
        assert_eq!(
            js_string(&v(serde_json::json!([1, null, [2, 3]]))),
            "1,,2,3"
        );
        assert_eq!(
            js_string(&v(serde_json::json!({"a": 1}))),
            "[object Object]"
        );
        assert_eq!(js_string(&v(serde_json::json!(true))), "true");
        assert_eq!(js_string(&v(serde_json::json!(3.0))), "3");
        assert_eq!(js_string(&v(serde_json::json!(3.5))), "3.5");
        assert_eq!(js_string(&Value::UNDEFINED), "");
        assert_eq!(js_string(&Value::from(())), "");
    }
}
