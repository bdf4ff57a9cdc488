//! Recipes for equipment, construction and support (complaints, refunds, faults, visits).

use super::*;

pub(super) fn equipment_exchange(c: &mut Ctx<'_>) -> Done {
    c.say(format!("Exchange of faulty or outdated {} equipment.", english(c)));
    let spec = Intake::new("機器交換受付", "equipment_exchange")
        .show(CUSTOMER)
        .show(&["address"])
        .edit(&["fault_kind"])
        .edit(memo(c))
        .require(&["fault_kind"]);
    stages::intake(c, spec);
    stages::review(
        c,
        ReviewSpec::new(&["customer_name", "fault_kind"])
            .label("交換要否確認")
            .answers("交換する", "交換不要")
            .reject_end("not_needed", "交換不要(設定で解決)", "completed"),
    )?;
    stages::equipment(c, "address")?;
    if matches!(c.p.family, Family::Fiber | Family::Phone | Family::Addon) {
        let test = Auto::new("line_test")
            .pass(&["line_id"])
            .output("remote_test", "result")
            .retry(2, Some("1m"))
            .timeout("2m");
        auto_step(c, "after_test", "交換後回線試験", test);
    }
    stages::confirm_done(c, "交換完了連絡", "交換完了のご案内", "exchange_done", &["customer_name", "tracking_number"]);
    c.happy.title = "新しい機器を送り旧機器を回収".into();
    Ok("交換完了")
}

pub(super) fn equipment_return(c: &mut Ctx<'_>) -> Done {
    c.say(format!(
        "Return of rented {} equipment; the shared equipment_return reminds the customer and bills a non-return fee.",
        english(c)
    ));
    let spec = Intake::new("機器返却受付", "equipment_return")
        .show(&["customer_id", "customer_name", "address"])
        .edit(memo(c));
    stages::intake(c, spec);
    stages::equipment(c, "address")?;
    stages::confirm_done(c, "返却確認連絡", "返却完了のご案内", "return_done", &["customer_name", "return_kit_id"]);
    c.happy.title = "返却キットで期限内に返却".into();
    Ok("返却完了")
}

pub(super) fn construction_schedule(c: &mut Ctx<'_>) -> Done {
    c.say(format!(
        "Scheduling the construction of a {} order: the customer picks a visit date, the partner does the work.",
        english(c)
    ));
    let spec = Intake::new("工事日調整受付", "construction_schedule")
        .show(&["customer_id", "customer_name", "address"])
        .edit(&["preferred_date"])
        .edit(memo(c))
        .require(&["preferred_date"]);
    stages::intake(c, spec);
    c.b.stage();
    let next = c.b.next();
    let offer = Auto::new("send_notice")
        .input("template", q("visit_dates"))
        .pass(&["customer_name", "preferred_date"])
        .retry(3, Some("10m"))
        .then("wait_appointment");
    c.b.add("offer", "訪問候補日のご案内", offer);
    c.b.wait(
        "wait_appointment",
        "訪問日確定待ち",
        vec![Arm::Signal("appointment_set", next.clone()), Arm::After("7d", "coordinate".into())],
    );
    let task = Task::new("field", "construction_coordinator", "1d")
        .vendor("any")
        .show(&["customer_name", "address", "preferred_date"])
        .edit(&["preferred_date"])
        .remind("4h")
        .then(next);
    c.b.add("coordinate", "訪問日調整", task);
    c.alt(3, Play::new("お客様の日程確定がなく工事調整担当が調整").choose("wait_appointment", "timeout"));
    stages::construction(c, "工事手配", "standard", "address");
    stages::confirm_done(
        c,
        "工事完了確認",
        "工事完了のご案内",
        "construction_done",
        &["customer_name", "construction_date"],
    );
    c.happy.title = "お客様がWebで訪問日を確定し工事完了".into();
    Ok("工事完了")
}

pub(super) fn construction_reschedule(c: &mut Ctx<'_>) -> Done {
    c.say(format!(
        "Moving a booked {} construction date; changes within 3 days go to the construction coordinator.",
        english(c)
    ));
    let spec = Intake::new("工事日変更受付", "construction_reschedule")
        .show(&["customer_id", "customer_name", "address", "construction_id", "construction_date"])
        .edit(&["preferred_date", "reschedule_reason"])
        .edit(memo(c))
        .require(&["preferred_date", "reschedule_reason"]);
    stages::intake(c, spec);
    c.b.stage();
    let kept = c.b.end("kept", "当初日程で実施", "completed");
    c.b.add(
        "short_notice",
        "直前変更判定",
        Decide::new().when(conds::days_left_below("construction_date", 3), "coordinate").otherwise("cancel_old"),
    );
    let task = Task::new("field", "construction_coordinator", "4h")
        .vendor("any")
        .show(&["customer_name", "construction_id", "construction_date", "preferred_date", "reschedule_reason"])
        .priority(Some("high"))
        .remind("1h")
        .escalate("supervisor", "1d")
        .outcome("rebook", "再手配", "cancel_old")
        .outcome("keep", "当初日程で実施", kept);
    c.b.add("coordinate", "直前変更調整", task);
    let next = c.b.next();
    let cancel = Auto::new("cancel_construction").pass(&["construction_id"]).retry(3, Some("5m")).then(next);
    c.b.add("cancel_old", "旧工事予約取消", cancel);
    c.b.defaults.push(("construction_date", Lit::date("2030-10-15")));
    c.alt(
        4,
        Play::new("工事2日前の変更は工事調整担当が再手配")
            .with("construction_date", Lit::date("2024-01-05"))
            .choose("coordinate", "rebook"),
    );
    stages::construction(c, "工事再手配", "standard", "address");
    stages::confirm_done(
        c,
        "工事完了確認",
        "工事完了のご案内",
        "construction_done",
        &["customer_name", "construction_date"],
    );
    c.happy.title = "余裕のある日程変更は自動で再予約".into();
    Ok("工事完了")
}

