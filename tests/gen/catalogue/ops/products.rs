//! Recipes that belong to one product family: numbers, mobile, phone, electricity, options.

use super::*;

// ================================================================== numbers

pub(super) fn port_in(c: &mut Ctx<'_>) -> Done {
    let mobile = c.p.family == Family::Mobile;
    if mobile {
        c.say("Number portability into our mobile service (MNP): the reservation number must stay valid long enough to finish.");
        let spec = Intake::new("MNP転入受付", "mnp_in")
            .edit(&["customer_name", "phone_number"])
            .edit(email(c))
            .edit(&["address", "age", "mnp_number", "mnp_expiry", "plan", "sim_kind"])
            .edit(memo(c))
            .require(&["customer_name", "phone_number", "address", "age", "mnp_number", "mnp_expiry"])
            .web_check();
        stages::intake(c, spec);
        stages::documents(c, "本人確認書類", "identity_documents");
        stages::register(c);
    } else {
        c.say("Keeping the customer's existing landline number on the fiber phone (number portability from the incumbent).");
        let spec = Intake::new("番号継続受付", "number_keep")
            .form("依頼書")
            .show(CUSTOMER)
            .edit(&["phone_number", "plan", "preferred_date"])
            .edit(memo(c))
            .require(&["phone_number"]);
        stages::intake(c, spec);
        stages::documents(c, "本人確認書類", "identity_documents");
    }
    let label = if mobile { "予約番号確認" } else { "番号継続可否確認" };
    stages::review(c, ReviewSpec::new(&["customer_name", "phone_number"]).label(label))?;
    stages::credit(c, "customer_name");
    stages::confirm_intent(c, "番号ポータビリティのご確認", "phone_number");
    if mobile {
        let sim = Auto::new("provision_sim")
            .pass(&["plan", "sim_kind"])
            .output("iccid", "iccid")
            .retry(3, Some("1m"))
            .timeout("30s");
        auto_step(c, "provision", "SIM発行", sim);
        sim_delivery(c)?;
    } else {
        stages::construction(c, "宅内配線工事", "indoor", "address");
        stages::equipment(c, "address")?;
    }
    let port = Auto::new("port_number")
        .pass(&["phone_number"])
        .input("mnp_number", if mobile { "mnp_number" } else { "\"\"" })
        .output("port_id", "port_id")
        .retry(3, Some("5m"))
        .timeout("1m");
    auto_step(c, "port", "番号ポータビリティ実行", port);
    c.b.stage();
    let next = c.b.next();
    let after = if mobile { "1d" } else { "5d" };
    c.b.wait(
        "ported",
        "切替完了待ち",
        vec![Arm::Signal("number_ported", next.clone()), Arm::After(after, "port_followup".into())],
    );
    let task = Task::new("back", "reviewer", "4h")
        .vendor("any")
        .show(&["customer_name", "phone_number", "port_id"])
        .require(&["review_note"])
        .priority(Some("high"))
        .then(next);
    c.b.add("port_followup", "切替遅延確認", task);
    c.alt(2, Play::new("切替完了通知が遅れ、確認のうえ開通").choose("ported", "timeout"));
    activate(c, "利用開始", "phone_number");
    stages::confirm_done(c, "開通確認連絡", "ご利用開始のご案内", "port_in_done", &["customer_name", "phone_number"]);
    c.happy.title = if mobile {
        "有効期限に余裕のあるMNP転入".into()
    } else {
        "今の番号のまま光電話へ切替".into()
    };
    Ok(if mobile { "転入完了" } else { "番号継続完了" })
}

