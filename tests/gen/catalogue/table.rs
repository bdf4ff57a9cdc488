//! Reading `catalogue.tsv`: a header line naming the columns, then one row per flow. Lines that
//! start with `#` and empty lines are ignored. Every cell is checked here, so that a typo in the
//! table is reported with its line number rather than as a strange flow.

use super::product::{self, Product};

/// The columns, in the order the table writes them.
pub(crate) const COLUMNS: &[&str] = &[
    "flow_id",
    "product",
    "operation",
    "channel",
    "title",
    "category",
    "owner",
    "sla",
    "construction",
    "credit",
    "penalty",
    "shipping",
    "documents",
    "review",
    "onestop_rule",
    "confirm",
    "priority",
];

/// The operations a row can name; each has a recipe in `ops.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    New,
    PlanChange,
    OptionAdd,
    OptionRemove,
    Relocation,
    AddressChange,
    NameChange,
    PaymentChange,
    Suspend,
    Resume,
    NonpaymentStop,
    Cancel,
    EquipmentExchange,
    EquipmentReturn,
    ConstructionSchedule,
    ConstructionReschedule,
    Complaint,
    Refund,
    FaultReport,
    OnsiteSupport,
    PortIn,
    PortOut,
    Conversion,
    SimReissue,
    LostStop,
    DataAdd,
    FamilyAdd,
    DirectoryListing,
    SupplierSwitch,
    AmpereChange,
    MeterDispute,
    SolarBuyback,
    LicenseReissue,
    TrialConvert,
}

impl Op {
    const ALL: &[(&str, Op)] = &[
        ("new", Op::New),
        ("plan_change", Op::PlanChange),
        ("option_add", Op::OptionAdd),
        ("option_remove", Op::OptionRemove),
        ("relocation", Op::Relocation),
        ("address_change", Op::AddressChange),
        ("name_change", Op::NameChange),
        ("payment_change", Op::PaymentChange),
        ("suspend", Op::Suspend),
        ("resume", Op::Resume),
        ("nonpayment_stop", Op::NonpaymentStop),
        ("cancel", Op::Cancel),
        ("equipment_exchange", Op::EquipmentExchange),
        ("equipment_return", Op::EquipmentReturn),
        ("construction_schedule", Op::ConstructionSchedule),
        ("construction_reschedule", Op::ConstructionReschedule),
        ("complaint", Op::Complaint),
        ("refund", Op::Refund),
        ("fault_report", Op::FaultReport),
        ("onsite_support", Op::OnsiteSupport),
        ("port_in", Op::PortIn),
        ("port_out", Op::PortOut),
        ("conversion", Op::Conversion),
        ("sim_reissue", Op::SimReissue),
        ("lost_stop", Op::LostStop),
        ("data_add", Op::DataAdd),
        ("family_add", Op::FamilyAdd),
        ("directory_listing", Op::DirectoryListing),
        ("supplier_switch", Op::SupplierSwitch),
        ("ampere_change", Op::AmpereChange),
        ("meter_dispute", Op::MeterDispute),
        ("solar_buyback", Op::SolarBuyback),
        ("license_reissue", Op::LicenseReissue),
        ("trial_convert", Op::TrialConvert),
    ];

    fn parse(text: &str) -> Option<Op> {
        Op::ALL.iter().find(|(name, _)| *name == text).map(|(_, op)| *op)
    }

    /// The operation's id as written in the table.
    pub(crate) fn id(self) -> &'static str {
        Op::ALL.iter().find(|(_, op)| *op == self).map_or("?", |(name, _)| name)
    }
}

/// How the order reaches us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    Phone,
    Web,
    Paper,
    Store,
    /// Started by a back-office system (no `channel` line).
    System,
}

impl Channel {
    fn parse(text: &str) -> Option<Channel> {
        Some(match text {
            "phone" => Channel::Phone,
            "web" => Channel::Web,
            "paper" => Channel::Paper,
            "store" => Channel::Store,
            "-" => Channel::System,
            _ => return None,
        })
    }

    /// The `channel` value, if the flow has one.
    pub(crate) fn keyword(self) -> Option<&'static str> {
        match self {
            Channel::Phone => Some("phone"),
            Channel::Web => Some("web"),
            Channel::Paper => Some("paper"),
            Channel::Store => Some("store"),
            Channel::System => None,
        }
    }
}

/// Defines a small enum of column values with its parser.
macro_rules! column_enum {
    ($(#[$doc:meta])* $name:ident { $($text:literal => $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum $name { $($variant),+ }

        impl $name {
            fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            fn choices() -> &'static str {
                concat!($($text, " "),+)
            }
        }
    };
}

