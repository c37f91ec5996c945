//! Backstage's template filters (`parseRepoUrl`, `projectSlug`,
//! `parseEntityRef`, `pick`) and the Nunjucks built-ins MiniJinja lacks
//! (`dump`, `truncate`, `wordcount`, `center`, `striptags`, `nl2br`), plus
//! JavaScript's string and array methods that templates call.

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Error, ErrorKind};
use platform_model::EntityRef;
use serde::Serialize;

use super::Integration;

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// A JSON value from a template value (`None` for undefined).
pub(crate) fn to_json(value: &Value) -> Option<serde_json::Value> {
    if value.is_undefined() {
        return None;
    }
    serde_json::to_value(value).ok()
}

/// Nunjucks' `dump`: `JSON.stringify(value, null, indent)`.
pub(crate) fn dump(value: &Value, indent: Option<Value>) -> Result<Value, Error> {
    let Some(json) = to_json(value) else {
        return Ok(Value::UNDEFINED);
    };
    let width = indent.and_then(|i| i64::try_from(i).ok()).unwrap_or(0);
    let text = if width > 0 {
        let pad = " ".repeat(usize::try_from(width.min(10)).unwrap_or(0));
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(pad.as_bytes());
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        json.serialize(&mut serializer)
            .map_err(|e| invalid(e.to_string()))?;
        String::from_utf8(out).map_err(|e| invalid(e.to_string()))?
    } else {
        serde_json::to_string(&json).map_err(|e| invalid(e.to_string()))?
    };
    Ok(Value::from(text))
}

/// The parts of a `RepoUrlPicker` value (`host?owner=o&repo=r`).
pub(crate) fn parse_repo_url(
    text: &str,
    integrations: &[Integration],
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let url = url::Url::parse(&format!("https://{text}"))
        .map_err(|_| format!("Invalid repo URL passed to publisher, got {text}"))?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let kind = integrations
        .iter()
        .find(|i| i.host.eq_ignore_ascii_case(&host))
        .map(|i| i.kind.as_str())
        .ok_or_else(|| format!("No matching integration configuration for host {host}, please check your integrations config"))?;
    let mut parts = serde_json::Map::new();
    parts.insert("host".into(), serde_json::Value::String(host));
    for key in ["owner", "organization", "workspace", "project", "repo"] {
        if let Some((_, value)) = url.query_pairs().find(|(k, _)| k == key) {
            let value = value.trim_matches('/');
            if !value.is_empty() {
                parts.insert(key.into(), serde_json::Value::String(value.to_owned()));
            }
        }
    }
    let required: &[&str] = match kind {
        "bitbucketCloud" => &["workspace", "project", "repo"],
        "bitbucketServer" | "azure" => &["project", "repo"],
        "gitlab" if parts.contains_key("project") => &[],
        "gitlab" => &["owner", "repo"],
        "gitea" | "gerrit" => &["repo"],
        _ => &["repo", "owner"],
    };
    for key in required {
        if !parts.contains_key(*key) {
            return Err(format!(
                "Invalid repo URL passed to publisher: {text}, missing {key}"
            ));
        }
    }
    Ok(parts)
}

/// `parseEntityRef`: `kind:namespace/name`, case kept; `defaultKind` and
/// `defaultNamespace` through keyword arguments or a trailing object.
pub(crate) fn parse_entity_ref(
    value: &Value,
    options: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let option = |name: &str| -> Option<String> {
        kwargs
            .get::<Option<String>>(name)
            .ok()
            .flatten()
            .or_else(|| {
                options
                    .as_ref()
                    .and_then(|o| o.get_attr(name).ok())
                    .and_then(|v| v.as_str().map(str::to_owned))
            })
    };
    let default_kind = option("defaultKind");
    let default_namespace = option("defaultNamespace").unwrap_or_else(|| "default".to_owned());
    let _ = kwargs.assert_all_used();
    let reference = match value.kind() {
        ValueKind::String => EntityRef::parse_with(
            value.as_str().unwrap_or_default(),
            default_kind.as_deref(),
            &default_namespace,
        )
        .map_err(|e| invalid(e.to_string()))?,
        ValueKind::Map => {
            let part = |k: &str| {
                value
                    .get_attr(k)
                    .ok()
                    .filter(|v| !v.is_undefined() && !v.is_none())
                    .map(|v| v.to_string())
            };
            let kind = part("kind")
                .or(default_kind)
                .ok_or_else(|| invalid("Entity reference had missing or empty kind"))?;
            let name = part("name")
                .ok_or_else(|| invalid("Entity reference had missing or empty name"))?;
            EntityRef::new(kind, part("namespace").unwrap_or(default_namespace), name)
        }
        _ => return Err(invalid("Entity reference must not be empty")),
    };
    Ok(Value::from(minijinja::value::Serde(serde_json::json!({
        "kind": reference.kind(),
        "namespace": reference.namespace(),
        "name": reference.name(),
    }))))
}

