//! Resolving plain scalars to JSON values under the YAML 1.2 core schema (as
//! the `yaml` package Backstage uses reads them) or YAML 1.1 (as Kubernetes
//! tooling reads them).

use serde_json::{Number, Value};

use super::YamlSchema;

/// The JSON value of a plain (unquoted) scalar.
pub(crate) fn resolve_plain(text: &str, schema: YamlSchema) -> Value {
    match schema {
        YamlSchema::Core12 => resolve_core(text),
        YamlSchema::Yaml11 => resolve_yaml11(text),
    }
}

/// The value of a scalar carrying an explicit core tag (`!!int 3`), or `None`
/// when the text does not fit the tag (the caller keeps the string).
pub(crate) fn resolve_tagged(text: &str, suffix: &str, schema: YamlSchema) -> Option<Value> {
    let resolved = match schema {
        YamlSchema::Core12 => resolve_core(text),
        YamlSchema::Yaml11 => resolve_yaml11(text),
    };
    match (suffix, &resolved) {
        ("str", _) => Some(Value::String(text.to_owned())),
        ("null", Value::Null) | ("bool", Value::Bool(_)) | ("int" | "float", Value::Number(_)) => {
            Some(resolved)
        }
        ("float", _) => text.parse::<f64>().ok().map(js_number),
        _ => None,
    }
}

fn resolve_core(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => return Value::Null,
        _ => {}
    }
    let Some(first) = text.bytes().next() else {
        return Value::Null;
    };
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Value::String(text.to_owned());
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return radix_number(hex, 16);
        }
    } else if let Some(oct) = text.strip_prefix("0o")
        && !oct.is_empty()
        && oct.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        return radix_number(oct, 8);
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return decimal_number(text);
    }
    if is_core_float(unsigned)
        && let Ok(v) = text.parse::<f64>()
    {
        return js_number(v);
    }
    Value::String(text.to_owned())
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` with at least a dot or an exponent.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && (!int.is_empty() || !frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok && (mantissa.contains('.') || exponent.is_some())
}

fn resolve_yaml11(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Value::Bool(false);
        }
        _ => {}
    }
    let Some(first) = text.bytes().next() else {
        return Value::Null;
    };
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Value::String(text.to_owned());
    }
    let (negative, unsigned) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let cleaned: String = unsigned.chars().filter(|&c| c != '_').collect();
    let signed = |v: Value| -> Value {
        match (&v, negative) {
            (Value::Number(n), true) => n
                .as_i64()
                .map(|i| Value::from(-i))
                .or_else(|| n.as_f64().map(|f| js_number(-f)))
                .unwrap_or(v),
            _ => v,
        }
    };
    if let Some(hex) = cleaned.strip_prefix("0x")
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return signed(radix_number(hex, 16));
    }
    if let Some(bin) = cleaned.strip_prefix("0b")
        && !bin.is_empty()
        && bin.bytes().all(|b| b == b'0' || b == b'1')
    {
        return signed(radix_number(bin, 2));
    }
    if cleaned.len() > 1
        && cleaned.starts_with('0')
        && cleaned.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        return signed(radix_number(&cleaned[1..], 8));
    }
    if !cleaned.is_empty() && cleaned.bytes().all(|b| b.is_ascii_digit()) {
        return signed(decimal_number(&cleaned));
    }
    match cleaned.as_str() {
        ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN" => return Value::Null,
        _ => {}
    }
    if is_core_float(&cleaned)
        && let Ok(v) = cleaned.parse::<f64>()
    {
        return signed(js_number(v));
    }
    Value::String(text.to_owned())
}

fn radix_number(digits: &str, radix: u32) -> Value {
    match u64::from_str_radix(digits, radix) {
        Ok(v) => Value::Number(v.into()),
        Err(_) => {
            #[allow(clippy::cast_precision_loss)]
            let approx = digits.chars().fold(0f64, |acc, c| {
                acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
            });
            js_number(approx)
        }
    }
}

fn decimal_number(text: &str) -> Value {
    if let Ok(v) = text.parse::<i64>() {
        return Value::Number(v.into());
    }
    if let Ok(v) = text.trim_start_matches('+').parse::<u64>() {
        return Value::Number(v.into());
    }
    text.parse::<f64>()
        .map_or_else(|_| Value::String(text.to_owned()), js_number)
}

/// JavaScript has one number type: integral floats print as integers, and
/// non-finite numbers become `null` in JSON.
pub(crate) fn js_number(v: f64) -> Value {
    const SAFE: f64 = 9_007_199_254_740_991.0;
    if v.is_finite() && v.fract() == 0.0 && v.abs() <= SAFE {
        #[allow(clippy::cast_possible_truncation)]
        return Value::Number(Number::from(v as i64));
    }
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// The string JavaScript makes of a scalar used as a mapping key.
pub(crate) fn key_text(value: Value, raw: &str) -> String {
    match value {
        Value::String(s) => s,
        Value::Null => String::new(),
        Value::Number(_) | Value::Bool(_) => value.to_string(),
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core(s: &str) -> Value {
        resolve_plain(s, YamlSchema::Core12)
    }

    fn y11(s: &str) -> Value {
        resolve_plain(s, YamlSchema::Yaml11)
    }

    #[test]
    fn core_schema() {
        assert_eq!(core("yes"), "yes");
        assert_eq!(core("on"), "on");
        assert_eq!(core("True"), true);
        assert_eq!(core("~"), Value::Null);
        assert_eq!(core("2020-01-01"), "2020-01-01");
        assert_eq!(core("1_000"), "1_000");
        assert_eq!(core("0o17"), 15);
        assert_eq!(core("0x1F"), 31);
        assert_eq!(core("017"), 17);
        assert_eq!(core("-42"), -42);
        assert_eq!(core("1.5"), 1.5);
        assert_eq!(core("1e3"), 1000);
        assert_eq!(core(".5"), 0.5);
        assert_eq!(core("1."), 1);
        assert_eq!(core("."), ".");
        assert_eq!(core("1.2.3"), "1.2.3");
        assert_eq!(core("-"), "-");
        assert_eq!(core(".inf"), Value::Null);
        assert_eq!(core("v1"), "v1");
        assert_eq!(core("99999999999999999999"), 1e20);
    }

    #[test]
    fn yaml11_schema() {
        assert_eq!(y11("yes"), true);
        assert_eq!(y11("Off"), false);
        assert_eq!(y11("1_000"), 1000);
        assert_eq!(y11("0755"), 493);
        assert_eq!(y11("0b101"), 5);
        assert_eq!(y11("-0x10"), -16);
        assert_eq!(y11("2020-01-01"), "2020-01-01");
        assert_eq!(y11("100m"), "100m");
    }

    #[test]
    fn tags_force_types() {
        assert_eq!(
            resolve_tagged("123", "str", YamlSchema::Core12),
            Some(Value::from("123"))
        );
        assert_eq!(
            resolve_tagged("12", "int", YamlSchema::Core12),
            Some(Value::from(12))
        );
        assert_eq!(resolve_tagged("x", "int", YamlSchema::Core12), None);
        assert_eq!(
            resolve_tagged("3", "float", YamlSchema::Core12),
            Some(Value::from(3))
        );
    }

    #[test]
    fn keys_print_like_javascript() {
        assert_eq!(key_text(Value::from(1), "1"), "1");
        assert_eq!(key_text(Value::Bool(true), "true"), "true");
        assert_eq!(key_text(Value::Null, "~"), "");
    }
}