column_enum! {
    /// Construction: none, decided by the `construction_needed` rule, by the `construction_kind`
    /// table, or always.
    Construction { "none" => None, "rule" => Rule, "table" => Table, "always" => Always }
}
column_enum! {
    /// Credit check: none, the shared `credit_check` subflow, or a score lookup with a credit
    /// officer's review that a rule may skip.
    Credit { "none" => None, "subflow" => Subflow, "score" => Score }
}
column_enum! {
    /// Cancellation fee: none, the shared `cancellation_penalty` subflow, or the `penalty_table`
    /// looked up in the flow with a possible waiver.
    Penalty { "none" => None, "subflow" => Subflow, "table" => Table }
}
column_enum! {
    /// Equipment: none, ship new equipment, collect the old, or both at once (swap).
    Shipping { "none" => None, "ship" => Ship, "return" => Return, "swap" => Swap }
}
column_enum! {
    /// Customer documents: none, the shared `identity_check` subflow, or paper forms the flow
    /// waits for and the back office checks.
    Documents { "none" => None, "identity" => Identity, "form" => Form }
}
column_enum! {
    /// The kind of back-office review, which sets its label, role and SLA.
    Review {
        "none" => None,
        "contract" => Contract,
        "technical" => Technical,
        "billing" => Billing,
        "support" => Support,
        "logistics" => Logistics,
        "approval" => Approval,
    }
}
column_enum! {
    /// Customer confirmation: none, the shared intent confirmation (`customer_confirmation`), a
    /// completion call by the front, or an automatic completion notice.
    Confirm { "none" => None, "intent" => Intent, "call" => Call, "notice" => Notice }
}
column_enum! {
    /// Priority of the intake and review tasks.
    Priority { "normal" => Normal, "high" => High, "urgent" => Urgent }
}

/// One row of the table.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// Line number in the file (1-based), for messages.
    pub(crate) line: usize,
    pub(crate) flow_id: String,
    pub(crate) product: &'static Product,
    pub(crate) op: Op,
    pub(crate) channel: Channel,
    pub(crate) title: String,
    pub(crate) category: String,
    pub(crate) owner: String,
    pub(crate) sla: String,
    pub(crate) construction: Construction,
    pub(crate) credit: Credit,
    pub(crate) penalty: Penalty,
    pub(crate) shipping: Shipping,
    pub(crate) documents: Documents,
    pub(crate) review: Review,
    /// The one-stop condition that may skip the review (`-` in the table: none).
    pub(crate) onestop_rule: Option<String>,
    pub(crate) confirm: Confirm,
    pub(crate) priority: Priority,
}

/// Parses the whole table.
pub(crate) fn parse(text: &str) -> Result<Vec<Row>, String> {
    let mut lines =
        text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let Some((header_line, header)) = lines.next() else { return Err("catalogue.tsv is empty".into()) };
    let names: Vec<&str> = header.split('\t').map(str::trim).collect();
    if names != COLUMNS {
        return Err(format!(
            "line {header_line}: the header must be the columns {} separated by tabs",
            COLUMNS.join(", ")
        ));
    }
    let mut rows = Vec::new();
    for (line, text) in lines {
        let cells: Vec<&str> = text.split('\t').map(str::trim).collect();
        if cells.len() != COLUMNS.len() {
            return Err(format!("line {line}: {} cells, but the table has {} columns", cells.len(), COLUMNS.len()));
        }
        rows.push(row(line, &cells).map_err(|e| format!("line {line}: {e}"))?);
    }
    Ok(rows)
}

fn row(line: usize, c: &[&str]) -> Result<Row, String> {
    let flow_id = c[0];
    let ident = flow_id.chars().next().is_some_and(|ch| ch.is_ascii_lowercase())
        && flow_id.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
    if !ident {
        return Err(format!("flow id `{flow_id}` must be snake_case ASCII"));
    }
    let product = product::find(c[1]).ok_or_else(|| format!("unknown product `{}`", c[1]))?;
    let op = Op::parse(c[2]).ok_or_else(|| format!("unknown operation `{}`", c[2]))?;
    let channel =
        Channel::parse(c[3]).ok_or_else(|| format!("unknown channel `{}` (phone, web, paper, store, -)", c[3]))?;
    for (name, value) in [("title", c[4]), ("category", c[5]), ("owner", c[6])] {
        if value.is_empty() || value.contains('"') || value.contains('\\') {
            return Err(format!("{name} must be non-empty text without quotes or backslashes"));
        }
    }
    let sla = c[7];
    if !is_duration(sla) {
        return Err(format!("sla `{sla}` is not a duration such as 5d or 1d12h"));
    }
    fn pick<T>(column: &str, value: &str, parse: fn(&str) -> Option<T>, choices: &str) -> Result<T, String> {
        parse(value).ok_or_else(|| format!("{column} `{value}` is not one of: {}", choices.trim()))
    }
    let onestop_rule = match c[14] {
        "-" => None,
        rule => Some(rule.to_string()),
    };
    Ok(Row {
        line,
        flow_id: flow_id.to_string(),
        product,
        op,
        channel,
        title: c[4].to_string(),
        category: c[5].to_string(),
        owner: c[6].to_string(),
        sla: sla.to_string(),
        construction: pick("construction", c[8], Construction::parse, Construction::choices())?,
        credit: pick("credit", c[9], Credit::parse, Credit::choices())?,
        penalty: pick("penalty", c[10], Penalty::parse, Penalty::choices())?,
        shipping: pick("shipping", c[11], Shipping::parse, Shipping::choices())?,
        documents: pick("documents", c[12], Documents::parse, Documents::choices())?,
        review: pick("review", c[13], Review::parse, Review::choices())?,
        onestop_rule,
        confirm: pick("confirm", c[15], Confirm::parse, Confirm::choices())?,
        priority: pick("priority", c[16], Priority::parse, Priority::choices())?,
    })
}

/// `30s`, `4h`, `1d12h`: digits followed by a unit, repeated.
pub(crate) fn is_duration(text: &str) -> bool {
    let mut digits = false;
    let mut any = false;
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            digits = true;
        } else if "wdhms".contains(ch) && digits {
            digits = false;
            any = true;
        } else {
            return false;
        }
    }
    any && !digits
}
