//! An order's history in Japanese, for the staff's pages: the same events as [`super::describe`]
//! tells in English, with steps by their labels and times in the calendar's zone.

use crate::compile::CompiledFlow;
use crate::machine::Event;
use crate::script::Data;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// A step by its label (`受付入力`), or its id when the flow does not know it.
fn step(flow: Option<&CompiledFlow>, id: &str) -> String {
    flow.and_then(|f| f.node(id)).map_or_else(|| id.to_string(), |n| format!("「{}」", n.label))
}

/// A field by its label.
fn field(flow: Option<&CompiledFlow>, id: &str) -> String {
    flow.and_then(|f| f.field(id)).map_or_else(|| id.to_string(), |f| f.label.clone())
}

/// `お客様名 = "山田太郎"、プラン = "basic"`; `(値なし)` when empty.
fn values(flow: Option<&CompiledFlow>, data: &Data) -> String {
    if data.is_empty() {
        return "(値なし)".into();
    }
    data.iter().map(|(k, v)| format!("{} = {v}", field(flow, k))).collect::<Vec<_>>().join("、")
}

fn who(actor: &str, vendor: Option<&str>, on_behalf_of: &Option<String>) -> String {
    let mut text = match vendor {
        Some(vendor) => format!("{actor}({vendor})"),
        None => actor.to_string(),
    };
    if let Some(principal) = on_behalf_of {
        text.push_str(&format!("が{principal}の代理で"));
    } else {
        text.push('が');
    }
    text
}

fn at(zone: &TimeZone, t: Timestamp) -> String {
    t.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string()
}

