//! The status Backstage records for a YAML error, in the words of the
//! `yaml` package its backend parses with (`YAMLParseError: <message> at
//! line L, column C:` and a code frame), for the errors where our parser
//! and the package agree on what is wrong and where. Other YAML errors keep
//! our parser's message after Backstage's `YAML error at <location>, `.

/// The package's text for our YAML error `message` at byte `start` of
/// `src`, when it is one of the errors both parsers report alike.
pub(crate) fn package_error(src: &str, message: &str, start: usize) -> Option<String> {
    let (text, at) = if message.starts_with("duplicate mapping key") {
        ("Map keys must be unique", start)
    } else if message.starts_with("tabs disallowed") {
        // The package points at the tab, we point just past it.
        let line_start = src[..start.min(src.len())].rfind('\n').map_or(0, |i| i + 1);
        let indent_end = src[line_start..]
            .find(|c| c != ' ' && c != '\t')
            .map_or(src.len(), |i| line_start + i);
        let tab = src[line_start..indent_end].find('\t')?;
        ("Tabs are not allowed as indentation", line_start + tab)
    } else if message == "unclosed quote" {
        // The package reads the scalar to the end of the input (a document
        // marker on the way ends it elsewhere: not worded alike).
        let rest = src.get(start..)?;
        if rest.contains("\n---") || rest.contains("\n...") {
            return None;
        }
        let quote = rest.chars().next()?;
        let text = match quote {
            '"' => "Missing closing \"quote",
            '\'' => "Missing closing 'quote",
            _ => return None,
        };
        (text, src.len())
    } else {
        return None;
    };
    Some(format!(
        "YAMLParseError: {}",
        prettify(src, text, at, at + 1)
    ))
}

/// `message` with the package's position suffix and code frame for the
/// range `start..end` (byte offsets) of `src`.
fn prettify(src: &str, message: &str, start: usize, end: usize) -> String {
    let starts = line_starts(src);
    let (line, col) = line_col(src, &starts, start);
    let (end_line, end_col) = line_col(src, &starts, end);
    let mut out = format!("{message} at line {line}, column {col}");
    let utf16 = |s: &str| s.encode_utf16().collect::<Vec<u16>>();
    let text_of = |units: &[u16]| String::from_utf16_lossy(units);
    let line_text = |n: usize| -> &str {
        let from = starts.get(n - 1).copied().unwrap_or(src.len());
        let to = starts.get(n).copied().unwrap_or(src.len());
        &src[from..to]
    };
    let mut ci = col - 1;
    let mut line_str = utf16(line_text(line).trim_end_matches(['\n', '\r']));
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
    if line > 1 && before.chars().all(|c| c == ' ') {
        let mut prev = utf16(line_text(line - 1));
        if prev.len() > 80 {
            prev.truncate(79);
            prev.extend(utf16("…\n"));
        }
        prev.extend_from_slice(&line_str);
        line_str = prev;
    }
    let shown = text_of(&line_str);
    if shown.chars().any(|c| c != ' ') {
        let count = if end_line == line && end_col > col {
            (end_col - col).min(80usize.saturating_sub(ci)).max(1)
        } else {
            1
        };
        out.push_str(&format!(
            ":\n\n{shown}\n{}{}\n",
            " ".repeat(ci),
            "^".repeat(count)
        ));
    }
    out
}

/// Byte offsets where lines start (after each `\n`), as the package's
/// line counter records them.
fn line_starts(src: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// 1-based line and UTF-16 column of byte `offset`.
fn line_col(src: &str, starts: &[usize], offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let line = starts.partition_point(|&s| s <= offset).max(1);
    let from = starts[line - 1];
    let col = src
        .get(from..offset)
        .map_or(0, |s| s.encode_utf16().count());
    (line, col + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_read_as_the_package_writes_them() {
        let src = "a:\n\tb: x\n";
        assert_eq!(
            package_error(src, "tabs disallowed within this context (block indentation)", 4),
            Some("YAMLParseError: Tabs are not allowed as indentation at line 2, column 1:\n\na:\n\tb: x\n^\n".to_owned())
        );
        let src = "m:\n  name: x\n  name: y\n";
        assert_eq!(
            package_error(src, "duplicate mapping key: name", 15),
            Some("YAMLParseError: Map keys must be unique at line 3, column 3:\n\n  name: x\n  name: y\n  ^\n".to_owned())
        );
        let src = "m:\n  name: \"x\n";
        assert_eq!(
            package_error(src, "unclosed quote", 11),
            Some("YAMLParseError: Missing closing \"quote at line 3, column 1:\n\n  name: \"x\n\n^\n".to_owned())
        );
        assert_eq!(package_error(src, "something else", 0), None);
    }
}
