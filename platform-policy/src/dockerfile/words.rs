//! Splitting of instruction text into words: the keyword, leading
//! `--flag`s, exec-form arrays, heredoc markers, `ARG`/`ENV` assignments and
//! shell words with their quotes.

use super::ast::Flag;

/// Splits off the first whitespace-delimited word.
pub(super) fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(pos) => (&text[..pos], &text[pos..]),
        None => (text, ""),
    }
}

/// Leading `--flag[=value]` words.
pub(super) fn split_flags(mut rest: &str) -> (Vec<Flag>, &str) {
    let mut flags = Vec::new();
    loop {
        let trimmed = rest.trim_start();
        let Some(body) = trimmed.strip_prefix("--") else {
            return (flags, trimmed);
        };
        let (word, after) = split_word(body);
        let (name, value) = match word.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (word.to_owned(), None),
        };
        flags.push(Flag { name, value });
        rest = after;
    }
}

/// The JSON array of an exec form, when the text is one.
pub(super) fn parse_exec(text: &str) -> Option<Vec<String>> {
    let trimmed = text.trim();
    if !trimmed.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(trimmed).ok()
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"` markers in an instruction's arguments, in
/// one pass over the text.
pub(super) fn heredoc_markers(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find("<<") {
        let after = &rest[pos + 2..];
        rest = after;
        if after.starts_with('<') {
            rest = after.trim_start_matches('<');
            continue;
        }
        let (strip, body) = match after.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, after),
        };
        let (quote, body) = match body.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), &body[1..]),
            _ => (None, body),
        };
        let len = body
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
            .count();
        if len == 0 {
            continue;
        }
        let (word, after_word) = body.split_at(len);
        if let Some(q) = quote
            && !after_word.starts_with(q)
        {
            continue;
        }
        out.push((word.to_owned(), strip));
    }
    out
}

/// `ARG a=1 b` → `[(a, Some(1)), (b, None)]`.
pub(crate) fn parse_arg(text: &str) -> Vec<(String, Option<String>)> {
    text.split_whitespace()
        .map(|word| match word.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(unquote(v))),
            None => (word.to_owned(), None),
        })
        .collect()
}

/// `ENV a=1 b="x y"` or the legacy `ENV a 1`.
pub(crate) fn parse_env(text: &str) -> Vec<(String, String)> {
    let text = text.trim();
    let (first, rest) = split_word(text);
    if !first.contains('=') {
        return vec![(first.to_owned(), rest.trim().to_owned())];
    }
    shell_words(text)
        .into_iter()
        .filter_map(|w| w.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

fn unquote(value: &str) -> String {
    let v = value.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner.to_owned();
        }
    }
    v.to_owned()
}

/// Splits shell text into words, honouring single and double quotes and
/// backslash escapes (no expansion).
pub(crate) fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(n) = chars.next() {
                    current.push(n);
                }
            }
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    current.push(n);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_honour_quotes() {
        assert_eq!(
            shell_words(r#"a "b c" 'd e' f\ g"#),
            ["a", "b c", "d e", "f g"]
        );
    }
}
