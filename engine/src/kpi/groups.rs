//! Figures of groups of orders (vendor, flow, channel, period) and distributions.

use super::case::CaseFigures;
use super::report::{Distribution, GroupKpi};
use std::collections::BTreeMap;

/// Nearest-rank percentiles (`v[ceil(P/100 · n)]`, 1-based) and the mean of `values`.
pub(crate) fn distribution(mut values: Vec<i64>) -> Distribution {
    if values.is_empty() {
        return Distribution::default();
    }
    values.sort_unstable();
    let n = values.len();
    let rank = |p: usize| values[(p * n).div_ceil(100).clamp(1, n) - 1];
    Distribution {
        count: n as u64,
        mean: Some(values.iter().map(|v| *v as f64).sum::<f64>() / n as f64),
        p50: Some(rank(50)),
        p90: Some(rank(90)),
        p95: Some(rank(95)),
        max: values.last().copied(),
    }
}

/// `a / b`, or `None` when `b` is zero.
pub(crate) fn rate(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// A group's figures while orders are added.
#[derive(Default)]
pub(crate) struct GroupAcc {
    kpi: GroupKpi,
    lead_times: Vec<i64>,
    business_lead_times: Vec<i64>,
}

impl GroupAcc {
    /// An order received in the window.
    pub(crate) fn received(&mut self) {
        self.kpi.received += 1;
    }

    /// An order closed in the window.
    pub(crate) fn closed(&mut self, case: &CaseFigures) {
        let k = &mut self.kpi;
        k.closed += 1;
        // Every outcome an `end` or a command can give (`junro_dsl`'s list), by name.
        match case.order.outcome.as_str() {
            "completed" => k.completed += 1,
            "cancelled" => k.cancelled += 1,
            "rejected" => k.rejected += 1,
            "withdrawn" => k.withdrawn += 1,
            _ => k.failed += 1,
        }
        k.time.add(&case.order.time);
        k.business_time.add(&case.order.business_time);
        if case.order.rework > 0 {
            k.rework_orders += 1;
        }
        if !case.completed {
            return;
        }
        if let Some(one_stop) = case.order.one_stop {
            k.eligible_completed += 1;
            k.one_stop += u64::from(one_stop);
        }
        if let Some(met) = case.order.sla_met {
            k.sla_total += 1;
            k.sla_met += u64::from(met);
        }
        self.lead_times.extend(case.order.lead_time);
        self.business_lead_times.extend(case.order.business_lead_time);
    }

    /// Human step instances completed in the window.
    pub(crate) fn steps(&mut self, n: u64) {
        self.kpi.steps_processed += n;
    }

    /// The finished figures.
    pub(crate) fn finish(self, key: String, target: Option<f64>) -> GroupKpi {
        let mut kpi = self.kpi;
        kpi.key = key;
        kpi.one_stop_rate = rate(kpi.one_stop, kpi.eligible_completed);
        kpi.target = target;
        kpi.target_met = match (kpi.one_stop_rate, target) {
            (Some(rate), Some(target)) => Some(rate >= target),
            _ => None,
        };
        kpi.rework_rate = rate(kpi.rework_orders, kpi.closed);
        kpi.lead_time = distribution(self.lead_times);
        kpi.business_lead_time = distribution(self.business_lead_times);
        kpi
    }
}

/// Groups by key (a name borrowed from the orders, or a date): no key is built per order.
pub(crate) struct Groups<K>(BTreeMap<K, GroupAcc>);

impl<K> Default for Groups<K> {
    fn default() -> Self {
        Groups(BTreeMap::new())
    }
}

impl<K: Ord> Groups<K> {
    /// The group `key`, created when new.
    pub(crate) fn get(&mut self, key: K) -> &mut GroupAcc {
        self.0.entry(key).or_default()
    }

    /// The finished groups, in key order, named by `name`.
    pub(crate) fn finish(self, name: impl Fn(&K) -> String, target: impl Fn(&str) -> Option<f64>) -> Vec<GroupKpi> {
        self.0
            .into_iter()
            .map(|(key, acc)| {
                let key = name(&key);
                let t = target(&key);
                acc.finish(key, t)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let d = distribution((1..=10).rev().collect());
        assert_eq!((d.p50, d.p90, d.p95, d.max), (Some(5), Some(9), Some(10), Some(10)));
        assert_eq!(d.mean, Some(5.5));
        let one = distribution(vec![7]);
        assert_eq!((one.p50, one.p90, one.p95), (Some(7), Some(7), Some(7)));
        assert_eq!(distribution(Vec::new()), Distribution::default());
    }
}
