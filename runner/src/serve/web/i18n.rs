//! The pages' words, Japanese first: English when the browser prefers it (`Accept-Language`)
//! or the person chose it (the `lang` cookie, set by the language switch). The flows' own labels
//! are shown as written, whatever the language.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// 日本語 (the default).
    Ja,
    /// English.
    En,
}

impl Lang {
    /// The language of a request: the `lang` cookie, else the first of `Accept-Language` that
    /// we have, else Japanese.
    pub(crate) fn of(headers: &HeaderMap) -> Lang {
        let cookie =
            headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(
                |pair| {
                    let (name, value) = pair.trim().split_once('=')?;
                    (name == "lang").then(|| value.to_string())
                },
            );
        if let Some(lang) = cookie.as_deref().and_then(Lang::parse) {
            return lang;
        }
        let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
        accept.split(',').filter_map(|part| Lang::parse(part.split(';').next()?.trim())).next().unwrap_or(Lang::Ja)
    }

    fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.split('-').next()?.to_ascii_lowercase();
        match primary.as_str() {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The `lang` attribute of the page.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The words of this language.
    pub(crate) fn words(self) -> &'static Words {
        match self {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }
}

/// Every fixed text of the pages.
#[derive(Debug)]
pub(crate) struct Words {
    pub(crate) app: &'static str,
    pub(crate) sign_in: &'static str,
    pub(crate) sign_out: &'static str,
    pub(crate) user_id: &'static str,
    pub(crate) password: &'static str,
    pub(crate) bad_credentials: &'static str,
    pub(crate) too_many_attempts: &'static str,
    pub(crate) my_work: &'static str,
    pub(crate) take_next: &'static str,
    pub(crate) nothing_to_take: &'static str,
    pub(crate) my_tasks: &'static str,
    pub(crate) no_tasks: &'static str,
    pub(crate) queue: &'static str,
    pub(crate) queue_empty: &'static str,
    pub(crate) filter: &'static str,
    pub(crate) flow: &'static str,
    pub(crate) step: &'static str,
    pub(crate) order_number: &'static str,
    pub(crate) due: &'static str,
    pub(crate) ready: &'static str,
    pub(crate) priority: &'static str,
    pub(crate) assignee: &'static str,
    pub(crate) overdue: &'static str,
    pub(crate) at_risk: &'static str,
    pub(crate) claim: &'static str,
    pub(crate) release: &'static str,
    pub(crate) complete: &'static str,
    pub(crate) send_back: &'static str,
    pub(crate) send_back_to: &'static str,
    pub(crate) reason: &'static str,
    pub(crate) team: &'static str,
    pub(crate) flows: &'static str,
    pub(crate) version: &'static str,
    pub(crate) effective_from: &'static str,
    pub(crate) work_as: &'static str,
    pub(crate) deputy_of: &'static str,
    pub(crate) myself: &'static str,
    pub(crate) incidents: &'static str,
    pub(crate) no_incidents: &'static str,
    pub(crate) raised: &'static str,
    pub(crate) attempts: &'static str,
    pub(crate) retry: &'static str,
    pub(crate) resolve: &'static str,
    pub(crate) retried_message: &'static str,
    pub(crate) resolved_message: &'static str,
    pub(crate) actions: &'static str,
    pub(crate) hold: &'static str,
    pub(crate) resume: &'static str,
    pub(crate) cancel: &'static str,
    pub(crate) pull_back: &'static str,
    pub(crate) transfer: &'static str,
    pub(crate) transfer_to: &'static str,
    pub(crate) dashboard: &'static str,
    pub(crate) follow_up: &'static str,
    pub(crate) from_day: &'static str,
    pub(crate) to_day: &'static str,
    pub(crate) downloads: &'static str,
    pub(crate) reassign: &'static str,
    pub(crate) reassign_to: &'static str,
    pub(crate) reassigned: &'static str,
    pub(crate) reason_needed: &'static str,
    pub(crate) order_page: &'static str,
    pub(crate) held_by_other: &'static str,
    pub(crate) order: &'static str,
    pub(crate) history: &'static str,
    pub(crate) diagram: &'static str,
    pub(crate) passed: &'static str,
    pub(crate) current: &'static str,
    pub(crate) data: &'static str,
    pub(crate) open_steps: &'static str,
    pub(crate) status: &'static str,
    pub(crate) status_open: &'static str,
    pub(crate) status_held: &'static str,
    pub(crate) vendor: &'static str,
    pub(crate) received: &'static str,
    pub(crate) task: &'static str,
    pub(crate) shown: &'static str,
    pub(crate) entered: &'static str,
    pub(crate) fix_fields: &'static str,
    pub(crate) not_found: &'static str,
    pub(crate) forbidden: &'static str,
    pub(crate) conflict: &'static str,
    pub(crate) bad_request: &'static str,
    pub(crate) back_to_work: &'static str,
    pub(crate) choose: &'static str,
    pub(crate) language: &'static str,
    pub(crate) priorities: [&'static str; 4],
    pub(crate) done_message: &'static str,
    pub(crate) sent_back_message: &'static str,
    pub(crate) released_message: &'static str,
    pub(crate) transferred_message: &'static str,
    pub(crate) count_suffix: &'static str,
}

static JA: Words = Words {
    app: "Junro 業務",
    sign_in: "ログイン",
    sign_out: "ログアウト",
    user_id: "ユーザーID",
    password: "パスワード",
    bad_credentials: "ユーザーIDまたはパスワードが違います",
    too_many_attempts: "失敗が続いたため、しばらくしてからもう一度お試しください",
    my_work: "マイワーク",
    take_next: "次の案件を取る",
    nothing_to_take: "いま取れる案件はありません",
    my_tasks: "担当中の案件",
    no_tasks: "担当中の案件はありません",
    queue: "取得できる案件",
    queue_empty: "取得できる案件はありません",
    filter: "絞り込み",
    flow: "フロー",
    step: "ステップ",
    order_number: "受付番号",
    due: "期限",
    ready: "受付日時",
    priority: "優先度",
    assignee: "担当者",
    overdue: "期限超過",
    at_risk: "期限間近",
    claim: "担当する",
    release: "担当を外す",
    complete: "完了",
    send_back: "差戻し",
    send_back_to: "差戻し先",
    reason: "理由",
    team: "チームの案件",
    flows: "フロー定義",
    version: "版",
    effective_from: "適用開始",
    work_as: "代理で作業",
    deputy_of: " の代理",
    myself: "自分の作業に戻る",
    incidents: "障害対応",
    no_incidents: "対応待ちの障害はありません",
    raised: "発生",
    attempts: "試行回数",
    retry: "再試行",
    resolve: "結果を入力して再開",
    retried_message: "再試行しました",
    resolved_message: "結果を入力して再開しました",
    actions: "操作",
    hold: "保留",
    resume: "保留を解除",
    cancel: "キャンセル",
    pull_back: "引戻し",
    transfer: "担当を渡す",
    transfer_to: "渡す相手",
    dashboard: "KPIダッシュボード",
    follow_up: "要フォロー一覧",
    from_day: "受付日(から)",
    to_day: "受付日(まで)",
    downloads: "ダウンロード",
    reassign: "割り当てる",
    reassign_to: "割当先",
    reassigned: "割り当てました",
    reason_needed: "差戻しの理由を入力してください",
    order_page: "案件の詳細",
    held_by_other: "他の担当者が対応中です",
    order: "案件",
    history: "履歴",
    diagram: "フロー図",
    passed: "通過済み",
    current: "現在地",
    data: "データ",
    open_steps: "進行中のステップ",
    status: "状態",
    status_open: "進行中",
    status_held: "保留中",
    vendor: "委託先",
    received: "受付",
    task: "タスク",
    shown: "確認項目",
    entered: "入力項目",
    fix_fields: "入力内容を確認してください",
    not_found: "見つかりません",
    forbidden: "この操作は許可されていません",
    conflict: "この案件はすでに変わっています",
    bad_request: "入力に誤りがあります",
    back_to_work: "マイワークへ戻る",
    choose: "選択してください",
    language: "English",
    priorities: ["低", "通常", "高", "至急"],
    done_message: "完了しました",
    sent_back_message: "差し戻しました",
    released_message: "担当を外しました",
    transferred_message: "担当を渡しました",
    count_suffix: "件",
};

static EN: Words = Words {
    app: "Junro work",
    sign_in: "Sign in",
    sign_out: "Sign out",
    user_id: "User id",
    password: "Password",
    bad_credentials: "The user id or the password is wrong",
    too_many_attempts: "Too many failed sign-ins; try again in a moment",
    my_work: "My work",
    take_next: "Take next",
    nothing_to_take: "There is nothing you may take right now",
    my_tasks: "My tasks",
    no_tasks: "You hold no tasks",
    queue: "Tasks you may take",
    queue_empty: "There are no tasks you may take",
    filter: "Filter",
    flow: "Flow",
    step: "Step",
    order_number: "Order number",
    due: "Due",
    ready: "Ready since",
    priority: "Priority",
    assignee: "Held by",
    overdue: "Overdue",
    at_risk: "Due soon",
    claim: "Claim",
    release: "Release",
    complete: "Complete",
    send_back: "Send back",
    send_back_to: "Send back to",
    reason: "Reason",
    team: "Team",
    flows: "Flows",
    version: "Version",
    effective_from: "Applies from",
    work_as: "Work as deputy",
    deputy_of: " (as deputy)",
    myself: "back to my own work",
    incidents: "Incidents",
    no_incidents: "No incident is waiting",
    raised: "Raised",
    attempts: "attempts",
    retry: "Retry",
    resolve: "Resolve with this result",
    retried_message: "Retried",
    resolved_message: "Resolved",
    actions: "Actions",
    hold: "Hold",
    resume: "Resume",
    cancel: "Cancel the order",
    pull_back: "Pull back",
    transfer: "Hand over",
    transfer_to: "Hand over to",
    dashboard: "KPI dashboard",
    follow_up: "Follow-up list",
    from_day: "Received from",
    to_day: "Received before",
    downloads: "Downloads",
    reassign: "Reassign",
    reassign_to: "Give to",
    reassigned: "Reassigned",
    reason_needed: "Say why the order goes back",
    order_page: "Order details",
    held_by_other: "Someone else holds this task",
    order: "Order",
    history: "History",
    diagram: "Flow",
    passed: "passed",
    current: "now here",
    data: "Data",
    open_steps: "Open steps",
    status: "Status",
    status_open: "open",
    status_held: "on hold",
    vendor: "Vendor",
    received: "Received",
    task: "Task",
    shown: "For your information",
    entered: "To enter",
    fix_fields: "Please check what you entered",
    not_found: "Not found",
    forbidden: "You may not do this",
    conflict: "This order has changed meanwhile",
    bad_request: "The request is not acceptable",
    back_to_work: "Back to my work",
    choose: "Choose",
    language: "日本語",
    priorities: ["low", "normal", "high", "urgent"],
    done_message: "Completed",
    sent_back_message: "Sent back",
    released_message: "Released",
    transferred_message: "Handed over",
    count_suffix: "",
};

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn japanese_unless_the_browser_or_the_person_asks_for_english() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::of(&headers), Lang::Ja);
        headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("en-US,en;q=0.9,ja;q=0.8"));
        assert_eq!(Lang::of(&headers), Lang::En);
        headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("fr-FR, ja;q=0.5"));
        assert_eq!(Lang::of(&headers), Lang::Ja);
        headers.insert(COOKIE, HeaderValue::from_static("junro_session=x; lang=en"));
        assert_eq!(Lang::of(&headers), Lang::En, "the person's choice wins");
    }
}
