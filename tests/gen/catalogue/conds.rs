//! Conditions on the shared rules and the shared decision tables, each with its meaning for the
//! scenario walker. The meanings copy `_shared/rules/*.rhai` and `_shared/tables.flow`; when those
//! change, change them here too (the engine's scenario run will notice if they disagree).

use super::model::{Cond, Env, Lit, TableUse};
use std::rc::Rc;

/// The day scenarios are assumed to run on, for `days_until`. Sample dates are far from it.
const TODAY: &str = "2026-06-01";

/// `field == "value"` (an enum or text field).
pub(crate) fn is(field: &'static str, value: &'static str) -> Cond {
    Cond::new(format!("{field} == \"{value}\""), move |e| e.word(field) == value)
}

/// `field in ["a", "b"]`.
pub(crate) fn one_of(field: &'static str, values: &'static [&'static str]) -> Cond {
    let list: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
    Cond::new(format!("{field} in [{}]", list.join(", ")), move |e| values.contains(&e.word(field)))
}

/// A boolean field.
pub(crate) fn flag(field: &'static str) -> Cond {
    Cond::new(field, move |e| e.flag(field))
}

/// `field > n`.
pub(crate) fn above(field: &'static str, n: i64) -> Cond {
    Cond::new(format!("{field} > {n}"), move |e| e.int(field) > n)
}

/// `a || b`.
pub(crate) fn or(a: Cond, b: Cond) -> Cond {
    let (ea, eb) = (a.eval.clone(), b.eval.clone());
    Cond::new(format!("{} || {}", a.expr, b.expr), move |e| ea(e) || eb(e))
}

/// `days_until(field) >= n`, with the walker's fixed "today".
pub(crate) fn days_left_at_least(field: &'static str, n: i64) -> Cond {
    Cond::new(format!("days_until({field}) >= {n}"), move |e| days_until(e.word(field)) >= n)
}

/// `days_until(field) < n`.
pub(crate) fn days_left_below(field: &'static str, n: i64) -> Cond {
    Cond::new(format!("days_until({field}) < {n}"), move |e| days_until(e.word(field)) < n)
}

fn days_until(date: &str) -> i64 {
    fn day_number(d: &str) -> i64 {
        let part = |a: usize, b: usize| d.get(a..b).and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
        let (y, m, day) = (part(0, 4), part(5, 7), part(8, 10));
        // Days since a fixed origin (civil calendar, proleptic Gregorian).
        let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
        365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + day
    }
    day_number(date) - day_number(TODAY)
}

// ------------------------------------------------------------------------------- shared rules

pub(crate) fn area_ok() -> Cond {
    Cond::new("area_ok(area_status)", |e| e.word("area_status") == "available")
}

fn credit_ok_eval(e: &Env) -> bool {
    let score = e.int("credit_score");
    if e.int("monthly_fee") >= 10000 { score >= 700 } else { score >= 600 }
}

pub(crate) fn credit_ok() -> Cond {
    Cond::new("credit_ok(credit_score, monthly_fee)", credit_ok_eval)
}

pub(crate) fn auto_approve() -> Cond {
    Cond::new("auto_approve(credit_score, is_duplicate, area_status)", |e| {
        !e.flag("is_duplicate") && e.word("area_status") == "available" && e.int("credit_score") >= 650
    })
}

pub(crate) fn plan_compatible() -> Cond {
    Cond::new("plan_compatible(current_plan, new_plan)", |e| {
        let (a, b) = (e.word("current_plan"), e.word("new_plan"));
        a != b && a != "ten_giga" && b != "ten_giga"
    })
}

pub(crate) fn construction_needed() -> Cond {
    Cond::new("construction_needed(building_type, has_existing_line)", |e| {
        e.word("building_type") != "apartment" || !e.flag("has_existing_line")
    })
}

fn penalty_free_eval(months: i64, kind: &str) -> bool {
    if kind == "free" {
        return true;
    }
    let term = if kind == "three_year" { 36 } else { 24 };
    let position = months % term;
    months >= term - 1 && (position == term - 1 || position == 0 || position == 1)
}

pub(crate) fn penalty_free() -> Cond {
    Cond::new("penalty_free(contract_months, contract_kind)", |e| {
        penalty_free_eval(e.int("contract_months"), e.word("contract_kind"))
    })
}

pub(crate) fn refund_auto_ok() -> Cond {
    Cond::new("refund_auto_ok(refund_amount, complaint_kind)", |e| match e.word("complaint_kind") {
        "double_billing" => e.int("refund_amount") <= 30000,
        "outage" => e.int("refund_amount") <= 5000,
        _ => false,
    })
}

pub(crate) fn mnp_ok() -> Cond {
    Cond::new("mnp_ok(days_until(mnp_expiry))", |e| days_until(e.word("mnp_expiry")) >= 7)
}

pub(crate) fn minor_contract() -> Cond {
    Cond::new("minor_contract(age)", |e| e.int("age") < 18)
}

pub(crate) fn installment_ok() -> Cond {
    Cond::new("installment_ok(credit_score, device_price)", |e| {
        let score = e.int("credit_score");
        if e.int("device_price") > 100000 { score >= 720 } else { score >= 620 }
    })
}

pub(crate) fn family_discount() -> Cond {
    Cond::new("family_discount(line_count)", |e| e.int("line_count") >= 2)
}

pub(crate) fn remote_fix_possible() -> Cond {
    Cond::new("remote_fix_possible(fault_kind, remote_test)", |e| {
        e.word("remote_test") == "ok" && matches!(e.word("fault_kind"), "slow" | "intermittent")
    })
}

pub(crate) fn waiver_ok(amount_field: &'static str) -> Cond {
    Cond::new(format!("waiver_ok(tenure_months, {amount_field})"), move |e| {
        e.int("tenure_months") >= 24 && e.int(amount_field) <= 3300
    })
}

pub(crate) fn suspension_due() -> Cond {
    Cond::new("suspension_due(unpaid_months)", |e| e.int("unpaid_months") >= 2)
}

pub(crate) fn supply_point_ok() -> Cond {
    Cond::new("supply_point_ok(supply_point_id)", |e| {
        let id = e.word("supply_point_id");
        id.chars().count() == 22
            && id.get(0..2).and_then(|a| a.parse::<u8>().ok()).is_some_and(|a| (1..=10).contains(&a))
    })
}

pub(crate) fn switch_auto_ok(ampere_field: &'static str) -> Cond {
    Cond::new(format!("switch_auto_ok({ampere_field}, is_low_voltage)"), move |e| {
        e.flag("is_low_voltage") && e.int(ampere_field) <= 60
    })
}

/// The one-stop conditions the table's `onestop_rule` column may name, each true when the
/// back-office review is not needed.
pub(crate) fn onestop_rule(key: &str) -> Result<Cond, String> {
    Ok(match key {
        "area_ok" => area_ok(),
        "auto_approve" => auto_approve(),
        "credit_ok" => credit_ok(),
        "plan_compatible" => plan_compatible(),
        "penalty_free" => penalty_free(),
        "refund_auto_ok" => refund_auto_ok(),
        "mnp_ok" => mnp_ok(),
        "installment_ok" => installment_ok(),
        "remote_fix_possible" => remote_fix_possible(),
        "waiver_ok" => waiver_ok("waiver_amount"),
        "switch_auto_ok" => switch_auto_ok("contract_ampere"),
        "switch_auto_ok_new" => switch_auto_ok("new_ampere"),
        "supply_point_ok" => supply_point_ok(),
        "family_discount" => family_discount(),
        "not_minor" => minor_contract().not(),
        "ekyc" => flag("ekyc_passed"),
        "paid_up" => suspension_due().not(),
        "not_corporate" => flag("is_corporate").not(),
        "conversion_valid" => days_left_at_least("conversion_expiry", 7),
        "marriage" => is("name_change_reason", "marriage"),
        "card_payment" => is("payment_method", "credit_card"),
        "single_ip" => is("plan", "ip1"),
        other => return Err(format!("unknown onestop_rule `{other}`")),
    })
}

// ------------------------------------------------------------------------------- shared tables

pub(crate) fn construction_kind_table() -> TableUse {
    TableUse {
        name: "construction_kind",
        fields: &["building_type", "has_existing_line", "construction_kind"],
        apply: Rc::new(|e: &mut Env| {
            let kind = match (e.word("building_type"), e.flag("has_existing_line")) {
                ("apartment", true) => "none",
                ("apartment", false) | ("house", true) => "indoor",
                ("house", false) => "standard",
                _ => "full",
            };
            e.set("construction_kind", Lit::sym(kind));
        }),
    }
}

pub(crate) fn penalty_table() -> TableUse {
    TableUse {
        name: "penalty_table",
        fields: &["contract_kind", "contract_months", "penalty_amount"],
        apply: Rc::new(|e: &mut Env| {
            let amount = penalty_lookup(e.word("contract_kind"), e.int("contract_months"));
            e.set("penalty_amount", Lit::Int(amount));
        }),
    }
}

/// `penalty_table`: the base cancellation fee.
pub(crate) fn penalty_lookup(kind: &str, months: i64) -> i64 {
    match kind {
        "two_year" if months >= 24 => 0,
        "two_year" if months <= 11 => 4400,
        "two_year" => 3300,
        "three_year" if months >= 36 => 0,
        "three_year" => 5500,
        _ => 0,
    }
}

/// `penalty_free` for the walker's model of the penalty subflow.
pub(crate) fn is_penalty_free(e: &Env) -> bool {
    penalty_free_eval(e.int("contract_months"), e.word("contract_kind"))
}

/// `review_route` (priority: senior, then standard, then auto).
pub(crate) fn review_route(score: i64, fee: i64, corporate: bool) -> &'static str {
    if score < 400 || (fee >= 20000 && corporate) {
        "senior"
    } else if corporate || (400..=649).contains(&score) || (score >= 650 && fee >= 15000) {
        "standard"
    } else {
        "auto"
    }
}

