//! Signals from outside, addressed by order id or business key: delivered to the order or to
//! one of its subflows that waits for it; kept in the order for a later wait when none does
//! yet (`machine/inbox.rs`); and listed as lost when no order has that key.

use super::{Engine, EngineError};
use crate::machine::{Actor, Command, CommandError};
use crate::script::Data;
use crate::store::{LostSignal, LostSignalFilter};

/// What became of a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalOutcome {
    /// A wait of the order (or of one of its subflows) took it.
    Delivered,
    /// Nothing waits for it yet: the order keeps it for a wait to take, within the signal's
    /// `keep`.
    Kept,
}

impl Engine {
    /// Sends a signal to an order, addressed by id or business key, from the system.
    pub async fn signal(&self, id_or_key: &str, name: &str, data: Data) -> Result<SignalOutcome, EngineError> {
        self.signal_from(&Actor::system(), id_or_key, name, data).await
    }

    /// [`Engine::signal`] from `sender` (a person, or a system's user), whom the history names.
    /// A signal for a business key no order has is listed among the lost signals
    /// ([`Engine::lost_signals`]) and answered [`EngineError::UnknownOrder`].
    pub async fn signal_from(
        &self,
        sender: &Actor,
        id_or_key: &str,
        name: &str,
        data: Data,
    ) -> Result<SignalOutcome, EngineError> {
        // A sender cannot know that the worker was changing the order at that moment: a
        // signal that met a concurrent change is tried again on the new state.
        let mut attempt = 0;
        loop {
            match self.signal_once(sender, id_or_key, name, data.clone()).await {
                Err(EngineError::Conflict(_)) if attempt < 3 => attempt += 1,
                outcome => return outcome,
            }
        }
    }

    async fn signal_once(
        &self,
        sender: &Actor,
        id_or_key: &str,
        name: &str,
        data: Data,
    ) -> Result<SignalOutcome, EngineError> {
        let id = match self.resolve(id_or_key).await {
            Ok(id) => id,
            Err(EngineError::UnknownOrder(key)) => {
                self.list_unaddressed(sender, name, data, Some(key.clone()), "no such order".into()).await?;
                return Err(EngineError::UnknownOrder(key));
            }
            Err(e) => return Err(e),
        };
        // The order itself, or else one of its subflows (depth first), may be waiting.
        let mut candidates = vec![id.clone()];
        let mut i = 0;
        while i < candidates.len() {
            let command = Command::Signal { name: name.to_string(), data: data.clone() };
            match self.apply(&candidates[i], sender, command).await {
                Err(EngineError::Command(CommandError::NoWaiter { .. })) => {
                    let children = self.store.open_children(&candidates[i]).await?;
                    candidates.extend(children);
                }
                // A held order keeps it for when it is resumed.
                Err(EngineError::Command(CommandError::OnHold(_))) if i == 0 => break,
                Err(e) => return Err(e),
                Ok(()) => return Ok(SignalOutcome::Delivered),
            }
            i += 1;
        }
        // Nothing waits for it yet: the order keeps it (or delivers it, if a wait began since).
        self.apply(&id, sender, Command::KeepSignal { name: name.to_string(), data }).await?;
        Ok(SignalOutcome::Kept)
    }

    /// Sends a signal declared `correlate on FIELD` to the open order whose field has `value`.
    /// `Ok(None)` when no deployed flow waits for this signal by a field. An order that no open
    /// order has is listed among the lost signals and answered [`EngineError::UnknownOrder`];
    /// several open orders with that value are refused as [`CommandError::BadData`].
    pub async fn signal_by_correlation(
        &self,
        sender: &Actor,
        name: &str,
        value: &serde_json::Value,
        data: Data,
    ) -> Result<Option<(String, SignalOutcome)>, EngineError> {
        let mut keys: Vec<(String, String)> = Vec::new();
        for flow in self.latest_flows() {
            for node in flow.graph.node_weights() {
                if let crate::compile::NodeKind::Wait(arms) = &node.kind {
                    for (arm, _) in arms {
                        if let crate::compile::WaitArmSpec::Signal { signal, correlate: Some(field), .. } = arm
                            && signal == name
                            && !keys.contains(&(flow.id.clone(), field.clone()))
                        {
                            keys.push((flow.id.clone(), field.clone()));
                        }
                    }
                }
            }
        }
        let Some((_, field)) = keys.first().cloned() else { return Ok(None) };
        let mut matches = Vec::new();
        for (flow, field) in &keys {
            for status in ["open", "on_hold"] {
                let filter = crate::store::OrderFilter {
                    flow: Some(flow.clone()),
                    status: Some(status.into()),
                    data: vec![(field.clone(), value.clone())],
                    limit: Some(2),
                    ..crate::store::OrderFilter::default()
                };
                matches.extend(self.orders(&filter).await?.into_iter().map(|o| o.id));
            }
        }
        let shown = value.as_str().map_or_else(|| value.to_string(), str::to_string);
        match matches.as_slice() {
            [] => {
                let reason = format!("no open order with {field} = {shown}");
                self.list_unaddressed(sender, name, data, None, reason).await?;
                Err(EngineError::UnknownOrder(format!("{field} = {shown}")))
            }
            [one] => {
                let outcome = self.signal_from(sender, one, name, data).await?;
                Ok(Some((one.clone(), outcome)))
            }
            _ => Err(EngineError::Command(CommandError::BadData {
                field: "correlation".into(),
                reason: format!("several open orders have {field} = {shown}: address the order by its number"),
            })),
        }
    }

    /// Lists a signal that found no order to go to.
    async fn list_unaddressed(
        &self,
        sender: &Actor,
        name: &str,
        data: Data,
        business_key: Option<String>,
        reason: String,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let lost = LostSignal {
            id: 0,
            order: None,
            business_key,
            flow: None,
            signal: name.to_string(),
            data,
            sender: Some(sender.id.clone()),
            received_at: now,
            lost_at: now,
            reason,
        };
        Ok(self.store.record_lost_signal(&lost).await?)
    }

    /// Signals no order took, oldest first: kept too long, left when their order ended, or
    /// addressed to no order.
    pub async fn lost_signals(&self, filter: &LostSignalFilter) -> Result<Vec<LostSignal>, EngineError> {
        Ok(self.store.lost_signals(filter).await?)
    }
}