pub(super) fn port_out(c: &mut Ctx<'_>) -> Done {
    c.say("Number portability to another carrier: a reservation number is issued; the line closes when the new carrier completes the port, or the request lapses after 15 days.");
    let spec = Intake::new("MNP転出受付", "mnp_out")
        .show(&["customer_id", "customer_name", "phone_number", "contract_kind", "contract_months"])
        .edit(memo(c));
    stages::intake(c, spec);
    stages::documents(c, "本人確認書類", "identity_documents");
    stages::penalty(c);
    stages::review(c, ReviewSpec::new(&["customer_name", "phone_number"]).label("転出内容確認"))?;
    c.b.stage();
    let next = c.b.next();
    let lapsed = c.b.end("lapsed", "予約番号期限切れ", "withdrawn");
    let issue = Auto::new("port_number")
        .pass(&["phone_number"])
        .input("direction", q("out"))
        .output("port_id", "port_id")
        .retry(3, Some("5m"))
        .timeout("1m")
        .then("number_notice");
    c.b.add("issue", "MNP予約番号発行", issue);
    let notice = Auto::new("send_notice")
        .input("template", q("mnp_number_issued"))
        .pass(&["customer_name", "port_id"])
        .retry(3, Some("1m"))
        .then("ported");
    c.b.add("number_notice", "予約番号のご案内", notice);
    c.b.wait("ported", "転出完了待ち", vec![Arm::Signal("number_ported", next), Arm::After("15d", lapsed)]);
    c.alt(3, Play::new("予約番号が使われず15日で失効").choose("ported", "timeout"));
    let close = Auto::new("close_contract")
        .pass(&["customer_id"])
        .input("service", service(c))
        .input("reason", q("port_out"))
        .retry(3, Some("1h"));
    auto_step(c, "close", "契約終了処理", close);
    c.happy.title = "予約番号を発行し転出完了".into();
    Ok("転出完了")
}

pub(super) fn conversion(c: &mut Ctx<'_>) -> Done {
    c.say("Switching a customer's existing FLET'S line (tenyo / jigyosha henko) with an approval number: no construction, only a switch-over.");
    let spec = Intake::new("転用・事業者変更受付", "conversion")
        .edit(&["customer_name", "phone_number"])
        .edit(email(c))
        .edit(&["postal_code", "address", "conversion_number", "conversion_expiry", "plan", "contract_kind"])
        .edit(memo(c))
        .require(&["customer_name", "phone_number", "address", "conversion_number", "conversion_expiry"])
        .web_check();
    stages::intake(c, spec);
    stages::duplicate_check(c);
    stages::review(
        c,
        ReviewSpec::new(&["customer_name", "conversion_number", "conversion_expiry"]).label("承諾番号確認"),
    )?;
    stages::credit(c, "customer_name");
    stages::confirm_intent(c, "転用・事業者変更のご確認", "phone_number");
    let switch = Auto::new("provision_line")
        .pass(&["plan", "address", "customer_id", "conversion_number"])
        .output("line_id", "line_id")
        .retry(3, Some("1m"))
        .timeout("30s");
    auto_step(c, "switch_line", "回線切替", switch);
    stages::equipment(c, "address")?;
    stages::confirm_done(
        c,
        "切替完了連絡",
        "切替完了のご案内",
        "conversion_done",
        &["customer_name", "plan", "line_id"],
    );
    c.happy.title = "承諾番号の有効期限内に切替".into();
    Ok("切替完了")
}

// ================================================================== mobile