// ================================================================== support

pub(super) fn complaint(c: &mut Ctx<'_>) -> Done {
    c.say(format!(
        "Complaint about {}: the back office investigates; clear-cut refunds are paid without a manager.",
        english(c)
    ));
    let spec = Intake::new("苦情受付", "complaint")
        .show(CUSTOMER)
        .edit(&["complaint_kind", "complaint_detail", "refund_amount"])
        .edit(memo(c))
        .require(&["complaint_kind", "complaint_detail"]);
    stages::intake(c, spec);
    stages::review(
        c,
        ReviewSpec::new(&["customer_name", "complaint_kind", "complaint_detail"])
            .label("苦情調査")
            .answers("対応方針決定", "該当事実なし")
            .reject_end("unfounded", "該当事実なし(説明済)", "completed"),
    )?;
    c.b.stage();
    let skip = c.b.hold();
    c.b.add(
        "refund_needed",
        "返金要否",
        Decide::new()
            .when(conds::one_of("complaint_kind", &["double_billing", "outage"]), "refund_approval")
            .otherwise(skip.clone()),
    );
    let task = Task::new("back", "manager", "1d")
        .vendor("any")
        .show(&["customer_name", "complaint_kind", "refund_amount"])
        .require(&["review_note"])
        .remind("4h")
        .skip(conds::refund_auto_ok(), Some("approve"))
        .outcome("approve", "返金承認", "issue_refund")
        .outcome("reject", "返金なし", skip.clone());
    c.b.add("refund_approval", "返金承認", task);
    let pay = Auto::new("issue_refund")
        .pass(&["customer_id"])
        .input("amount", "refund_amount")
        .input("reason", "complaint_kind")
        .output("refund_id", "refund_id")
        .retry(3, Some("10m"))
        .then(skip.clone());
    c.b.add("issue_refund", "返金処理", pay);
    c.b.release(skip);
    c.alt(4, Play::new("規定額を超える返金は管理者が承認").with("refund_amount", Lit::Int(12000)));
    stages::confirm_done(
        c,
        "お詫び・結果のご連絡",
        "対応結果のご案内",
        "complaint_done",
        &["customer_name", "complaint_kind", "refund_id"],
    );
    c.happy.title = "障害による返金を自動承認".into();
    Ok("対応完了")
}

pub(super) fn refund(c: &mut Ctx<'_>) -> Done {
    c.say(format!("Refund of an overcharge on {}; small, clear-cut refunds need no approval.", english(c)));
    let spec = Intake::new("返金受付", "refund")
        .show(&["customer_id", "customer_name"])
        .edit(&["complaint_kind", "refund_amount"])
        .edit(memo(c))
        .require(&["complaint_kind", "refund_amount"]);
    stages::intake(c, spec);
    stages::review(
        c,
        ReviewSpec::new(&["customer_name", "complaint_kind", "refund_amount"])
            .label("返金審査")
            .answers("返金承認", "返金不可")
            .reject_end("refund_rejected", "返金不可", "rejected"),
    )?;
    let pay = Auto::new("issue_refund")
        .pass(&["customer_id"])
        .input("amount", "refund_amount")
        .input("reason", "complaint_kind")
        .output("refund_id", "refund_id")
        .retry(3, Some("10m"));
    auto_step(c, "issue_refund", "返金処理", pay);
    stages::confirm_done(
        c,
        "返金完了連絡",
        "返金完了のご案内",
        "refund_done",
        &["customer_name", "refund_amount", "refund_id"],
    );
    c.happy.title = "二重請求を自動で返金".into();
    c.happy = c.happy.clone().with("complaint_kind", Lit::sym("double_billing")).with("refund_amount", Lit::Int(5720));
    Ok("返金完了")
}

