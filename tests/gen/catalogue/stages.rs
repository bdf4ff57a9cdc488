//! The stages recipes are made of: intake by channel, customer documents, credit, the
//! back-office review, the cancellation fee, construction, equipment and customer confirmation.
//! Each stage reads the table columns that concern it, adds its steps, and offers alternative
//! scenarios ([`Ctx::alt`]) that show its other paths.

use super::conds::{self, above, is};
use super::model::{Arm, Auto, Builder, Call, Decide, FlowModel, Lit, Play, Sub, Task};
use super::product::Product;
use super::table::{Channel, Confirm, Construction, Credit, Documents, Penalty, Priority, Review, Row, Shipping};
use std::collections::BTreeSet;

/// A recipe's working state.
pub(crate) struct Ctx<'r> {
    pub(crate) row: &'r Row,
    pub(crate) p: &'static Product,
    pub(crate) b: Builder,
    /// Position of the row in the table, to vary sample names.
    pub(crate) index: usize,
    used: BTreeSet<&'static str>,
    /// The intake task, when there is one (send-backs go there).
    pub(crate) intake: Option<&'static str>,
    /// Checks already in the flow (`area`, `duplicate`, `score`, `line_test`).
    pub(crate) has: BTreeSet<&'static str>,
    alts: Vec<(u8, Play)>,
    pub(crate) happy: Play,
}

const NAMES: &[&str] = &[
    "山田太郎",
    "佐藤花子",
    "鈴木一郎",
    "高橋美咲",
    "田中健太",
    "伊藤由美",
    "渡辺翔",
    "中村彩",
    "小林大輔",
    "加藤恵",
    "吉田拓也",
    "山本真理",
    "松本和也",
    "井上さくら",
    "木村亮",
    "林優子",
    "斎藤隆",
    "清水愛",
    "山口直樹",
    "森本里奈",
];

impl<'r> Ctx<'r> {
    pub(crate) fn new(row: &'r Row, index: usize) -> Ctx<'r> {
        let mut b = Builder::new();
        b.defaults.push(("customer_name", Lit::text(NAMES[index % NAMES.len()])));
        b.defaults.push(("new_name", Lit::text(NAMES[(index + 7) % NAMES.len()])));
        Ctx {
            row,
            p: row.product,
            b,
            index,
            used: BTreeSet::new(),
            intake: None,
            has: BTreeSet::new(),
            alts: Vec::new(),
            happy: Play::new("標準的な流れ"),
        }
    }

    // ---------------------------------------------------------------- columns

    pub(crate) fn construction(&mut self) -> Construction {
        self.used.insert("construction");
        self.row.construction
    }
    pub(crate) fn credit(&mut self) -> Credit {
        self.used.insert("credit");
        self.row.credit
    }
    pub(crate) fn penalty(&mut self) -> Penalty {
        self.used.insert("penalty");
        self.row.penalty
    }
    pub(crate) fn shipping(&mut self) -> Shipping {
        self.used.insert("shipping");
        self.row.shipping
    }
    pub(crate) fn documents(&mut self) -> Documents {
        self.used.insert("documents");
        self.row.documents
    }
    pub(crate) fn review(&mut self) -> Review {
        self.used.insert("review");
        self.row.review
    }
    pub(crate) fn rule_key(&mut self) -> Option<String> {
        self.used.insert("onestop_rule");
        self.row.onestop_rule.clone()
    }
    pub(crate) fn confirm(&mut self) -> Confirm {
        self.used.insert("confirm");
        self.row.confirm
    }
    pub(crate) fn priority(&mut self) -> Option<&'static str> {
        self.used.insert("priority");
        match self.row.priority {
            Priority::Normal => None,
            Priority::High => Some("high"),
            Priority::Urgent => Some("urgent"),
        }
    }

    pub(crate) fn channel(&self) -> Channel {
        self.row.channel
    }

    /// A column set to something other than its default that the recipe never looked at is a
    /// mistake in the table.
    fn check_columns(&self) -> Result<(), String> {
        let r = self.row;
        let set = [
            ("construction", r.construction != Construction::None),
            ("credit", r.credit != Credit::None),
            ("penalty", r.penalty != Penalty::None),
            ("shipping", r.shipping != Shipping::None),
            ("documents", r.documents != Documents::None),
            ("review", r.review != Review::None),
            ("onestop_rule", r.onestop_rule.is_some()),
            ("confirm", r.confirm != Confirm::None),
            ("priority", r.priority != Priority::Normal),
        ];
        for (column, is_set) in set {
            if is_set && !self.used.contains(column) {
                return Err(format!("column `{column}` is set, but operation `{}` does not use it", r.op.id()));
            }
        }
        Ok(())
    }

    /// Offers an alternative scenario; the one with the highest rank is written.
    pub(crate) fn alt(&mut self, rank: u8, play: Play) {
        self.alts.push((rank, play));
    }

