//! One recipe per operation: the order of the stages, the operation's own steps, its labels and
//! SLAs, and the scenarios that show its particular paths. Products differ inside a recipe by
//! family (fiber, mobile, TV, phone, electricity, add-on options).

use super::conds::{self, is};
use super::model::{Arm, Auto, Call, Cond, Decide, FlowModel, Lit, Play, Sub, Task};
use super::product::Family;
use super::stages::{self, Ctx, Intake, ReviewSpec};
use super::table::{Channel, Construction, Op, Row, Shipping};

/// Builds the flow for one row.
pub(crate) fn build(row: &Row, index: usize) -> Result<FlowModel, String> {
    let mut c = Ctx::new(row, index);
    let done = match row.op {
        Op::New => new(&mut c)?,
        Op::PlanChange => plan_change(&mut c)?,
        Op::OptionAdd => option_add(&mut c)?,
        Op::OptionRemove => option_remove(&mut c)?,
        Op::Relocation => relocation(&mut c)?,
        Op::AddressChange => address_change(&mut c)?,
        Op::NameChange => name_change(&mut c)?,
        Op::PaymentChange => payment_change(&mut c)?,
        Op::Suspend => suspend(&mut c)?,
        Op::Resume => resume(&mut c)?,
        Op::NonpaymentStop => nonpayment_stop(&mut c)?,
        Op::Cancel => cancel(&mut c)?,
        Op::EquipmentExchange => equipment_exchange(&mut c)?,
        Op::EquipmentReturn => equipment_return(&mut c)?,
        Op::ConstructionSchedule => construction_schedule(&mut c)?,
        Op::ConstructionReschedule => construction_reschedule(&mut c)?,
        Op::Complaint => complaint(&mut c)?,
        Op::Refund => refund(&mut c)?,
        Op::FaultReport => fault_report(&mut c)?,
        Op::OnsiteSupport => onsite_support(&mut c)?,
        Op::PortIn => port_in(&mut c)?,
        Op::PortOut => port_out(&mut c)?,
        Op::Conversion => conversion(&mut c)?,
        Op::SimReissue => sim_reissue(&mut c)?,
        Op::LostStop => lost_stop(&mut c)?,
        Op::DataAdd => data_add(&mut c)?,
        Op::FamilyAdd => family_add(&mut c)?,
        Op::DirectoryListing => directory_listing(&mut c)?,
        Op::SupplierSwitch => supplier_switch(&mut c)?,
        Op::AmpereChange => ampere_change(&mut c)?,
        Op::MeterDispute => meter_dispute(&mut c)?,
        Op::SolarBuyback => solar_buyback(&mut c)?,
        Op::LicenseReissue => license_reissue(&mut c)?,
        Op::TrialConvert => trial_convert(&mut c)?,
    };
    c.finish(done)
}

type Done = Result<&'static str, String>;

/// The fields every request from an existing customer shows.
const CUSTOMER: &[&str] = &["customer_id", "customer_name", "line_id"];

fn q(s: &str) -> String {
    format!("\"{s}\"")
}

/// `service = "fiber"` etc.
fn service(c: &Ctx<'_>) -> String {
    q(c.p.service)
}

fn web(c: &Ctx<'_>) -> bool {
    c.channel() == Channel::Web
}

