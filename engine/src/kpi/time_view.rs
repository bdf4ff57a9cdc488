//! "Where the time goes" as a view: per flow and per vendor, the closed orders' lead time split
//! into the states of [`TimeSplit`], as shares of calendar and of business time (the shares a
//! manager reads first: "where do our 49 hours go?").

use super::report::{GroupKpi, KpiReport, TimeSplit};
use super::view::{Cell, Column, Unit, View};

/// The share columns, one per state, calendar then business (keys are static: CSV headers).
const CALENDAR: [(&str, &str); 9] = [
    ("worked_share", "Worked"),
    ("queued_share", "Queued for a person"),
    ("automatic_share", "Automatic"),
    ("incident_share", "Incident"),
    ("customer_share", "Customer"),
    ("on_hold_share", "On hold"),
    ("partner_share", "Partner"),
    ("scheduled_share", "Scheduled"),
    ("other_share", "Other"),
];
const BUSINESS: [(&str, &str); 9] = [
    ("worked_business_share", "Worked (business)"),
    ("queued_business_share", "Queued for a person (business)"),
    ("automatic_business_share", "Automatic (business)"),
    ("incident_business_share", "Incident (business)"),
    ("customer_business_share", "Customer (business)"),
    ("on_hold_business_share", "On hold (business)"),
    ("partner_business_share", "Partner (business)"),
    ("scheduled_business_share", "Scheduled (business)"),
    ("other_business_share", "Other (business)"),
];

fn shares(split: &TimeSplit) -> impl Iterator<Item = Cell> {
    let total = split.total();
    split.parts().into_iter().map(move |p| if total > 0 { Cell::Float(p as f64 / total as f64) } else { Cell::Empty })
}

fn row(by: &str, g: &GroupKpi) -> Vec<Cell> {
    let mut row = vec![
        Cell::Text(by.to_string()),
        Cell::Text(g.key.clone()),
        Cell::Int(i64::try_from(g.closed).unwrap_or(i64::MAX)),
        Cell::Int(g.time.total()),
        Cell::Int(g.business_time.total()),
    ];
    row.extend(shares(&g.time));
    row.extend(shares(&g.business_time));
    row
}

impl KpiReport {
    /// Where the closed orders' time went, per flow then per vendor.
    pub(crate) fn time_view(&self) -> View {
        let mut columns = vec![
            Column { key: "by", label: "By", unit: Unit::Text },
            Column { key: "key", label: "Flow or vendor", unit: Unit::Text },
            Column { key: "closed", label: "Closed orders", unit: Unit::Count },
            Column { key: "lead_time_total_s", label: "Lead time, all orders (h)", unit: Unit::Seconds },
            Column { key: "business_time_total_s", label: "Business time, all orders (h)", unit: Unit::Seconds },
        ];
        for (key, label) in CALENDAR.into_iter().chain(BUSINESS) {
            columns.push(Column { key, label, unit: Unit::Ratio });
        }
        // Groups with no order closed in the window have no time to split.
        let closed = |g: &&GroupKpi| g.closed > 0;
        let flows = self.flows.iter().filter(closed).map(|g| row("flow", g));
        let rows = flows.chain(self.vendors.iter().filter(closed).map(|g| row("vendor", g))).collect();
        View { id: "time", title: "Where the time goes (closed orders)", columns, rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_each_state_add_up_to_one() {
        let split = TimeSplit::of(&[30, 10, 0, 0, 60, 0, 0, 0, 0]);
        let cells: Vec<Cell> = shares(&split).collect();
        assert_eq!(cells[0], Cell::Float(0.3));
        assert_eq!(cells[4], Cell::Float(0.6));
        let sum: f64 = cells.iter().map(|c| if let Cell::Float(f) = c { *f } else { 0.0 }).sum();
        assert!((sum - 1.0).abs() < 1e-9);
        assert!(shares(&TimeSplit::default()).all(|c| c == Cell::Empty));
    }
}
