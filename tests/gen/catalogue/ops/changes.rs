//! Recipes for changes to a running contract: plan, options, moves, names, payment, suspension,
//! cancellation.

use super::*;

pub(super) fn plan_change(c: &mut Ctx<'_>) -> Done {
    c.say(format!("Plan change of {}.", english(c)));
    let spec = Intake::new("プラン変更受付", "plan_change")
        .form("変更届")
        .show(CUSTOMER)
        .show(&["current_plan"])
        .edit(&["new_plan"])
        .edit(memo(c))
        .require(&["new_plan"]);
    stages::intake(c, spec);
    let label = if c.p.family == Family::Fiber { "速度プラン変更確認" } else { "プラン変更審査" };
    stages::review(c, ReviewSpec::new(&["customer_name", "current_plan", "new_plan"]).label(label))?;
    stages::confirm_intent(c, "プラン変更内容のご確認", "phone_number");
    stages::penalty(c);
    if c.p.family == Family::Fiber && c.row.shipping != Shipping::None {
        c.say("A move to or from the 10 Gbps plan swaps the ONU.");
        let cond = conds::or(is("new_plan", "ten_giga"), is("current_plan", "ten_giga"));
        only_when(c, "onu_check", "ONU交換要否", cond, |c| stages::equipment(c, "address"))?;
        c.alt(3, Play::new("10ギガへの変更はONUを交換").with("new_plan", Lit::sym("ten_giga")));
    } else {
        stages::equipment(c, "address")?;
    }
    let change = Auto::new("change_plan")
        .pass(&["line_id", "new_plan"])
        .input("effective", q("next_month"))
        .output("effective_date", "effective_date")
        .retry(3, Some("1m"));
    auto_step(c, "change", "プラン変更登録", change);
    stages::confirm_done(
        c,
        "変更完了連絡",
        "変更完了のご案内",
        "plan_change_done",
        &["customer_name", "new_plan", "effective_date"],
    );
    c.happy.title = "翌月適用でプラン変更".into();
    Ok("変更完了")
}

pub(super) fn option_add(c: &mut Ctx<'_>) -> Done {
    c.say(format!("An option added to {}.", english(c)));
    let spec = Intake::new("オプション追加受付", "option_add")
        .show(CUSTOMER)
        .edit(&["option_kind"])
        .edit(memo(c))
        .require(&["option_kind"]);
    stages::intake(c, spec);
    stages::review(c, ReviewSpec::new(&["customer_name", "option_kind"]).label("オプション適用確認"))?;
    stages::confirm_intent(c, "オプションお申込内容のご確認", "phone_number");
    if c.p.family == Family::Fiber && c.row.shipping != Shipping::None {
        c.say("A mesh Wi-Fi option ships its router.");
        only_when(c, "device_check", "機器発送要否", is("option_kind", "mesh_wifi"), |c| {
            stages::equipment(c, "address")
        })?;
        c.alt(3, Play::new("メッシュWi-Fiはルーターを発送").with("option_kind", Lit::sym("mesh_wifi")));
    } else {
        stages::equipment(c, "address")?;
    }
    let add =
        Auto::new("add_option").pass(&["line_id", "option_kind"]).output("option_id", "option_id").retry(3, Some("1m"));
    auto_step(c, "add", "オプション登録", add);
    let bill = Auto::new("update_billing")
        .pass(&["customer_id"])
        .input("item", "option_kind")
        .input("amount", "option_fee(option_kind)")
        .retry(3, Some("5m"));
    auto_step(c, "billing", "オプション料金登録", bill);
    stages::confirm_done(
        c,
        "追加完了連絡",
        "追加完了のご案内",
        "option_add_done",
        &["customer_name", "option_kind", "option_id"],
    );
    c.happy.title = "オプションを即日追加".into();
    Ok("追加完了")
}

