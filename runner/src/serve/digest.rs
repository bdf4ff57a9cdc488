//! The supervisors' daily digest: at the settings' `digest_at` (08:30 by default) on the default
//! calendar's working days, each supervisor gets one message of their vendor's (in-house: all)
//! overdue and at-risk tasks and stalled orders, the reminder list (`/stalled`) in a few lines,
//! in the inbox and, with an address and a mail server, by mail. Nothing to follow up: no
//! message.
//!
//! One process sends a day's digests: the first to record the day in the shared settings
//! (`service_settings`) does; inbox rows and mails are keyed by person and `digest:<day>`, so
//! none is shown or mailed twice.

use super::auth::users::User;
use super::deliveries::{Channel, QueuedDelivery};
use super::inbox::NewInboxItem;
use super::preferences::time_of;
use super::state::AppState;
use jiff::civil::{Date, Time};
use junro_engine::calendar::Calendar;
use junro_engine::kpi::StalledReport;

/// Lines of each list in a message; the rest are counted.
const LINES: usize = 10;

/// The day whose digest is due at `now`: a working day of `calendar` on which `at` has passed.
pub(crate) fn due_day(calendar: &Calendar, at: Time, now: jiff::Timestamp) -> Option<Date> {
    let local = now.to_zoned(calendar.zone().clone());
    (calendar.is_working_day(local.date()) && local.time() >= at).then(|| local.date())
}

/// Sends today's digests if they are due and nobody has sent them; returns how many.
pub(crate) async fn send_if_due(state: &AppState) -> Result<usize, String> {
    let Some(at) = state.config.digest_at.as_deref() else { return Ok(0) };
    let at = time_of(at).ok_or_else(|| format!("digest_at `{at}` is not a time of day HH:MM"))?;
    let now = state.engine.now();
    let Some(day) = due_day(state.engine.default_calendar(), at, now) else { return Ok(0) };
    // This process has settled today's digest already (sent it, or seen another send it): no
    // write to the shared settings every round for the rest of the day.
    {
        let mut settled = state.digest_day.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if *settled == Some(day) {
            return Ok(0);
        }
        *settled = Some(day);
    }
    let key = format!("digest:{day}");
    let me = super::auth::random_hex();
    let claimed = state.db.setting(&key, || me.clone()).await.map_err(|e| e.to_string())?;
    if claimed != me {
        return Ok(0);
    }
    let config = super::api::kpi::kpi_config(state).map_err(|p| p.body().detail.clone())?;
    let data = state.engine.kpi_data(Some(now)).await.map_err(|e| e.to_string())?;
    let report = data.stalled(&config);
    let users = state.db.users().await.map_err(|e| e.to_string())?;
    let base = state.config.public_base();
    let (mut items, mut mails) = (Vec::new(), Vec::new());
    for user in users.iter().filter(|u| u.supervisor && !u.disabled) {
        let language = state.config.messages.language_for(user.language.as_deref());
        let Some(message) = words(state, &report, user, language, day) else { continue };
        if let (Some(address), Some(_)) = (&user.email, &state.config.mail) {
            let wants = state.db.preferences(&user.id).await.map_err(|e| e.to_string())?;
            if wants.mails("digest") {
                mails.push(QueuedDelivery {
                    target: user.id.clone(),
                    notice: key.clone(),
                    body: super::mail::compose(address, &message, "/stalled", &base, &state.config.messages, language),
                    not_before: Some(wants.mail_at(now, &state.engine.zone())),
                });
            }
        }
        items.push(NewInboxItem {
            user: user.id.clone(),
            notice: key.clone(),
            kind: "digest".into(),
            order: String::new(),
            message,
            link: "/stalled".into(),
        });
    }
    let _held = state.engine.hold_writes().await;
    state.db.add_to_inboxes(&items, now).await.map_err(|e| e.to_string())?;
    state.db.queue_deliveries(Channel::Mail, &mails, now).await.map_err(|e| e.to_string())?;
    metrics::counter!("junro_digests_total").increment(items.len() as u64);
    Ok(items.len())
}