pub(super) fn sim_reissue(c: &mut Ctx<'_>) -> Done {
    c.say("SIM reissue (lost, damaged, device change); a lost SIM is stopped first.");
    let spec = Intake::new("SIM再発行受付", "sim_reissue")
        .show(&["customer_id", "customer_name", "phone_number"])
        .edit(&["reissue_reason", "sim_kind"])
        .edit(memo(c))
        .require(&["reissue_reason"]);
    stages::intake(c, spec);
    stages::documents(c, "本人確認書類", "identity_documents");
    let svc = service(c);
    only_when(c, "lost_check", "紛失判定", is("reissue_reason", "lost"), move |c| {
        let stop = Auto::new("suspend_service")
            .input("service", svc)
            .input("line_id", "phone_number")
            .input("reason", q("lost"))
            .retry(5, Some("30s"))
            .timeout("10s");
        auto_step(c, "stop_old", "旧SIM利用停止", stop);
        Ok(())
    })?;
    c.alt(3, Play::new("紛失の場合は旧SIMを先に停止").with("reissue_reason", Lit::sym("lost")));
    stages::review(c, ReviewSpec::new(&["customer_name", "reissue_reason"]).label("再発行審査"))?;
    let sim = Auto::new("provision_sim")
        .input("line_id", "phone_number")
        .pass(&["sim_kind"])
        .output("iccid", "iccid")
        .retry(3, Some("1m"))
        .timeout("30s");
    auto_step(c, "reissue", "SIM再発行", sim);
    sim_delivery(c)?;
    activate(c, "新SIM開通", "phone_number");
    stages::confirm_done(c, "開通確認連絡", "再発行完了のご案内", "sim_reissue_done", &["customer_name", "iccid"]);
    c.happy.title = "破損したSIMを再発行".into();
    Ok("再発行完了")
}

pub(super) fn lost_stop(c: &mut Ctx<'_>) -> Done {
    c.say("Emergency stop of a lost or stolen phone's line, 24 hours a day.");
    let spec = Intake::new("紛失・盗難受付", "lost_stop")
        .sla("10m")
        .show(&["customer_id", "customer_name", "phone_number"])
        .edit(memo(c));
    stages::intake(c, spec);
    stages::documents(c, "本人確認書類", "identity_documents");
    let stop = Auto::new("suspend_service")
        .input("service", service(c))
        .input("line_id", "phone_number")
        .input("reason", q("lost"))
        .retry(5, Some("30s"))
        .timeout("10s");
    auto_step(c, "stop", "緊急回線停止", stop);
    stages::review(c, ReviewSpec::new(&["customer_name", "phone_number"]).label("不正利用確認"))?;
    stages::confirm_done(c, "停止確認連絡", "回線停止のご案内", "lost_stop_done", &["customer_name", "phone_number"]);
    c.happy.title = "紛失届を受けて即時に回線停止".into();
    Ok("停止完了")
}

pub(super) fn data_add(c: &mut Ctx<'_>) -> Done {
    c.say("Extra data volume for the current month, billed with the next invoice.");
    let spec = Intake::new("データ追加受付", "data_add")
        .show(&["customer_id", "customer_name", "phone_number", "plan"])
        .edit(memo(c));
    stages::intake(c, spec);
    let add = Auto::new("add_option")
        .input("line_id", "phone_number")
        .input("option_kind", q("data_1gb"))
        .output("option_id", "option_id")
        .retry(3, Some("1m"))
        .timeout("30s");
    auto_step(c, "add", "データ容量追加", add);
    let bill = Auto::new("update_billing")
        .pass(&["customer_id"])
        .input("item", q("data_1gb"))
        .input("amount", "1100")
        .retry(3, Some("5m"));
    auto_step(c, "billing", "追加料金登録", bill);
    stages::confirm_done(c, "追加完了連絡", "追加完了のご案内", "data_add_done", &["customer_name", "option_id"]);
    c.happy.title = "1GBを即時追加".into();
    Ok("追加完了")
}

