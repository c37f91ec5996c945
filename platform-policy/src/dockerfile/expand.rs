//! Expansion of `$VAR` and `${VAR…}` substitutions within the limits.

use std::collections::HashMap;

use super::limits::DockerfileLimits;

/// Expands `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
/// `${VAR:+alt}` and `${VAR+alt}` (the words themselves expanded). Returns
/// the text and whether a variable without a value was used.
///
/// Expansion is bounded by the default [`DockerfileLimits`]: text that
/// would expand past [`DEFAULT_MAX_VALUE_BYTES`](super::DEFAULT_MAX_VALUE_BYTES)
/// or nest substitutions deeper than
/// [`DEFAULT_MAX_SUBSTITUTION_DEPTH`](super::DEFAULT_MAX_SUBSTITUTION_DEPTH)
/// is returned unexpanded.
#[must_use]
pub fn expand(text: &str, vars: &HashMap<String, String>) -> (String, bool) {
    let limits = DockerfileLimits::default();
    let mut budget = limits.max_value_bytes;
    let e = expand_bounded(text, vars, &limits, &mut budget);
    (e.text, e.unresolved)
}

/// Which limit an expansion hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Limit {
    Value,
    Total,
    Depth,
}

impl Limit {
    pub(super) fn message(self, limits: &DockerfileLimits, what: &str) -> String {
        match self {
            Self::Value => format!(
                "{what} expands to more than {} bytes (the value limit); it is kept unexpanded",
                limits.max_value_bytes
            ),
            Self::Total => format!(
                "{what} expands past the {}-byte limit of all expansions in one Dockerfile; it is kept unexpanded",
                limits.max_expanded_bytes
            ),
            Self::Depth => format!(
                "{what} nests substitutions deeper than {} levels; it is kept unexpanded",
                limits.max_substitution_depth
            ),
        }
    }
}

pub(super) struct Expanded {
    pub(super) text: String,
    pub(super) unresolved: bool,
    pub(super) limited: Option<Limit>,
}

/// Expands `text` within `limits`, taking the bytes produced from
/// `budget`; on a limit, the text is returned unexpanded and nothing is
/// taken.
pub(super) fn expand_bounded(
    text: &str,
    vars: &HashMap<String, String>,
    limits: &DockerfileLimits,
    budget: &mut usize,
) -> Expanded {
    let mut expander = Expander {
        vars,
        max: limits.max_value_bytes.min(*budget),
        max_depth: limits.max_substitution_depth,
        unresolved: false,
    };
    let mut out = String::new();
    match expander.run(text, 0, &mut out) {
        Ok(()) => {
            *budget -= out.len().min(*budget);
            Expanded {
                text: out,
                unresolved: expander.unresolved,
                limited: None,
            }
        }
        Err(limit) => {
            let limit = if limit == Limit::Value && limits.max_value_bytes > *budget {
                Limit::Total
            } else {
                limit
            };
            Expanded {
                text: text.to_owned(),
                unresolved: false,
                limited: Some(limit),
            }
        }
    }
}

struct Expander<'v> {
    vars: &'v HashMap<String, String>,
    /// Most bytes the output may hold.
    max: usize,
    max_depth: usize,
    unresolved: bool,
}

impl Expander<'_> {
    fn push(&self, out: &mut String, s: &str) -> Result<(), Limit> {
        if out.len().saturating_add(s.len()) > self.max {
            return Err(Limit::Value);
        }
        out.push_str(s);
        Ok(())
    }

    /// Expands `text` (nested `depth` substitutions deep) into `out`.
    fn run(&mut self, text: &str, depth: usize, out: &mut String) -> Result<(), Limit> {
        let bytes = text.as_bytes();
        let mut i = 0;
        // Start of the pending literal run.
        let mut literal = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if bytes.get(i + 1) == Some(&b'$') => {
                    self.push(out, &text[literal..i])?;
                    self.push(out, "$")?;
                    i += 2;
                    literal = i;
                }
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    self.push(out, &text[literal..i])?;
                    let body_start = i + 2;
                    let Some(close) = matching_brace(&bytes[body_start..]) else {
                        self.push(out, &text[i..])?;
                        return Ok(());
                    };
                    let inner = &text[body_start..body_start + close];
                    self.substitution(inner, depth, out)?;
                    i = body_start + close + 1;
                    literal = i;
                }
                b'$' => {
                    let len = bytes[i + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                        .count();
                    if len == 0 {
                        i += 1;
                        continue;
                    }
                    self.push(out, &text[literal..i])?;
                    let name = &text[i + 1..i + 1 + len];
                    match self.vars.get(name) {
                        Some(v) => self.push(out, v)?,
                        None => self.unresolved = true,
                    }
                    i += 1 + len;
                    literal = i;
                }
                _ => i += 1,
            }
        }
        self.push(out, &text[literal..])
    }

    /// `${inner}`.
    fn substitution(&mut self, inner: &str, depth: usize, out: &mut String) -> Result<(), Limit> {
        let (name, op, word) = split_modifier(inner);
        let value = self.vars.get(name);
        let use_word = match op {
            ":-" => match value.filter(|v| !v.is_empty()) {
                Some(v) => return self.push(out, v),
                None => true,
            },
            "-" => match value {
                Some(v) => return self.push(out, v),
                None => true,
            },
            ":+" => value.is_some_and(|v| !v.is_empty()),
            "+" => value.is_some(),
            _ => {
                match value {
                    Some(v) => self.push(out, v)?,
                    None => self.unresolved = true,
                }
                return Ok(());
            }
        };
        if !use_word {
            return Ok(());
        }
        if !word.contains('$') {
            return self.push(out, word);
        }
        if depth + 1 > self.max_depth {
            return Err(Limit::Depth);
        }
        self.run(word, depth + 1, out)
    }
}

/// The offset of the `}` closing a `${` whose body starts `body`, counting
/// nested `${ … }`.
fn matching_brace(body: &[u8]) -> Option<usize> {
    let mut open = 0usize;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'$' if body.get(i + 1) == Some(&b'{') => {
                open += 1;
                i += 2;
                continue;
            }
            b'}' if open == 0 => return Some(i),
            b'}' => open -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn split_modifier(inner: &str) -> (&str, &str, &str) {
    // The name is a run of word characters; the operator follows it.
    let len = inner
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
        .count();
    let (name, rest) = inner.split_at(len);
    if rest.is_empty() {
        return (name, "", "");
    }
    for op in [":-", ":+", "-", "+"] {
        if let Some(word) = rest.strip_prefix(op) {
            return (name, op, word);
        }
    }
    for op in [":-", ":+"] {
        if let Some((name, word)) = inner.split_once(op) {
            return (name, op, word);
        }
    }
    for op in ["-", "+"] {
        if let Some((name, word)) = inner.split_once(op) {
            return (name, op, word);
        }
    }
    (inner, "", "")
}
