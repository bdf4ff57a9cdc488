//! Words analysts bring from spreadsheets, databases and other tools where the flow language
//! has its own (`string` for `text`, `mandatory` for `required`, `default` for `=`), and a
//! Japanese label written where the name goes: the diagnostic says what to write instead.

use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// A field's settings after its type.
const FIELD_SETTINGS: &[&str] = &["required", "optional", "min", "max", "maxlen", "pattern"];

/// The language's type for a type name of another tool (`string` → `text`).
pub(super) fn type_synonym(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_lowercase().as_str() {
        "string" | "str" | "varchar" | "char" | "textarea" | "文字列" | "テキスト" | "文字" => "text",
        "int" | "number" | "num" | "long" | "bigint" | "count" | "整数" | "数値" | "数字" => "integer",
        "float" | "double" | "real" | "numeric" | "percent" | "小数" => "decimal",
        "yen" | "currency" | "price" | "amount" | "jpy" | "金額" | "円" => "money",
        "bool" | "flag" | "checkbox" | "yesno" | "真偽" | "真偽値" | "フラグ" => "boolean",
        "timestamp" | "time" | "instant" | "日時" => "datetime",
        "day" | "birthday" | "日付" => "date",
        "select" | "choice" | "choices" | "option" | "options" | "dropdown" | "選択" | "選択肢" => "enum",
        "array" | "vec" | "一覧" | "リスト" => "list",
        _ => return None,
    })
}

/// The setting meant by a word of another tool or in Japanese (`mandatory`, `必須` →
/// `required`).
pub(super) fn setting_synonym(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_lowercase().as_str() {
        "mandatory" | "must" | "not_null" | "notnull" | "nonnull" | "require" | "requires" | "必須" | "入力必須" => {
            "required"
        }
        "nullable" | "opt" | "任意" | "省略可" => "optional",
        "minimum" | "min_value" | "最小" | "最小値" | "下限" => "min",
        "maximum" | "max_value" | "最大" | "最大値" | "上限" => "max",
        "max_len" | "max_length" | "maxlength" | "length" | "len" | "size" | "文字数" | "最大文字数" | "桁数" => {
            "maxlen"
        }
        "regex" | "regexp" | "format" | "match" | "形式" | "書式" | "パターン" | "正規表現" => "pattern",
        _ => return None,
    })
}

/// The words the expected things offer as a closed choice (`` `same` or `any` ``, "a priority
/// (low, normal, high, urgent)"), and whether one of them is open (a setting, a step, a list
/// ending in `…`), where any keyword may begin.
pub(super) fn offered<'e>(expected: &[&'e str]) -> (Vec<&'e str>, bool) {
    let is_word = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    let mut words = Vec::new();
    // Nothing in particular expected: a new item may begin here, with any keyword.
    let mut open = expected.is_empty() || expected.contains(&"the end of the item");
    for e in expected {
        open |= e.contains('…') || e.contains("setting") || e.contains("statement") || e.contains("definition");
        words.extend(e.split('`').skip(1).step_by(2).filter(|w| is_word(w)));
        if let (Some(from), Some(to)) = (e.find('('), e.rfind(')'))
            && from < to
        {
            words.extend(e[from + 1..to].split(", ").filter(|w| is_word(w)));
        }
    }
    (words, open)
}

/// The choice meant by a word of everyday English (`medium` → `normal`, `all` → `any`).
pub(super) fn choice_synonym(word: &str) -> Option<&'static str> {
    Some(match word {
        "medium" | "mid" | "middle" | "standard" => "normal",
        "critical" | "emergency" | "highest" => "urgent",
        "lowest" => "low",
        "all" | "every" | "others" | "other" => "any",
        "own" | "mine" => "same",
        "done" | "complete" | "success" | "ok" => "completed",
        "cancel" | "canceled" => "cancelled",
        "error" | "failure" => "failed",
        "yes" => "true",
        "no" => "false",
        _ => return None,
    })
}

