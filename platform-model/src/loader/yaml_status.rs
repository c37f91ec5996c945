//! The status Backstage records for a YAML error, in the words of the
//! `yaml` package its backend parses with (`YAMLParseError: <message> at
//! line L, column C:` and a code frame), for the errors where our parser
//! and the package agree on what is wrong and where. Other YAML errors keep
//! our parser's message after Backstage's `YAML error at <location>, `.

/// The package's text for our YAML error `message` at byte `start` (on
/// 1-based line `line`) of `src`, when it is one of the errors both parsers
/// report alike. Only the lines around the error are looked at, so a file
/// of many failing documents costs no more than reading it.
pub(crate) fn package_error(src: &str, message: &str, start: usize, line: usize) -> Option<String> {
    let start = start.min(src.len());
    let (text, at, line) = if message.starts_with("duplicate mapping key") {
        ("Map keys must be unique", start, line)
    } else if message.starts_with("tabs disallowed") {
        // The package points at the tab, we point just past it.
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let indent_end = src[line_start..]
            .find(|c| c != ' ' && c != '\t')
            .map_or(src.len(), |i| line_start + i);
        let tab = src[line_start..indent_end].find('\t')?;
        (
            "Tabs are not allowed as indentation",
            line_start + tab,
            line,
        )
    } else if message == "unclosed quote" {
        // The package reads the scalar to the end of the input (a document
        // marker on the way ends it elsewhere: not worded alike).
        let rest = src.get(start..)?;
        if rest.contains("\n---") || rest.contains("\n...") {
            return None;
        }
        let text = match rest.chars().next()? {
            '"' => "Missing closing \"quote",
            '\'' => "Missing closing 'quote",
            _ => return None,
        };
        (text, src.len(), line + rest.matches('\n').count())
    } else {
        return None;
    };
    Some(format!("YAMLParseError: {}", prettify(src, text, at, line)))
}

/// `message` with the package's position suffix and code frame for the
/// one-unit range at byte `at` (on line `line`) of `src`. Columns count
/// UTF-16 units, as JavaScript strings do.
fn prettify(src: &str, message: &str, at: usize, line: usize) -> String {
    let utf16 = |s: &str| s.encode_utf16().collect::<Vec<u16>>();
    let text_of = |units: &[u16]| String::from_utf16_lossy(units);
    let line_start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    let col = src[line_start..at].encode_utf16().count() + 1;
    let mut out = format!("{message} at line {line}, column {col}");
    let line_end = src[line_start..]
        .find('\n')
        .map_or(src.len(), |i| line_start + i);
    let mut ci = col - 1;
    let mut line_str = utf16(src[line_start..line_end].trim_end_matches(['\n', '\r']));
    if ci >= 60 && line_str.len() > 80 {
        let trim_start = (ci - 39).min(line_str.len() - 79);
        let mut trimmed = utf16("…");
        trimmed.extend_from_slice(&line_str[trim_start..]);
        line_str = trimmed;
        ci -= trim_start - 1;
    }
    if line_str.len() > 80 {
        let mut cut = line_str[..79].to_vec();
        cut.extend(utf16("…"));
        line_str = cut;
    }
    let before = text_of(&line_str[..ci.min(line_str.len())]);
    if line > 1 && line_start > 0 && before.chars().all(|c| c == ' ') {
        // The previous line, with its newline, for context.
        let prev_start = src[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        let mut prev = utf16(&src[prev_start..line_start]);
        if prev.len() > 80 {
            prev.truncate(79);
            prev.extend(utf16("…\n"));
        }
        prev.extend_from_slice(&line_str);
        line_str = prev;
    }
    let shown = text_of(&line_str);
    if shown.chars().any(|c| c != ' ') {
        // The range is one unit wide, so the pointer is one caret.
        out.push_str(&format!(":\n\n{shown}\n{}^\n", " ".repeat(ci)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_read_as_the_package_writes_them() {
        let src = "a:\n\tb: x\n";
        assert_eq!(
            package_error(src, "tabs disallowed within this context (block indentation)", 4, 2),
            Some("YAMLParseError: Tabs are not allowed as indentation at line 2, column 1:\n\na:\n\tb: x\n^\n".to_owned())
        );
        let src = "m:\n  name: x\n  name: y\n";
        assert_eq!(
            package_error(src, "duplicate mapping key: name", 15, 3),
            Some("YAMLParseError: Map keys must be unique at line 3, column 3:\n\n  name: x\n  name: y\n  ^\n".to_owned())
        );
        let src = "m:\n  name: \"x\n";
        assert_eq!(
            package_error(src, "unclosed quote", 11, 2),
            Some("YAMLParseError: Missing closing \"quote at line 3, column 1:\n\n  name: \"x\n\n^\n".to_owned())
        );
        assert_eq!(package_error(src, "something else", 0, 1), None);
    }
}
