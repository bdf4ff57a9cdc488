//! Where a chart's bar leads when the report is shown on the dashboard: the page listing the
//! orders that bar counts, with the report's own filters kept. A report written to a file or
//! downloaded has no links (there is no page to go to).

use super::html::escape;

/// The orders a bar counts, in the words of the orders page's query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Behind<'a> {
    /// Every order of the report's filters (the "all vendors" bar).
    All,
    /// The orders attributed to a vendor that count for its one-stop rate.
    Vendor(&'a str),
    /// Completed orders whose lead time falls in `[from_h, to_h)` hours (no end: and longer).
    LeadTime { from_h: f64, to_h: Option<f64> },
    /// Orders received on a day (`YYYY-MM-DD` in the report's zone).
    Received(&'a str),
    /// The orders of the flow a waiting step belongs to, most waiting first.
    Step { flow: &'a str, step: &'a str },
}

/// The orders page and the report's filters (`from`, `to`, `flow`, `vendor`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OrdersLink {
    path: String,
    filters: Vec<(String, String)>,
}

impl OrdersLink {
    /// Links to `path` keeping `filters` (empty values are dropped).
    pub(crate) fn new(path: &str, filters: &[(&str, &str)]) -> Self {
        Self {
            path: path.to_string(),
            filters: filters
                .iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| ((*k).to_string(), v.trim().to_string()))
                .collect(),
        }
    }

    /// The address of the orders behind a bar, HTML-escaped for an attribute. What the bar
    /// names replaces a filter of the same name (a vendor's bar under a vendor filter is that
    /// same vendor).
    pub(crate) fn href(&self, behind: &Behind<'_>) -> String {
        let hours = |h: f64| format!("{}", (h * 1000.0).round() / 1000.0);
        let named: Vec<(&str, String)> = match behind {
            Behind::All => Vec::new(),
            Behind::Vendor(vendor) => vec![("vendor", (*vendor).to_string()), ("counted", "one_stop".to_string())],
            Behind::LeadTime { from_h, to_h } => {
                let mut pairs = vec![("lead_from", hours(*from_h))];
                pairs.extend(to_h.map(|to| ("lead_to", hours(to))));
                pairs
            }
            Behind::Received(day) => vec![("received", (*day).to_string())],
            Behind::Step { flow, step } => vec![("flow", (*flow).to_string()), ("step", (*step).to_string())],
        };
        let mut pairs: Vec<(&str, &str)> = self
            .filters
            .iter()
            .filter(|(k, _)| !named.iter().any(|(n, _)| n == k))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.extend(named.iter().map(|(k, v)| (*k, v.as_str())));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        let address = if query.is_empty() { self.path.clone() } else { format!("{}?{query}", self.path) };
        escape(&address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_keeps_the_report_filters_and_replaces_the_one_it_names() {
        let link = OrdersLink::new("/dashboard/orders", &[("from", "2026-11-01"), ("vendor", "A社"), ("flow", "")]);
        assert_eq!(
            link.href(&Behind::Vendor("A社")),
            "/dashboard/orders?from=2026-11-01&amp;vendor=A%E7%A4%BE&amp;counted=one_stop"
        );
        assert_eq!(
            link.href(&Behind::LeadTime { from_h: 2.5, to_h: Some(5.0) }),
            "/dashboard/orders?from=2026-11-01&amp;vendor=A%E7%A4%BE&amp;lead_from=2.5&amp;lead_to=5"
        );
        assert_eq!(OrdersLink::new("/o", &[]).href(&Behind::All), "/o");
    }
}