pub(super) fn family_add(c: &mut Ctx<'_>) -> Done {
    c.say(
        "An extra line for a family member on the main holder's account; the family discount applies from two lines.",
    );
    let spec = Intake::new("家族回線追加受付", "family_add")
        .show(&["customer_id", "customer_name"])
        .edit(&["new_name", "age", "plan", "sim_kind", "line_count"])
        .edit(memo(c))
        .require(&["new_name", "age"]);
    stages::intake(c, spec);
    stages::documents(c, "本人確認書類", "identity_documents");
    stages::review(c, ReviewSpec::new(&["customer_name", "new_name", "age"]).label("利用者確認"))?;
    stages::credit(c, "customer_name");
    only_when(c, "family_check", "家族割判定", conds::family_discount(), |c| {
        let discount = Auto::new("update_billing")
            .pass(&["customer_id"])
            .input("item", q("family_discount"))
            .input("amount", "-550")
            .retry(3, Some("5m"));
        auto_step(c, "discount", "家族割適用", discount);
        Ok(())
    })?;
    c.b.defaults.push(("line_count", Lit::Int(2)));
    let sim = Auto::new("provision_sim")
        .pass(&["plan", "sim_kind"])
        .output("iccid", "iccid")
        .output("phone_number", "phone_number")
        .retry(3, Some("1m"))
        .timeout("30s");
    auto_step(c, "provision", "SIM発行・番号払い出し", sim);
    sim_delivery(c)?;
    activate(c, "回線利用開始", "phone_number");
    stages::confirm_done(
        c,
        "開通確認連絡",
        "ご利用開始のご案内",
        "family_add_done",
        &["customer_name", "new_name", "phone_number"],
    );
    c.happy.title = "2回線目の追加で家族割を適用".into();
    Ok("追加完了")
}

// ================================================================== phone

pub(super) fn directory_listing(c: &mut Ctx<'_>) -> Done {
    c.say(
        "Listing the number in the telephone directory and directory enquiries (104); business listings are reviewed.",
    );
    let spec = Intake::new("電話帳掲載受付", "directory_listing")
        .form("依頼書")
        .show(CUSTOMER)
        .show(&["phone_number"])
        .edit(&["listing_name", "is_corporate"])
        .edit(memo(c))
        .require(&["listing_name"]);
    stages::intake(c, spec);
    stages::review(c, ReviewSpec::new(&["customer_name", "listing_name", "is_corporate"]).label("掲載内容確認"))?;
    let add = Auto::new("add_option")
        .pass(&["line_id"])
        .input("option_kind", q("directory_listing"))
        .pass(&["listing_name"])
        .output("option_id", "option_id")
        .retry(3, Some("1m"));
    auto_step(c, "register", "掲載情報登録", add);
    stages::confirm_done(c, "登録完了連絡", "掲載登録のご案内", "listing_done", &["customer_name", "listing_name"]);
    c.happy.title = "個人名での掲載を登録".into();
    Ok("登録完了")
}

// ================================================================== electricity

pub(super) fn supplier_switch(c: &mut Ctx<'_>) -> Done {
    c.say("Switching electricity supply from another retailer (switching support system); large or high-voltage contracts are checked first.");
    let spec = Intake::new("切替申込受付", "power_switch")
        .edit(&["customer_name", "phone_number"])
        .edit(email(c))
        .edit(&[
            "address",
            "supply_point_id",
            "current_supplier",
            "contract_ampere",
            "is_low_voltage",
            "plan",
            "start_date",
        ])
        .edit(memo(c))
        .require(&["customer_name", "phone_number", "address", "supply_point_id", "current_supplier", "start_date"])
        .web_check();
    stages::intake(c, spec);
    stages::duplicate_check(c);
    stages::review(c, ReviewSpec::new(&["customer_name", "current_supplier", "plan"]).label("契約容量確認"))?;
    stages::credit(c, "customer_name");
    stages::confirm_intent(c, "電力会社切替のご確認", "phone_number");
    let switch = Auto::new("switch_supplier")
        .pass(&["supply_point_id", "start_date"])
        .output("switching_id", "switching_id")
        .retry(3, Some("10m"))
        .timeout("1m");
    auto_step(c, "switch", "スイッチング申請", switch);
    meter_wait(c, "切替完了待ち", "14d", "切替遅延確認", &["customer_name", "supply_point_id", "switching_id"]);
    activate(c, "供給開始登録", "supply_point_id");
    stages::confirm_done(
        c,
        "供給開始連絡",
        "供給開始のご案内",
        "power_switch_done",
        &["customer_name", "plan", "activated_at"],
    );
    c.happy.title = "一般家庭の契約を切替".into();
    Ok("供給開始")
}