/// A word after a field's type that is no setting (`text requird`, `text default "a"`,
/// `text max_len 5`). The parser reads it as the next field's name and stops later, at the
/// next line's `}` or at the number; the mistake is the word, so it is reported there.
pub(super) fn stray_field_setting(text: &str, pos: usize) -> Option<Diagnostic> {
    let mut before = text[..pos].trim_end();
    // `default "a"`: the parser took the text for the next field's label.
    if let Some(quoted) = before.strip_suffix('"') {
        before = quoted[..quoted.rfind('"')?].trim_end();
    }
    let start = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_').len();
    let word = &before[start..];
    if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // The first word of its line names a field: that is a field without a type, not this.
    let line_start = before[..start].rfind('\n').map_or(0, |i| i + 1);
    if before[line_start..start].trim().is_empty() {
        return None;
    }
    let help = if word == "default" {
        "a default value is written `= value`, for example `= \"basic\"` or `= 1`".to_string()
    } else if let Some(meant) =
        setting_synonym(word).or_else(|| crate::suggest::closest(word, FIELD_SETTINGS.iter().copied()))
    {
        format!("did you mean `{meant}`?")
    } else {
        "a field's settings are `required`, `optional`, `= value`, `min`, `max`, `maxlen` and `pattern`".to_string()
    };
    Some(
        Diagnostic::error("E0101", Span::new(start, start + word.len()), format!("`{word}` is not a field setting"))
            .with_label("not a setting")
            .with_help(help),
    )
}

/// The help for a Japanese word where a name goes: the name of the step, field, lane or role
/// the file labels with it, or how names and labels differ.
pub(super) fn label_as_name(text: &str, word: &str) -> Option<String> {
    if word.is_ascii() || word.is_empty() {
        return None;
    }
    let quoted = format!("\"{word}\"");
    let named = text.match_indices(&quoted).find_map(|(at, _)| {
        let before = text[..at].trim_end();
        let start = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_').len();
        let name = &before[start..];
        // `category "…"`, `scenario "…"` and the like label nothing with a name.
        let keyword = ["category", "owner", "calendar", "import", "rules", "scenario", "pattern"].contains(&name);
        (!name.is_empty() && !keyword && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
    });
    Some(match named {
        Some(name) => format!("`{word}` is the label of `{name}`; write `{name}`"),
        None => "a name is written in ASCII letters, digits and `_` (such as `intake`); Japanese goes in the label, in double quotes".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::{label_as_name, stray_field_setting, type_synonym};

    #[test]
    fn other_tools_words_are_translated() {
        assert_eq!(type_synonym("String"), Some("text"));
        assert_eq!(type_synonym("number"), Some("integer"));
        assert_eq!(type_synonym("plan"), None);
    }

    #[test]
    fn a_word_after_a_type_is_reported_at_the_word() {
        let text = "  data {\n    plan \"プラン\" text mandatory\n  }\n";
        let pos = text.rfind('}').expect("a brace");
        let d = stray_field_setting(text, pos).expect("a diagnostic");
        assert_eq!(&text[d.span.start..d.span.end], "mandatory");
        assert_eq!(d.help.as_deref(), Some("did you mean `required`?"));
        // A Japanese word there is another mistake (and no reason to cut a character).
        let text = "  data {\n    plan \"プラン\" text 必須\n  }\n";
        assert!(stray_field_setting(text, text.rfind('}').expect("a brace")).is_none());
        // A field without a type is not this mistake.
        let text = "  data {\n    plan \"プラン\"\n  }\n";
        assert!(stray_field_setting(text, text.rfind('}').expect("a brace")).is_none());
    }

    #[test]
    fn a_label_where_a_name_goes_names_the_name() {
        let text = "  end done \"完了\" completed\n  -> 完了\n";
        assert_eq!(label_as_name(text, "完了").as_deref(), Some("`完了` is the label of `done`; write `done`"));
        assert!(label_as_name(text, "受付").is_some_and(|h| h.contains("ASCII")));
        assert_eq!(label_as_name(text, "done"), None);
    }
}
