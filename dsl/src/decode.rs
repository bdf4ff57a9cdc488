//! Bytes to text without losing positions: a file that is not valid UTF-8 gets a diagnostic for
//! each bad sequence, and each bad byte becomes `?` so every byte offset still means the same place.

use crate::diagnostic::Diagnostic;
use crate::span::Span;
use std::borrow::Cow;

/// Whether the bytes read as Shift_JIS: most of their non-ASCII bytes pair up as its
/// double-byte characters (lead 0x81–0x9F or 0xE0–0xFC, trail 0x40–0x7E or 0x80–0xFC), or are
/// its half-width katakana (0xA1–0xDF).
fn looks_shift_jis(bytes: &[u8]) -> bool {
    let (mut fits, mut all) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        all += 1;
        let lead = (0x81..=0x9F).contains(&b) || (0xE0..=0xFC).contains(&b);
        let trail = bytes.get(i + 1).is_some_and(|t| (0x40..=0x7E).contains(t) || (0x80..=0xFC).contains(t));
        if lead && trail {
            fits += 1;
            i += 2;
        } else {
            fits += usize::from((0xA1..=0xDF).contains(&b));
            i += 1;
        }
    }
    all > 0 && fits * 10 >= all * 9
}

/// Decodes `bytes`, reporting invalid UTF-8 once per file (the first bad sequence), naming
/// Shift_JIS when the file is saved in it.
pub(crate) fn decode<'b>(bytes: &'b [u8], diagnostics: &mut Vec<Diagnostic>) -> Cow<'b, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len());
            let mut rest = bytes;
            let (message, help) = if looks_shift_jis(bytes) {
                (
                    "this file is saved as Shift_JIS; flow files must be UTF-8",
                    "save it as UTF-8: in VS Code click \"Shift JIS\" in the status bar, then \"Save with Encoding\" → UTF-8; in メモ帳, 名前を付けて保存 → 文字コード UTF-8",
                )
            } else {
                ("this file is not valid UTF-8", "save the file as UTF-8 (Shift_JIS and other encodings are not read)")
            };
            if let Some(first) = std::str::from_utf8(bytes).err() {
                let at = first.valid_up_to();
                let bad = first.error_len().unwrap_or(bytes.len() - at);
                diagnostics.push(
                    Diagnostic::error("E0001", Span::new(at, at + bad), message)
                        .with_label("the first byte that is not UTF-8 (every such byte is shown as `?`)")
                        .with_help(help),
                );
            }
            loop {
                match std::str::from_utf8(rest) {
                    Ok(text) => {
                        out.push_str(text);
                        break;
                    }
                    Err(error) => {
                        let valid = error.valid_up_to();
                        let bad = error.error_len().unwrap_or(rest.len() - valid);
                        out.push_str(std::str::from_utf8(&rest[..valid]).unwrap_or_default());
                        out.extend(std::iter::repeat_n('?', bad));
                        rest = &rest[valid + bad..];
                    }
                }
            }
            Cow::Owned(out)
        }
    }
}