pub(super) fn ampere_change(c: &mut Ctx<'_>) -> Done {
    c.say("Change of the contracted amperage; the smart meter is reset remotely, large contracts are checked first.");
    let spec = Intake::new("アンペア変更受付", "ampere_change")
        .form("変更届")
        .show(&["customer_id", "customer_name", "supply_point_id", "contract_ampere"])
        .edit(&["new_ampere", "preferred_date"])
        .edit(memo(c))
        .require(&["new_ampere"]);
    stages::intake(c, spec);
    stages::review(c, ReviewSpec::new(&["customer_name", "contract_ampere", "new_ampere"]).label("契約容量確認"))?;
    stages::construction(c, "分電盤工事", "indoor", "address");
    let change = Auto::new("change_plan")
        .pass(&["line_id"])
        .input("ampere", "new_ampere")
        .input("effective", q("next_reading"))
        .output("effective_date", "effective_date")
        .retry(3, Some("1m"));
    auto_step(c, "change", "契約アンペア変更登録", change);
    meter_wait(
        c,
        "スマートメーター設定待ち",
        "7d",
        "設定遅延確認",
        &["customer_name", "supply_point_id", "new_ampere"],
    );
    stages::confirm_done(
        c,
        "変更完了連絡",
        "変更完了のご案内",
        "ampere_change_done",
        &["customer_name", "new_ampere", "effective_date"],
    );
    c.happy.title = "40Aから50Aへ変更".into();
    Ok("変更完了")
}

pub(super) fn meter_dispute(c: &mut Ctx<'_>) -> Done {
    c.say(
        "The customer doubts a meter reading; billing checks it and refunds the difference when the reading was wrong.",
    );
    let spec = Intake::new("検針値照会受付", "meter_dispute")
        .show(&["customer_id", "customer_name", "supply_point_id"])
        .edit(&["meter_reading"])
        .edit(memo(c))
        .require(&["meter_reading"]);
    stages::intake(c, spec);
    c.b.stage();
    let next = c.b.next();
    let task = Task::new("back", "billing_clerk", "2d")
        .vendor("any")
        .show(&["customer_name", "supply_point_id", "meter_reading"])
        .edit(&["refund_amount"])
        .require(&["review_note"])
        .remind("4h")
        .escalate("supervisor", "3d")
        .outcome("wrong", "検針誤りあり", "issue_refund")
        .outcome("correct", "検針値正常", next.clone());
    c.b.add("meter_check", "検針値確認", task);
    let pay = Auto::new("issue_refund")
        .pass(&["customer_id"])
        .input("amount", "refund_amount")
        .input("reason", q("meter_error"))
        .output("refund_id", "refund_id")
        .retry(3, Some("10m"))
        .then(next);
    c.b.add("issue_refund", "差額返金", pay);
    c.alt(3, Play::new("検針値は正常で説明のみ").choose("meter_check", "correct"));
    stages::confirm_done(
        c,
        "調査結果のご連絡",
        "調査結果のご案内",
        "meter_result",
        &["customer_name", "meter_reading", "refund_id"],
    );
    c.happy.title = "検針誤りを認め差額を返金".into();
    c.happy = c.happy.clone().with("refund_amount", Lit::Int(1850));
    Ok("回答完了")
}

