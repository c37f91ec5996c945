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
        // A `-` or `+` right against the delimiter controls whitespace; one
        // after a space is the expression's own (`${{ -2.5 }}`).
        let raw = &rest[body_start..end];
        let raw = raw.strip_prefix(['-', '+']).unwrap_or(raw);
        let raw = raw.strip_suffix(['-', '+']).unwrap_or(raw);
        let body = raw.trim();
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

/// One replacement made by [`normalize_mapped`]: `source_len` bytes of the
/// source at `source_at` became `normalized_len` bytes at `normalized_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Edit {
    pub(crate) source_at: usize,
    pub(crate) source_len: usize,
    pub(crate) normalized_at: usize,
    pub(crate) normalized_len: usize,
}

/// The name an undefined identifier is rewritten to: `True`, `False` and
/// `None` are not literals in Nunjucks (only `true`, `false`, `none` and
/// `null` are), so they are names nothing defines.
pub(crate) const UNDEFINED_PREFIX: &str = "__nunjucks_undefined_";

/// Rewrites, inside tags and outside string literals, what Nunjucks reads
/// differently from our engine: JavaScript's `===`/`!==` become `==`/`!=`;
/// `True`, `False` and `None` become undefined names; `.length` becomes
/// the `js_length` filter (JavaScript's `length` of arrays and strings);
/// and an inline `if` without `else` in a `${{ }}` output gets
/// `else ""`, which is what Nunjucks yields for it; and a `${{ }}` chain of
/// `+` and `-` becomes JavaScript's operators (see [`super::js_ops`]).
pub(crate) fn normalize(source: &str) -> std::borrow::Cow<'_, str> {
    normalize_mapped(source).0
}

/// [`normalize`], with the edits it made (in order), to map positions in
/// the result back to the source.
pub(crate) fn normalize_mapped(source: &str) -> (std::borrow::Cow<'_, str>, Vec<Edit>) {
    const NEEDLES: [&str; 8] = ["==", "True", "False", "None", ".length", "if", "+", "-"];
    if !NEEDLES.iter().any(|n| source.contains(n)) {
        return (std::borrow::Cow::Borrowed(source), Vec::new());
    }
    let mut out = String::with_capacity(source.len() + 16);
    let mut edits = Vec::new();
    let mut rest = source;
    let mut consumed = 0;
    while let Some((at, open)) = next_open(rest, &["${{", "{%"]) {
        let open_len = open.len();
        let close = if open_len == 3 { "}}" } else { "%}" };
        out.push_str(&rest[..at + open_len]);
        let body = &rest[at + open_len..];
        let end = find_close(body, close).unwrap_or(body.len());
        let body_at = consumed + at + open_len;
        let chain = if open_len == 3 {
            super::js_ops::rewrite_chain(&body[..end])
        } else {
            None
        };
        if let Some(chain) = chain {
            edits.push(Edit {
                source_at: body_at,
                source_len: end,
                normalized_at: out.len(),
                normalized_len: chain.len(),
            });
            out.push_str(&chain);
        } else {
            rewrite_tag(&body[..end], open_len == 3, body_at, &mut out, &mut edits);
        }
        let tail_end = (end + close.len()).min(body.len());
        out.push_str(&body[end..tail_end]);
        consumed = body_at + tail_end;
        rest = &body[tail_end..];
    }
    out.push_str(rest);
    if edits.is_empty() {
        return (std::borrow::Cow::Borrowed(source), edits);
    }
    (std::borrow::Cow::Owned(out), edits)
}

/// The byte length of the character at byte `at` of `text` (1 past the end).
fn char_width(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(1, char::len_utf8)
}

