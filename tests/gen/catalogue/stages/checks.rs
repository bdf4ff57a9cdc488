//! Automatic checks: area, duplicates, registration, scoring, line tests, credit.

use super::*;

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
            let device = c.p.family == super::super::product::Family::Mobile;
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
