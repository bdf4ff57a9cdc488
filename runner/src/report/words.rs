//! The words of the formats people read (the HTML page and the workbook's headers), in
//! Japanese or English. The engine names views and columns in English for developers and
//! machines (`View::title`, `Column::label`, and the keys CSV and JSON use); a Japanese
//! reader gets them here, looked up by view id and column key, so a figure keeps one
//! definition and the keys never change with the language.

use junro_engine::kpi::{Column, Unit, View};

/// The language of a report for people. Japanese unless asked otherwise: the customers are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Language {
    /// 日本語.
    #[default]
    Ja,
    /// English.
    En,
}

impl Language {
    /// `ja` or `en`, as a query parameter or an HTML `lang` attribute says it.
    pub(crate) fn parse(code: &str) -> Option<Language> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ja" => Some(Language::Ja),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    /// The HTML `lang` attribute.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Language::Ja => "ja",
            Language::En => "en",
        }
    }

    /// One of two texts.
    pub(crate) fn pick(self, ja: &'static str, en: &'static str) -> &'static str {
        match self {
            Language::Ja => ja,
            Language::En => en,
        }
    }

    /// `yes`/`no` for flags.
    pub(crate) fn yes_no(self, b: bool) -> &'static str {
        match (self, b) {
            (Language::Ja, true) => "はい",
            (Language::Ja, false) => "いいえ",
            (Language::En, true) => "yes",
            (Language::En, false) => "no",
        }
    }

    /// A view's title.
    pub(crate) fn view_title(self, view: &View) -> &'static str {
        if self == Language::En {
            return view.title;
        }
        match view.id {
            "summary" => "全案件",
            "vendors" => "委託先別のワンストップ率とリードタイム",
            "flows" => "フロー別",
            "channels" => "受付チャネル別",
            "bottlenecks" => "フロー別のボトルネック",
            "bottlenecks_overall" => "全フローのボトルネック",
            "steps" => "ステップ別：待ち時間・処理時間・キュー・SLA",
            "vendor_steps" => "委託先・ステップ別の処理件数",
            "days" => "日別（終了件数は終了日、受付件数は受付日で集計）",
            "weeks" => "週別（ISO週）",
            "months" => "月別",
            "flow_over_time" => "日別の受付・完了・仕掛り",
            "orders" => "案件一覧",
            "time" => "時間の行き先（終了案件のリードタイムの内訳）",
            "not_one_stop" => "ワンストップにならなかった理由（完了案件、フロー・委託先別）",
            "follow_up" => "要フォロー（委託先・ステップ別）",
            "stalled" => "停滞案件（しきい値より長く動きのない案件と障害のある案件）",
            "tasks_due" => "期限超過・期限間近のタスク",
            _ => view.title,
        }
    }

    /// A fixed word the engine writes in a text column (a task's state, an order's outcome, an
    /// aging bucket), in Japanese; `None` for data, which is shown as it is.
    pub(crate) fn value(self, column: &Column, text: &str) -> Option<&'static str> {
        if self == Language::En {
            return None;
        }
        match (column.key, text) {
            ("state", "overdue") => Some("期限超過"),
            ("state", "at risk") => Some("期限間近"),
            ("outcome", outcome) => self.outcome(outcome),
            ("aging_bucket", "0-1d") => Some("1営業日未満"),
            ("aging_bucket", "1-3d") => Some("1〜3営業日"),
            ("aging_bucket", "3-7d") => Some("3〜7営業日"),
            ("aging_bucket", ">7d") => Some("7営業日超"),
            ("reason", "incident") => Some("障害"),
            ("reason", "nobody acting") => Some("担当者の対応待ち"),
            ("reason", "automatic") => Some("自動処理が動いていない"),
            ("reason", "overdue wait") => Some("他社・システムからの連絡待ち"),
            ("by", "flow") => Some("フロー"),
            ("by", "vendor") => Some("委託先"),
            _ => None,
        }
    }

    /// An order's status or outcome as the engine names it, in Japanese; `None` in English
    /// and for an outcome the flow names itself (shown as written).
    pub(crate) fn outcome(self, outcome: &str) -> Option<&'static str> {
        if self == Language::En {
            return None;
        }
        match outcome {
            "completed" => Some("完了"),
            "cancelled" => Some("キャンセル"),
            "rejected" => Some("却下"),
            "withdrawn" => Some("取下げ"),
            "failed" => Some("失敗"),
            "open" => Some("進行中"),
            "held" | "on_hold" => Some("保留中"),
            _ => None,
        }
    }

    /// A column's heading.
    pub(crate) fn column_label(self, column: &Column) -> &'static str {
        if self == Language::En {
            return column.label;
        }
        let flag = column.unit == Unit::Flag;
        match column.key {
            "scope" => "範囲",
            "vendor" => "委託先",
            "flow" => "フロー",
            "channel" => "受付チャネル",
            "day" => "日",
            "week" => "週",
            "month" => "月",
            "received" if column.unit == Unit::Time => "受付日時",
            "received" => "受付件数",
            "closed" if column.unit == Unit::Time => "終了日時",
            "closed" => "終了件数",
            "completed" => "完了件数",
            "cancelled" => "キャンセル件数",
            "rejected" => "却下件数",
            "withdrawn" => "取下げ件数",
            "failed" => "失敗件数",
            "by" => "集計軸",
            "key" => "フロー・委託先",
            "lead_time_total_s" => "リードタイム合計（時間）",
            "business_time_total_s" => "営業時間合計（時間）",
            "worked_s" => "作業中（時間）",
            "queued_s" => "担当待ち（時間）",
            "automatic_s" => "自動処理（時間）",
            "incident_s" => "障害（時間）",
            "customer_s" => "お客様待ち（時間）",
            "on_hold_s" => "保留（時間）",
            "partner_s" => "他社・システム待ち（時間）",
            "scheduled_s" => "予定日待ち（時間）",
            "other_s" => "その他（時間）",
            "worked_share" => "作業中",
            "queued_share" => "担当待ち",
            "automatic_share" => "自動処理",
            "incident_share" => "障害",
            "customer_share" => "お客様待ち",
            "on_hold_share" => "保留",
            "partner_share" => "他社・システム待ち",
            "scheduled_share" => "予定日待ち",
            "other_share" => "その他",
            "worked_business_share" => "作業中（営業時間）",
            "queued_business_share" => "担当待ち（営業時間）",
            "automatic_business_share" => "自動処理（営業時間）",
            "incident_business_share" => "障害（営業時間）",
            "customer_business_share" => "お客様待ち（営業時間）",
            "on_hold_business_share" => "保留（営業時間）",
            "partner_business_share" => "他社・システム待ち（営業時間）",
            "scheduled_business_share" => "予定日待ち（営業時間）",
            "other_business_share" => "その他（営業時間）",
            "one_stop" if flag => "ワンストップ",
            "one_stop" => "ワンストップ件数",
            "eligible_completed" => "対象の完了件数",
            "one_stop_rate" => "ワンストップ率",
            "target" => "目標",
            "target_met" => "目標達成",
            "not_one_stop" => "ワンストップにならなかった理由",
            "reason" if column.label == "Why" => "停滞の理由",
            "reason" => "判断 → バックオフィスのステップ",
            "rule" => "ルール",
            "orders" => "件数",
            "share" => "割合",
            "lead_time_p50_s" => "リードタイム中央値（時間）",
            "lead_time_p90_s" => "リードタイムp90（時間）",
            "business_lead_time_p50_s" => "営業時間リードタイム中央値（時間）",
            "business_lead_time_p90_s" => "営業時間リードタイムp90（時間）",
            "sla_met" if flag => "SLA達成",
            "sla_met" => "SLA達成件数",
            "sla_total" => "SLA対象件数",
            "sla_attainment" => "SLA達成率",
            "rework_orders" => "手戻りのあった案件",
            "rework_rate" => "手戻り率",
            "steps_processed" => "処理ステップ数",
            "rank" => "順位",
            "step" => "ステップ",
            "label" => "ステップ名",
            "waiting_share" => "待ち時間の割合（営業時間）",
            "waiting_total_s" => "待ち時間合計（時間）",
            "waiting_mean_s" => "待ち時間平均（時間）",
            "waiting_p50_s" => "待ち時間中央値（時間）",
            "waiting_p90_s" => "待ち時間p90（時間）",
            "waiting_p95_s" => "待ち時間p95（時間）",
            "processing_mean_s" => "処理時間平均（時間）",
            "processing_p50_s" => "処理時間中央値（時間）",
            "processing_p90_s" => "処理時間p90（時間）",
            "processing_p95_s" => "処理時間p95（時間）",
            "queue_growth_per_day" => "キューの増加（件/日）",
            "flagged" => "要注意",
            "lane" => "レーン",
            "back" => "バックオフィス",
            "human" => "人の作業",
            "wait" => "待機ステップ",
            "waiting_business_mean_s" => "待ち時間平均（営業時間）",
            "waiting_business_p90_s" => "待ち時間p90（営業時間）",
            "processing_business_mean_s" => "処理時間平均（営業時間）",
            "processing_business_p90_s" => "処理時間p90（営業時間）",
            "arrivals" => "到着件数",
            "queue" => "現在のキュー",
            "oldest_age_s" => "最も古い待ち（時間）",
            "wip" => "日末の仕掛り",
            "business_key" => "受付番号",
            "id" | "order" => "案件ID",
            "version" => "版",
            "outcome" => "結果",
            "lead_time_s" => "リードタイム（時間）",
            "business_lead_time_s" => "営業時間リードタイム（時間）",
            "stopped_s" => "時計停止（時間）",
            "touch_s" => "作業時間（時間）",
            "waiting_s" => "待ち時間（時間）",
            "flow_efficiency" => "フロー効率",
            "handoffs" => "引き継ぎ",
            "handoffs_lane" => "レーン間の引き継ぎ",
            "handoffs_vendor" => "委託先間の引き継ぎ",
            "rework" => "手戻り",
            "stalled" => "停滞案件",
            "overdue" => "期限超過タスク",
            "at_risk" => "期限間近タスク",
            "open_steps" => "進行中のステップ",
            "last_event" => "最後の動き",
            "idle_business_s" => "停滞（営業時間）",
            "age_business_s" => "経過（営業時間）",
            "aging_bucket" => "経過区分",
            "state" => "状態",
            "assignee" => "担当者",
            "due" => "期限",
            "past_due_business_s" => "期限超過（営業時間）",
            _ => column.label,
        }
    }
}