pub(super) fn solar_buyback(c: &mut Ctx<'_>) -> Done {
    c.say("Buying the surplus power of the customer's solar panels (after the FIT period); the equipment certificate is required.");
    let spec = Intake::new("余剰電力買取受付", "solar")
        .form("申込書")
        .show(&["customer_id", "customer_name", "address"])
        .edit(&["supply_point_id", "solar_capacity"])
        .edit(memo(c))
        .require(&["supply_point_id", "solar_capacity"]);
    stages::intake(c, spec);
    stages::documents(c, "設備認定書類", "solar_documents");
    stages::review(c, ReviewSpec::new(&["customer_name", "supply_point_id", "solar_capacity"]).label("発電設備確認"))?;
    let add = Auto::new("add_option")
        .input("line_id", "supply_point_id")
        .input("option_kind", q("solar_buyback"))
        .input("capacity", "solar_capacity")
        .output("option_id", "option_id")
        .retry(3, Some("1m"));
    auto_step(c, "register", "買取契約登録", add);
    meter_wait(c, "双方向メーター切替待ち", "30d", "切替遅延確認", &["customer_name", "supply_point_id", "option_id"]);
    stages::confirm_done(c, "買取開始連絡", "買取開始のご案内", "solar_done", &["customer_name", "solar_capacity"]);
    c.happy.title = "設備確認のうえ買取開始".into();
    Ok("買取開始")
}

// ================================================================== options

pub(super) fn license_reissue(c: &mut Ctx<'_>) -> Done {
    c.say("Reissue of the security pack licence key (new PC, lost key).");
    let spec = Intake::new("ライセンス再発行受付", "license_reissue").show(CUSTOMER).show(&["plan"]).edit(memo(c));
    stages::intake(c, spec);
    stages::documents(c, "本人確認書類", "identity_documents");
    let add = Auto::new("add_option")
        .pass(&["line_id"])
        .input("option_kind", q("security"))
        .input("reissue", "true")
        .output("option_id", "option_id")
        .retry(3, Some("1m"));
    auto_step(c, "reissue", "ライセンス再発行", add);
    let send = Auto::new("send_notice")
        .input("template", q("security_license"))
        .pass(&["customer_name", "option_id"])
        .retry(3, Some("10m"));
    auto_step(c, "send_key", "ライセンスキー送付", send);
    c.happy.title = "ライセンスキーを再送付".into();
    Ok("再発行完了")
}

pub(super) fn trial_convert(c: &mut Ctx<'_>) -> Done {
    c.say("A 30-day free trial of the security pack that becomes a paid contract when the customer confirms, and ends otherwise.");
    let spec = Intake::new("無料体験受付", "trial").show(CUSTOMER).edit(&["plan"]).edit(memo(c));
    stages::intake(c, spec);
    stages::review(c, ReviewSpec::new(&["customer_name", "plan"]).label("お申込内容確認"))?;
    c.b.stage();
    let next = c.b.next();
    let over = c.b.end("trial_over", "体験のみで終了", "withdrawn");
    let trial = Auto::new("add_option")
        .pass(&["line_id"])
        .input("option_kind", q("security_trial"))
        .output("option_id", "option_id")
        .retry(3, Some("1m"))
        .then("decision");
    c.b.add("trial", "体験版登録", trial);
    c.b.wait(
        "decision",
        "本契約意思確認待ち",
        vec![
            Arm::Signal("customer_confirmed", "convert".into()),
            Arm::Signal("customer_cancelled", "trial_end".into()),
            Arm::After("30d", "trial_end".into()),
        ],
    );
    let end_trial = Auto::new("remove_option")
        .pass(&["line_id"])
        .input("option_kind", q("security_trial"))
        .retry(3, Some("1m"))
        .then(over);
    c.b.add("trial_end", "体験版終了", end_trial);
    let convert = Auto::new("update_billing")
        .pass(&["customer_id"])
        .input("item", q("security"))
        .input("amount", "option_fee(\"security\")")
        .retry(3, Some("5m"))
        .then(next);
    c.b.add("convert", "本契約登録", convert);
    c.alt(3, Play::new("30日の体験期間が満了し終了").choose("decision", "timeout"));
    stages::confirm_done(
        c,
        "本契約開始連絡",
        "本契約開始のご案内",
        "trial_convert_done",
        &["customer_name", "plan", "option_id"],
    );
    c.happy.title = "体験期間中に本契約へ移行".into();
    Ok("本契約開始")
}