pub(super) fn fault_report(c: &mut Ctx<'_>) -> Done {
    c.say(format!("Fault report on {}: a remote line test and the fault_route table decide between remote fix, repair visit, equipment swap and investigation.", english(c)));
    let spec = Intake::new("故障受付", "fault")
        .sla("20m")
        .show(CUSTOMER)
        .show(&["address"])
        .edit(&["fault_kind"])
        .edit(memo(c))
        .require(&["fault_kind"]);
    stages::intake(c, spec);
    stages::line_test(c);
    c.b.stage();
    let next = c.b.next();
    let has_equipment = c.p.equipment.is_some();
    let mut decide = Decide::new()
        .table(conds::fault_route_table())
        .when(is("fault_route", "remote_fix"), "remote_fix")
        .when(is("fault_route", "dispatch"), "repair_visit");
    if has_equipment {
        decide = decide.when(is("fault_route", "swap"), "swap_ship");
    }
    c.b.add("route", "故障切り分け", decide.otherwise("investigation"));
    let priority = c.priority();
    let remote = Task::new("front", "support_agent", "1h")
        .vendor("same")
        .show(&["customer_name", "fault_kind", "remote_test"])
        .require(&["support_note"])
        .priority(priority)
        .then(next.clone());
    c.b.add("remote_fix", "リモート復旧対応", remote);
    let visit = Call::new(Sub::Construction)
        .pass(&["customer_name", "address"])
        .input("construction_kind", q("indoor"))
        .output("construction_id", "construction_id")
        .output("construction_date", "construction_date")
        .then(next.clone());
    c.b.add("repair_visit", "修理訪問", visit);
    if let Some((kind, name)) = c.p.equipment {
        let ship = Call::new(Sub::Shipping)
            .pass(&["customer_name", "address"])
            .input("equipment_kind", q(kind))
            .output("tracking_number", "tracking_number")
            .then(next.clone());
        c.b.add("swap_ship", &format!("代替{name}発送"), ship);
    }
    let task = Task::new("back", "support_agent", "4h")
        .vendor("any")
        .show(&["customer_name", "line_id", "fault_kind", "remote_test", "fault_route"])
        .require(&["support_note"])
        .priority(priority)
        .remind("1h")
        .escalate("supervisor", "1d")
        .then(next);
    c.b.add("investigation", "故障調査", task);
    let alts: Vec<Play> = {
        let mut v = vec![
            Play::new("回線断で修理訪問").with("fault_kind", Lit::sym("no_link")).with("remote_test", Lit::sym("ng")),
            Play::new("遠隔試験で異常があり故障調査").with("remote_test", Lit::sym("ng")),
        ];
        if has_equipment {
            v.push(Play::new("機器故障は代替機を発送").with("fault_kind", Lit::sym("equipment")));
        }
        v
    };
    let pick = alts[c.index % alts.len()].clone();
    c.alt(5, pick);
    stages::confirm_done(
        c,
        "復旧確認連絡",
        "復旧のご案内",
        "fault_fixed",
        &["customer_name", "fault_kind", "support_note"],
    );
    c.happy.title = "速度低下をリモートで復旧".into();
    Ok("復旧完了")
}

pub(super) fn onsite_support(c: &mut Ctx<'_>) -> Done {
    c.say(format!(
        "Paid on-site support for {} (setup, Wi-Fi, wiring); long-standing customers may have the fee reduced.",
        english(c)
    ));
    let spec = Intake::new("訪問サポート受付", "onsite_support")
        .show(&["customer_id", "customer_name", "address"])
        .edit(&["preferred_date"])
        .edit(memo(c))
        .require(&["preferred_date"]);
    stages::intake(c, spec);
    stages::review(c, ReviewSpec::new(&["customer_name", "tenure_months", "waiver_amount"]).label("訪問料金減免確認"))?;
    c.b.stage();
    let next = c.b.next();
    let cancelled = c.b.end("visit_cancelled", "訪問中止", "cancelled");
    let book = Auto::new("book_construction")
        .input("kind", q("support_visit"))
        .pass(&["address", "preferred_date"])
        .output("construction_id", "construction_id")
        .output("construction_date", "scheduled_date")
        .retry(3, Some("5m"))
        .timeout("1m")
        .then("visit");
    c.b.add("book", "訪問予約", book);
    c.b.wait(
        "visit",
        "訪問完了待ち",
        vec![
            Arm::Signal("construction_done", next.clone()),
            Arm::Signal("construction_cancelled", "revisit".into()),
            Arm::After("30d", "revisit".into()),
        ],
    );
    let task = Task::new("field", "construction_coordinator", "1d")
        .vendor("any")
        .show(&["customer_name", "address", "construction_id", "construction_date"])
        .edit(&["preferred_date"])
        .remind("4h")
        .outcome("rebook", "再予約", "book")
        .outcome("close", "訪問中止", cancelled);
    c.b.add("revisit", "再訪問調整", task);
    c.alt(2, Play::new("訪問が中止となり再予約").choose("visit", "construction_cancelled").choose("revisit", "rebook"));
    let bill = Auto::new("update_billing")
        .pass(&["customer_id"])
        .input("item", q("onsite_support"))
        .input("amount", "8800 - waiver_amount")
        .retry(3, Some("5m"));
    auto_step(c, "bill", "訪問料金請求", bill);
    stages::confirm_done(c, "訪問結果確認", "訪問完了のご案内", "onsite_done", &["customer_name", "construction_date"]);
    c.happy.title = "訪問日に作業完了".into();
    Ok("訪問完了")
}
