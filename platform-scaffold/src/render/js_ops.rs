//! JavaScript's `+` and `-`, which Nunjucks compiles to themselves: on
//! undefined, strings and mixed types they give what JavaScript gives
//! (`undefined + "/"` is `"undefined/"`, `undefined - 1` is `NaN`,
//! `"a" + 1` is `"a1"`), where our engine would fail.
//!
//! A `${{ }}` output that is only a chain of plain operands (literals and
//! dotted paths) joined by `+` and `-` is rewritten to the filters
//! `js_plus` and `js_minus`, left to right as JavaScript evaluates it:
//! `a + "/" + b` becomes `a|js_plus("/")|js_plus(b)`. Anything else (calls,
//! filters, other operators) is left to the engine, so precedence never
//! changes.

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

use super::format::js_string;
use super::scan::UNDEFINED_PREFIX;

/// Words that are operators or statements, never the start of a path.
const KEYWORDS: [&str; 9] = [
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "else",
    "recursive",
    "with",
];

/// The chain `body` (a `${{ }}` tag's inside, trim markers included)
/// rewritten to `js_plus`/`js_minus`, or `None` when it is not a chain of
/// plain operands with at least one `+` or `-`.
pub(crate) fn rewrite_chain(body: &str) -> Option<String> {
    let (lead, inner, trail) = split_markers(body);
    let mut parser = Chain { text: inner, at: 0 };
    parser.skip_space();
    let first = parser.operand()?;
    let mut out = first;
    let mut operators = 0;
    loop {
        parser.skip_space();
        if parser.at == inner.len() {
            break;
        }
        let filter = match inner.as_bytes()[parser.at] {
            b'+' => "js_plus",
            b'-' => "js_minus",
            _ => return None,
        };
        parser.at += 1;
        parser.skip_space();
        let operand = parser.operand()?;
        out = format!("{out}|{filter}({operand})");
        operators += 1;
    }
    (operators > 0).then(|| format!("{lead} {out} {trail}"))
}

/// The whitespace-control markers right inside `${{` and `}}`, and the
/// text between them.
fn split_markers(body: &str) -> (&str, &str, &str) {
    let lead = if body.starts_with(['-', '+']) { 1 } else { 0 };
    let trail = if body.len() > lead && body.ends_with(['-', '+']) {
        1
    } else {
        0
    };
    (
        &body[..lead],
        &body[lead..body.len() - trail],
        &body[body.len() - trail..],
    )
}

/// A cursor over one chain.
struct Chain<'a> {
    text: &'a str,
    at: usize,
}

impl Chain<'_> {
    fn skip_space(&mut self) {
        while self
            .text
            .as_bytes()
            .get(self.at)
            .is_some_and(u8::is_ascii_whitespace)
        {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// One plain operand, as the engine should read it.
    fn operand(&mut self) -> Option<String> {
        match self.peek()? {
            b'"' | b'\'' => self.string(),
            b'0'..=b'9' => Some(self.number()),
            b if b.is_ascii_alphabetic() || b == b'_' => self.path(),
            _ => None,
        }
    }

    fn string(&mut self) -> Option<String> {
        let bytes = self.text.as_bytes();
        let quote = bytes[self.at];
        let start = self.at;
        let mut i = self.at + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b if b == quote => {
                    self.at = i + 1;
                    return Some(self.text[start..self.at].to_owned());
                }
                _ => i += 1,
            }
        }
        None
    }

    fn number(&mut self) -> String {
        let start = self.at;
        let bytes = self.text.as_bytes();
        while bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        if bytes.get(self.at) == Some(&b'.')
            && bytes.get(self.at + 1).is_some_and(u8::is_ascii_digit)
        {
            self.at += 1;
            while bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
                self.at += 1;
            }
        }
        self.text[start..self.at].to_owned()
    }

    fn word(&mut self) -> Option<&str> {
        let start = self.at;
        let bytes = self.text.as_bytes();
        if !bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            return None;
        }
        while bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            self.at += 1;
        }
        Some(&self.text[start..self.at])
    }

    /// A name with `.name` and `[literal]` steps; `.length` as
    /// `|js_length`, `True`/`False`/`None` as the undefined names they are
    /// in Nunjucks.
    fn path(&mut self) -> Option<String> {
        let head = self.word()?;
        if KEYWORDS.contains(&head) {
            return None;
        }
        let mut out = match head {
            "True" | "False" | "None" => format!("{UNDEFINED_PREFIX}{head}"),
            _ => head.to_owned(),
        };
        loop {
            match self.peek() {
                Some(b'.') => {
                    self.at += 1;
                    let name = self.word()?;
                    if name == "length" {
                        out = format!("({out}|js_length)");
                    } else {
                        out.push('.');
                        out.push_str(name);
                    }
                }
                Some(b'[') => {
                    self.at += 1;
                    self.skip_space();
                    let key = match self.peek()? {
                        b'"' | b'\'' => self.string()?,
                        b'0'..=b'9' => self.number(),
                        _ => return None,
                    };
                    self.skip_space();
                    if self.peek()? != b']' {
                        return None;
                    }
                    self.at += 1;
                    out = format!("{out}[{key}]");
                }
                // A call or anything else glued to the name: not plain.
                Some(b'(' | b'|') => return None,
                _ => return Some(out),
            }
        }
    }
}

