//! The KPI configuration: one-stop targets per vendor and per flow, and the thresholds of the
//! reminder list. Read from YAML (`examples/kpi.yaml`):
//!
//! ```yaml
//! one_stop_target: 0.70        # for every vendor and flow without a target of its own
//! targets:
//!   vendors: { ベンダーA: 0.85 }
//!   flows: { fiber_new: 0.80 }
//! stalled_after_hours: 8       # business hours without an event before an order is stalled
//! stalled_after:               # other thresholds, by flow or by the step an order waits at
//!   flows: { fiber_home_new_web: 16 }
//!   steps: { wait_construction: 120 }
//! at_risk_hours: 4             # business hours before a task's due time it is at risk
//! ```
//!
//! An order waiting at steps with thresholds of their own is stalled after the largest of
//! them; otherwise after its flow's, otherwise after `stalled_after_hours`.

use serde::Deserialize;
use std::collections::BTreeMap;

/// Why a KPI configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KpiConfigError {
    /// Not valid YAML, or fields of the wrong type.
    #[error("KPI configuration: {0}")]
    Yaml(String),
    /// A value outside its range.
    #[error("KPI configuration: {0}")]
    Invalid(String),
}

/// One-stop targets by vendor and by flow.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Vendor name → target rate.
    #[serde(default)]
    pub vendors: BTreeMap<String, f64>,
    /// Flow id → target rate.
    #[serde(default)]
    pub flows: BTreeMap<String, f64>,
}

/// Stalled thresholds of particular flows and steps, in business hours.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StalledThresholds {
    /// Flow id → hours.
    #[serde(default)]
    pub flows: BTreeMap<String, f64>,
    /// Step id (in any flow) → hours.
    #[serde(default)]
    pub steps: BTreeMap<String, f64>,
}

/// Targets and thresholds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiConfig {
    /// The one-stop target of every vendor and flow without one of its own.
    #[serde(default)]
    pub one_stop_target: Option<f64>,
    /// Targets of particular vendors and flows.
    #[serde(default)]
    pub targets: Targets,
    /// Business hours without an event before an open order counts as stalled.
    #[serde(default = "default_stalled")]
    pub stalled_after_hours: f64,
    /// Thresholds of particular flows and steps.
    #[serde(default)]
    pub stalled_after: StalledThresholds,
    /// Business hours before its due time an open task counts as at risk.
    #[serde(default = "default_at_risk")]
    pub at_risk_hours: f64,
}

fn default_stalled() -> f64 {
    8.0
}

fn default_at_risk() -> f64 {
    4.0
}

impl Default for KpiConfig {
    fn default() -> KpiConfig {
        KpiConfig {
            one_stop_target: None,
            targets: Targets::default(),
            stalled_after_hours: default_stalled(),
            stalled_after: StalledThresholds::default(),
            at_risk_hours: default_at_risk(),
        }
    }
}

impl KpiConfig {
    /// Reads and validates a configuration.
    pub fn from_yaml(text: &str) -> Result<KpiConfig, KpiConfigError> {
        let config: KpiConfig = serde_saphyr::from_str(text).map_err(|e| KpiConfigError::Yaml(e.to_string()))?;
        let rates = config.one_stop_target.iter().map(|r| ("one_stop_target".to_string(), *r));
        let rates = rates
            .chain(config.targets.vendors.iter().map(|(k, r)| (format!("targets.vendors.{k}"), *r)))
            .chain(config.targets.flows.iter().map(|(k, r)| (format!("targets.flows.{k}"), *r)));
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(KpiConfigError::Invalid(format!(
                    "{name} is {rate}; a rate is between 0 and 1 (0.85 = 85%)"
                )));
            }
        }
        let hours = [
            ("stalled_after_hours".to_string(), config.stalled_after_hours),
            ("at_risk_hours".to_string(), config.at_risk_hours),
        ];
        let hours = hours
            .into_iter()
            .chain(config.stalled_after.flows.iter().map(|(k, h)| (format!("stalled_after.flows.{k}"), *h)))
            .chain(config.stalled_after.steps.iter().map(|(k, h)| (format!("stalled_after.steps.{k}"), *h)));
        for (name, hours) in hours {
            if !hours.is_finite() || hours < 0.0 {
                return Err(KpiConfigError::Invalid(format!("{name} is {hours}; give business hours, 0 or more")));
            }
        }
        Ok(config)
    }

    /// The one-stop target of a vendor.
    pub fn vendor_target(&self, vendor: &str) -> Option<f64> {
        self.targets.vendors.get(vendor).copied().or(self.one_stop_target)
    }

    /// Business hours without an event before an order of `flow`, waiting at `steps`, is
    /// stalled.
    pub fn stalled_hours<'a>(&self, flow: &str, steps: impl IntoIterator<Item = &'a str>) -> f64 {
        let by_step = steps.into_iter().filter_map(|s| self.stalled_after.steps.get(s).copied()).reduce(f64::max);
        by_step.or_else(|| self.stalled_after.flows.get(flow).copied()).unwrap_or(self.stalled_after_hours)
    }

    /// The one-stop target of a flow.
    pub fn flow_target(&self, flow: &str) -> Option<f64> {
        self.targets.flows.get(flow).copied().or(self.one_stop_target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_fall_back_to_the_general_one() {
        let config = KpiConfig::from_yaml(
            "one_stop_target: 0.7\ntargets:\n  vendors: { ベンダーA: 0.85 }\n  flows: { fiber_new: 0.8 }\nstalled_after_hours: 6\n",
        )
        .expect("valid");
        assert_eq!(config.vendor_target("ベンダーA"), Some(0.85));
        assert_eq!(config.vendor_target("other"), Some(0.7));
        assert_eq!(config.flow_target("fiber_new"), Some(0.8));
        assert_eq!(config.stalled_after_hours, 6.0);
        assert_eq!(config.stalled_hours("fiber_new", ["intake"]), 6.0);
        let config = KpiConfig::from_yaml(
            "stalled_after:\n  flows: { fiber_new: 16 }\n  steps: { wait_construction: 120, confirm: 24 }\n",
        )
        .expect("valid");
        assert_eq!(config.stalled_hours("fiber_new", ["intake"]), 16.0, "the flow's");
        assert_eq!(config.stalled_hours("fiber_new", ["confirm", "wait_construction"]), 120.0, "the largest step's");
        assert_eq!(config.stalled_hours("other", []), 8.0, "the default");
        assert!(KpiConfig::from_yaml("stalled_after:\n  steps: { x: -2 }\n").is_err());
        assert_eq!(config.at_risk_hours, 4.0);
    }

    #[test]
    fn rates_outside_zero_to_one_and_unknown_fields_are_refused() {
        let error = KpiConfig::from_yaml("one_stop_target: 85\n").expect_err("85 is not a rate");
        assert!(error.to_string().contains("one_stop_target is 85"), "{error}");
        assert!(KpiConfig::from_yaml("one_stop_targte: 0.8\n").is_err());
        assert!(KpiConfig::from_yaml("at_risk_hours: -1\n").is_err());
    }
}