pub(super) fn option_remove(c: &mut Ctx<'_>) -> Done {
    c.say(format!("An option removed from {}.", english(c)));
    let spec = Intake::new("オプション解約受付", "option_remove")
        .show(CUSTOMER)
        .show(&["contract_kind", "contract_months"])
        .edit(&["option_kind", "end_date"])
        .edit(memo(c))
        .require(&["option_kind", "end_date"]);
    stages::intake(c, spec);
    stages::penalty(c);
    stages::review(c, ReviewSpec::new(&["customer_name", "option_kind"]).label("解約内容確認"))?;
    let remove = Auto::new("remove_option").pass(&["line_id", "option_kind", "end_date"]).retry(3, Some("1m"));
    auto_step(c, "remove", "オプション解除", remove);
    if c.p.family == Family::Fiber && c.row.shipping != Shipping::None {
        c.say("A mesh Wi-Fi router is collected.");
        only_when(c, "device_check", "機器回収要否", is("option_kind", "mesh_wifi"), |c| {
            stages::equipment(c, "address")
        })?;
        c.alt(3, Play::new("メッシュWi-Fiはルーターを回収").with("option_kind", Lit::sym("mesh_wifi")));
    } else {
        stages::equipment(c, "address")?;
    }
    stages::confirm_done(
        c,
        "解約完了連絡",
        "解約完了のご案内",
        "option_remove_done",
        &["customer_name", "option_kind", "end_date"],
    );
    c.happy.title = "月末でオプション解約".into();
    Ok("解約完了")
}

pub(super) fn relocation(c: &mut Ctx<'_>) -> Done {
    c.say(format!("Relocation of {} to a new address.", english(c)));
    let spec = Intake::new("移転受付", "relocation")
        .form("変更届")
        .show(CUSTOMER)
        .show(&["address"])
        .edit(&["new_postal_code", "new_address", "move_date"])
        .edit(match c.p.family {
            Family::Electricity => &["supply_point_id"],
            Family::Fiber => &["building_type", "has_existing_line", "preferred_date"],
            _ => &["preferred_date"],
        })
        .edit(memo(c))
        .require(&["new_postal_code", "new_address", "move_date"]);
    stages::intake(c, spec);
    stages::documents(c, "転居を証明する書類", "relocation_documents");
    if c.p.family != Family::Electricity {
        stages::area_check(c, "new_postal_code", "new_address", "移転先提供エリア外");
    }
    stages::review(
        c,
        ReviewSpec::new(&["customer_name", "address", "new_address", "move_date"]).label("移転可否確認"),
    )?;
    stages::confirm_intent(c, "移転日程のご確認", "phone_number");
    match c.p.family {
        Family::Electricity => {
            c.say("Supply stops at the old address and starts at the new one in parallel.");
            c.b.stage();
            let next = c.b.next();
            c.b.parallel("move_supply", "供給切替手配", vec!["stop_old".into(), "start_new".into()]);
            let stop = Auto::new("deactivate_service")
                .input("service", service(c))
                .pass(&["line_id"])
                .input("end_date", "move_date")
                .retry(5, Some("10m"))
                .then("moved");
            c.b.add("stop_old", "旧住所の供給停止", stop);
            let start = Auto::new("switch_supplier")
                .pass(&["supply_point_id"])
                .input("start_date", "move_date")
                .output("switching_id", "switching_id")
                .retry(3, Some("10m"))
                .then("moved");
            c.b.add("start_new", "新住所の供給開始申請", start);
            c.b.join("moved", "切替手配完了", next);
            meter_wait(
                c,
                "新住所のメーター切替待ち",
                "7d",
                "切替遅延確認",
                &["customer_name", "new_address", "switching_id"],
            );
        }
        _ if c.row.construction != Construction::None => {
            c.say("Construction at the new address and removal at the old one run in parallel.");
            let variant = c.construction();
            c.b.stage();
            let next = c.b.next();
            let first = if variant == Construction::Table { "construction_kind_check" } else { "construction" };
            c.b.parallel("move_work", "移転工事手配", vec![first.into(), "remove_old".into()]);
            if variant == Construction::Table {
                let decide = Decide::new()
                    .table(conds::construction_kind_table())
                    .when(is("construction_kind", "none"), "move_joined")
                    .otherwise("construction");
                c.b.add("construction_kind_check", "工事種別判定", decide);
            }
            let kind = if variant == Construction::Table { "construction_kind".to_string() } else { q("standard") };
            let call = Call::new(Sub::Construction)
                .pass(&["customer_name"])
                .input("address", "new_address")
                .input("construction_kind", kind)
                .pass(&["preferred_date"])
                .output("construction_id", "construction_id")
                .output("construction_date", "construction_date")
                .then("move_joined");
            c.b.add("construction", "移転先開通工事", call);
            let stop = Auto::new("deactivate_service")
                .input("service", service(c))
                .pass(&["line_id"])
                .input("end_date", "move_date")
                .retry(5, Some("10m"))
                .then("move_joined");
            c.b.add("remove_old", "旧住所の回線撤去", stop);
            c.b.join("move_joined", "移転工事完了", next);
        }
        _ => {
            let stop = Auto::new("deactivate_service")
                .input("service", service(c))
                .pass(&["line_id"])
                .input("end_date", "move_date")
                .retry(5, Some("10m"));
            auto_step(c, "remove_old", "旧住所の利用停止", stop);
        }
    }
    stages::equipment(c, "new_address")?;
    let update =
        Auto::new("update_address").pass(&["customer_id"]).input("address", "new_address").retry(3, Some("1m"));
    auto_step(c, "update", "住所変更登録", update);
    stages::confirm_done(
        c,
        "移転完了連絡",
        "移転完了のご案内",
        "relocation_done",
        &["customer_name", "new_address", "move_date"],
    );
    c.happy.title = "移転先でも提供可能で移転完了".into();
    Ok("移転完了")
}

