//! Recipes for new contracts, by product family.

use super::*;

pub(super) fn new(c: &mut Ctx<'_>) -> Done {
    match c.p.family {
        Family::Fiber => new_fiber(c),
        Family::Mobile => new_mobile(c),
        Family::Tv | Family::Phone => new_on_line(c),
        Family::Electricity => new_electricity(c),
        Family::Addon => new_addon(c),
    }
}

pub(super) fn new_fiber(c: &mut Ctx<'_>) -> Done {
    c.say(format!(
        "New {} contract: area and duplicate checks, then review, construction and provisioning.",
        english(c)
    ));
    let spec = Intake::new("新規申込受付", "new_order")
        .edit(&["customer_name", "phone_number"])
        .edit(email(c))
        .edit(&[
            "postal_code",
            "address",
            "building_type",
            "has_existing_line",
            "plan",
            "contract_kind",
            "preferred_date",
        ])
        .edit(memo(c))
        .require(&["customer_name", "phone_number", "postal_code", "address", "building_type"])
        .web_check();
    stages::intake(c, spec);
    stages::documents(c, "本人確認書類", "identity_documents");
    stages::area_check(c, "postal_code", "address", "提供エリア外");
    stages::duplicate_check(c);
    stages::credit(c, "customer_name");
    stages::review(c, ReviewSpec::new(&["customer_name", "address", "building_type", "plan"]))?;
    stages::confirm_intent(c, &format!("{}新規申込の内容確認", c.p.label), "phone_number");
    stages::construction(c, "開通工事", "standard", "address");
    stages::equipment(c, "address")?;
    let provision = Auto::new("provision_line")
        .pass(&["plan", "address", "customer_id"])
        .output("line_id", "line_id")
        .retry(3, Some("1m"))
        .timeout("30s");
    auto_step(c, "provision", "回線開通", provision);
    campaign(c);
    stages::confirm_done(
        c,
        "開通確認連絡",
        "開通のご案内送付",
        "new_order_done",
        &["customer_name", "plan", "line_id"],
    );
    c.happy.title = "自動審査を通過し開通".into();
    Ok("開通完了")
}

/// Campaign codes from the campaign table, registered when any applies.
pub(super) fn campaign(c: &mut Ctx<'_>) {
    c.b.stage();
    let next = c.b.next();
    let decide = Decide::new()
        .table(conds::campaign_table())
        .when(conds::has_campaigns(), "register_campaign")
        .otherwise(next.clone());
    c.b.add("campaign", "キャンペーン判定", decide);
    let auto = Auto::new("register_campaign").pass(&["customer_id", "campaigns"]).retry(3, Some("5m")).then(next);
    c.b.add("register_campaign", "キャンペーン登録", auto);
}

pub(super) fn english(c: &Ctx<'_>) -> &'static str {
    match c.p.id {
        "fiber_home" => "home fiber",
        "fiber_apartment" => "apartment fiber",
        "mobile_sim" => "mobile (SIM)",
        "tv" => "fiber TV",
        "phone" => "fiber phone",
        "electricity" => "electricity",
        "router_rental" => "router rental",
        "fixed_ip" => "fixed IP",
        _ => "security pack",
    }
}

/// SIM delivery: eSIM profiles are mailed, physical SIMs shipped (when the row ships).
pub(super) fn sim_delivery(c: &mut Ctx<'_>) -> Result<(), String> {
    if c.channel() == Channel::Store {
        c.b.stage();
        let next = c.b.next();
        let task = Task::new("front", "operator", "30m")
            .vendor("same")
            .show(&["customer_name", "phone_number", "iccid"])
            .then(next);
        c.b.add("handover", "SIMお渡し・開通設定", task);
        c.say("The shop hands the SIM over and sets the phone up with the customer.");
        return stages::equipment(c, "address");
    }
    if c.row.shipping == Shipping::None {
        return stages::equipment(c, "address");
    }
    c.b.stage();
    let after = c.b.hold();
    let ship = c.b.next();
    c.b.add(
        "sim_delivery",
        "SIMお届け方法",
        Decide::new().when(is("sim_kind", "esim"), "esim_profile").otherwise(ship),
    );
    let profile = Auto::new("send_notice")
        .input("template", q("esim_profile"))
        .pass(&["customer_name", "iccid"])
        .retry(3, Some("1m"))
        .then(after.clone());
    c.b.add("esim_profile", "eSIMプロファイル送付", profile);
    stages::equipment(c, "address")?;
    c.b.release(after);
    c.alt(3, Play::new("eSIMはプロファイルをメールで送付").with("sim_kind", Lit::sym("esim")));
    Ok(())
}

pub(super) fn new_mobile(c: &mut Ctx<'_>) -> Done {
    c.say("New mobile contract: identity documents are mandatory (mobile phone fraud prevention act).");
    let spec = Intake::new("新規契約受付", "mobile_new")
        .edit(&["customer_name", "contact_phone"])
        .edit(email(c))
        .edit(&["address", "age", "plan", "sim_kind", "device_price", "contract_kind"])
        .edit(memo(c))
        .require(&["customer_name", "contact_phone", "address", "age"])
        .web_check();
    stages::intake(c, spec);
    stages::documents(c, "本人確認書類", "identity_documents");
    stages::register(c);
    let label =
        if c.row.onestop_rule.as_deref() == Some("not_minor") { "親権者同意確認" } else { "契約内容審査" };
    stages::review(c, ReviewSpec::new(&["customer_name", "age", "plan"]).label(label))?;
    stages::credit(c, "customer_name");
    stages::confirm_intent(c, "モバイル新規契約の内容確認", "contact_phone");
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
        "mobile_new_done",
        &["customer_name", "phone_number", "plan"],
    );
    c.happy.title = "本人確認・与信を通過し利用開始".into();
    Ok("利用開始")
}

