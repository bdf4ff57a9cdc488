//! Byte-offset spans, and the line index that turns them into line:column only when rendering.

use serde::Serialize;

/// A half-open byte range `[start, end)` in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end: end.max(start) }
    }

    /// The same span moved right by `offset` bytes (chunks are parsed on their own).
    pub fn shifted(self, offset: usize) -> Self {
        Span::new(self.start + offset, self.end + offset)
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// Line starts of a text, for turning byte offsets into 1-based line and column.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Index the lines of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 0-based line number holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(0)
    }

    /// 1-based line and column (column counted in characters) of byte `offset` in `text`.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = clamp_to_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let col = text.get(start..offset).map_or(0, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

/// The largest char boundary at or below `offset`, within `text`.
pub(crate) fn clamp_to_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "ab\n受付 x\n";
        let index = LineIndex::new(text);
        let x = text.find('x').expect("x is in the text");
        assert_eq!(index.line_col(text, x), (2, 4));
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, text.len()), (3, 1));
    }

    #[test]
    fn offsets_inside_a_character_are_clamped() {
        let text = "受";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 1), (1, 1));
    }
}
