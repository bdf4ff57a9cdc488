//! The words of notifications: a template per kind of notice and language, Japanese first,
//! each replaceable in the settings (`messages:` in `junro.yaml`), filled per notice. A template
//! names what it shows in braces (`{order}`, `{step}`, …); a name the notifier does not know, or
//! an unclosed brace, is refused when the settings are read, naming the template.

use serde::Deserialize;
use std::collections::BTreeMap;

/// What a template may show: the order (its business key, else its id), the step's label, the
/// due time, the notice's detail (a send-back's reason, an incident's error, a signal's name),
/// the flow's label and the link to the order's page.
pub const PLACEHOLDERS: &[&str] = &["order", "step", "due", "detail", "flow", "link"];

/// What the supervisors' digest's first line may show: the day, whose work (a vendor, or all),
/// the counts of overdue and at-risk tasks and of stalled orders, and the link to the list.
pub const DIGEST_PLACEHOLDERS: &[&str] = &["date", "scope", "overdue", "at_risk", "stalled", "link"];

/// What a customer's reminder may show: the order the customer knows (its business key), its
/// flow's label, what the date is (the date field's label) and the date. No link: the order's
/// page is the staff's.
pub const CUSTOMER_PLACEHOLDERS: &[&str] = &["order", "flow", "what", "date"];

/// The kinds of text there are templates for: one per kind of notice, the digest's first line,
/// the mail's link line and its signature, then a customer's reminder (first line the subject)
/// and the signature of mails to customers.
pub const KINDS: &[&str] = &[
    "reminder",
    "escalation",
    "transferred",
    "sent_back",
    "incident",
    "signal_expired",
    "digest",
    "mail_link",
    "mail_footer",
    "customer_reminder",
    "customer_footer",
];

/// What a template of `kind` may show.
pub fn placeholders(kind: &str) -> &'static [&'static str] {
    match kind {
        "digest" => DIGEST_PLACEHOLDERS,
        "customer_reminder" | "customer_footer" => CUSTOMER_PLACEHOLDERS,
        _ => PLACEHOLDERS,
    }
}

/// The built-in templates, by language.
fn built_in(language: &str, kind: &str) -> Option<&'static str> {
    Some(match (language, kind) {
        ("ja", "reminder") => "催促: 注文 {order} の「{step}」の期限が近づいています（期限 {due}）",
        ("ja", "escalation") => "エスカレーション: 注文 {order} の「{step}」が期限を過ぎました（期限 {due}）",
        ("ja", "transferred") => "注文 {order} の「{step}」があなたに引き継がれました",
        ("ja", "sent_back") => "差戻し: 注文 {order} が「{step}」に戻りました。理由: {detail}",
        ("ja", "incident") => "インシデント: 注文 {order} の「{step}」が失敗しました: {detail}",
        ("ja", "signal_expired") => {
            "シグナル「{detail}」は待つ注文がないまま期限切れになり破棄されました（注文 {order}）"
        }
        ("ja", "digest") => {
            "本日の要対応（{date}・{scope}）: 期限超過 {overdue} 件、期限間近 {at_risk} 件、停滞 {stalled} 件"
        }
        ("ja", "mail_link") => "確認・対応はこちら: {link}",
        ("ja", "mail_footer") => "Junro（このメールは自動送信です）",
        ("ja", "customer_reminder") => {
            "【{flow}】{what}のお知らせ\nいつもご利用いただきありがとうございます。\nお申し込み（受付番号 {order}）の{what}は {date} です。\nご都合が悪くなった場合は、お早めにお問い合わせ窓口までご連絡ください。"
        }
        ("ja", "customer_footer") => "このメールは送信専用です。ご返信いただいてもお答えできません。",
        ("en", "reminder") => "Reminder: \"{step}\" of order {order} is due soon (due {due})",
        ("en", "escalation") => "Escalation: \"{step}\" of order {order} is overdue (due {due})",
        ("en", "transferred") => "\"{step}\" of order {order} was handed to you",
        ("en", "sent_back") => "Sent back: order {order} returned to \"{step}\". Reason: {detail}",
        ("en", "incident") => "Incident: \"{step}\" of order {order} failed: {detail}",
        ("en", "signal_expired") => "Signal \"{detail}\" expired with no order waiting for it (order {order})",
        ("en", "digest") => {
            "To follow up today ({date}, {scope}): {overdue} overdue, {at_risk} at risk, {stalled} stalled"
        }
        ("en", "mail_link") => "Open it here: {link}",
        ("en", "mail_footer") => "Junro (sent automatically)",
        ("en", "customer_reminder") => {
            "{flow}: your {what} is coming up\nThank you for your order {order}. Your {what} is {date}.\nIf that no longer suits you, please contact us as soon as you can."
        }
        ("en", "customer_footer") => "This mail was sent automatically; replies are not read.",
        _ => return None,
    })
}

