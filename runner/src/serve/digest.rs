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
        let Some(message) = words(state, &report, user, day) else { continue };
        if let (Some(address), Some(_)) = (&user.email, &state.config.mail) {
            let wants = state.db.preferences(&user.id).await.map_err(|e| e.to_string())?;
            if wants.mails("digest") {
                mails.push(QueuedDelivery {
                    target: user.id.clone(),
                    notice: key.clone(),
                    body: super::mail::compose(address, &message, "/stalled", &base, &state.config.messages),
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

/// The digest for `user` in Japanese, or `None` when their scope has nothing to follow up.
fn words(state: &AppState, report: &StalledReport, user: &User, day: Date) -> Option<String> {
    let mine = |vendor: &str| user.vendor.as_deref().is_none_or(|v| v == vendor);
    let tasks: Vec<_> = report.tasks.iter().filter(|t| mine(&t.vendor)).collect();
    let stalled: Vec<_> = report.stalled.iter().filter(|o| mine(&o.vendor)).collect();
    if tasks.is_empty() && stalled.is_empty() {
        return None;
    }
    let zone = state.engine.zone();
    let overdue = tasks.iter().filter(|t| t.state == "overdue").count();
    let scope = user.vendor.as_deref().unwrap_or("全体");
    let weekday = ["月", "火", "水", "木", "金", "土", "日"][usize::from(day.weekday().to_monday_zero_offset() as u8)];
    let mut text = format!(
        "本日の要対応（{}月{}日（{weekday}）・{scope}）: 期限超過 {overdue} 件、期限間近 {} 件、停滞 {} 件",
        day.month(),
        day.day(),
        tasks.len() - overdue,
        stalled.len()
    );
    let order = |key: &Option<String>, id: &str| key.clone().unwrap_or_else(|| id.to_string());
    if !tasks.is_empty() {
        text.push_str("\n■ 期限超過・期限間近のタスク");
        for t in tasks.iter().take(LINES) {
            let due = t.due.to_zoned(zone.clone()).strftime("%-m/%-d %H:%M");
            let who = t.assignee.as_deref().map_or_else(|| "未着手".to_string(), |a| format!("担当 {a}"));
            let state = if t.state == "overdue" { "期限超過" } else { "期限間近" };
            text.push_str(&format!(
                "\n・注文 {}「{}」期限 {due}（{who}）{state}",
                order(&t.business_key, &t.order),
                t.label
            ));
        }
        if tasks.len() > LINES {
            text.push_str(&format!("\n・ほか {} 件", tasks.len() - LINES));
        }
    }
    if !stalled.is_empty() {
        text.push_str("\n■ 停滞している注文");
        for o in stalled.iter().take(LINES) {
            let hours = o.idle_business / 3600;
            text.push_str(&format!(
                "\n・注文 {}（{}）{hours} 営業時間動きなし",
                order(&o.business_key, &o.id),
                o.open_steps
            ));
        }
        if stalled.len() > LINES {
            text.push_str(&format!("\n・ほか {} 件", stalled.len() - LINES));
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