pub(super) fn address_change(c: &mut Ctx<'_>) -> Done {
    c.say(format!("Change of the contract address of {} (no work on site).", english(c)));
    let spec = Intake::new("住所変更受付", "address_change")
        .form("変更届")
        .show(&["customer_id", "customer_name", "address"])
        .edit(&["new_postal_code", "new_address"])
        .edit(memo(c))
        .require(&["new_postal_code", "new_address"]);
    stages::intake(c, spec);
    stages::documents(c, "住所確認書類", "address_documents");
    stages::review(c, ReviewSpec::new(&["customer_name", "address", "new_address"]).label("住所変更確認"))?;
    let update =
        Auto::new("update_address").pass(&["customer_id"]).input("address", "new_address").retry(3, Some("1m"));
    auto_step(c, "update", "住所変更登録", update);
    stages::equipment(c, "new_address")?;
    stages::confirm_done(
        c,
        "変更完了連絡",
        "変更完了のご案内",
        "address_change_done",
        &["customer_name", "new_address"],
    );
    c.happy.title = "ご本人確認のうえ住所を変更".into();
    Ok("変更完了")
}

pub(super) fn name_change(c: &mut Ctx<'_>) -> Done {
    c.say(format!(
        "Change of the contract holder of {}; inheritance and transfer need documents and a review.",
        english(c)
    ));
    let spec = Intake::new("名義変更受付", "name_change")
        .form("変更届")
        .show(CUSTOMER)
        .edit(&["new_name", "name_change_reason"])
        .edit(memo(c))
        .require(&["new_name", "name_change_reason"]);
    stages::intake(c, spec);
    stages::documents(c, "名義変更書類", "name_change_documents");
    stages::review(c, ReviewSpec::new(&["customer_name", "new_name", "name_change_reason"]).label("名義変更審査"))?;
    stages::credit(c, "new_name");
    let update = Auto::new("update_name").pass(&["customer_id", "new_name"]).retry(3, Some("1m"));
    auto_step(c, "update", "名義変更登録", update);
    stages::confirm_done(
        c,
        "変更完了連絡",
        "名義変更完了のご案内",
        "name_change_done",
        &["new_name", "name_change_reason"],
    );
    c.happy.title = "ご結婚による名義変更".into();
    Ok("名義変更完了")
}

pub(super) fn payment_change(c: &mut Ctx<'_>) -> Done {
    c.say("Change of the payment method; a bank transfer needs the signed direct debit form.");
    let spec = Intake::new("支払方法変更受付", "payment_change")
        .form("依頼書")
        .show(&["customer_id", "customer_name"])
        .edit(&["payment_method"])
        .edit(memo(c))
        .require(&["payment_method"]);
    stages::intake(c, spec);
    stages::review(c, ReviewSpec::new(&["customer_name", "payment_method"]).label("支払情報審査"))?;
    if c.channel() != Channel::Paper {
        only_when(c, "bank_check", "口座振替判定", is("payment_method", "bank_transfer"), |c| {
            let expired = c.b.end("form_expired", "依頼書未返送", "withdrawn");
            let next = c.b.next();
            let send = Auto::new("send_notice")
                .input("template", q("direct_debit_form"))
                .pass(&["customer_name"])
                .retry(3, Some("1m"))
                .then("wait_form");
            c.b.add("send_form", "口座振替依頼書送付", send);
            c.b.wait(
                "wait_form",
                "依頼書返送待ち",
                vec![Arm::Signal("documents_received", "account_check".into()), Arm::After("30d", expired)],
            );
            let task = Task::new("back", "billing_clerk", "2d")
                .vendor("any")
                .show(&["customer_name", "payment_method"])
                .require(&["review_note"])
                .remind("4h")
                .outcome("ok", "口座確認OK", next)
                .outcome("invalid", "口座情報不備", "send_form");
            c.b.add("account_check", "口座情報確認", task);
            Ok(())
        })?;
        c.alt(3, Play::new("口座振替は依頼書の返送を待って登録").with("payment_method", Lit::sym("bank_transfer")));
    }
    let update = Auto::new("update_payment").pass(&["customer_id", "payment_method"]).retry(3, Some("1m"));
    auto_step(c, "update", "支払方法登録", update);
    stages::confirm_done(
        c,
        "変更完了連絡",
        "変更完了のご案内",
        "payment_change_done",
        &["customer_name", "payment_method"],
    );
    c.happy.title = "クレジットカード払いへ変更".into();
    Ok("変更完了")
}

