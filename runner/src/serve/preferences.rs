//! What each person wants mailed, and when not: the kinds of notice that come by mail (default:
//! all) and quiet hours, during which mails wait until the hours end (in the default calendar's
//! zone; a window past midnight, 22:00–07:00, is allowed). The inbox always gets everything.

use super::db::{DbError, Pool, on_pool};
use jiff::civil::Time;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

/// Every kind of message a person may get.
pub const KINDS: [&str; 7] =
    ["reminder", "escalation", "transferred", "sent_back", "incident", "signal_expired", "digest"];

/// A person's notification preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// The kinds mailed (`reminder`, `escalation`, `transferred`, `sent_back`, `incident`,
    /// `signal_expired`, `digest`); the others reach the inbox only.
    pub mail_kinds: Vec<String>,
    /// Quiet hours' start, `HH:MM`: no mail from then…
    #[serde(default)]
    pub quiet_from: Option<String>,
    /// …until then, `HH:MM` (the mails wait).
    #[serde(default)]
    pub quiet_to: Option<String>,
    /// The language notifications are worded in (`ja`, `en`, …); none: the settings'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            mail_kinds: KINDS.iter().map(|k| (*k).to_string()).collect(),
            quiet_from: None,
            quiet_to: None,
            language: None,
        }
    }
}

/// `HH:MM` as a time of day (quiet hours here, the digest's time in the settings).
pub(crate) fn time_of(text: &str) -> Option<Time> {
    let (h, m) = text.trim().split_once(':')?;
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

impl Preferences {
    /// What is wrong with them, as (field, message) pairs.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if let Some(kind) = self.mail_kinds.iter().find(|k| !KINDS.contains(&k.as_str())) {
            problems.push(("mail_kinds", format!("`{kind}` is not a kind of notice (one of {})", KINDS.join(", "))));
        }
        for (field, value) in [("quiet_from", &self.quiet_from), ("quiet_to", &self.quiet_to)] {
            if value.as_deref().is_some_and(|v| time_of(v).is_none()) {
                problems
                    .push((field, format!("`{}` is not a time of day HH:MM", value.as_deref().unwrap_or_default())));
            }
        }
        if self.quiet_from.is_some() != self.quiet_to.is_some() {
            problems.push(("quiet_to", "quiet hours need both a start and an end".into()));
        }
        if let Some(language) = self.language.as_deref().filter(|l| !super::auth::users::valid_language(l)) {
            problems.push(("language", format!("`{language}` is not a language code (e.g. ja, en)")));
        }
        problems
    }

    /// Whether notices of `kind` are mailed.
    pub fn mails(&self, kind: &str) -> bool {
        self.mail_kinds.iter().any(|k| k == kind)
    }

    /// When a mail made at `now` may go: `now`, or the end of the quiet hours it falls in.
    pub fn mail_at(&self, now: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> jiff::Timestamp {
        let (Some(from), Some(to)) =
            (self.quiet_from.as_deref().and_then(time_of), self.quiet_to.as_deref().and_then(time_of))
        else {
            return now;
        };
        let local = now.to_zoned(zone.clone());
        let time = local.time();
        let quiet = if from <= to { time >= from && time < to } else { time >= from || time < to };
        if !quiet {
            return now;
        }
        // The end: today's `to`, or tomorrow's when the window runs past midnight and it is
        // still before midnight.
        let day =
            if from > to && time >= from { local.date().tomorrow().unwrap_or(local.date()) } else { local.date() };
        day.to_datetime(to).to_zoned(zone.clone()).map_or(now, |z| z.timestamp())
    }
}

impl Pool {
    /// A person's preferences (the defaults when they set none), with their language.
    pub async fn preferences(&self, user: &str) -> Result<Preferences, DbError> {
        let row = on_pool!(self, p => {
            sqlx::query(
                "SELECT u.language, n.mail_kinds, n.quiet_from, n.quiet_to FROM users u \
                 LEFT JOIN notification_preferences n ON n.user_id = u.id WHERE u.id = $1",
            )
            .bind(user)
            .fetch_optional(p)
            .await?
            .map(|r| {
                let kinds: Option<String> = r.try_get("mail_kinds")?;
                let set = match kinds {
                    Some(kinds) => Preferences {
                        mail_kinds: serde_json::from_str(&kinds).unwrap_or_default(),
                        quiet_from: r.try_get("quiet_from")?,
                        quiet_to: r.try_get("quiet_to")?,
                        language: None,
                    },
                    None => Preferences::default(),
                };
                Ok::<_, DbError>(Preferences { language: r.try_get("language")?, ..set })
            })
            .transpose()?
        });
        Ok(row.unwrap_or_default())
    }

    /// Stores a person's preferences and language (check [`Preferences::problems`] first).
    pub async fn set_preferences(&self, user: &str, preferences: &Preferences) -> Result<(), DbError> {
        let kinds = serde_json::to_string(&preferences.mail_kinds).unwrap_or_else(|_| "[]".into());
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE users SET language = $2 WHERE id = $1")
                .bind(user)
                .bind(&preferences.language)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO notification_preferences (user_id, mail_kinds, quiet_from, quiet_to) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (user_id) DO UPDATE SET mail_kinds = excluded.mail_kinds, quiet_from = excluded.quiet_from, \
                 quiet_to = excluded.quiet_to",
            )
            .bind(user)
            .bind(&kinds)
            .bind(&preferences.quiet_from)
            .bind(&preferences.quiet_to)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokyo(text: &str) -> jiff::Timestamp {
        let zone = jiff::tz::TimeZone::get("Asia/Tokyo").expect("zone");
        text.parse::<jiff::civil::DateTime>().expect("time").to_zoned(zone).expect("zoned").timestamp()
    }

    #[test]
    fn mails_made_in_quiet_hours_wait_for_their_end() {
        let zone = jiff::tz::TimeZone::get("Asia/Tokyo").expect("zone");
        let night =
            Preferences { quiet_from: Some("22:00".into()), quiet_to: Some("07:00".into()), ..Preferences::default() };
        assert!(night.problems().is_empty());
        assert_eq!(night.mail_at(tokyo("2026-12-07T12:00"), &zone), tokyo("2026-12-07T12:00"), "not quiet");
        assert_eq!(night.mail_at(tokyo("2026-12-07T23:30"), &zone), tokyo("2026-12-08T07:00"), "past midnight");
        assert_eq!(night.mail_at(tokyo("2026-12-08T03:00"), &zone), tokyo("2026-12-08T07:00"));
        let lunch =
            Preferences { quiet_from: Some("12:00".into()), quiet_to: Some("13:00".into()), ..Preferences::default() };
        assert_eq!(lunch.mail_at(tokyo("2026-12-07T12:30"), &zone), tokyo("2026-12-07T13:00"));
        assert_eq!(lunch.mail_at(tokyo("2026-12-07T13:00"), &zone), tokyo("2026-12-07T13:00"), "the end is not quiet");
    }

    #[test]
    fn wrong_preferences_are_named() {
        let wrong = Preferences {
            mail_kinds: vec!["spam".into()],
            quiet_from: Some("25:00".into()),
            quiet_to: None,
            language: Some("日本語".into()),
        };
        let fields: Vec<&str> = wrong.problems().iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["mail_kinds", "quiet_from", "quiet_to", "language"]);
        assert!(Preferences::default().mails("digest"));
    }
}
