//! Line and column lookups in a text in `O(log lines + BLOCK)` time each,
//! after one `O(n)` pass: what every place that turns byte offsets into
//! `line:column` uses, so that many findings in one file (or on one long
//! line) cost linear, not quadratic, time.

use std::sync::Arc;

use platform_model::Span;

/// Bytes per block of the character-count index.
const BLOCK: usize = 64;

/// Line starts and per-block character counts of one text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LineIndex {
    /// Byte offset of the first byte of every line (the first is 0).
    line_starts: Vec<usize>,
    /// `chars_before[b]`: characters in `text[..b * BLOCK]`.
    chars_before: Vec<usize>,
    /// Length of the indexed text.
    len: usize,
}

/// Whether `b` starts a UTF-8 sequence (is not a continuation byte).
fn starts_char(b: u8) -> bool {
    (b & 0xC0) != 0x80
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        let mut chars_before = Vec::with_capacity(bytes.len() / BLOCK + 1);
        let mut chars = 0usize;
        for (i, &b) in bytes.iter().enumerate() {
            if i % BLOCK == 0 {
                chars_before.push(chars);
            }
            if starts_char(b) {
                chars += 1;
            }
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        chars_before.push(chars);
        Self {
            line_starts,
            chars_before,
            len: bytes.len(),
        }
    }

    /// Whether the index was built from a text of this length.
    pub(crate) fn fits(&self, text: &str) -> bool {
        self.len == text.len()
    }

    /// Characters in `text[..offset]` (`offset` on a char boundary).
    fn chars_to(&self, text: &str, offset: usize) -> usize {
        let block = offset / BLOCK;
        let base = self.chars_before.get(block).copied().unwrap_or(0);
        let from = block * BLOCK;
        base + text.as_bytes()[from.min(offset)..offset]
            .iter()
            .filter(|&&b| starts_char(b))
            .count()
    }

    /// 0-based index of the line holding `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Byte range of line `line` (0-based), without its terminator.
    pub(crate) fn line_range(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self.line_starts.get(line).copied().unwrap_or(text.len());
        let mut end = self
            .line_starts
            .get(line + 1)
            .map_or(text.len(), |&next| next - 1);
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        (start, end.max(start))
    }

    /// 1-based line and column (in characters) of `offset`, as
    /// [`platform_model::span::line_column`] computes them.
    pub(crate) fn line_column(&self, text: &str, offset: usize) -> (u32, u32) {
        if !self.fits(text) {
            return platform_model::span::line_column(text, offset);
        }
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = self.chars_to(text, offset) - self.chars_to(text, start) + 1;
        (saturate(line + 1), saturate(column))
    }

    /// What [`Span::from_offsets`] returns, without scanning the text before
    /// `offset`.
    pub(crate) fn span(&self, file: Arc<str>, text: &str, offset: usize, end: usize) -> Span {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let (line, column) = self.line_column(text, offset);
        Span::new(file, line, column, offset, end.min(text.len()))
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_scanning_line_column() {
        let text = "a: 1\r\nbé: x\n\nü".repeat(40) + &"é".repeat(300);
        let index = LineIndex::new(&text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                index.line_column(&text, offset),
                platform_model::span::line_column(
                    &text,
                    (0..=offset.min(text.len()))
                        .rev()
                        .find(|&o| text.is_char_boundary(o))
                        .unwrap_or(0)
                ),
                "offset {offset}"
            );
        }
        let (s, e) = index.line_range(&text, 0);
        assert_eq!(&text[s..e], "a: 1");
        assert_eq!(index.line_of(text.len()), index.line_starts.len() - 1);
    }
}
