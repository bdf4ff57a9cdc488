//! Bytes to text without losing positions: a file that is not valid UTF-8 gets a diagnostic for
//! each bad sequence, and each bad byte becomes `?` so every byte offset still means the same place.

use crate::diagnostic::Diagnostic;
use crate::span::Span;
use std::borrow::Cow;

/// Decodes `bytes`, reporting invalid UTF-8 (at most a few times per file).
pub(crate) fn decode<'b>(bytes: &'b [u8], diagnostics: &mut Vec<Diagnostic>) -> Cow<'b, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len());
            let mut rest = bytes;
            let mut offset = 0;
            let mut reported = 0;
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
                        if reported < 3 {
                            let at = offset + valid;
                            diagnostics.push(
                                Diagnostic::error("E0001", Span::new(at, at + bad), "this file is not valid UTF-8")
                                    .with_label("invalid byte sequence here (shown as `?`)")
                                    .with_help("save the file as UTF-8 (Shift_JIS and other encodings are not read)"),
                            );
                            reported += 1;
                        }
                        offset += valid + bad;
                        rest = &rest[valid + bad..];
                    }
                }
            }
            Cow::Owned(out)
        }
    }
}
