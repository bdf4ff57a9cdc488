//! The back-office review, with its prerequisites and counter-offers.

use super::*;

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
    let reads = super::super::render::idents(expr);
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
        for name in super::super::render::idents(&cond.expr) {
            if let Some(field) = super::super::fields::ORDER.iter().find(|f| **f == name)
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
