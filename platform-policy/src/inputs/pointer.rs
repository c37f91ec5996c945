//! JSON-pointer lookups into artefacts, tuned for the small maps manifests
//! are made of.

use std::borrow::Cow;

use serde_json::{Map, Value};

/// `value.pointer(pointer)` without allocating for tokens that need no
/// unescaping.
pub(crate) fn pointer<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    walk(value, pointer.strip_prefix('/')?)
}

/// Follows `path`, the tokens of a JSON pointer without its leading `/`
/// (`spec/template/spec`), from `value`: `pointer(v, "/a/b")` is
/// `walk(v, "a/b")`. Rules use it to look below a node they already hold.
pub(crate) fn walk<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut target = value;
    let mut rest = path;
    loop {
        // One pass over the token's bytes finds its end and whether it
        // needs unescaping; tokens are short, so this beats `split` and
        // `contains`, which go through `memchr` for every token.
        let bytes = rest.as_bytes();
        let mut end = 0;
        let mut escaped = false;
        while end < bytes.len() && bytes[end] != b'/' {
            escaped |= bytes[end] == b'~';
            end += 1;
        }
        let raw = &rest[..end];
        let token: Cow<'_, str> = if escaped {
            Cow::Owned(raw.replace("~1", "/").replace("~0", "~"))
        } else {
            Cow::Borrowed(raw)
        };
        target = match target {
            Value::Object(map) => field(map, &token)?,
            Value::Array(items) => {
                if token.starts_with('+') || (token.len() > 1 && token.starts_with('0')) {
                    return None;
                }
                items.get(token.parse::<usize>().ok()?)?
            }
            _ => return None,
        };
        if end == bytes.len() {
            return Some(target);
        }
        rest = &rest[end + 1..];
    }
}

/// Maps up to this many entries are searched by comparing keys.
const SCAN_LIMIT: usize = 12;

/// `map.get(key)`, comparing keys directly in small maps: manifests are
/// mostly maps of a handful of keys, where hashing the key (SipHash, as
/// `serde_json`'s `preserve_order` map uses) costs more than comparing it
/// with every key. Keys of a map are unique, so both find the same entry.
pub(crate) fn field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() <= SCAN_LIMIT {
        map.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        map.get(key)
    }
}

/// `value.get(key)` for an object, through [`field`]; `None` for anything
/// else.
pub(crate) fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => field(map, key),
        _ => None,
    }
}
