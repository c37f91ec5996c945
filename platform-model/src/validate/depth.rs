//! The depth limit: finding the first node nested too deep, and dropping a
//! value of any depth without recursion.

use serde_json::Value;

use super::problem::pointer_of;

/// The pointer of the first node of `value` nested deeper than `max` (the
/// root is at depth 0), found without recursion.
pub(super) fn too_deep(value: &Value, max: usize) -> Option<String> {
    // Parent links, so that only the pointer found is ever built.
    let mut links: Vec<(usize, std::borrow::Cow<'_, str>)> = vec![(0, "".into())];
    let mut stack: Vec<(&Value, usize, usize)> = vec![(value, 0, 0)];
    while let Some((node, depth, link)) = stack.pop() {
        if depth > max {
            let mut tokens = Vec::new();
            let mut at = link;
            while at != 0 {
                let Some((parent, token)) = links.get(at) else {
                    break;
                };
                tokens.push(token.as_ref());
                at = *parent;
            }
            tokens.reverse();
            return Some(pointer_of(&tokens));
        }
        match node {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    if item.is_array() || item.is_object() {
                        links.push((link, i.to_string().into()));
                        stack.push((item, depth + 1, links.len() - 1));
                    }
                }
            }
            Value::Object(map) => {
                for (key, item) in map.iter().rev() {
                    if item.is_array() || item.is_object() {
                        links.push((link, key.as_str().into()));
                        stack.push((item, depth + 1, links.len() - 1));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Drops `value` without recursion, however deep it is.
pub(super) fn dismantle(value: Value) {
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        match node {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}