pub(super) fn suspend(c: &mut Ctx<'_>) -> Done {
    c.say(format!(
        "Temporary suspension of {} at the customer's request (long absence, hospital stay, overseas).",
        english(c)
    ));
    let spec = Intake::new("利用休止受付", "suspend")
        .show(CUSTOMER)
        .edit(&["suspend_reason", "resume_date"])
        .edit(memo(c))
        .require(&["suspend_reason"]);
    stages::intake(c, spec);
    stages::review(
        c,
        ReviewSpec::new(&["customer_name", "suspend_reason", "tenure_months", "waiver_amount"])
            .label("休止手数料減免確認"),
    )?;
    let stop = Auto::new("suspend_service")
        .input("service", service(c))
        .pass(&["line_id"])
        .input("reason", "suspend_reason")
        .retry(3, Some("5m"));
    auto_step(c, "suspend", "利用休止", stop);
    stages::confirm_done(c, "休止完了連絡", "休止完了のご案内", "suspend_done", &["customer_name", "resume_date"]);
    c.happy.title = "海外赴任による利用休止".into();
    Ok("休止完了")
}

pub(super) fn resume(c: &mut Ctx<'_>) -> Done {
    c.say(format!("Resumption of a suspended {}; unpaid bills are settled first.", english(c)));
    let spec = Intake::new("利用再開受付", "resume").show(CUSTOMER).edit(&["resume_date"]).edit(memo(c));
    stages::intake(c, spec);
    stages::review(
        c,
        ReviewSpec::new(&["customer_name", "unpaid_months"]).label("未払い確認").answers("再開可", "再開不可"),
    )?;
    let start = Auto::new("resume_service").input("service", service(c)).pass(&["line_id"]).retry(3, Some("5m"));
    auto_step(c, "resume", "利用再開", start);
    if matches!(c.p.family, Family::Fiber | Family::Phone | Family::Tv) {
        stages::line_test(c);
        c.b.stage();
        let next = c.b.next();
        c.b.add(
            "line_ok",
            "回線状態判定",
            Decide::new().when(is("remote_test", "ok"), next.clone()).otherwise("line_repair"),
        );
        let task = Task::new("back", "support_agent", "4h")
            .vendor("any")
            .show(&["customer_name", "line_id", "remote_test"])
            .require(&["support_note"])
            .remind("1h")
            .then(next);
        c.b.add("line_repair", "回線点検", task);
        c.alt(3, Play::new("再開後の回線試験で異常があり点検").with("remote_test", Lit::sym("ng")));
    }
    stages::confirm_done(c, "再開完了連絡", "再開完了のご案内", "resume_done", &["customer_name", "resume_date"]);
    c.happy.title = "未払いなしで即日再開".into();
    Ok("再開完了")
}