/// Rewrites one tag body (see [`normalize`]) onto `out`; `at` is the
/// body's offset in the source, and `output` says it is a `${{ }}` tag.
fn rewrite_tag(tag: &str, output: bool, at: usize, out: &mut String, edits: &mut Vec<Edit>) {
    let mut replace = |out: &mut String, src_at: usize, src_len: usize, with: &str| {
        edits.push(Edit {
            source_at: at + src_at,
            source_len: src_len,
            normalized_at: out.len(),
            normalized_len: with.len(),
        });
        out.push_str(with);
    };
    let bytes = tag.as_bytes();
    let mut quote: Option<u8> = None;
    let mut depth = 0usize;
    let (mut ifs, mut elses) = (0usize, 0usize);
    let mut previous: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            // Whole characters, the escaped one included.
            let mut to = i + char_width(tag, i);
            if b == b'\\' && to < tag.len() {
                to += char_width(tag, to);
            }
            out.push_str(&tag[i..to]);
            i = to;
            continue;
        }
        if b == b'"' || b == b'\'' {
            quote = Some(b);
            out.push(b as char);
            previous = Some(b);
            i += 1;
            continue;
        }
        if tag[i..].starts_with("===") || tag[i..].starts_with("!==") {
            replace(out, i, 3, &tag[i..i + 2]);
            previous = Some(b'=');
            i += 3;
            continue;
        }
        if b.is_ascii_alphabetic() || b == b'_' {
            let word_end = bytes[i..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                .map_or(bytes.len(), |n| i + n);
            let word = &tag[i..word_end];
            let after = bytes.get(word_end).copied();
            match word {
                "True" | "False" | "None" if previous != Some(b'.') => {
                    replace(out, i, word.len(), &format!("{UNDEFINED_PREFIX}{word}"));
                }
                "length" if previous == Some(b'.') && after != Some(b'(') => {
                    // The `.` is already written: replace it with the word.
                    out.pop();
                    replace(out, i - 1, word.len() + 1, "|js_length");
                }
                "if" if output && depth == 0 => {
                    ifs += 1;
                    out.push_str(word);
                }
                "else" if output && depth == 0 => {
                    elses += 1;
                    out.push_str(word);
                }
                _ => out.push_str(word),
            }
            previous = Some(bytes[word_end - 1]);
            i = word_end;
            continue;
        }
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        // Copy the whole character (the tag may hold non-ASCII text).
        let width = char_width(tag, i);
        out.push_str(&tag[i..i + width]);
        if !b.is_ascii_whitespace() {
            previous = Some(b);
        }
        i += width;
    }
    if ifs > elses {
        // Before the whitespace and trim marker that end the tag.
        let kept = tag.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        let trailing = tag.len() - kept.len();
        let suffix: String = out[out.len() - trailing..].to_owned();
        out.truncate(out.len() - trailing);
        let added = " else \"\"".repeat(ifs - elses);
        replace(out, kept.len(), 0, &added);
        out.push_str(&suffix);
    }
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

    #[test]
    fn nunjucks_readings() {
        let undefined = |w: &str| format!("{UNDEFINED_PREFIX}{w}");
        assert_eq!(
            normalize("${{ True or x.None }}"),
            format!("${{{{ {} or x.None }}}}", undefined("True"))
        );
        assert_eq!(normalize("${{ 'True' }}"), "${{ 'True' }}");
        assert_eq!(
            normalize("${{ a.length + 1 }}"),
            "${{ (a|js_length)|js_plus(1) }}"
        );
        assert_eq!(normalize("${{ a.lengthy }}"), "${{ a.lengthy }}");
        assert_eq!(normalize("${{ 'x' if c }}"), "${{ 'x' if c else \"\" }}");
        assert_eq!(normalize("${{ 'x' if c -}}"), "${{ 'x' if c else \"\" -}}");
        assert_eq!(
            normalize("${{ 'x' if c else 'y' }}"),
            "${{ 'x' if c else 'y' }}"
        );
        assert_eq!(normalize("${{ f('x' if c) }}"), "${{ f('x' if c) }}");
        // Statements keep their `if`.
        assert_eq!(
            normalize("{% if c %}x{% endif %}"),
            "{% if c %}x{% endif %}"
        );
        let (text, edits) = normalize_mapped("${{ True }}${{ a === b }}");
        assert_eq!(edits.len(), 2);
        assert_eq!(&text[edits[1].normalized_at..][..2], "==");
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
