//! Fulfilment: the cancellation fee, construction, equipment and customer confirmation.

use super::*;

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

fn is_zero(field: &'static str) -> super::super::model::Cond {
    super::super::model::Cond::new(format!("{field} == 0"), move |e| e.int(field) == 0)
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
