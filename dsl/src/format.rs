//! `junro fmt`: rewrites a flow file in the canonical layout (see the layout rules in
//! `syntax/layout.rs`), keeping every comment. Formatting is idempotent, and it refuses to touch
//! a file with syntax errors. As a guard, the result must hold exactly the same tokens and
//! comments as the input; otherwise the file is left alone and an error is returned.

use crate::syntax;

/// Why a file could not be formatted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// The file has syntax errors (or is not UTF-8); formatting it could lose text.
    #[error("the file has syntax errors; fix them (see `junro check`) before formatting")]
    Syntax,
    /// The formatter would have changed the file's meaning; this is a bug in Junro.
    #[error("formatting would change the file's tokens; the file was left unchanged (please report this)")]
    Unsafe,
}

/// Formats one file's bytes, returning the canonical text.
pub fn format(source: &[u8]) -> Result<String, FormatError> {
    let text = std::str::from_utf8(source).map_err(|_| FormatError::Syntax)?;
    let (_, diagnostics) = crate::parse(source);
    if diagnostics.iter().any(|d| d.is_error()) {
        return Err(FormatError::Syntax);
    }
    // A file saved by a Windows editor keeps its CRLF line endings: laid out with LF, written
    // back with CRLF.
    let crlf = text.contains("\r\n") && !text.replace("\r\n", "").contains('\n');
    let lf = if crlf { std::borrow::Cow::Owned(text.replace("\r\n", "\n")) } else { std::borrow::Cow::Borrowed(text) };
    let formatted = syntax::layout(&lf).ok_or(FormatError::Syntax)?;
    let comments = |t: &str| crate::chunk::split(t).comments.into_iter().map(|c| c.text).collect::<Vec<_>>();
    if syntax::tokens(&lf) != syntax::tokens(&formatted) || comments(&lf) != comments(&formatted) {
        return Err(FormatError::Unsafe);
    }
    Ok(if crlf { formatted.replace('\n', "\r\n") } else { formatted })
}

#[cfg(test)]
mod tests {
    use super::format;

    const MESSY: &str = "# head comment\nlane  front \"フロント\"   front\nrole operator\n\n\n\nflow x \"X\"{\n  start->a   # first\n  data {\n      n \"番号\" integer min -1 max 10\n  }\n\n  # the task\n  task a \"A\" { lane front\n  role operator\n  sla 1h  show n\n    -> e }\n  decide d {\n    when n>=1&&!(n==2) -> e\n    else->e\n  }\n  end e \"完了\" completed\n}\n";

    #[test]
    fn lays_out_one_setting_per_line_and_keeps_comments() {
        let formatted = format(MESSY.as_bytes()).expect("formats");
        let expected = "# head comment\nlane front \"フロント\" front\nrole operator\n\nflow x \"X\" {\n  start -> a  # first\n  data {\n    n \"番号\" integer min -1 max 10\n  }\n\n  # the task\n  task a \"A\" {\n    lane front\n    role operator\n    sla 1h\n    show n\n    -> e\n  }\n  decide d {\n    when n >= 1 && !(n == 2) -> e\n    else -> e\n  }\n  end e \"完了\" completed\n}\n";
        assert_eq!(formatted, expected);
    }

    #[test]
    fn a_crlf_file_stays_crlf_and_a_canonical_one_is_left_as_it_is() {
        let canonical = format(MESSY.as_bytes()).expect("formats");
        let windows = canonical.replace('\n', "\r\n");
        assert_eq!(format(windows.as_bytes()).expect("formats"), windows, "--check passes on it");
        let messy = MESSY.replace('\n', "\r\n");
        let formatted = format(messy.as_bytes()).expect("formats");
        assert_eq!(formatted, windows, "laid out, its line endings kept");
    }

    #[test]
    fn formatting_is_idempotent() {
        let once = format(MESSY.as_bytes()).expect("formats");
        assert_eq!(format(once.as_bytes()).expect("formats again"), once);
    }

    #[test]
    fn a_file_with_syntax_errors_is_refused() {
        assert_eq!(format(b"flow x {\n  task {\n}\n"), Err(super::FormatError::Syntax));
    }
}