/// The operator's memo field, for channels where someone types it.
fn memo(c: &Ctx<'_>) -> &'static [&'static str] {
    if web(c) { &[] } else { &["intake_note"] }
}

/// `email` for web applications from new customers.
fn email(c: &Ctx<'_>) -> &'static [&'static str] {
    if web(c) { &["email"] } else { &[] }
}

/// A plain automatic step that continues to the next stage.
fn auto_step(c: &mut Ctx<'_>, id: &str, label: &str, auto: Auto) {
    c.b.stage();
    let next = c.b.next();
    c.b.add(id, label, auto.then(next));
}

/// Waiting for the smart meter (or another partner report) with a back-office follow-up.
fn meter_wait(c: &mut Ctx<'_>, label: &str, after: &'static str, followup: &str, show: &[&'static str]) {
    c.b.stage();
    let next = c.b.next();
    c.b.wait(
        "meter_wait",
        label,
        vec![Arm::Signal("meter_switched", next.clone()), Arm::After(after, "meter_followup".into())],
    );
    let task =
        Task::new("back", "reviewer", "1d").vendor("any").show(show).require(&["review_note"]).remind("4h").then(next);
    c.b.add("meter_followup", followup, task);
    c.alt(
        2,
        Play::new(format!("切替完了の連絡が{}届かず、確認のうえ完了", english_days(after)))
            .choose("meter_wait", "timeout"),
    );
}

fn english_days(d: &str) -> String {
    format!("{}日間", d.trim_end_matches('d'))
}

/// An optional stage: `decide` on `cond`; when it holds run `stage`, otherwise jump past it.
fn only_when(
    c: &mut Ctx<'_>,
    id: &str,
    label: &str,
    cond: Cond,
    stage: impl FnOnce(&mut Ctx<'_>) -> Result<(), String>,
) -> Result<(), String> {
    c.b.stage();
    let skip = c.b.hold();
    let into = c.b.next();
    c.b.add(id, label, Decide::new().when(cond, into).otherwise(skip.clone()));
    c.b.stage();
    stage(c)?;
    c.b.release(skip);
    Ok(())
}

/// Activation of a service on a line, returning when it started.
fn activate(c: &mut Ctx<'_>, label: &str, line: &str) {
    let auto = Auto::new("activate_service")
        .input("service", service(c))
        .input("line_id", line)
        .output("activated_at", "activated_at")
        .retry(3, Some("1m"))
        .timeout("30s");
    auto_step(c, "activate", label, auto);
}

// ================================================================== new contracts

fn new(c: &mut Ctx<'_>) -> Done {
    match c.p.family {
        Family::Fiber => new_fiber(c),
        Family::Mobile => new_mobile(c),
        Family::Tv | Family::Phone => new_on_line(c),
        Family::Electricity => new_electricity(c),
        Family::Addon => new_addon(c),
    }
}

fn new_fiber(c: &mut Ctx<'_>) -> Done {
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
fn campaign(c: &mut Ctx<'_>) {
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

fn english(c: &Ctx<'_>) -> &'static str {
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
fn sim_delivery(c: &mut Ctx<'_>) -> Result<(), String> {
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

fn new_mobile(c: &mut Ctx<'_>) -> Done {
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

fn new_on_line(c: &mut Ctx<'_>) -> Done {
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

fn new_electricity(c: &mut Ctx<'_>) -> Done {
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

fn new_addon(c: &mut Ctx<'_>) -> Done {
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

// ================================================================== changes

fn plan_change(c: &mut Ctx<'_>) -> Done {
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

fn option_add(c: &mut Ctx<'_>) -> Done {
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

fn option_remove(c: &mut Ctx<'_>) -> Done {
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

fn relocation(c: &mut Ctx<'_>) -> Done {
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

fn address_change(c: &mut Ctx<'_>) -> Done {
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

fn name_change(c: &mut Ctx<'_>) -> Done {
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

fn payment_change(c: &mut Ctx<'_>) -> Done {
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

fn suspend(c: &mut Ctx<'_>) -> Done {
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

fn resume(c: &mut Ctx<'_>) -> Done {
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

fn nonpayment_stop(c: &mut Ctx<'_>) -> Done {
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

fn cancel(c: &mut Ctx<'_>) -> Done {
    c.say(format!("Cancellation of {}.", english(c)));
    let waive: &[&str] = if c.row.penalty == super::table::Penalty::Subflow { &["waive_requested"] } else { &[] };
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
        (super::table::Penalty::None, Shipping::None) => "解約希望日で契約終了".into(),
        (super::table::Penalty::None, _) => "解約後に機器を返却".into(),
        _ => "更新月の解約で違約金なし".into(),
    };
    Ok("解約完了")
}

fn equipment_exchange(c: &mut Ctx<'_>) -> Done {
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

fn equipment_return(c: &mut Ctx<'_>) -> Done {
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

fn construction_schedule(c: &mut Ctx<'_>) -> Done {
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

fn construction_reschedule(c: &mut Ctx<'_>) -> Done {
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

fn complaint(c: &mut Ctx<'_>) -> Done {
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

fn refund(c: &mut Ctx<'_>) -> Done {
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

fn fault_report(c: &mut Ctx<'_>) -> Done {
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

fn onsite_support(c: &mut Ctx<'_>) -> Done {
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

// ================================================================== numbers

fn port_in(c: &mut Ctx<'_>) -> Done {
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

fn port_out(c: &mut Ctx<'_>) -> Done {
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

fn conversion(c: &mut Ctx<'_>) -> Done {
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

fn sim_reissue(c: &mut Ctx<'_>) -> Done {
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

fn lost_stop(c: &mut Ctx<'_>) -> Done {
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

fn data_add(c: &mut Ctx<'_>) -> Done {
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

fn family_add(c: &mut Ctx<'_>) -> Done {
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

fn directory_listing(c: &mut Ctx<'_>) -> Done {
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

fn supplier_switch(c: &mut Ctx<'_>) -> Done {
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

fn ampere_change(c: &mut Ctx<'_>) -> Done {
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

fn meter_dispute(c: &mut Ctx<'_>) -> Done {
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

fn solar_buyback(c: &mut Ctx<'_>) -> Done {
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

fn license_reissue(c: &mut Ctx<'_>) -> Done {
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

fn trial_convert(c: &mut Ctx<'_>) -> Done {
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