/// The digest's fixed words in one language (Japanese for any without its own).
struct Words {
    weekdays: [&'static str; 7],
    all: &'static str,
    tasks: &'static str,
    stalled: &'static str,
    unclaimed: &'static str,
    held_by: &'static str,
    overdue: &'static str,
    at_risk: &'static str,
    more: &'static str,
}

fn words_of(language: &str) -> Words {
    if language == "en" {
        Words {
            weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            all: "all vendors",
            tasks: "■ Overdue and at-risk tasks",
            stalled: "■ Stalled orders",
            unclaimed: "unclaimed",
            held_by: "held by",
            overdue: "overdue",
            at_risk: "at risk",
            more: "and {n} more",
        }
    } else {
        Words {
            weekdays: ["月", "火", "水", "木", "金", "土", "日"],
            all: "全体",
            tasks: "■ 期限超過・期限間近のタスク",
            stalled: "■ 停滞している注文",
            unclaimed: "未着手",
            held_by: "担当",
            overdue: "期限超過",
            at_risk: "期限間近",
            more: "ほか {n} 件",
        }
    }
}

/// The digest for `user` in `language` (theirs, else the settings'), its first line from the
/// `digest` template; `None` when their scope has nothing to follow up.
fn words(state: &AppState, report: &StalledReport, user: &User, language: &str, day: Date) -> Option<String> {
    let mine = |vendor: &str| user.vendor.as_deref().is_none_or(|v| v == vendor);
    let tasks: Vec<_> = report.tasks.iter().filter(|t| mine(&t.vendor)).collect();
    let stalled: Vec<_> = report.stalled.iter().filter(|o| mine(&o.vendor)).collect();
    if tasks.is_empty() && stalled.is_empty() {
        return None;
    }
    let w = words_of(language);
    let zone = state.engine.zone();
    let overdue = tasks.iter().filter(|t| t.state == "overdue").count();
    let weekday = w.weekdays[usize::from(day.weekday().to_monday_zero_offset() as u8)];
    let date = if language == "en" {
        format!("{} {weekday}", day.strftime("%Y-%m-%d"))
    } else {
        format!("{}月{}日（{weekday}）", day.month(), day.day())
    };
    let link = format!("{}/stalled", state.config.public_base());
    let (overdue_n, at_risk_n, stalled_n) =
        (overdue.to_string(), (tasks.len() - overdue).to_string(), stalled.len().to_string());
    let values = [
        ("date", date.as_str()),
        ("scope", user.vendor.as_deref().unwrap_or(w.all)),
        ("overdue", overdue_n.as_str()),
        ("at_risk", at_risk_n.as_str()),
        ("stalled", stalled_n.as_str()),
        ("link", link.as_str()),
    ];
    let mut text = state.config.messages.render_in(language, "digest", &values);
    let order = |key: &Option<String>, id: &str| key.clone().unwrap_or_else(|| id.to_string());
    let more = |n: usize| format!("\n・{}", w.more.replace("{n}", &n.to_string()));
    if !tasks.is_empty() {
        text.push('\n');
        text.push_str(w.tasks);
        for t in tasks.iter().take(LINES) {
            let due = t.due.to_zoned(zone.clone()).strftime("%-m/%-d %H:%M");
            let who = t.assignee.as_deref().map_or_else(|| w.unclaimed.to_string(), |a| format!("{} {a}", w.held_by));
            let state = if t.state == "overdue" { w.overdue } else { w.at_risk };
            let key = order(&t.business_key, &t.order);
            text.push_str(&if language == "en" {
                format!("\n・order {key} \"{}\" due {due} ({who}) {state}", t.label)
            } else {
                format!("\n・注文 {key}「{}」期限 {due}（{who}）{state}", t.label)
            });
        }
        if tasks.len() > LINES {
            text.push_str(&more(tasks.len() - LINES));
        }
    }
    if !stalled.is_empty() {
        text.push('\n');
        text.push_str(w.stalled);
        for o in stalled.iter().take(LINES) {
            let hours = o.idle_business / 3600;
            let key = order(&o.business_key, &o.id);
            text.push_str(&if language == "en" {
                format!("\n・order {key} ({}) no change for {hours} business hours", o.open_steps)
            } else {
                format!("\n・注文 {key}（{}）{hours} 営業時間動きなし", o.open_steps)
            });
        }
        if stalled.len() > LINES {
            text.push_str(&more(stalled.len() - LINES));
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> jiff::Timestamp {
        text.parse::<jiff::civil::DateTime>()
            .expect("a time")
            .to_zoned(jiff::tz::TimeZone::get("Asia/Tokyo").expect("zone"))
            .expect("zoned")
            .timestamp()
    }

    #[test]
    fn the_digest_is_due_at_its_time_on_working_days_only() {
        let office = Calendar::japan_office();
        let half_past_eight = time_of("08:30").expect("a time");
        // Monday 2026-12-07.
        assert_eq!(due_day(&office, half_past_eight, at("2026-12-07T08:29")), None, "not before its time");
        assert_eq!(due_day(&office, half_past_eight, at("2026-12-07T08:30")), Some(jiff::civil::date(2026, 12, 7)));
        assert_eq!(
            due_day(&office, half_past_eight, at("2026-12-07T17:00")),
            Some(jiff::civil::date(2026, 12, 7)),
            "later that day too"
        );
        assert_eq!(due_day(&office, half_past_eight, at("2026-12-05T09:00")), None, "not on a Saturday");
        assert_eq!(due_day(&office, half_past_eight, at("2027-01-01T09:00")), None, "not on New Year's Day");
        assert_eq!(time_of("8:5"), jiff::civil::Time::new(8, 5, 0, 0).ok());
        assert_eq!(time_of("25:00"), None);
        assert_eq!(time_of("eight"), None);
    }
}