/// JavaScript's primitive of a value, as `+` and `-` see it: arrays and
/// objects become their text.
fn primitive(value: &Value) -> Value {
    match value.kind() {
        ValueKind::Seq | ValueKind::Iterable | ValueKind::Map => Value::from(js_string(value)),
        _ => value.clone(),
    }
}

/// JavaScript's `String(x)` of a primitive, `undefined` and `null` included.
fn to_text(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined => "undefined".to_owned(),
        ValueKind::None => "null".to_owned(),
        _ => js_string(value),
    }
}

/// A JavaScript number: integral while it fits, else a float.
#[derive(Clone, Copy)]
enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    fn float(self) -> f64 {
        match self {
            // Exact for the integers JavaScript can hold.
            #[allow(clippy::cast_precision_loss)]
            Self::Int(i) => i as f64,
            Self::Float(f) => f,
        }
    }

    fn value(self) -> Value {
        match self {
            Self::Int(i) => Value::from(i),
            Self::Float(f) => Value::from(f),
        }
    }
}

/// JavaScript's `Number(x)` of a primitive.
fn to_number(value: &Value) -> Number {
    match value.kind() {
        ValueKind::Undefined => Number::Float(f64::NAN),
        ValueKind::None => Number::Int(0),
        ValueKind::Bool => Number::Int(i64::from(value.is_true())),
        ValueKind::Number => i64::try_from(value.clone()).map_or_else(
            |_| Number::Float(f64::try_from(value.clone()).unwrap_or(f64::NAN)),
            Number::Int,
        ),
        ValueKind::String => string_to_number(value.as_str().unwrap_or_default()),
        _ => Number::Float(f64::NAN),
    }
}

/// JavaScript's `Number("…")`: blank is 0, decimal, `0x`/`0o`/`0b` and
/// `Infinity` forms, anything else `NaN`.
fn string_to_number(text: &str) -> Number {
    let text = text.trim();
    if text.is_empty() {
        return Number::Int(0);
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(digits) = text.strip_prefix(prefix) {
            return i64::from_str_radix(digits, radix).map_or(Number::Float(f64::NAN), Number::Int);
        }
    }
    let unsigned = text.trim_start_matches(['+', '-']);
    let negative = text.starts_with('-');
    if unsigned == "Infinity" && text.len() - unsigned.len() <= 1 {
        return Number::Float(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    let plain = !unsigned.is_empty()
        && text.len() - unsigned.len() <= 1
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if !plain {
        return Number::Float(f64::NAN);
    }
    if let Ok(i) = text.parse::<i64>() {
        return Number::Int(i);
    }
    text.parse::<f64>()
        .map_or(Number::Float(f64::NAN), Number::Float)
}

fn arithmetic(
    a: Number,
    b: Number,
    int: fn(i64, i64) -> Option<i64>,
    float: fn(f64, f64) -> f64,
) -> Value {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => int(x, y).map_or_else(
            || Number::Float(float(Number::Int(x).float(), Number::Int(y).float())),
            Number::Int,
        ),
        _ => Number::Float(float(a.float(), b.float())),
    }
    .value()
}

fn undefined_in_strict(strict: bool, a: &Value, b: &Value, operator: char) -> Result<(), Error> {
    if strict && (a.is_undefined() || b.is_undefined()) {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            format!("`{operator}` on an undefined value"),
        ));
    }
    Ok(())
}

/// JavaScript's `a + b` (strict mode: an undefined operand is an error).
pub(crate) fn plus(a: &Value, b: &Value, strict: bool, max_output: usize) -> Result<Value, Error> {
    undefined_in_strict(strict, a, b, '+')?;
    let (a, b) = (primitive(a), primitive(b));
    if a.kind() == ValueKind::String || b.kind() == ValueKind::String {
        let (left, right) = (to_text(&a), to_text(&b));
        if left.len().saturating_add(right.len()) > max_output {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("`+` would build more than {max_output} bytes"),
            ));
        }
        return Ok(Value::from(left + &right));
    }
    Ok(arithmetic(
        to_number(&a),
        to_number(&b),
        i64::checked_add,
        |x, y| x + y,
    ))
}