/// One event in Japanese. `flow` (the order's flow version) supplies labels; `zone` the time
/// zone times are shown in.
pub fn describe_ja(event: &Event, flow: Option<&CompiledFlow>, zone: &TimeZone) -> String {
    let step = |id: &str| step(flow, id);
    let values = |data: &Data| values(flow, data);
    match event {
        Event::OrderStarted { flow: id, version, business_key, vendor, channel, data, .. } => {
            let mut text = format!("受付開始: フロー {id} 第{version}版");
            if let Some(key) = business_key {
                text.push_str(&format!("、受付番号 {key}"));
            }
            if let Some(vendor) = vendor {
                text.push_str(&format!("、委託先 {vendor}"));
            }
            if let Some(channel) = channel {
                text.push_str(&format!("、経路 {channel}"));
            }
            format!("{text}。データ: {}", values(data))
        }
        Event::TaskReady { step: s, role, back, due_at, .. } => {
            let office = if *back { "バックオフィス" } else { "フロント" };
            let due = due_at.map(|d| format!("、期限 {}", at(zone, d))).unwrap_or_default();
            format!("タスク{}が{office}の{role}の待ち行列に入りました{due}", step(s))
        }
        Event::TaskClaimed { instance, actor, vendor, on_behalf_of } => {
            format!("{}タスク#{instance}を担当しました", who(actor, vendor.as_deref(), on_behalf_of))
        }
        Event::TaskReleased { instance, actor, on_behalf_of } => {
            format!("{}タスク#{instance}の担当を外しました", who(actor, None, on_behalf_of))
        }
        Event::TaskTransferred { instance, from, to, on_behalf_of } => {
            let behalf = on_behalf_of.as_ref().map(|p| format!("({p}の代理)")).unwrap_or_default();
            format!("タスク#{instance}の担当が{from}から{to}に移りました{behalf}")
        }
        Event::TaskCompleted { step: s, actor, vendor, outcome, changes, on_behalf_of, .. } => {
            let outcome = outcome.as_ref().map(|o| format!("(結果: {o})")).unwrap_or_default();
            let changes = if changes.is_empty() { String::new() } else { format!("。入力: {}", values(changes)) };
            format!("{}タスク{}を完了しました{outcome}{changes}", who(actor, vendor.as_deref(), on_behalf_of), step(s))
        }
        Event::TaskSkipped { step: s, rule, inputs, outcome, .. } => {
            let outcome = outcome.as_ref().map(|o| format!("(結果: {o})")).unwrap_or_default();
            format!(
                "ルール `{rule}` が成り立ったため、タスク{}を省略しました{outcome}(参照: {})",
                step(s),
                values(inputs)
            )
        }
        Event::TaskCancelled { instance, reason } => format!("タスク#{instance}を取り下げました: {reason}"),
        Event::Decided { step: s, branch, next, inputs, table, .. } => {
            let mut text = format!("判定{}: ", step(s));
            if let Some(t) = table {
                let rows = t.rows.iter().map(usize::to_string).collect::<Vec<_>>().join("、");
                let rows = if t.rows.is_empty() { "該当行なし".to_string() } else { format!("{rows}行目") };
                text.push_str(&format!(
                    "表 {} が{}に{rows}で一致し、{}を設定。",
                    t.table,
                    values(&t.inputs),
                    values(&t.outputs)
                ));
            }
            if branch == "else" {
                text.push_str(&format!("どの条件も成り立たず(参照: {})、それ以外へ", values(inputs)));
            } else {
                text.push_str(&format!("`{branch}` が成り立ちました(参照: {})", values(inputs)));
            }
            format!("{text} → {}", step(next))
        }
        Event::BranchesTaken { step: s, branches, next, inputs, .. } => {
            let taken: Vec<String> = branches
                .iter()
                .zip(next)
                .map(|(b, n)| {
                    if b == "else" { format!("それ以外 → {}", step(n)) } else { format!("`{b}` → {}", step(n)) }
                })
                .collect();
            format!("分岐{}: {}本を実行({})。参照: {}", step(s), next.len(), taken.join("、"), values(inputs))
        }
        Event::ActionQueued { step: s, action, attempt, .. } => {
            format!("自動処理{}が {action} を依頼しました({attempt}回目)", step(s))
        }
        Event::ActionSucceeded { instance, written, .. } => {
            let written = if written.is_empty() { String::new() } else { format!("。結果: {}", values(written)) };
            format!("#{instance}の自動処理が成功しました{written}")
        }
        Event::ActionFailed { instance, attempt, error, retry_at, .. } => {
            let retry = retry_at.map_or_else(|| "、再試行なし".to_string(), |t| format!("、{}に再試行", at(zone, t)));
            format!("#{instance}の自動処理が失敗しました({attempt}回目): {error}{retry}")
        }
        Event::IncidentRaised { step: s, message, .. } => format!("障害: {}で停止しました: {message}", step(s)),
        Event::IncidentRetried { instance, actor } => format!("{actor}が#{instance}の障害を再試行しました"),
        Event::IncidentResolved { instance, actor, written } => {
            let written = if written.is_empty() { String::new() } else { format!("({})", values(written)) };
            format!("{actor}が#{instance}の障害を解決しました{written}")
        }
        Event::WaitStarted { step: s, customer, .. } => {
            format!("{}で待機を開始しました{}", step(s), if *customer { "(お客様待ち)" } else { "" })
        }
        Event::WaitEnded { by, next, .. } => format!("待機が {by} で終わりました → {}", step(next)),
        Event::SubflowStarted { step: s, flow: child, .. } => format!("{}がサブフロー {child} を開始しました", step(s)),
        Event::SubflowEnded { outcome, outputs, .. } => {
            let outputs = if outputs.is_empty() { String::new() } else { format!("。結果: {}", values(outputs)) };
            format!("サブフローが {outcome} で終わりました{outputs}")
        }
        Event::SignalReceived { name, data, sender } => {
            let sender = sender.as_ref().map(|s| format!("{s}から")).unwrap_or_default();
            let data = if data.is_empty() { String::new() } else { format!("。内容: {}", values(data)) };
            format!("{sender}通知 {name} を受けました{data}")
        }
        Event::FlowMigrated { from, to, actor } => format!("{actor}が第{from}版から第{to}版へ移行しました"),
        Event::SignalKept { name, sender, expires_at } => {
            let sender = sender.as_ref().map(|s| format!("{s}から")).unwrap_or_default();
            format!("{sender}の通知 {name} は待機前に届いたため、{}まで保持します", at(zone, *expires_at))
        }
        Event::SignalExpired { name, sender, reason } => {
            let sender = sender.as_ref().map(|s| format!("{s}から")).unwrap_or_default();
            format!("保持していた{sender}の通知 {name} を破棄しました({reason})。未配信の通知一覧に載っています")
        }
        Event::SentBack { from, to, actor, reason, on_behalf_of, .. } => {
            format!("{}{}から{}へ差し戻しました: {reason}", who(actor, None, on_behalf_of), step(from), step(to))
        }
        Event::PulledBack { step: s, actor, on_behalf_of, .. } => {
            format!("{}{}を引き戻しました", who(actor, None, on_behalf_of), step(s))
        }
        Event::Held { actor, reason } => format!("{actor}が保留にしました: {reason}"),
        Event::Resumed { actor } => format!("{actor}が保留を解除しました"),
        Event::Reminded { instance } => format!("タスク#{instance}の催促時期になりました"),
        Event::CustomerReminded { date, moment, .. } => {
            format!("お客様に{}({})のお知らせを送る時期になりました", field(flow, date), at(zone, *moment))
        }
        Event::TaskDueMoved { instance, due_at, stopped_s } => format!(
            "タスク#{instance}の期限を{}に延ばしました(SLAの時計が営業時間で{:.1}時間止まっていたため)",
            at(zone, *due_at),
            *stopped_s as f64 / 3600.0
        ),
        Event::Overdue { instance } => format!("タスク#{instance}が期限を過ぎました"),
        Event::Escalated { instance, role, priority } => {
            let priority = priority
                .map(|p| format!("、優先度 {}", ["低", "通常", "高", "至急"][usize::from(p.min(3))]))
                .unwrap_or_default();
            format!("タスク#{instance}を{role}にエスカレーションしました{priority}")
        }
        Event::OrderClosed { outcome, by, actor: Some(actor) } => format!("{actor}により終了: {outcome}({by})"),
        Event::OrderClosed { outcome, by, actor: None } => format!("終了: {outcome}({by})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_back_on_someones_behalf_reads_in_japanese() {
        let event = Event::SentBack {
            instance: 3,
            from: "review".into(),
            to: "intake".into(),
            actor: "sato".into(),
            reason: "建物種別を確認してください".into(),
            on_behalf_of: Some("tanaka".into()),
        };
        assert_eq!(
            describe_ja(&event, None, &TimeZone::UTC),
            "satoがtanakaの代理でreviewからintakeへ差し戻しました: 建物種別を確認してください"
        );
        let held = Event::Held { actor: "sv-a01".into(), reason: "お客様都合".into() };
        assert_eq!(describe_ja(&held, None, &TimeZone::UTC), "sv-a01が保留にしました: お客様都合");
    }
}
