//! Source positions.
//!
//! Everything in the tree carries a [`TextRange`] (byte offsets into the policy text, cheap
//! to store). A [`LineIndex`] turns byte offsets into the [`Position`]s findings report:
//!
//! - `line`: 1-based;
//! - `column`: 1-based, counted in Unicode scalar values (code points) from the line start;
//!   SARIF calls this `columnKind: "unicodeCodePoints"`. For ASCII text (almost every
//!   policy) it equals the byte column and the UTF-16 column;
//! - `offset`: 0-based byte offset into the UTF-8 text (Rust `&str` indexing);
//! - `utf16Offset`: 0-based offset in UTF-16 code units, i.e. a JavaScript string index, which
//!   is what CodeMirror / Monaco positions are. The wasm layer passes it through unchanged.
//!
//! Line breaks: `\n`, `\r\n` and a lone `\r` each end a line (as editors do).

use serde::Serialize;

/// A half-open byte range `start..end` into the policy text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub const fn new(start: u32, end: u32) -> Self {
        TextRange { start, end }
    }
    /// An empty range at `at`.
    pub const fn empty(at: u32) -> Self {
        TextRange { start: at, end: at }
    }
    pub fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
    /// The smallest range covering both.
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    pub(crate) fn from_usize(start: usize, end: usize) -> Self {
        TextRange {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }
}

/// One position in the text (see the module docs for the units).
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub offset: u32,
    pub utf16_offset: u32,
}

/// A start and end position (end is exclusive: the position just after the last character).
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

/// Line starts of one text, for byte offset -> line/column/UTF-16 conversion in
/// O(log lines + line length).
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the first byte of each line.
    line_starts: Vec<u32>,
    /// UTF-16 offset of the first code unit of each line (empty when the text is ASCII).
    line_starts_utf16: Vec<u32>,
    ascii: bool,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let ascii = text.is_ascii();
        let mut line_starts = vec![0u32];
        let mut line_starts_utf16 = Vec::new();
        if !ascii {
            line_starts_utf16.push(0);
        }
        let mut utf16 = 0u32;
        let mut i = 0usize;
        while i < bytes.len() {
            let b = bytes[i];
            let (is_break, width) = match b {
                b'\n' => (true, 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => (true, 2),
                b'\r' => (true, 1),
                _ => (false, 1),
            };
            if !ascii {
                // Count UTF-16 units of this char (continuation bytes add nothing).
                utf16 = utf16.saturating_add(match b {
                    0x00..=0x7F => 1,
                    0x80..=0xBF => 0,
                    0xC0..=0xEF => 1,
                    _ => 2,
                });
                if is_break && width == 2 {
                    utf16 = utf16.saturating_add(1);
                }
            }
            i += width;
            if is_break {
                line_starts.push(u32::try_from(i).unwrap_or(u32::MAX));
                if !ascii {
                    line_starts_utf16.push(utf16);
                }
            }
        }
        LineIndex {
            line_starts,
            line_starts_utf16,
            ascii,
            len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
        }
    }

    /// The position of byte `offset` (clamped to the text; an offset inside a multi-byte
    /// character counts as that character).
    pub fn position(&self, text: &str, offset: u32) -> Position {
        let offset = offset.min(self.len);
        let line0 = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line0).copied().unwrap_or(0);
        let line = u32::try_from(line0 + 1).unwrap_or(u32::MAX);
        if self.ascii {
            return Position {
                line,
                column: offset - line_start + 1,
                offset,
                utf16_offset: offset,
            };
        }
        let seg = text
            .as_bytes()
            .get(line_start as usize..offset as usize)
            .unwrap_or(&[]);
        let mut chars = 0u32;
        let mut units = 0u32;
        for &b in seg {
            match b {
                0x80..=0xBF => {}
                0xF0..=0xFF => {
                    chars += 1;
                    units += 2
                }
                _ => {
                    chars += 1;
                    units += 1
                }
            }
        }
        let base16 = self.line_starts_utf16.get(line0).copied().unwrap_or(0);
        Position {
            line,
            column: chars + 1,
            offset,
            utf16_offset: base16 + units,
        }
    }

    pub fn span(&self, text: &str, range: TextRange) -> Span {
        Span {
            start: self.position(text, range.start),
            end: self.position(text, range.end.max(range.start)),
        }
    }

    /// Byte offset of a 1-based line and code-point column (for tests and tools); `None`
    /// when outside the text.
    pub fn offset_of(&self, text: &str, line: u32, column: u32) -> Option<u32> {
        let start = *self.line_starts.get(line.checked_sub(1)? as usize)?;
        let rest = text.get(start as usize..)?;
        let mut col = 1u32;
        for (i, ch) in rest.char_indices() {
            if col == column {
                return u32::try_from(i).ok().map(|i| i + start);
            }
            if ch == '\n' || ch == '\r' {
                return None;
            }
            col += 1;
        }
        (col == column).then_some(self.len)
    }
}

/// Converts a UTF-16 offset (a JS string index) to a byte offset (for the wasm layer, e.g. to
/// map an editor cursor into the text). Clamped to the text.
pub fn utf16_to_byte_offset(text: &str, utf16: u32) -> u32 {
    let mut units = 0u32;
    for (i, ch) in text.char_indices() {
        if units >= utf16 {
            return u32::try_from(i).unwrap_or(u32::MAX);
        }
        units += ch.len_utf16() as u32;
    }
    u32::try_from(text.len()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_positions() {
        let t = "{\n  \"a\": 1\r\n}";
        let li = LineIndex::new(t);
        let p = li.position(t, 4);
        assert_eq!((p.line, p.column, p.offset, p.utf16_offset), (2, 3, 4, 4));
        let p = li.position(t, 12);
        assert_eq!((p.line, p.column), (3, 1));
        assert_eq!(li.offset_of(t, 2, 3), Some(4));
    }

    #[test]
    fn non_ascii_positions() {
        // "é" is 2 bytes / 1 UTF-16 unit; "𝄞" is 4 bytes / 2 UTF-16 units.
        let t = "{\"é𝄞\":\n\"x\"}";
        let li = LineIndex::new(t);
        let x = t.find("x").unwrap() as u32;
        let p = li.position(t, x);
        assert_eq!((p.line, p.column), (2, 2));
        assert_eq!(p.utf16_offset, "{\"é𝄞\":\n\"".encode_utf16().count() as u32);
        let colon = t.find(':').unwrap() as u32;
        let p = li.position(t, colon);
        assert_eq!((p.line, p.column, p.utf16_offset), (1, 6, 6));
        assert_eq!(utf16_to_byte_offset(t, 6), colon);
    }
}