pub(super) fn nonpayment_stop(c: &mut Ctx<'_>) -> Done {
    c.say(format!("Started by the billing system when a {} bill stays unpaid: reminder, suspension after the grace period, resumption on payment, termination after 60 days.", english(c)));
    c.b.stage();
    let reminder = Auto::new("send_notice")
        .input("template", q("payment_reminder"))
        .pass(&["customer_name", "unpaid_months"])
        .retry(3, Some("1h"))
        .then("wait_payment");
    c.b.add("reminder", "督促状送付", reminder);
    let paid = c.b.end("paid", "入金確認", "completed");
    c.b.wait(
        "wait_payment",
        "入金待ち",
        vec![Arm::Signal("payment_confirmed", paid.clone()), Arm::After("14d", "due_check".into())],
    );
    let next = c.b.next();
    let grace = c.b.end("grace", "督促継続(停止対象外)", "completed");
    c.b.add("due_check", "利用停止判定", Decide::new().when(conds::suspension_due(), next).otherwise(grace));
    stages::review(
        c,
        ReviewSpec::new(&["customer_name", "unpaid_months"])
            .label("利用停止前確認")
            .answers("停止する", "停止保留")
            .reject_end("held", "停止保留", "cancelled"),
    )?;
    c.b.stage();
    let stop = Auto::new("suspend_service")
        .input("service", service(c))
        .pass(&["line_id"])
        .input("reason", q("non_payment"))
        .retry(3, Some("5m"))
        .then("stopped");
    c.b.add("suspend", "利用停止", stop);
    c.b.wait(
        "stopped",
        "停止後入金待ち",
        vec![Arm::Signal("payment_confirmed", "resume".into()), Arm::After("60d", "terminate".into())],
    );
    let resumed = c.b.end("resumed", "入金により再開", "completed");
    let terminated = c.b.end("terminated", "契約解除", "cancelled");
    let start =
        Auto::new("resume_service").input("service", service(c)).pass(&["line_id"]).retry(3, Some("5m")).then(resumed);
    c.b.add("resume", "利用再開", start);
    let close = Auto::new("close_contract")
        .pass(&["customer_id"])
        .input("service", service(c))
        .input("reason", q("non_payment"))
        .retry(3, Some("1h"))
        .then(terminated);
    c.b.add("terminate", "契約解除処理", close);
    c.happy.title = "督促後14日以内に入金".into();
    c.happy = c.happy.clone().with("unpaid_months", Lit::Int(1));
    c.alt(
        6,
        Play::new("2か月未払いで利用停止、その後入金で再開")
            .with("unpaid_months", Lit::Int(2))
            .choose("wait_payment", "timeout"),
    );
    Ok("入金確認")
}

pub(super) fn cancel(c: &mut Ctx<'_>) -> Done {
    c.say(format!("Cancellation of {}.", english(c)));
    let waive: &[&str] =
        if c.row.penalty == super::super::table::Penalty::Subflow { &["waive_requested"] } else { &[] };
    let spec = Intake::new("解約受付", "cancel")
        .form("解約届")
        .show(CUSTOMER)
        .show(&["contract_kind", "contract_months"])
        .edit(&["cancel_reason", "end_date"])
        .edit(waive)
        .edit(memo(c))
        .require(&["cancel_reason", "end_date"]);
    stages::intake(c, spec);
    if matches!(c.channel(), Channel::Phone | Channel::Store) {
        c.say("The operator first presents retention offers; a customer who stays withdraws the request.");
        c.b.stage();
        let next = c.b.next();
        let retained = c.b.end("retained", "解約撤回(継続利用)", "withdrawn");
        let task = Task::new("front", "operator", "1d")
            .vendor("same")
            .show(&["customer_name", "cancel_reason", "monthly_fee"])
            .require(&["retention_note"])
            .priority(Some("low"))
            .outcome("proceed", "解約手続き継続", next)
            .outcome("retained", "継続利用", retained);
        c.b.add("retention", "引き止めご案内", task);
        c.alt(3, Play::new("引き止めのご案内で継続利用に").choose("retention", "retained"));
    }
    stages::documents(c, "解約書類", "cancel_documents");
    stages::penalty(c);
    stages::review(c, ReviewSpec::new(&["customer_name", "cancel_reason", "end_date"]).label("解約審査"))?;
    let label = match c.p.family {
        Family::Electricity => "供給停止",
        Family::Mobile => "回線解約",
        _ => "サービス停止",
    };
    let stop = Auto::new("deactivate_service")
        .input("service", service(c))
        .pass(&["line_id", "end_date"])
        .retry(5, Some("10m"))
        .timeout("1m");
    auto_step(c, "stop", label, stop);
    stages::equipment(c, "address")?;
    let close = Auto::new("close_contract")
        .pass(&["customer_id"])
        .input("service", service(c))
        .pass(&["end_date"])
        .input("reason", "cancel_reason")
        .retry(3, Some("1h"));
    auto_step(c, "close", "契約終了処理", close);
    stages::confirm_done(c, "解約完了連絡", "解約完了のご案内", "cancel_done", &["customer_name", "end_date"]);
    c.happy.title = match (c.row.penalty, c.row.shipping) {
        (super::super::table::Penalty::None, Shipping::None) => "解約希望日で契約終了".into(),
        (super::super::table::Penalty::None, _) => "解約後に機器を返却".into(),
        _ => "更新月の解約で違約金なし".into(),
    };
    Ok("解約完了")
}