/// The notifications' language and the templates the settings replace.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Messages {
    /// The language notifications are worded in (`ja` or `en`, or one the templates below
    /// cover; `JUNRO_LANGUAGE`). A text with no template in it is worded in Japanese.
    pub language: String,
    /// Templates replacing the built-in ones: language → kind (`reminder`, `escalation`,
    /// `transferred`, `sent_back`, `incident`, `signal_expired`, `digest`, `mail_link`,
    /// `mail_footer`, `customer_reminder`, `customer_footer`) → text.
    pub templates: BTreeMap<String, BTreeMap<String, String>>,
}

impl Default for Messages {
    fn default() -> Self {
        Messages { language: "ja".into(), templates: BTreeMap::new() }
    }
}

/// A template the settings give that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("messages.templates.{language}.{kind}: {reason}")]
pub struct TemplateError {
    /// The template's language.
    pub language: String,
    /// Its kind.
    pub kind: String,
    /// What is wrong.
    pub reason: String,
}

impl Messages {
    /// Checks every template the settings give: known kinds, known placeholders, braces closed.
    pub fn check(&self) -> Result<(), TemplateError> {
        for (language, kinds) in &self.templates {
            for (kind, text) in kinds {
                let error = |reason: String| TemplateError { language: language.clone(), kind: kind.clone(), reason };
                if !KINDS.contains(&kind.as_str()) {
                    return Err(error(format!("no such kind of text (kinds: {})", KINDS.join(", "))));
                }
                parse(text, placeholders(kind)).map_err(error)?;
            }
        }
        Ok(())
    }

    /// The language a person's notifications are worded in: their own, else the settings'.
    pub fn language_for<'a>(&'a self, chosen: Option<&'a str>) -> &'a str {
        chosen.unwrap_or(&self.language)
    }

    /// The text of `kind` with `values` filled in, in the settings' language.
    pub fn render(&self, kind: &str, values: &[(&str, &str)]) -> String {
        self.render_in(&self.language, kind, values)
    }

    /// The text of `kind` with `values` filled in, in `language` (a person's): its template
    /// from the settings, else its built-in one, else the Japanese one.
    pub fn render_in(&self, language: &str, kind: &str, values: &[(&str, &str)]) -> String {
        let configured = self.templates.get(language).and_then(|kinds| kinds.get(kind)).map(String::as_str);
        let template = configured.or_else(|| built_in(language, kind)).or_else(|| built_in("ja", kind));
        let Some(template) = template else { return String::new() };
        // Templates from the settings were checked when read; the built-in ones parse.
        let Ok(parts) = parse(template, placeholders(kind)) else { return template.to_string() };
        parts
            .into_iter()
            .map(|part| match part {
                Part::Text(text) => text,
                Part::Value(name) => values.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v).to_string(),
            })
            .collect()
    }
}

enum Part {
    Text(String),
    Value(String),
}

/// A template as text and placeholders; `{{` and `}}` are braces.
fn parse(template: &str, allowed: &[&str]) -> Result<Vec<Part>, String> {
    let (mut parts, mut text) = (Vec::new(), String::new());
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let (mut name, mut closed) = (String::new(), false);
                for c in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    name.push(c);
                }
                if !closed {
                    return Err("a `{` is not closed (write `{{` for a brace)".into());
                }
                if !allowed.contains(&name.as_str()) {
                    return Err(format!(
                        "`{{{name}}}` is not something a notification can show (it can show {})",
                        shown(allowed)
                    ));
                }
                parts.push(Part::Text(std::mem::take(&mut text)));
                parts.push(Part::Value(name));
            }
            '}' => return Err("a `}` closes nothing (write `}}` for a brace)".into()),
            c => text.push(c),
        }
    }
    parts.push(Part::Text(text));
    Ok(parts)
}