/// JavaScript's `a - b` (strict mode: an undefined operand is an error).
pub(crate) fn minus(a: &Value, b: &Value, strict: bool) -> Result<Value, Error> {
    undefined_in_strict(strict, a, b, '-')?;
    let (a, b) = (primitive(a), primitive(b));
    Ok(arithmetic(
        to_number(&a),
        to_number(&b),
        i64::checked_sub,
        |x, y| x - y,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: serde_json::Value) -> Value {
        Value::from(minijinja::value::Serde(json))
    }

    #[test]
    fn chains_of_plain_operands_are_rewritten() {
        assert_eq!(
            rewrite_chain(" a.b + \"/\" + a['c'] ").as_deref(),
            Some(" a.b|js_plus(\"/\")|js_plus(a['c']) ")
        );
        assert_eq!(
            rewrite_chain("- x - 1 -").as_deref(),
            Some("- x|js_minus(1) -")
        );
        assert_eq!(
            rewrite_chain(" xs.length + 1 ").as_deref(),
            Some(" (xs|js_length)|js_plus(1) ")
        );
        for kept in [
            " a ",
            " a | upper + 1 ",
            " f(a) + 1 ",
            " a * 2 + 1 ",
            " a + ",
            " a and b ",
            " -1 + a ",
            " a + 'unclosed ",
            " 'x' if a + b ",
        ] {
            assert_eq!(rewrite_chain(kept), None, "{kept:?}");
        }
    }

    #[test]
    fn javascript_plus_and_minus() {
        let undefined = Value::UNDEFINED;
        let text = |a: &Value, b: &Value| js_string(&plus(a, b, false, 100).expect("plus"));
        assert_eq!(text(&undefined, &Value::from("/")), "undefined/");
        assert_eq!(text(&Value::from("a"), &Value::from(1)), "a1");
        assert_eq!(text(&Value::from(()), &Value::from("x")), "nullx");
        assert_eq!(
            text(&v(serde_json::json!([1, 2])), &Value::from("x")),
            "1,2x"
        );
        assert_eq!(
            text(&v(serde_json::json!({"a": 1})), &Value::from(1)),
            "[object Object]1"
        );
        assert_eq!(text(&Value::from(1), &Value::from(2)), "3");
        assert_eq!(text(&Value::from(true), &Value::from(2)), "3");
        assert_eq!(text(&Value::from(0.5), &Value::from(1)), "1.5");
        assert_eq!(text(&Value::from(1), &undefined), "NaN");
        // Past i64, a float (no overflow panic).
        assert!(plus(&Value::from(i64::MAX), &Value::from(1), false, 100).is_ok());
        let minus_text = |a: &Value, b: &Value| js_string(&minus(a, b, false).expect("minus"));
        assert_eq!(minus_text(&undefined, &Value::from(1)), "NaN");
        assert_eq!(minus_text(&Value::from(" 10 "), &Value::from(1)), "9");
        assert_eq!(minus_text(&Value::from(""), &Value::from(1)), "-1");
        assert_eq!(minus_text(&Value::from("0x10"), &Value::from(1)), "15");
        assert_eq!(minus_text(&Value::from("1e3"), &Value::from(1)), "999");
        assert_eq!(minus_text(&Value::from("abc"), &Value::from(1)), "NaN");
        assert_eq!(
            minus_text(&Value::from("-Infinity"), &Value::from(1)),
            "-Infinity"
        );
        assert!(plus(&undefined, &Value::from(1), true, 100).is_err());
        assert!(minus(&Value::from(1), &undefined, true).is_err());
        assert!(plus(&Value::from("aaaa"), &Value::from("bbbb"), false, 5).is_err());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use crate::render::{RenderOptions, Renderer};

    proptest! {
        /// A chain of integers and `+`/`-` renders what JavaScript computes,
        /// and a string anywhere before an operator concatenates from there.
        #[test]
        fn integer_chains_follow_javascript(first in -1000i64..1000, rest in proptest::collection::vec((any::<bool>(), 0i64..1000), 0..8)) {
            let mut source = format!("${{{{ {} ", first.abs());
            let mut expected = first.abs();
            for (plus, n) in &rest {
                source.push_str(if *plus { "+ " } else { "- " });
                source.push_str(&format!("{n} "));
                expected = if *plus { expected + n } else { expected - n };
            }
            source.push_str("}}");
            let mut renderer = Renderer::new(RenderOptions::default());
            let context = Renderer::context(&serde_json::json!({}));
            let got = renderer.render_string(&source, &context).expect("lenient");
            prop_assert_eq!(got, Some(serde_json::json!(expected)), "{}", source);
        }

        #[test]
        fn undefined_in_a_text_chain_prints_as_javascript_does(prefix in "[a-z]{0,5}", n in 0i64..100) {
            let source = format!("{prefix}${{{{ parameters.gone + \"-\" + {n} }}}}");
            let mut renderer = Renderer::new(RenderOptions::default());
            let context = Renderer::context(&serde_json::json!({"parameters": {}}));
            let got = renderer.render_string(&source, &context).expect("lenient");
            prop_assert_eq!(got, Some(serde_json::json!(format!("{prefix}undefined-{n}"))));
        }
    }
}
