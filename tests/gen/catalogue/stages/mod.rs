//! The stages recipes are made of: intake by channel, customer documents, credit, the
//! back-office review, the cancellation fee, construction, equipment and customer confirmation.
//! Each stage reads the table columns that concern it, adds its steps, and offers alternative
//! scenarios ([`Ctx::alt`]) that show its other paths.

use super::conds::{self, above, is};
use super::model::{Arm, Auto, Builder, Call, Decide, FlowModel, Lit, Play, Sub, Task};
use super::product::Product;
use super::table::{Channel, Confirm, Construction, Credit, Documents, Penalty, Priority, Review, Row, Shipping};
use std::collections::BTreeSet;

mod checks;
mod fulfilment;
mod intake;
mod review;

pub(crate) use checks::*;
pub(crate) use fulfilment::*;
pub(crate) use intake::*;
pub(crate) use review::*;

/// A recipe's working state.
pub(crate) struct Ctx<'r> {
    pub(crate) row: &'r Row,
    pub(crate) p: &'static Product,
    pub(crate) b: Builder,
    /// Position of the row in the table, to vary sample names.
    pub(crate) index: usize,
    used: BTreeSet<&'static str>,
    /// The intake task, when there is one (send-backs go there).
    pub(crate) intake: Option<&'static str>,
    /// Checks already in the flow (`area`, `duplicate`, `score`, `line_test`).
    pub(crate) has: BTreeSet<&'static str>,
    alts: Vec<(u8, Play)>,
    pub(crate) happy: Play,
}

const NAMES: &[&str] = &[
    "山田太郎",
    "佐藤花子",
    "鈴木一郎",
    "高橋美咲",
    "田中健太",
    "伊藤由美",
    "渡辺翔",
    "中村彩",
    "小林大輔",
    "加藤恵",
    "吉田拓也",
    "山本真理",
    "松本和也",
    "井上さくら",
    "木村亮",
    "林優子",
    "斎藤隆",
    "清水愛",
    "山口直樹",
    "森本里奈",
];

impl<'r> Ctx<'r> {
    pub(crate) fn new(row: &'r Row, index: usize) -> Ctx<'r> {
        let mut b = Builder::new();
        b.defaults.push(("customer_name", Lit::text(NAMES[index % NAMES.len()])));
        b.defaults.push(("new_name", Lit::text(NAMES[(index + 7) % NAMES.len()])));
        Ctx {
            row,
            p: row.product,
            b,
            index,
            used: BTreeSet::new(),
            intake: None,
            has: BTreeSet::new(),
            alts: Vec::new(),
            happy: Play::new("標準的な流れ"),
        }
    }

    // ---------------------------------------------------------------- columns

    pub(crate) fn construction(&mut self) -> Construction {
        self.used.insert("construction");
        self.row.construction
    }
    pub(crate) fn credit(&mut self) -> Credit {
        self.used.insert("credit");
        self.row.credit
    }
    pub(crate) fn penalty(&mut self) -> Penalty {
        self.used.insert("penalty");
        self.row.penalty
    }
    pub(crate) fn shipping(&mut self) -> Shipping {
        self.used.insert("shipping");
        self.row.shipping
    }
    pub(crate) fn documents(&mut self) -> Documents {
        self.used.insert("documents");
        self.row.documents
    }
    pub(crate) fn review(&mut self) -> Review {
        self.used.insert("review");
        self.row.review
    }
    pub(crate) fn rule_key(&mut self) -> Option<String> {
        self.used.insert("onestop_rule");
        self.row.onestop_rule.clone()
    }
    pub(crate) fn confirm(&mut self) -> Confirm {
        self.used.insert("confirm");
        self.row.confirm
    }
    pub(crate) fn priority(&mut self) -> Option<&'static str> {
        self.used.insert("priority");
        match self.row.priority {
            Priority::Normal => None,
            Priority::High => Some("high"),
            Priority::Urgent => Some("urgent"),
        }
    }

    pub(crate) fn channel(&self) -> Channel {
        self.row.channel
    }

    /// A column set to something other than its default that the recipe never looked at is a
    /// mistake in the table.
    fn check_columns(&self) -> Result<(), String> {
        let r = self.row;
        let set = [
            ("construction", r.construction != Construction::None),
            ("credit", r.credit != Credit::None),
            ("penalty", r.penalty != Penalty::None),
            ("shipping", r.shipping != Shipping::None),
            ("documents", r.documents != Documents::None),
            ("review", r.review != Review::None),
            ("onestop_rule", r.onestop_rule.is_some()),
            ("confirm", r.confirm != Confirm::None),
            ("priority", r.priority != Priority::Normal),
        ];
        for (column, is_set) in set {
            if is_set && !self.used.contains(column) {
                return Err(format!("column `{column}` is set, but operation `{}` does not use it", r.op.id()));
            }
        }
        Ok(())
    }

    /// Offers an alternative scenario; the one with the highest rank is written.
    pub(crate) fn alt(&mut self, rank: u8, play: Play) {
        self.alts.push((rank, play));
    }

    /// Adds a sentence to the flow's header comment.
    pub(crate) fn say(&mut self, line: impl Into<String>) {
        self.b.description.push(line.into());
    }

    /// Finishes the flow: the successful end, the happy scenario and the best alternative.
    pub(crate) fn finish(mut self, done_label: &str) -> Result<FlowModel, String> {
        self.check_columns()?;
        if self.row.confirm == Confirm::Intent && !self.b.has("confirm") {
            return Err(format!("confirm `intent` is not offered by operation `{}`", self.row.op.id()));
        }
        let mut plays = vec![self.happy.clone()];
        // Stable: among equal ranks the first offered wins.
        let best = self
            .alts
            .iter()
            .enumerate()
            .max_by_key(|(i, (rank, _))| (*rank, usize::MAX - i))
            .map(|(_, (_, p))| p.clone());
        plays.extend(best);
        self.b.plays = plays;
        let description = std::mem::take(&mut self.b.description);
        self.b.description = wrap_comment(&description.join(" "));
        self.b.finish(done_label)
    }
}

/// Wraps text into comment lines of at most 96 columns.
fn wrap_comment(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > 96 {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

// -------------------------------------------------------------------- intake