pub(super) fn new_on_line(c: &mut Ctx<'_>) -> Done {
    let tv = c.p.family == Family::Tv;
    c.say(format!("New {} on an existing fiber line of the customer.", english(c)));
    let spec = Intake::new("新規申込受付", if tv { "tv_new" } else { "phone_new" })
        .show(&["customer_id", "customer_name", "line_id"])
        .edit(&["plan", "preferred_date"])
        .edit(memo(c))
        .require(&["plan"])
        .web_check();
    stages::intake(c, spec);
    stages::documents(c, "本人確認書類", "identity_documents");
    if tv {
        stages::area_check(c, "postal_code", "address", "光テレビ提供エリア外");
    }
    stages::review(
        c,
        ReviewSpec::new(&["customer_name", "line_id", "plan"]).label(if tv {
            "視聴環境確認"
        } else {
            "番号割当確認"
        }),
    )?;
    stages::confirm_intent(c, &format!("{}申込の内容確認", c.p.label), "phone_number");
    stages::construction(c, if tv { "映像配線工事" } else { "宅内配線工事" }, "indoor", "address");
    stages::equipment(c, "address")?;
    activate(c, if tv { "視聴開始登録" } else { "電話番号開通" }, "line_id");
    stages::confirm_done(
        c,
        "開始確認連絡",
        "ご利用開始のご案内",
        if tv { "tv_new_done" } else { "phone_new_done" },
        &["customer_name", "plan", "activated_at"],
    );
    c.happy.title = if tv {
        "既存回線に光テレビを追加し視聴開始".into()
    } else {
        "既存回線に光電話を追加し開通".into()
    };
    Ok(if tv { "視聴開始" } else { "開通完了" })
}

pub(super) fn new_electricity(c: &mut Ctx<'_>) -> Done {
    c.say(
        "New electricity supply at the customer's address, started by the transmission operator's smart meter switch.",
    );
    let spec = Intake::new("新規申込受付", "power_new")
        .edit(&["customer_name", "phone_number"])
        .edit(email(c))
        .edit(&["address", "supply_point_id", "contract_ampere", "is_low_voltage", "plan", "start_date"])
        .edit(memo(c))
        .require(&["customer_name", "phone_number", "address", "supply_point_id", "start_date"])
        .web_check();
    stages::intake(c, spec);
    stages::documents(c, "本人確認書類", "identity_documents");
    stages::duplicate_check(c);
    stages::review(c, ReviewSpec::new(&["customer_name", "address", "plan"]).label("供給条件確認"))?;
    stages::credit(c, "customer_name");
    stages::confirm_intent(c, "電気の供給開始のご確認", "phone_number");
    let switch = Auto::new("switch_supplier")
        .pass(&["supply_point_id", "start_date"])
        .output("switching_id", "switching_id")
        .retry(3, Some("10m"))
        .timeout("1m");
    auto_step(c, "supply_request", "供給開始申請", switch);
    meter_wait(
        c,
        "スマートメーター切替待ち",
        "10d",
        "切替遅延確認",
        &["customer_name", "supply_point_id", "switching_id"],
    );
    stages::equipment(c, "address")?;
    activate(c, "供給開始登録", "supply_point_id");
    stages::confirm_done(
        c,
        "供給開始連絡",
        "供給開始のご案内",
        "power_new_done",
        &["customer_name", "plan", "activated_at"],
    );
    c.happy.title = "供給開始申請からメーター切替まで".into();
    Ok("供給開始")
}

pub(super) fn new_addon(c: &mut Ctx<'_>) -> Done {
    let kind = c.p.addon_kind.unwrap_or("security");
    c.say(format!("New {} option on the customer's fiber line.", english(c)));
    let spec = Intake::new("お申込受付", "option_new")
        .show(&["customer_id", "customer_name", "line_id"])
        .edit(&["plan"])
        .edit(memo(c))
        .require(&["plan"]);
    stages::intake(c, spec);
    let label = match c.p.id {
        "fixed_ip" => "IPアドレス割当審査",
        "router_rental" => "在庫確認",
        _ => "お申込内容確認",
    };
    stages::review(c, ReviewSpec::new(&["customer_name", "line_id", "plan"]).label(label))?;
    stages::equipment(c, "address")?;
    let add = Auto::new("add_option")
        .pass(&["line_id"])
        .input("option_kind", q(kind))
        .input("plan", "plan")
        .output("option_id", "option_id")
        .retry(3, Some("1m"));
    auto_step(c, "register", "オプション登録", add);
    let bill = Auto::new("update_billing")
        .pass(&["customer_id"])
        .input("item", q(c.p.service))
        .input("amount", format!("option_fee(\"{kind}\")"))
        .retry(3, Some("5m"));
    auto_step(c, "billing", "月額料金登録", bill);
    if c.p.id == "security_pack" {
        let license = Auto::new("send_notice")
            .input("template", q("security_license"))
            .pass(&["customer_name", "option_id"])
            .retry(3, Some("10m"));
        auto_step(c, "license", "ライセンスキー送付", license);
    }
    stages::confirm_done(
        c,
        "ご利用開始連絡",
        "ご利用開始のご案内",
        "option_new_done",
        &["customer_name", "plan", "option_id"],
    );
    c.happy.title = "お申込からご利用開始まで".into();
    Ok("利用開始")
}
