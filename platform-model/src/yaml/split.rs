//! Splitting a YAML stream into its documents before parsing.
//!
//! A line that starts with `---` or `...` (followed by a space, a tab or the
//! end of the line) is a document marker wherever it appears, even inside a
//! scalar, so the stream can be cut at those lines without parsing it. Cutting
//! first lets every document be parsed on its own: a syntax error in one
//! document does not hide the others, budgets apply per document, and the
//! index of every document (empty ones included) is known exactly.

/// One document's slice of the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chunk {
    /// Byte offset of the chunk in the stream.
    pub(crate) start: usize,
    /// Byte offset just past the chunk.
    pub(crate) end: usize,
    /// 1-based line of the chunk's first line.
    pub(crate) line: u32,
    /// Byte offset of the first line holding content (the marker line for an
    /// explicit document), used as the document's position.
    pub(crate) content_start: usize,
}

/// Splits `text` into document chunks. Chunks that hold only blank lines and
/// comments (and are not opened by `---`) are not documents and are dropped.
pub(crate) fn split_documents(text: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut current = Pending::new(0, 1);
    let mut offset = 0;
    let mut line_no: u32 = 1;
    for line in crate::span::lines_inclusive(text) {
        let next_offset = offset + line.len();
        match marker(line) {
            Some(Marker::DocumentStart) => {
                if current.only_prologue() {
                    // Directives (`%YAML`) belong to the document this marker opens.
                    current.explicit = true;
                    current.content_start.get_or_insert(offset);
                } else {
                    current.finish(offset, &mut chunks);
                    current = Pending::new(offset, line_no);
                    current.explicit = true;
                    current.content_start = Some(offset);
                }
            }
            Some(Marker::DocumentEnd) => {
                current.finish(next_offset, &mut chunks);
                current = Pending::new(next_offset, line_no.saturating_add(1));
            }
            None => {
                let trimmed = line.trim_start_matches([' ', '\t', '\r', '\n', '\u{feff}']);
                if trimmed.starts_with('%') && line.starts_with('%') && current.only_prologue() {
                    current.directive = true;
                    current.content_start.get_or_insert(offset);
                } else if !trimmed.is_empty() && !trimmed.starts_with('#') {
                    current.content = true;
                    current.content_start.get_or_insert(offset);
                }
            }
        }
        offset = next_offset;
        line_no = line_no.saturating_add(1);
    }
    current.finish(text.len(), &mut chunks);
    chunks
}

struct Pending {
    start: usize,
    line: u32,
    explicit: bool,
    directive: bool,
    content: bool,
    content_start: Option<usize>,
}

impl Pending {
    fn new(start: usize, line: u32) -> Self {
        Self {
            start,
            line,
            explicit: false,
            directive: false,
            content: false,
            content_start: None,
        }
    }

    /// Nothing but blank lines, comments and directives so far.
    fn only_prologue(&self) -> bool {
        !self.explicit && !self.content
    }

    fn finish(&self, end: usize, chunks: &mut Vec<Chunk>) {
        if self.explicit || self.content || self.directive {
            chunks.push(Chunk {
                start: self.start,
                end,
                line: self.line,
                content_start: self.content_start.unwrap_or(self.start),
            });
        }
    }
}

enum Marker {
    DocumentStart,
    DocumentEnd,
}

fn marker(line: &str) -> Option<Marker> {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let kind = if line.starts_with("---") {
        Marker::DocumentStart
    } else if line.starts_with("...") {
        Marker::DocumentEnd
    } else {
        return None;
    };
    match line.as_bytes().get(3) {
        None | Some(b' ' | b'\t' | b'\r' | b'\n') => Some(kind),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        split_documents(text)
            .into_iter()
            .map(|c| &text[c.start..c.end])
            .collect()
    }

    #[test]
    fn bare_single_document() {
        assert_eq!(pieces("a: 1\nb: 2\n"), ["a: 1\nb: 2\n"]);
    }

    #[test]
    fn leading_comments_are_not_a_document() {
        assert_eq!(pieces("# hi\n\n---\na: 1\n"), ["# hi\n\n---\na: 1\n"]);
        assert_eq!(split_documents("# hi\n\n---\na: 1\n")[0].content_start, 6);
        assert!(pieces("# only a comment\n\n").is_empty());
    }

    #[test]
    fn empty_explicit_documents_count() {
        assert_eq!(
            pieces("a: 1\n---\n---\nb: 2\n"),
            ["a: 1\n", "---\n", "---\nb: 2\n"]
        );
    }

    #[test]
    fn document_end_marker_closes_a_document() {
        assert_eq!(pieces("a: 1\n...\n# c\n"), ["a: 1\n...\n"]);
        assert_eq!(pieces("a: 1\n...\nb: 2\n"), ["a: 1\n...\n", "b: 2\n"]);
    }

    #[test]
    fn directives_belong_to_the_next_document() {
        assert_eq!(pieces("%YAML 1.2\n---\na: 1\n"), ["%YAML 1.2\n---\na: 1\n"]);
    }

    #[test]
    fn dashes_inside_a_line_are_not_markers() {
        assert_eq!(pieces("a: ---\n----\n"), ["a: ---\n----\n"]);
        assert_eq!(pieces("---x\n"), ["---x\n"]);
    }

    #[test]
    fn chunk_lines_are_one_based() {
        let chunks = split_documents("a: 1\n---\nb: 2\n");
        assert_eq!(chunks[1].line, 2);
        assert_eq!(chunks[1].content_start, 5);
    }
}
