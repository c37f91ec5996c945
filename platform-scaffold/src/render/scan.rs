//! A light scan of a template's top level: is it one `${{ }}` output, one
//! block statement, or anything else? Backstage keeps the JSON type of the
//! first two and renders everything else as text. The scan also rewrites
//! JavaScript's `===`/`!==` to `==`/`!=` inside tags.

/// The shape of a template's root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Shape<'a> {
    /// No tag at all: plain text.
    Text,
    /// Exactly one `${{ expr }}` and nothing else; holds `expr`.
    Expression(&'a str),
    /// Exactly one block statement (`{% if %}…{% endif %}`, `{% set x = 1 %}`).
    Statement,
    /// Anything else: rendered as text.
    Mixed,
}

/// Statements that open a block closed by `end<name>`.
const BLOCKS: [&str; 8] = [
    "if", "for", "macro", "filter", "call", "raw", "block", "with",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'a> {
    Text,
    Output(&'a str),
    Statement(&'a str),
    Comment,
}

/// The first of `openers` (among `${{`, `{%`, `{#`) in `text`, with its
/// offset: one pass, however many openers are asked for (a `find` per
/// opener would rescan the rest of a large file at every tag).
fn next_open<'o>(text: &str, openers: &[&'o str]) -> Option<(usize, &'o str)> {
    let bytes = text.as_bytes();
    for i in memchr::memchr_iter(b'{', bytes) {
        let next = bytes.get(i + 1).copied();
        let found = if next == Some(b'{') && i > 0 && bytes[i - 1] == b'$' {
            Some(("${{", i - 1))
        } else if next == Some(b'%') {
            Some(("{%", i))
        } else if next == Some(b'#') {
            Some(("{#", i))
        } else {
            None
        };
        if let Some((open, at)) = found
            && let Some(wanted) = openers.iter().find(|o| **o == open)
        {
            return Some((at, wanted));
        }
    }
    None
}

/// Splits `source` into top-level tokens; `None` when a tag is not closed.
fn tokens(source: &str) -> Option<Vec<Token<'_>>> {
    let mut out = Vec::new();
    let mut rest = source;
    while !rest.is_empty() {
        let Some((at, open)) = next_open(rest, &["${{", "{%", "{#"]) else {
            out.push(Token::Text);
            break;
        };
        if at > 0 {
            out.push(Token::Text);
        }
        let body_start = at + open.len();
        let close = match open {
            "${{" => "}}",
            "{%" => "%}",
            _ => "#}",
        };
        let end = find_close(&rest[body_start..], close)? + body_start;
        let body =
            rest[body_start..end].trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        out.push(match open {
            "${{" => Token::Output(body),
            "{%" => Token::Statement(body),
            _ => Token::Comment,
        });
        rest = &rest[end + close.len()..];
    }
    Some(out)
}

/// The index of `close` in `text`, skipping quoted strings.
fn find_close(text: &str, close: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if bytes[i..].starts_with(close.as_bytes()) => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

fn statement_name(body: &str) -> &str {
    body.split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
}

/// The root shape of `source`.
pub(crate) fn shape(source: &str) -> Shape<'_> {
    let Some(tokens) = tokens(source) else {
        return Shape::Mixed;
    };
    let tokens: Vec<Token<'_>> = tokens
        .into_iter()
        .filter(|t| *t != Token::Comment)
        .collect();
    match tokens.as_slice() {
        [] | [Token::Text] => return Shape::Text,
        [Token::Output(expr)] => return Shape::Expression(expr),
        _ => {}
    }
    // One statement spanning everything: the first token opens it and the
    // matching end closes it at the last token.
    let Some(Token::Statement(first)) = tokens.first() else {
        return Shape::Mixed;
    };
    let name = statement_name(first);
    let is_block = BLOCKS.contains(&name) || (name == "set" && !first.contains('='));
    if !is_block {
        return if tokens.len() == 1 {
            Shape::Statement
        } else {
            Shape::Mixed
        };
    }
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        let Token::Statement(body) = token else {
            continue;
        };
        let n = statement_name(body);
        if BLOCKS.contains(&n) || (n == "set" && !body.contains('=')) {
            depth += 1;
        } else if n.starts_with("end") {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return if i + 1 == tokens.len() {
                    Shape::Statement
                } else {
                    Shape::Mixed
                };
            }
        }
    }
    Shape::Mixed
}