/// lodash `get`: `a.b[1].c`; missing gives undefined.
pub(crate) fn pick(value: &Value, path: &str) -> Value {
    let mut current = value.clone();
    for token in path.split(['.', '[', ']']).filter(|t| !t.is_empty()) {
        let token = token.trim_matches(|c| c == '"' || c == '\'');
        let next = match current.kind() {
            ValueKind::Seq => token
                .parse::<usize>()
                .ok()
                .and_then(|i| current.get_item_by_index(i).ok()),
            _ => current.get_attr(token).ok(),
        };
        match next {
            Some(v) if !v.is_undefined() => current = v,
            _ => return Value::UNDEFINED,
        }
    }
    current
}

/// Refuses a value of `len` bytes when it is over `max`: checked before
/// the value is built, so that a filter argument cannot make the engine
/// allocate without bound.
pub(crate) fn ensure_len(len: Option<usize>, max: usize) -> Result<(), Error> {
    match len {
        Some(len) if len <= max => Ok(()),
        _ => Err(invalid(format!(
            "the value would be larger than {max} bytes (the output limit)"
        ))),
    }
}

/// JavaScript's `.length`: UTF-16 units of a string, items of an array,
/// the `length` key of an object (undefined without one), undefined
/// otherwise.
pub(crate) fn js_length(value: &Value) -> Value {
    match value.kind() {
        ValueKind::String => Value::from(value.as_str().unwrap_or_default().encode_utf16().count()),
        ValueKind::Seq => value.len().map_or(Value::UNDEFINED, Value::from),
        ValueKind::Map => value.get_attr("length").unwrap_or(Value::UNDEFINED),
        _ => Value::UNDEFINED,
    }
}

/// Nunjucks' `title`: each space-separated word with its first character
/// upper-cased and the rest lower-cased (`docs-site` is `Docs-site`).
pub(crate) fn title(value: &Value) -> String {
    super::format::js_string(value)
        .split(' ')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// Nunjucks' `string`: JavaScript's `toString()`, which undefined and null
/// do not have (the whole template then passes through raw).
pub(crate) fn string(value: &Value) -> Result<String, Error> {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => Err(invalid(
            "Filter \"string\" failed for undefined input: string requires a value",
        )),
        _ => Ok(super::format::js_string(value)),
    }
}

/// Nunjucks' `join(delimiter="", attribute)`: items as JavaScript joins
/// them; undefined has nothing to join. The result may not grow past `max`
/// bytes.
pub(crate) fn join(
    value: &Value,
    delimiter: Option<String>,
    attribute: Option<String>,
    max: usize,
) -> Result<String, Error> {
    let delimiter = delimiter.unwrap_or_default();
    let parts: Vec<String> = match value.kind() {
        ValueKind::Seq | ValueKind::Iterable => value
            .try_iter()
            .map_err(|e| invalid(e.to_string()))?
            .map(|item| match &attribute {
                Some(attr) => item.get_attr(attr).unwrap_or(Value::UNDEFINED),
                None => item,
            })
            .map(|item| super::format::js_string(&item))
            .collect(),
        ValueKind::String => value
            .as_str()
            .unwrap_or_default()
            .chars()
            .map(String::from)
            .collect(),
        _ => return Err(invalid("Filter \"join\" failed: join requires an array")),
    };
    // Bounded before the text is built.
    let size = parts
        .iter()
        .try_fold(0usize, |total, part| total.checked_add(part.len()));
    let separators = delimiter.len().checked_mul(parts.len().saturating_sub(1));
    ensure_len(
        size.zip(separators).and_then(|(a, b)| a.checked_add(b)),
        max,
    )?;
    Ok(parts.join(&delimiter))
}

