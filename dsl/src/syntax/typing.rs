//! Characters typed with the Japanese input method where the language needs ASCII: a
//! full-width arrow `ー＞`, a comma `、`, quotes `「」`, digits `０`. Found in one pass over the
//! file before parsing (outside texts and comments), each run reported once with what to type
//! instead; the parser's own error on such a line would only repeat it less clearly, so the
//! caller drops it.

use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// The ASCII a full-width character stands for, when it is one an analyst types by mistake.
fn ascii_of(c: char) -> Option<char> {
    Some(match c {
        '、' | '，' | '､' => ',',
        '：' => ':',
        '＝' => '=',
        '＞' | '〉' => '>',
        '＜' | '〈' => '<',
        '（' => '(',
        '）' => ')',
        '｛' => '{',
        '｝' => '}',
        '［' => '[',
        '］' => ']',
        '「' | '」' | '『' | '』' | '“' | '”' | '＂' => '"',
        '＿' => '_',
        '．' => '.',
        '！' => '!',
        '＆' => '&',
        '｜' => '|',
        '＋' => '+',
        '－' | 'ー' | '―' | '‐' | '−' => '-',
        '＊' => '*',
        '／' => '/',
        '％' => '%',
        '＃' => '#',
        '０'..='９' | 'ａ'..='ｚ' | 'Ａ'..='Ｚ' => char::from_u32(u32::from(c) - 0xFEE0)?,
        _ => return None,
    })
}

/// Whether `c` at `i` starts a run worth reporting: a dash-like character only before `＞`
/// (`ー＞`), since `ー` is common in Japanese words the parser reports on its own.
fn starts_run(chars: &[(usize, char)], i: usize) -> bool {
    let c = chars[i].1;
    match c {
        'ー' | '―' | '‐' | '−' => chars.get(i + 1).is_some_and(|&(_, n)| n == '＞' || n == '>'),
        '→' => true,
        _ => ascii_of(c).is_some(),
    }
}

/// Every run of full-width characters outside texts and comments, with what to write.
pub(crate) fn full_width(text: &str) -> Vec<Diagnostic> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        match c {
            // A text: skip to its closing quote on the same line.
            '"' => {
                i += 1;
                while i < chars.len() && chars[i].1 != '"' && chars[i].1 != '\n' {
                    i += if chars[i].1 == '\\' { 2 } else { 1 };
                }
                i += 1;
                continue;
            }
            '#' => {
                while i < chars.len() && chars[i].1 != '\n' {
                    i += 1;
                }
                continue;
            }
            _ if !starts_run(&chars, i) => {
                i += 1;
                continue;
            }
            _ => {}
        }
        // A run of full-width characters, e.g. `ー＞` or `＝＝` or `１２`.
        let mut end = i;
        let mut written = String::new();
        while end < chars.len() && (end == i || starts_run(&chars, end) || ascii_of(chars[end].1).is_some()) {
            let ch = chars[end].1;
            if ch == '→' {
                written.push_str("->");
            } else if let Some(a) = ascii_of(ch) {
                written.push(a);
            } else {
                break;
            }
            end += 1;
            // A quote opens or closes a text: what follows it is the text's, not code.
            if matches!(ch, '「' | '『' | '“' | '＂') {
                break;
            }
        }
        let stop = chars.get(end).map_or(text.len(), |&(p, _)| p);
        let typed = &text[at..stop];
        let mut diagnostic = Diagnostic::error(
            "E0103",
            Span::new(at, stop),
            format!("`{typed}` is typed in full width (全角); write `{written}`"),
        )
        .with_label(format!("write `{written}`"))
        .with_help("switch the input method to half-width (半角英数) for names, numbers and symbols; only texts in double quotes and comments may be Japanese");
        if typed.starts_with(['「', '『', '“', '＂']) {
            diagnostic =
                diagnostic.with_help("labels and texts go between ASCII double quotes: `\"受付\"`, not `「受付」`");
        }
        out.push(diagnostic);
        // The text a Japanese quote opens runs to its closing quote: not code.
        if matches!(chars[end - 1].1, '「' | '『' | '“' | '＂') {
            let close = |c: char| matches!(c, '」' | '』' | '”' | '＂' | '"' | '\n');
            while end < chars.len() && !close(chars[end].1) {
                end += 1;
            }
        }
        i = end;
    }
    out
}

/// A condition written as people say it, not as Rhai reads it: `=` for "equals" (`==`),
/// `and` / `or` / `not` for `&&` / `||` / `!`. `found` is the parser's word for what stands at
/// `pos`; `operator` whether an operator could come there.
pub(crate) fn operator_slip(text: &str, pos: usize, found: &str, operator: bool) -> Option<Diagnostic> {
    let rest = text.get(pos..)?;
    if rest.starts_with("=>") {
        return Some(
            Diagnostic::error("E0101", Span::new(pos, pos + 2), "`=>` is not an arrow in a flow; write `->`")
                .with_label("write `->`")
                .with_help("a branch leads to its step with `->`: `when plan == \"premium\" -> review`"),
        );
    }
    let (typed, write, example) = match found {
        "`=`" if operator && !rest.starts_with("==") => ("=", "==", "`when plan == \"premium\" -> review`"),
        "`and`" if operator => ("and", "&&", "`when age >= 20 && ekyc_passed -> accept`"),
        "`or`" if operator => ("or", "||", "`when plan == \"a\" || plan == \"b\" -> review`"),
        "`not`" => ("not", "!", "`when !ekyc_passed -> review`"),
        _ => return None,
    };
    let message = if typed == "=" {
        "`=` sets a value; to compare two values, write `==`".to_string()
    } else {
        format!("conditions say `{typed}` as `{write}`")
    };
    Some(
        Diagnostic::error("E0101", Span::new(pos, pos + typed.len()), message)
            .with_label(format!("write `{write}`"))
            .with_help(format!("for example {example}")),
    )
}

#[cfg(test)]
mod tests {
    use super::full_width;

    fn found(text: &str) -> Vec<(String, String)> {
        full_width(text)
            .into_iter()
            .map(|d| {
                (text[d.span.start..d.span.end].to_string(), d.message.split("write ").nth(1).unwrap_or("").to_string())
            })
            .collect()
    }

    #[test]
    fn each_run_is_reported_once_with_what_to_type() {
        let text = "start ー＞ intake\n  plan \"プラン\" enum(basic、premium)\n  min ０\n  when a ＝＝ 1 -> x\n";
        assert_eq!(
            found(text),
            vec![
                ("ー＞".to_string(), "`->`".to_string()),
                ("、".to_string(), "`,`".to_string()),
                ("０".to_string(), "`0`".to_string()),
                ("＝＝".to_string(), "`==`".to_string()),
            ]
        );
    }

    #[test]
    fn texts_comments_and_japanese_words_are_left_alone() {
        let text =
            "# 受付、確認（電話）\nlane front \"フロント（受付）、窓口\" front\nrole operator \"オペレーター\"\n";
        assert!(found(text).is_empty(), "{:?}", found(text));
    }

    #[test]
    fn japanese_quotes_are_reported_but_not_the_label_inside() {
        let text = "task intake 「受付、確認」 {\n";
        assert_eq!(found(text), vec![("「".to_string(), "`\"`".to_string()), ("」".to_string(), "`\"`".to_string())]);
    }
}