/// The byte offset of the first tag (`{{ }}`, `${{ }}` or `{% %}`) with
/// more than `max_operators` operators outside string literals, if any.
///
/// The template engine builds one syntax-tree level per operator of a
/// chain (`a | f | g …`, `a + b + c …`, `a.b.c …`) and walks it
/// recursively, so a long enough chain overflows the stack; counting them
/// first turns that into an error. One pass over `source`.
pub(crate) fn overlong_chain(source: &str, max_operators: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        let close: &[u8] = match (bytes[i], bytes[i + 1]) {
            (b'{', b'{') => b"}}",
            (b'{', b'%') => b"%}",
            _ => {
                i += 1;
                continue;
            }
        };
        let start = i;
        i += 2;
        let mut operators = 0_usize;
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let b = bytes[i];
            if let Some(q) = quote {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            } else if bytes[i..].starts_with(close) {
                i += close.len();
                break;
            } else {
                match b {
                    b'"' | b'\'' => quote = Some(b),
                    b'|' | b'.' | b'[' | b'(' | b'+' | b'-' | b'*' | b'/' | b'%' | b'~' | b'<'
                    | b'>' | b'=' | b'!' => operators += 1,
                    b if b.is_ascii_alphabetic() || b == b'_' => {
                        let word_end = bytes[i..]
                            .iter()
                            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                            .map_or(bytes.len(), |n| i + n);
                        if matches!(
                            &bytes[i..word_end],
                            b"and" | b"or" | b"not" | b"in" | b"is" | b"if" | b"else"
                        ) {
                            operators += 1;
                        }
                        i = word_end - 1;
                    }
                    _ => {}
                }
                if operators > max_operators {
                    return Some(start);
                }
            }
            i += 1;
        }
    }
    None
}

/// Rewrites `===` and `!==` to `==` and `!=` inside tags (outside string
/// literals), since Nunjucks accepts JavaScript's strict comparisons.
pub(crate) fn normalize(source: &str) -> std::borrow::Cow<'_, str> {
    if !source.contains("==") {
        return std::borrow::Cow::Borrowed(source);
    }
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some((at, open)) = next_open(rest, &["${{", "{%"]) {
        let open_len = open.len();
        let close = if open_len == 3 { "}}" } else { "%}" };
        out.push_str(&rest[..at + open_len]);
        let body = &rest[at + open_len..];
        let end = find_close(body, close).unwrap_or(body.len());
        let mut quote: Option<char> = None;
        let mut chars = body[..end].char_indices().peekable();
        let tag = &body[..end];
        let mut skip = 0;
        while let Some((i, c)) = chars.next() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            match quote {
                Some(q) => {
                    out.push(c);
                    if c == '\\' {
                        if let Some((_, next)) = chars.next() {
                            out.push(next);
                        }
                    } else if c == q {
                        quote = None;
                    }
                }
                None if c == '"' || c == '\'' => {
                    quote = Some(c);
                    out.push(c);
                }
                None if tag[i..].starts_with("===") => {
                    out.push_str("==");
                    skip = 2;
                }
                None if tag[i..].starts_with("!==") => {
                    out.push_str("!=");
                    skip = 2;
                }
                None => out.push(c),
            }
        }
        out.push_str(&body[end..end + close.len().min(body.len() - end)]);
        rest = &body[(end + close.len()).min(body.len())..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(shape("plain"), Shape::Text);
        assert_eq!(
            shape("${{ parameters.n }}"),
            Shape::Expression("parameters.n")
        );
        assert_eq!(
            shape("${{- parameters.n -}}"),
            Shape::Expression("parameters.n")
        );
        assert_eq!(shape("${{ '}}' }}"), Shape::Expression("'}}'"));
        assert_eq!(shape("n=${{ x }}"), Shape::Mixed);
        assert_eq!(shape("${{ x }}\n"), Shape::Mixed);
        assert_eq!(shape("${{ x }}${{ x }}"), Shape::Mixed);
        assert_eq!(shape("{% if a %}1{% else %}2{% endif %}"), Shape::Statement);
        assert_eq!(
            shape("{% if a %}{% if b %}x{% endif %}{% endif %}"),
            Shape::Statement
        );
        assert_eq!(
            shape("{% if a %}1{% endif %}{% if b %}2{% endif %}"),
            Shape::Mixed
        );
        assert_eq!(shape("{% set a = 5 %}${{ a }}"), Shape::Mixed);
        assert_eq!(shape("{% set a = 5 %}"), Shape::Statement);
        assert_eq!(shape("${{ unclosed"), Shape::Mixed);
    }

    #[test]
    fn strict_comparisons() {
        assert_eq!(normalize("${{ a === 'b' }}"), "${{ a == 'b' }}");
        assert_eq!(
            normalize("{% if a !== 1 %}x === y{% endif %}"),
            "{% if a != 1 %}x === y{% endif %}"
        );
        assert_eq!(normalize("${{ '===' }}"), "${{ '===' }}");
    }
}

#[cfg(test)]
mod bounds {
    use super::*;
    use platform_test_support::{Limits, bounded};

    /// Many tags of one kind and none of another used to rescan the rest
    /// of the text for the missing opener at every tag.
    #[test]
    fn scans_are_linear_in_the_number_of_tags() {
        bounded(
            "render::scan::bounds::scans_are_linear_in_the_number_of_tags",
            Limits::mib(256).seconds(20),
            || {
                let source = format!("{}${{{{ a === b }}}}", "{% x %}".repeat(300_000));
                assert_eq!(shape(&source), Shape::Mixed);
                let normalized = normalize(&source);
                assert!(normalized.ends_with("${{ a == b }}"));
                assert_eq!(overlong_chain(&source, 500), None);
                assert_eq!(next_open("a{b${{c", &["${{", "{%"]), Some((3, "${{")));
            },
        );
    }
}