    /// Adds a sentence to the flow's header comment.
    pub(crate) fn say(&mut self, line: impl Into<String>) {
        self.b.description.push(line.into());
    }

    /// Finishes the flow: the successful end, the happy scenario and the best alternative.
    pub(crate) fn finish(mut self, done_label: &str) -> Result<FlowModel, String> {
        self.check_columns()?;
        if self.row.confirm == Confirm::Intent && !self.b.has("confirm") {
            return Err(format!("confirm `intent` is not offered by operation `{}`", self.row.op.id()));
        }
        let mut plays = vec![self.happy.clone()];
        // Stable: among equal ranks the first offered wins.
        let best = self
            .alts
            .iter()
            .enumerate()
            .max_by_key(|(i, (rank, _))| (*rank, usize::MAX - i))
            .map(|(_, (_, p))| p.clone());
        plays.extend(best);
        self.b.plays = plays;
        let description = std::mem::take(&mut self.b.description);
        self.b.description = wrap_comment(&description.join(" "));
        self.b.finish(done_label)
    }
}

/// Wraps text into comment lines of at most 96 columns.
fn wrap_comment(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > 96 {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

// -------------------------------------------------------------------- intake

/// How the operation is taken in.
pub(crate) struct Intake {
    /// Label of the phone/store intake task, e.g. 新規申込受付.
    pub(crate) label: &'static str,
    /// The paper form, e.g. 申込書.
    pub(crate) form: &'static str,
    pub(crate) sla: &'static str,
    pub(crate) show: Vec<&'static str>,
    pub(crate) edit: Vec<&'static str>,
    pub(crate) require: Vec<&'static str>,
    /// Whether web orders get a front check of what the customer entered.
    pub(crate) web_check: bool,
    /// Stem of the notice templates, e.g. `new_order`.
    pub(crate) template: &'static str,
}

impl Intake {
    pub(crate) fn new(label: &'static str, template: &'static str) -> Intake {
        Intake {
            label,
            form: "申込書",
            sla: "30m",
            show: Vec::new(),
            edit: Vec::new(),
            require: Vec::new(),
            web_check: false,
            template,
        }
    }
    pub(crate) fn form(mut self, form: &'static str) -> Intake {
        self.form = form;
        self
    }
    pub(crate) fn sla(mut self, sla: &'static str) -> Intake {
        self.sla = sla;
        self
    }
    pub(crate) fn show(mut self, f: &[&'static str]) -> Intake {
        self.show.extend_from_slice(f);
        self
    }
    pub(crate) fn edit(mut self, f: &[&'static str]) -> Intake {
        self.edit.extend_from_slice(f);
        self
    }
    pub(crate) fn require(mut self, f: &[&'static str]) -> Intake {
        self.require.extend_from_slice(f);
        self
    }
    pub(crate) fn web_check(mut self) -> Intake {
        self.web_check = true;
        self
    }
}

/// The intake stage for the row's channel.
pub(crate) fn intake(c: &mut Ctx<'_>, spec: Intake) {
    let priority = c.priority();
    match c.channel() {
        Channel::Phone | Channel::Store => {
            let store = c.channel() == Channel::Store;
            let label = if store { format!("店頭{}", spec.label) } else { spec.label.to_string() };
            c.b.stage();
            let next = c.b.next();
            let task = Task::new("front", "operator", if store { "20m" } else { spec.sla })
                .vendor("same")
                .show(&spec.show)
                .edit(&spec.edit)
                .require(&spec.require)
                .priority(priority)
                .then(next);
            c.b.add("intake", &label, task);
            c.intake = Some("intake");
            c.say(if store {
                "A shop clerk keys the order at the counter."
            } else {
                "The operator keys the request during the call."
            });
        }
        Channel::Web => {
            c.b.stage();
            let mut receipt = Auto::new("send_notice")
                .input("template", quoted(&format!("{}_received", spec.template)))
                .pass(&["customer_name"]);
            if spec.edit.contains(&"email") {
                receipt = receipt.pass(&["email"]);
            }
            if spec.web_check {
                receipt = receipt.retry(3, Some("1m")).then("web_check");
                c.b.add("web_receipt", "受付メール送信", receipt);
                let next = c.b.next();
                let abandoned = c.b.end("abandoned", "訂正なし(取下げ)", "withdrawn");
                let mut shown: Vec<&'static str> = spec.show.clone();
                shown.extend(spec.edit.iter().filter(|f| !shown.contains(f)).copied().collect::<Vec<_>>());
                let task = Task::new("front", "operator", "4h")
                    .vendor("any")
                    .show(&shown)
                    .priority(priority)
                    .outcome("ok", "内容確認OK", next)
                    .outcome("incomplete", "不備あり", "web_fix");
                c.b.add("web_check", "Web申込内容確認", task);
                c.intake = Some("web_check");
                let fix = Auto::new("send_notice")
                    .input("template", quoted(&format!("{}_fix_request", spec.template)))
                    .pass(&["customer_name"])
                    .then("wait_fix");
                c.b.add("web_fix", "訂正依頼メール送信", fix);
                c.b.wait(
                    "wait_fix",
                    "お客様訂正待ち",
                    vec![Arm::Signal("documents_received", "web_check".into()), Arm::After("14d", abandoned)],
                );
                c.say("The customer applies on the web; a front operator checks the entries and asks for corrections when needed.");
                c.alt(
                    2,
                    Play::new("入力内容に不備があり、お客様の訂正後に受付")
                        .choose("web_check", "incomplete")
                        .choose("wait_fix", "documents_received"),
                );
                c.alt(
                    1,
                    Play::new("訂正依頼に14日間応答がなく取下げ")
                        .choose("web_check", "incomplete")
                        .choose("wait_fix", "timeout"),
                );
            } else {
                let next = c.b.next();
                c.b.add("web_receipt", "受付メール送信", receipt.retry(3, Some("1m")).then(next));
                c.say("The customer applies on the web (My Page); no operator takes the order.");
            }
        }
        Channel::Paper => {
            c.b.stage();
            let next = c.b.next();
            let no_reply = c.b.end("no_reply", "書類未返送", "withdrawn");
            let label = format!("{}入力", spec.form);
            let mut fields: Vec<&'static str> = spec.show.clone();
            fields.retain(|f| !spec.edit.contains(f));
            let task = Task::new("back", "reviewer", "1d")
                .vendor("any")
                .show(&fields)
                .edit(&spec.edit)
                .require(&spec.require)
                .priority(priority)
                .remind("4h")
                .outcome("entered", "入力完了", next)
                .outcome("deficient", "記入不備", "request_fix");
            c.b.add("entry", &label, task);
            c.intake = Some("entry");
            let fix = Auto::new("send_notice")
                .input("template", quoted("form_deficient"))
                .pass(&["customer_name"])
                .then("wait_fix");
            c.b.add("request_fix", "不備書類返送依頼", fix);
            c.b.wait(
                "wait_fix",
                &format!("訂正{}到着待ち", spec.form),
                vec![Arm::Signal("documents_received", "entry".into()), Arm::After("21d", no_reply)],
            );
            c.say(format!(
                "The customer posts a {}; the back office keys it in and returns forms with mistakes, withdrawing the order after 21 days without an answer.",
                form_english(spec.form)
            ));
            c.alt(
                2,
                Play::new(format!("{}の記入不備を返送し、訂正後に入力", spec.form))
                    .choose("entry", "deficient")
                    .choose("wait_fix", "documents_received"),
            );
            c.alt(
                1,
                Play::new("訂正書類が21日間届かず取下げ").choose("entry", "deficient").choose("wait_fix", "timeout"),
            );
        }
        Channel::System => {}
    }
}

fn form_english(form: &str) -> &'static str {
    match form {
        "解約届" => "cancellation form",
        "変更届" => "change form",
        "依頼書" => "request form",
        _ => "paper form",
    }
}

// -------------------------------------------------------------------- documents

/// Customer documents: the shared identity check, or forms (`docs` names them) that the back
/// office checks.
pub(crate) fn documents(c: &mut Ctx<'_>, docs: &'static str, template: &'static str) {
    match c.documents() {
        Documents::None => {}
        Documents::Identity => {
            c.b.stage();
            let next = c.b.next();
            let call = Call::new(Sub::Identity)
                .pass(&["customer_name", "doc_kind", "ekyc_passed"])
                .output("doc_note", "doc_note")
                .then(next);
            c.b.add("identity", "本人確認", call);
            c.say("Identity is checked by the shared identity_check (eKYC passes at once).");
        }
        Documents::Form => {
            c.b.stage();
            let next = c.b.next();
            let expired = c.b.end("docs_expired", "書類未着", "cancelled");
            let request = Auto::new("send_notice")
                .input("template", quoted(template))
                .pass(&["customer_name"])
                .retry(3, Some("1m"))
                .then("wait_docs");
            c.b.add("request_docs", &format!("{docs}送付依頼"), request);
            c.b.wait(
                "wait_docs",
                &format!("{docs}到着待ち"),
                vec![Arm::Signal("documents_received", "check_docs".into()), Arm::After("30d", expired)],
            );
            let task = Task::new("back", "reviewer", "1d")
                .vendor("any")
                .show(&["customer_name"])
                .require(&["doc_note"])
                .remind("4h")
                .outcome("ok", "確認OK", next)
                .outcome("deficient", "不備あり", "request_docs");
            c.b.add("check_docs", &format!("{docs}確認"), task);
            c.say(format!("The customer sends documents ({docs}); the back office checks them, and the order is cancelled after 30 days without them."));
            c.alt(1, Play::new(format!("{docs}が30日間届かず取消")).choose("wait_docs", "timeout"));
        }
    }
}

// -------------------------------------------------------------------- checks

/// Address lookup; an address outside the area ends the order.
pub(crate) fn area_check(c: &mut Ctx<'_>, postal: &'static str, address: &'static str, out_label: &'static str) {
    c.b.stage();
    let auto = Auto::new("area_lookup")
        .input("postal_code", postal)
        .input("address", address)
        .output("area_status", "area_status")
        .output("area_code", "area_code")
        .retry(3, Some("30s"))
        .timeout("10s")
        .then("area_check");
    c.b.add("area", "提供エリア照会", auto);
    let next = c.b.next();
    let out = c.b.end("out_of_area", out_label, "rejected");
    c.b.add("area_check", "提供エリア判定", Decide::new().when(is("area_status", "unavailable"), out).otherwise(next));
    c.has.insert("area");
    c.alt(3, Play::new(format!("{out_label}のためお断り")).with("area_status", Lit::sym("unavailable")));
}

/// Duplicate check (new customers get their customer id here).
pub(crate) fn duplicate_check(c: &mut Ctx<'_>) {
    c.b.stage();
    let next = c.b.next();
    let auto = Auto::new("duplicate_check")
        .pass(&["customer_name", "phone_number"])
        .output("is_duplicate", "is_duplicate")
        .output("customer_id", "customer_id")
        .timeout("10s")
        .then(next);
    c.b.add("duplicate", "重複申込チェック", auto);
    c.has.insert("duplicate");
}

/// Registration of a new customer, who gets a customer id.
pub(crate) fn register(c: &mut Ctx<'_>) {
    c.b.stage();
    let next = c.b.next();
    let auto = Auto::new("register_customer")
        .pass(&["customer_name", "address"])
        .output("customer_id", "customer_id")
        .retry(3, Some("1m"))
        .timeout("30s")
        .then(next);
    c.b.add("register", "顧客登録", auto);
}

/// Credit score lookup on its own (for rules that need the score).
pub(crate) fn score(c: &mut Ctx<'_>) {
    c.b.stage();
    let next = c.b.next();
    let auto = Auto::new("credit_check_api")
        .pass(&["customer_name", "customer_id"])
        .output("credit_score", "score")
        .retry(3, Some("1m"))
        .timeout("30s")
        .then(next);
    c.b.add("scoring", "与信スコア照会", auto);
    c.has.insert("score");
}

/// Remote line test.
pub(crate) fn line_test(c: &mut Ctx<'_>) {
    c.b.stage();
    let next = c.b.next();
    let auto = Auto::new("line_test")
        .pass(&["line_id"])
        .output("remote_test", "result")
        .retry(2, Some("1m"))
        .timeout("2m")
        .then(next);
    c.b.add("line_test", "遠隔回線試験", auto);
    c.has.insert("line_test");
}

// -------------------------------------------------------------------- credit

/// The credit stage chosen by the row.
pub(crate) fn credit(c: &mut Ctx<'_>, name_field: &'static str) {
    match c.credit() {
        Credit::None => {}
        Credit::Subflow => {
            c.b.stage();
            let next = c.b.next();
            let call = Call::new(Sub::CreditCheck)
                .input("customer_name", name_field)
                .pass(&["customer_id", "monthly_fee", "is_corporate"])
                .output("credit_score", "credit_score")
                .then(next);
            c.b.add("credit", "与信審査", call);
            c.has.insert("score");
            c.say("Credit goes through the shared credit_check.");
        }
        Credit::Score => {
            if !c.has.contains("score") {
                score(c);
            }
            c.b.stage();
            let next = c.b.next();
            let ng = c.b.end("credit_ng", "与信否認", "rejected");
            let device = c.p.family == super::product::Family::Mobile;
            let (cond, show): (_, &[&'static str]) = if device {
                (conds::installment_ok(), &["customer_name", "device_price", "credit_score"])
            } else {
                (conds::credit_ok(), &["customer_name", "monthly_fee", "credit_score"])
            };
            let task = Task::new("back", "credit_officer", "4h")
                .vendor("any")
                .show(show)
                .require(&["review_note"])
                .remind("1h")
                .escalate("manager", "1d")
                .skip(cond, Some("approve"))
                .outcome("approve", "承認", next)
                .outcome("reject", "否認", ng);
            c.b.add("credit_review", "与信審査", task);
            if device {
                c.say("A handset on instalments needs a credit officer unless installment_ok holds.");
                c.alt(
                    4,
                    Play::new("高額端末の分割購入は与信担当が承認")
                        .with("device_price", Lit::Int(128000))
                        .with("credit_score", Lit::Int(700)),
                );
            } else {
                c.say("A score below credit_ok goes to a credit officer.");
                c.alt(
                    4,
                    Play::new("与信スコアが基準未満のため与信担当が否認")
                        .with("credit_score", Lit::Int(540))
                        .choose("credit_review", "reject"),
                );
            }
        }
    }
}

// -------------------------------------------------------------------- review

/// What the op says about its back-office review.
pub(crate) struct ReviewSpec {
    pub(crate) label: Option<&'static str>,
    pub(crate) show: Vec<&'static str>,
    pub(crate) approve: &'static str,
    pub(crate) reject: &'static str,
    /// End of a rejected review: (id, label, outcome).
    pub(crate) reject_end: (&'static str, &'static str, &'static str),
}

impl ReviewSpec {
    pub(crate) fn new(show: &[&'static str]) -> ReviewSpec {
        ReviewSpec {
            label: None,
            show: show.to_vec(),
            approve: "承認",
            reject: "否認",
            reject_end: ("rejected", "審査否認", "rejected"),
        }
    }
    pub(crate) fn label(mut self, label: &'static str) -> ReviewSpec {
        self.label = Some(label);
        self
    }
    pub(crate) fn answers(mut self, approve: &'static str, reject: &'static str) -> ReviewSpec {
        self.approve = approve;
        self.reject = reject;
        self
    }
    pub(crate) fn reject_end(mut self, id: &'static str, label: &'static str, outcome: &'static str) -> ReviewSpec {
        self.reject_end = (id, label, outcome);
        self
    }
}

/// Data that makes a one-stop rule false, and how a scenario title says so.
fn counter(key: &str) -> Option<(Vec<(&'static str, Lit)>, &'static str)> {
    Some(match key {
        "area_ok" => (vec![("area_status", Lit::sym("limited"))], "設備に余裕のない地域のため"),
        "auto_approve" => (vec![("is_duplicate", Lit::Bool(true))], "重複申込の疑いがあるため"),
        "credit_ok" => (vec![("credit_score", Lit::Int(560))], "与信スコアが基準未満のため"),
        "plan_compatible" => (vec![("new_plan", Lit::sym("ten_giga"))], "10ギガプランへの変更は"),
        "penalty_free" => (vec![("contract_months", Lit::Int(9))], "更新月以外のため"),
        "refund_auto_ok" => (vec![("refund_amount", Lit::Int(12000))], "規定額を超える返金のため"),
        "mnp_ok" => (vec![("mnp_expiry", Lit::date("2024-03-31"))], "MNP予約番号の有効期限切れのため"),
        "installment_ok" => {
            (vec![("device_price", Lit::Int(128000)), ("credit_score", Lit::Int(700))], "高額端末の分割購入のため")
        }
        "remote_fix_possible" => (vec![("remote_test", Lit::sym("ng"))], "遠隔試験で異常が見つかったため"),
        "waiver_ok" => (vec![("tenure_months", Lit::Int(12))], "ご利用期間が短いため"),
        "switch_auto_ok" => (vec![("contract_ampere", Lit::Int(80))], "60Aを超える契約のため"),
        "switch_auto_ok_new" => (vec![("new_ampere", Lit::Int(80))], "60Aを超える変更のため"),
        "supply_point_ok" => {
            (vec![("supply_point_id", Lit::text("03123456789012345678"))], "供給地点特定番号の桁数が合わないため")
        }
        "family_discount" => (vec![("line_count", Lit::Int(1))], "家族回線が1回線のみのため"),
        "not_minor" => (vec![("age", Lit::Int(16))], "未成年のお客様のため"),
        "paid_up" => (vec![("unpaid_months", Lit::Int(3))], "未払いが残っているため"),
        "not_corporate" => (vec![("is_corporate", Lit::Bool(true))], "法人名での掲載のため"),
        "conversion_valid" => (vec![("conversion_expiry", Lit::date("2024-03-31"))], "承諾番号の有効期限切れのため"),
        "marriage" => (vec![("name_change_reason", Lit::sym("inheritance"))], "相続による名義変更は"),
        "card_payment" => (vec![("payment_method", Lit::sym("bank_transfer"))], "口座振替への変更は"),
        "single_ip" => (vec![("plan", Lit::sym("ip8"))], "複数IPの申込は"),
        "ekyc" => (vec![("ekyc_passed", Lit::Bool(false))], "eKYC未完了のため"),
        _ => return None,
    })
}

/// The rule's fields that a check must produce first.
fn prerequisites(c: &mut Ctx<'_>, expr: &str) {
    let reads = super::render::idents(expr);
    let needs = |f: &str| reads.iter().any(|r| r == f);
    if needs("area_status") && !c.has.contains("area") {
        c.b.stage();
        let next = c.b.next();
        let auto = Auto::new("area_lookup")
            .input("postal_code", "postal_code")
            .input("address", "address")
            .output("area_status", "area_status")
            .retry(3, Some("30s"))
            .timeout("10s")
            .then(next);
        c.b.add("area", "提供エリア照会", auto);
        c.has.insert("area");
    }
    if needs("is_duplicate") && !c.has.contains("duplicate") {
        duplicate_check(c);
    }
    if needs("credit_score") && !c.has.contains("score") {
        score(c);
    }
    if needs("remote_test") && !c.has.contains("line_test") {
        line_test(c);
    }
}

/// The back-office review chosen by the row, skipped when its one-stop rule holds.
pub(crate) fn review(c: &mut Ctx<'_>, spec: ReviewSpec) -> Result<(), String> {
    let kind = c.review();
    let rule = c.rule_key();
    if kind == Review::None {
        return if rule.is_some() { Err("onestop_rule is set but review is none".into()) } else { Ok(()) };
    }
    type Kind =
        (&'static str, &'static str, &'static str, &'static str, &'static str, Option<(&'static str, &'static str)>);
    let (id, default_label, lane, role, sla, escalate): Kind = match kind {
        Review::Contract => ("review", "申込審査", "back", "reviewer", "4h", Some(("supervisor", "1d"))),
        Review::Technical => ("tech_review", "設備・技術確認", "back", "reviewer", "1d", Some(("supervisor", "2d"))),
        Review::Billing => ("billing_review", "料金審査", "back", "billing_clerk", "1d", Some(("supervisor", "2d"))),
        Review::Support => {
            ("investigation", "調査・原因確認", "back", "support_agent", "4h", Some(("supervisor", "1d")))
        }
        Review::Logistics => ("stock_check", "在庫・手配確認", "back", "logistics", "4h", None),
        Review::Approval => ("approval", "管理者承認", "back", "manager", "1d", None),
        Review::None => return Ok(()),
    };
    let label = spec.label.unwrap_or(default_label);
    let cond = match &rule {
        Some(key) => {
            let cond = conds::onestop_rule(key)?;
            prerequisites(c, &cond.expr);
            Some(cond)
        }
        None => None,
    };
    c.b.stage();
    let next = c.b.next();
    let (end_id, end_label, end_outcome) = spec.reject_end;
    let end_outcome: &'static str = end_outcome;
    let rejected = c.b.end(end_id, end_label, end_outcome);
    let priority = c.priority();
    let mut show = spec.show.clone();
    if let Some(cond) = &cond {
        for name in super::render::idents(&cond.expr) {
            if let Some(field) = super::fields::ORDER.iter().find(|f| **f == name)
                && !show.contains(field)
            {
                show.push(field);
            }
        }
    }
    let mut task = Task::new(lane, role, sla).vendor("any").show(&show).require(&["review_note"]).priority(priority);
    if sla != "30m" {
        task = task.remind(if sla == "1d" { "4h" } else { "1h" });
    }
    if let Some((to, after)) = escalate {
        task = task.escalate(to, after);
    }
    if kind == Review::Contract && matches!(c.channel(), Channel::Phone | Channel::Store | Channel::Paper) {
        task = task.sendback(c.intake.map(str::to_string));
    }
    if let Some(cond) = &cond {
        task = task.skip(cond.clone(), Some("approve"));
        c.b.note("One-stop: the back office sees only the orders the rule cannot approve on its own.");
    }
    task = task.outcome("approve", spec.approve, next).outcome("reject", spec.reject, rejected);
    c.b.add(id, label, task);
    match (&rule, cond) {
        (Some(key), Some(cond)) => {
            c.say(format!("One-stop: when `{}` holds the {} is skipped.", cond.expr, english_review(kind)));
            if let Some((data, why)) = counter(key) {
                let mut play = Play::new(format!("{why}{label}を経由"));
                for (f, v) in data {
                    play = play.with(f, v);
                }
                c.alt(5, play);
            }
        }
        _ => {
            c.say(format!("Every order goes through the {}.", english_review(kind)));
            let mut play = Play::new(format!("{label}で{}", spec.reject));
            play = play.choose(id, "reject");
            c.alt(3, play);
        }
    }
    Ok(())
}

fn english_review(kind: Review) -> &'static str {
    match kind {
        Review::Contract => "contract review",
        Review::Technical => "technical check",
        Review::Billing => "billing review",
        Review::Support => "support investigation",
        Review::Logistics => "logistics check",
        Review::Approval => "manager's approval",
        Review::None => "review",
    }
}

// -------------------------------------------------------------------- penalty

/// The cancellation fee stage chosen by the row.
pub(crate) fn penalty(c: &mut Ctx<'_>) {
    let variant = c.penalty();
    if variant == Penalty::None {
        return;
    }
    let web = c.channel() == Channel::Web;
    c.b.stage();
    let next = c.b.next();
    let withdrawn = c.b.end("penalty_withdrawn", "解約取りやめ", "withdrawn");
    match variant {
        Penalty::Subflow => {
            let call = Call::new(Sub::Penalty)
                .pass(&["contract_kind", "contract_months", "monthly_fee", "waive_requested"])
                .output("penalty_amount", "penalty_amount")
                .output("waive_reason", "waive_reason")
                .then("penalty_check");
            c.b.add("penalty", "違約金判定", call);
            let consent = if web { "penalty_notice" } else { "penalty_consent" };
            c.b.add(
                "penalty_check",
                "違約金有無",
                Decide::new().when(above("penalty_amount", 0), consent).otherwise(next.clone()),
            );
            c.say("The fee comes from the shared cancellation_penalty; a fee is explained before anything is stopped.");
        }
        Penalty::Table => {
            let consent = if web { "penalty_notice" } else { "penalty_consent" };
            let decide = Decide::new()
                .table(conds::penalty_table())
                .when(is_zero("penalty_amount"), next.clone())
                .otherwise(consent);
            c.b.add("penalty_check", "違約金判定", decide);
            c.say("The fee is looked up in penalty_table; a fee is explained before anything is stopped.");
        }
        Penalty::None => {}
    }
    if web {
        let notice = Auto::new("send_notice")
            .input("template", quoted("penalty_notice"))
            .pass(&["customer_name"])
            .input("amount", "penalty_amount")
            .then("penalty_consent_wait");
        c.b.add("penalty_notice", "違約金のご案内メール", notice);
        c.b.wait(
            "penalty_consent_wait",
            "違約金同意待ち",
            vec![
                Arm::Signal("customer_confirmed", "bill_penalty".into()),
                Arm::Signal("customer_cancelled", withdrawn.clone()),
                Arm::After("7d", withdrawn.clone()),
            ],
        );
        c.alt(4, Play::new("契約期間中のため違約金に同意のうえ解約").with("contract_months", Lit::Int(9)));
    } else {
        let mut task = Task::new("front", "operator", "1d")
            .vendor("same")
            .show(&["contract_kind", "contract_months", "penalty_amount"])
            .outcome("accept", "了承", "bill_penalty");
        if variant == Penalty::Table {
            task = task.outcome("waive", "免除申請", "waiver_review");
        }
        task = task.outcome("withdraw", "解約取りやめ", withdrawn.clone());
        c.b.add("penalty_consent", "違約金のご案内", task);
        if variant == Penalty::Table {
            let waiver = Task::new("back", "supervisor", "1d")
                .vendor("any")
                .show(&["contract_kind", "contract_months", "tenure_months", "penalty_amount"])
                .require(&["waive_reason"])
                .remind("4h")
                .skip(conds::waiver_ok("penalty_amount"), Some("waive"))
                .outcome("waive", "免除", next.clone())
                .outcome("charge", "請求", "bill_penalty");
            c.b.add("waiver_review", "違約金免除判断", waiver);
            c.alt(
                5,
                Play::new("長期利用のお客様は違約金を免除(ワンストップ)")
                    .with("contract_months", Lit::Int(14))
                    .choose("penalty_consent", "waive"),
            );
        }
        c.alt(
            4,
            Play::new("契約期間中の違約金をご案内し、解約を取りやめ")
                .with("contract_months", Lit::Int(9))
                .choose("penalty_consent", "withdraw"),
        );
    }
    let bill = Auto::new("update_billing")
        .pass(&["customer_id"])
        .input("item", quoted("cancellation_fee"))
        .input("amount", "penalty_amount")
        .retry(3, Some("5m"))
        .then(next);
    c.b.add("bill_penalty", "違約金請求登録", bill);
}

fn is_zero(field: &'static str) -> super::model::Cond {
    super::model::Cond::new(format!("{field} == 0"), move |e| e.int(field) == 0)
}

// -------------------------------------------------------------------- construction

/// The construction stage chosen by the row. `address` is the expression of the site address.
pub(crate) fn construction(c: &mut Ctx<'_>, label: &'static str, kind: &'static str, address: &'static str) {
    let variant = c.construction();
    if variant == Construction::None {
        return;
    }
    c.b.stage();
    let next = c.b.next();
    let kind_expr = if variant == Construction::Table { "construction_kind".to_string() } else { quoted(kind) };
    match variant {
        Construction::Rule => {
            c.b.add(
                "construction_check",
                "工事要否",
                Decide::new().when(conds::construction_needed(), "construction").otherwise(next.clone()),
            );
            c.say("Construction is booked through the shared construction_schedule when construction_needed says so.");
            if c.p.id == "fiber_apartment" {
                c.alt(2, Play::new("既存回線のある集合住宅は工事なし").with("has_existing_line", Lit::Bool(true)));
            }
        }
        Construction::Table => {
            c.b.add(
                "construction_kind_check",
                "工事種別判定",
                Decide::new()
                    .table(conds::construction_kind_table())
                    .when(is("construction_kind", "none"), next.clone())
                    .otherwise("construction"),
            );
            c.say("The construction_kind table decides the work; the shared construction_schedule books it.");
            if c.p.id == "fiber_apartment" {
                c.alt(2, Play::new("配線済みの集合住宅は工事なし").with("has_existing_line", Lit::Bool(true)));
            }
        }
        Construction::Always => {
            c.say("The work is booked through the shared construction_schedule.");
        }
        Construction::None => {}
    }
    let call = Call::new(Sub::Construction)
        .pass(&["customer_name"])
        .input("address", address)
        .input("construction_kind", kind_expr)
        .pass(&["preferred_date"])
        .output("construction_id", "construction_id")
        .output("construction_date", "construction_date")
        .then(next);
    c.b.add("construction", label, call);
}

// -------------------------------------------------------------------- equipment

/// The equipment stage chosen by the row: ship, collect, or both at once.
pub(crate) fn equipment(c: &mut Ctx<'_>, address: &'static str) -> Result<(), String> {
    let variant = c.shipping();
    if variant == Shipping::None {
        return Ok(());
    }
    let (kind, name) = c.p.equipment.ok_or_else(|| format!("{} has no equipment to ship", c.p.id))?;
    c.b.stage();
    let next = c.b.next();
    let ship = |next: String| {
        Call::new(Sub::Shipping)
            .pass(&["customer_name"])
            .input("address", address)
            .input("equipment_kind", quoted(kind))
            .output("tracking_number", "tracking_number")
            .then(next)
    };
    let collect = |next: String| {
        Call::new(Sub::Return)
            .pass(&["customer_id", "customer_name"])
            .input("address", address)
            .input("equipment_kind", quoted(kind))
            .output("return_kit_id", "return_kit_id")
            .then(next)
    };
    match variant {
        Shipping::Ship => {
            c.b.add("shipping", &format!("{name}発送"), ship(next));
            c.say(format!("The {} is shipped through the shared equipment_shipping.", english_equipment(kind)));
        }
        Shipping::Return => {
            c.b.add("collect", &format!("{name}回収"), collect(next));
            c.say(format!("The {} comes back through the shared equipment_return.", english_equipment(kind)));
        }
        Shipping::Swap => {
            c.b.parallel("swap", "機器交換手配", vec!["shipping".into(), "collect".into()]);
            c.b.add("shipping", &format!("新しい{name}の発送"), ship("swap_done".into()));
            c.b.add("collect", &format!("旧{name}の回収"), collect("swap_done".into()));
            c.b.join("swap_done", "交換完了", next);
            c.say(format!(
                "The new {0} is shipped while the old one is collected, in parallel.",
                english_equipment(kind)
            ));
        }
        Shipping::None => {}
    }
    Ok(())
}

fn english_equipment(kind: &str) -> &'static str {
    match kind {
        "onu" => "ONU",
        "sim" => "SIM card",
        "stb" => "set-top box",
        "router" => "router",
        "smart_meter_adapter" => "HEMS adapter",
        _ => "equipment",
    }
}

// -------------------------------------------------------------------- confirmation

/// The customer's intent confirmation (shared `customer_confirmation`), when the row asks for it.
pub(crate) fn confirm_intent(c: &mut Ctx<'_>, topic: &str, phone: &'static str) {
    if c.confirm() != Confirm::Intent {
        return;
    }
    c.b.stage();
    let next = c.b.next();
    let call = Call::new(Sub::Confirmation)
        .pass(&["customer_name"])
        .input("phone_number", phone)
        .input("confirm_topic", quoted(topic))
        .output("contact_note", "contact_note")
        .then(next);
    c.b.add("confirm", "お客様意思確認", call);
    c.say("The customer confirms the order (shared customer_confirmation) before anything is booked.");
    c.alt(2, Play::new("お客様が意思確認で辞退").choose("confirm", "customer_cancelled"));
}

/// The closing contact: a call by the front or an automatic notice, when the row asks for it.
pub(crate) fn confirm_done(
    c: &mut Ctx<'_>,
    call_label: &'static str,
    notice_label: &'static str,
    template: &str,
    show: &[&'static str],
) {
    match c.confirm() {
        Confirm::Call => {
            c.b.stage();
            let next = c.b.next();
            let task =
                Task::new("front", "operator", "1d").vendor("same").show(show).edit(&["contact_note"]).then(next);
            c.b.add("confirm_call", call_label, task);
        }
        Confirm::Notice => {
            c.b.stage();
            let next = c.b.next();
            let auto = Auto::new("send_notice")
                .input("template", quoted(template))
                .pass(&["customer_name"])
                .retry(3, Some("10m"))
                .then(next);
            c.b.add("notify", notice_label, auto);
        }
        Confirm::Intent | Confirm::None => {}
    }
}