/// Whether the credit_check subflow approves on its own (no officer): mirrors its `route` step.
pub(crate) fn credit_auto_approves(e: &Env) -> bool {
    review_route(e.int("credit_score"), e.int("monthly_fee"), e.flag("is_corporate")) == "auto" && credit_ok_eval(e)
}

pub(crate) fn campaign_table() -> TableUse {
    TableUse {
        name: "campaign_table",
        fields: &["contract_kind", "has_mobile_set", "is_new_customer", "campaigns"],
        apply: Rc::new(|e: &mut Env| {
            let mut codes = Vec::new();
            if matches!(e.word("contract_kind"), "two_year" | "three_year") {
                codes.push("CP_LONG_TERM");
            }
            if e.flag("has_mobile_set") {
                codes.push("CP_SET_DISCOUNT");
            }
            if e.flag("is_new_customer") {
                codes.push("CP_WELCOME");
            }
            // A list cannot be written as a scenario value; the walker only needs its length.
            e.set("campaigns", Lit::Int(codes.len() as i64));
        }),
    }
}

/// `len(campaigns) > 0`.
pub(crate) fn has_campaigns() -> Cond {
    Cond::new("len(campaigns) > 0", |e| e.int("campaigns") > 0)
}

pub(crate) fn fault_route_table() -> TableUse {
    TableUse {
        name: "fault_route",
        fields: &["fault_kind", "remote_test", "fault_route"],
        apply: Rc::new(|e: &mut Env| {
            let route = match (e.word("fault_kind"), e.word("remote_test")) {
                ("no_link", "ng") => "dispatch",
                ("no_link", _) => "customer_side",
                ("slow" | "intermittent", "ng") => "carrier",
                ("slow" | "intermittent", _) => "remote_fix",
                _ => "swap",
            };
            e.set("fault_route", Lit::sym(route));
        }),
    }
}