/// Nunjucks' `trim`: JavaScript's whitespace off both ends of a string.
pub(crate) fn trim(value: &Value) -> Result<String, Error> {
    match value.as_str() {
        Some(text) => Ok(text
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
            .to_owned()),
        None => Err(invalid(
            "Filter \"trim\" failed: Filter input must be a string",
        )),
    }
}

/// Nunjucks' `round(precision=0, method="common")`: JavaScript's
/// `Math.round` (halves up: 2.5 is 3, -2.5 is -2), `ceil` or `floor` of the
/// value scaled by `10^precision`; a whole result is an integer.
pub(crate) fn round(value: f64, precision: Option<i32>, method: Option<String>) -> Value {
    let factor = 10f64.powi(precision.unwrap_or(0).clamp(-300, 300));
    let scaled = value * factor;
    let rounded = match method.as_deref() {
        Some("ceil") => scaled.ceil(),
        Some("floor") => scaled.floor(),
        _ => (scaled + 0.5).floor(),
    } / factor;
    if rounded.fract() == 0.0 && rounded.abs() < 9.0e15 {
        // Exact: |rounded| is below 2^53.
        #[allow(clippy::cast_possible_truncation)]
        return Value::from(rounded as i64);
    }
    Value::from(rounded)
}

/// Nunjucks' `truncate(length=255, killwords=false, end="...")`.
pub(crate) fn truncate(
    text: &str,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<String>,
    max: usize,
) -> Result<String, Error> {
    let length = length.unwrap_or(255);
    if text.chars().count() <= length {
        return Ok(text.to_owned());
    }
    let end = end.unwrap_or_else(|| "...".to_owned());
    ensure_len(text.len().checked_add(end.len()), max)?;
    let cut: String = text.chars().take(length).collect();
    if killwords.unwrap_or(false) {
        return Ok(cut + &end);
    }
    // JavaScript's `lastIndexOf(' ', length)`: a space at most at index
    // `length`, so the word ending there is kept.
    let upto: String = text.chars().take(length + 1).collect();
    let kept = upto.rfind(' ').map_or(cut.as_str(), |i| &upto[..i]);
    Ok(format!("{kept}{end}"))
}