fn shown(allowed: &[&str]) -> String {
    allowed.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(language: &str, kind: &str, text: &str) -> Messages {
        let kinds = BTreeMap::from([(kind.to_string(), text.to_string())]);
        Messages { language: language.into(), templates: BTreeMap::from([(language.to_string(), kinds)]) }
    }

    #[test]
    fn built_in_japanese_words_are_filled_in() {
        let text =
            Messages::default().render("reminder", &[("order", "ORD-1"), ("step", "受付"), ("due", "12月10日 09:00")]);
        assert_eq!(text, "催促: 注文 ORD-1 の「受付」の期限が近づいています（期限 12月10日 09:00）");
    }

    #[test]
    fn a_template_from_the_settings_replaces_the_built_in_one_of_its_language_only() {
        let messages = with("ja", "sent_back", "{order} 差戻し（{detail}） {{至急}}");
        assert_eq!(messages.check(), Ok(()));
        assert_eq!(
            messages.render("sent_back", &[("order", "A-1"), ("detail", "住所不備")]),
            "A-1 差戻し（住所不備） {至急}"
        );
        assert!(messages.render("incident", &[("order", "A-1")]).starts_with("インシデント"));
        let english = Messages { language: "en".into(), ..messages };
        assert!(english.render("sent_back", &[("order", "A-1")]).starts_with("Sent back: order A-1"));
    }

    #[test]
    fn a_language_without_built_in_words_falls_back_to_japanese_where_it_has_no_template() {
        let messages = with("ko", "reminder", "{order} 독촉");
        assert_eq!(messages.render("reminder", &[("order", "A-1")]), "A-1 독촉");
        assert!(messages.render("escalation", &[("order", "A-1")]).starts_with("エスカレーション"));
    }

    #[test]
    fn the_digest_has_a_template_of_its_own_with_its_own_values() {
        let values =
            [("date", "12月7日（月）"), ("scope", "vendor-a"), ("overdue", "1"), ("at_risk", "2"), ("stalled", "0")];
        assert_eq!(
            Messages::default().render("digest", &values),
            "本日の要対応（12月7日（月）・vendor-a）: 期限超過 1 件、期限間近 2 件、停滞 0 件"
        );
        let mine = with("ja", "digest", "【{scope}】超過{overdue}・間近{at_risk} {link}");
        assert_eq!(mine.check(), Ok(()));
        assert_eq!(
            mine.render("digest", &[("scope", "A社"), ("overdue", "1"), ("at_risk", "2")]),
            "【A社】超過1・間近2 "
        );
        let wrong = with("ja", "digest", "{order} の要対応").check().expect_err("a digest has no order");
        assert!(
            wrong.reason.contains("it can show {date}, {scope}, {overdue}, {at_risk}, {stalled}, {link}"),
            "{wrong}"
        );
        let english = Messages { language: "en".into(), templates: BTreeMap::new() };
        assert!(
            english
                .render_in("en", "digest", &values)
                .starts_with("To follow up today (12月7日（月）, vendor-a): 1 overdue")
        );
    }

    #[test]
    fn a_wrong_template_is_refused_naming_it_and_why() {
        let unknown = with("ja", "reminder", "{customer} さま").check().expect_err("refused");
        assert_eq!(unknown.to_string().split(':').next(), Some("messages.templates.ja.reminder"));
        assert!(unknown.reason.contains("`{customer}` is not something"), "{unknown}");
        let open = with("ja", "reminder", "注文 {order").check().expect_err("refused");
        assert!(open.reason.contains("not closed"), "{open}");
        let stray = with("ja", "reminder", "注文 } {order}").check().expect_err("refused");
        assert!(stray.reason.contains("closes nothing"), "{stray}");
        let kind = with("ja", "reminders", "{order}").check().expect_err("refused");
        assert!(kind.reason.contains("no such kind"), "{kind}");
    }
}
