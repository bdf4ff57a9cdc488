//! One recipe per operation: the order of the stages, the operation's own steps, its labels and
//! SLAs, and the scenarios that show its particular paths. Products differ inside a recipe by
//! family (fiber, mobile, TV, phone, electricity, add-on options).

use super::conds::{self, is};
use super::model::{Arm, Auto, Call, Cond, Decide, FlowModel, Lit, Play, Sub, Task};
use super::product::Family;
use super::stages::{self, Ctx, Intake, ReviewSpec};
use super::table::{Channel, Construction, Op, Row, Shipping};

mod changes;
mod new;
mod products;
mod service;

use changes::*;
use new::*;
use products::*;
use service::*;

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