/// Nunjucks' `wordcount`.
pub(crate) fn wordcount(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Nunjucks' `center(width=80)`.
pub(crate) fn center(text: &str, width: Option<usize>, max: usize) -> Result<String, Error> {
    let width = width.unwrap_or(80);
    let len = text.chars().count();
    if len >= width {
        return Ok(text.to_owned());
    }
    let left = (width - len) / 2;
    let right = width - len - left;
    ensure_len(text.len().checked_add(width - len), max)?;
    Ok(format!("{}{text}{}", " ".repeat(left), " ".repeat(right)))
}

/// Nunjucks' `forceescape`.
pub(crate) fn forceescape(text: &str, max: usize) -> Result<String, Error> {
    ensure_len(text.len().checked_mul(6), max.max(text.len()))?;
    Ok(text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;"))
}

/// Nunjucks' `striptags`: tags removed, whitespace collapsed.
pub(crate) fn striptags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Nunjucks' `nl2br`.
pub(crate) fn nl2br(text: &str, max: usize) -> Result<String, Error> {
    let lines = text.bytes().filter(|b| *b == b'\n').count();
    ensure_len(
        lines.checked_mul(6).and_then(|n| n.checked_add(text.len())),
        max,
    )?;
    Ok(text.replace("\r\n", "<br />\n").replace('\n', "<br />\n"))
}

/// `length` that, as in Nunjucks, is 0 for undefined and null.
pub(crate) fn length(value: &Value) -> Result<usize, Error> {
    if value.is_undefined() || value.is_none() {
        return Ok(0);
    }
    if let Some(s) = value.as_str() {
        return Ok(s.chars().count());
    }
    value
        .len()
        .ok_or_else(|| invalid(format!("cannot take the length of {}", value.kind())))
}

/// JavaScript methods on strings and arrays that templates call
/// (`name.toUpperCase()`, `list.includes(x)`), as a closed set.
pub(crate) fn js_method(
    value: &Value,
    method: &str,
    args: &[Value],
    max: usize,
) -> Result<Value, Error> {
    let arg_str = |i: usize| {
        args.get(i)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let arg_int = |i: usize| args.get(i).and_then(|v| i64::try_from(v.clone()).ok());
    if let Some(s) = value.as_str() {
        let chars: Vec<char> = s.chars().collect();
        let index = |n: i64| -> usize {
            let len = chars.len() as i64;
            (if n < 0 { (len + n).max(0) } else { n.min(len) }) as usize
        };
        return Ok(match method {
            "toUpperCase" | "toLocaleUpperCase" => Value::from(s.to_uppercase()),
            "toLowerCase" | "toLocaleLowerCase" => Value::from(s.to_lowercase()),
            "trim" => Value::from(s.trim()),
            "trimStart" => Value::from(s.trim_start()),
            "trimEnd" => Value::from(s.trim_end()),
            "includes" => Value::from(s.contains(&arg_str(0))),
            "startsWith" => Value::from(s.starts_with(&arg_str(0))),
            "endsWith" => Value::from(s.ends_with(&arg_str(0))),
            "indexOf" => Value::from(
                s.find(&arg_str(0))
                    .map_or(-1, |b| s[..b].chars().count() as i64),
            ),
            "split" => Value::from(if args.is_empty() {
                vec![Value::from(s)]
            } else if arg_str(0).is_empty() {
                chars.iter().map(|c| Value::from(c.to_string())).collect()
            } else {
                s.split(&arg_str(0)).map(Value::from).collect::<Vec<_>>()
            }),
            "replace" => {
                ensure_len(s.len().checked_add(arg_str(1).len()), max)?;
                Value::from(s.replacen(&arg_str(0), &arg_str(1), 1))
            }
            "slice" | "substring" => {
                let start = index(arg_int(0).unwrap_or(0));
                let end = arg_int(1).map_or(chars.len(), index);
                Value::from(
                    chars
                        .get(start..end.max(start))
                        .map(|c| c.iter().collect::<String>())
                        .unwrap_or_default(),
                )
            }
            "charAt" => Value::from(
                chars
                    .get(index(arg_int(0).unwrap_or(0)))
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            ),
            "concat" => {
                let rest = args.iter().map(ToString::to_string).collect::<String>();
                ensure_len(s.len().checked_add(rest.len()), max)?;
                Value::from(format!("{s}{rest}"))
            }
            "repeat" => {
                let count = usize::try_from(arg_int(0).unwrap_or(0).clamp(0, 10_000)).unwrap_or(0);
                ensure_len(s.len().checked_mul(count), max)?;
                Value::from(s.repeat(count))
            }
            "toString" => Value::from(s),
            _ => {
                return Err(invalid(format!(
                    "unknown method: string has no method named {method}"
                )));
            }
        });
    }
    if value.kind() == ValueKind::Seq {
        let items: Vec<Value> = value.try_iter().map(Iterator::collect).unwrap_or_default();
        return Ok(match method {
            "join" => {
                let sep = args.first().and_then(Value::as_str).unwrap_or(",");
                ensure_len(sep.len().checked_mul(items.len()), max)?;
                let parts = items
                    .iter()
                    .map(super::format::js_string)
                    .collect::<Vec<_>>();
                ensure_len(
                    parts
                        .iter()
                        .try_fold(0_usize, |n, p| n.checked_add(p.len())),
                    max,
                )?;
                Value::from(parts.join(sep))
            }
            "includes" => Value::from(args.first().is_some_and(|a| items.contains(a))),
            "indexOf" => Value::from(
                args.first()
                    .and_then(|a| items.iter().position(|v| v == a))
                    .map_or(-1, |p| p as i64),
            ),
            "slice" => {
                let len = items.len() as i64;
                let clamp = |n: i64| -> usize {
                    (if n < 0 { (len + n).max(0) } else { n.min(len) }) as usize
                };
                let start = clamp(arg_int(0).unwrap_or(0));
                let end = arg_int(1).map_or(items.len(), clamp);
                Value::from(
                    items
                        .get(start..end.max(start))
                        .map(<[Value]>::to_vec)
                        .unwrap_or_default(),
                )
            }
            "concat" => {
                let mut all = items;
                for a in args {
                    match a.try_iter() {
                        Ok(iter) if a.kind() == ValueKind::Seq => all.extend(iter),
                        _ => all.push(a.clone()),
                    }
                }
                Value::from(all)
            }
            _ => {
                return Err(invalid(format!(
                    "unknown method: array has no method named {method}"
                )));
            }
        });
    }
    if value.kind() == ValueKind::Number && method == "toString" {
        return Ok(Value::from(super::format::js_string(value)));
    }
    Err(invalid(format!(
        "unknown method: {} has no method named {method}",
        value.kind()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github() -> Vec<Integration> {
        Integration::defaults()
    }

    #[test]
    fn repo_urls() {
        let parts =
            parse_repo_url("github.com?owner=acme-corp&repo=/svc/", &github()).expect("github");
        assert_eq!(
            serde_json::Value::Object(parts),
            serde_json::json!({"host": "github.com", "owner": "acme-corp", "repo": "svc"})
        );
        assert!(
            parse_repo_url("github.com?repo=svc", &github())
                .expect_err("owner")
                .contains("missing owner")
        );
        assert!(
            parse_repo_url("git.example.com?owner=a&repo=b", &github())
                .expect_err("host")
                .contains("No matching integration")
        );
        let gitlab = parse_repo_url("gitlab.com?owner=g/sub&repo=r", &github()).expect("gitlab");
        assert_eq!(gitlab["owner"], "g/sub");
    }

    #[test]
    fn pick_paths() {
        let v = Value::from(minijinja::value::Serde(
            serde_json::json!({"a": {"b": [1, {"c": "x"}]}}),
        ));
        assert_eq!(pick(&v, "a.b[1].c").as_str(), Some("x"));
        assert!(pick(&v, "a.zz").is_undefined());
    }

    #[test]
    fn nunjucks_text_filters() {
        assert_eq!(
            truncate("hello world foo", Some(11), None, None, 100).expect("fits"),
            "hello world..."
        );
        assert_eq!(
            truncate("hello world foo", Some(8), None, None, 100).expect("fits"),
            "hello..."
        );
        assert_eq!(
            truncate("abcdefghij", Some(4), None, None, 100).expect("fits"),
            "abcd..."
        );
        assert_eq!(
            title(&Value::from("docs-site of ACME")),
            "Docs-site Of Acme"
        );
        assert!(string(&Value::UNDEFINED).is_err());
        assert_eq!(string(&Value::from(true)).expect("bool"), "true");
        assert_eq!(round(2.5, None, None), Value::from(3));
        assert_eq!(round(-2.5, None, None), Value::from(-2));
        assert_eq!(round(1.25, Some(1), None), Value::from(1.3));
        assert_eq!(round(1.21, Some(1), Some("ceil".into())), Value::from(1.3));
        assert_eq!(js_length(&Value::from("añb")), Value::from(3));
        assert!(js_length(&Value::UNDEFINED).is_undefined());
        assert_eq!(wordcount(" a b  c "), 3);
        assert_eq!(center("ab", Some(6), 100).expect("fits"), "  ab  ");
        assert!(center("ab", Some(usize::MAX), 1 << 20).is_err());
        assert!(nl2br(&"\n".repeat(100), 200).is_err());
        assert!(forceescape(&"<".repeat(100), 200).is_err());
        assert_eq!(striptags("<b>a</b>\n  b"), "a b");
    }

    #[test]
    fn js_methods() {
        let s = Value::from("a-b-c");
        assert_eq!(
            js_method(&s, "toUpperCase", &[], 100)
                .expect("upper")
                .as_str(),
            Some("A-B-C")
        );
        assert_eq!(
            js_method(&s, "split", &[Value::from("-")], 100)
                .expect("split")
                .len(),
            Some(3)
        );
        assert!(js_method(&s, "replaceAll", &[], 100).is_err());
        assert!(js_method(&s, "repeat", &[Value::from(10_000)], 1000).is_err());
        let list = Value::from(vec![Value::from(1); 10]);
        assert!(js_method(&list, "join", &[Value::from("x".repeat(200))], 1000).is_err());
    }
}
