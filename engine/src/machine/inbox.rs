//! Messages that wait for their receiver: a signal that arrives before the order waits for it
//! (a construction partner reporting early, a race with a step still running) is kept in the
//! order's inbox for the signal's `keep` (three days unless declared) and delivered when the
//! order reaches a wait that listens for it. One no wait took in time, or that the order's end
//! left behind, is dropped and listed as lost: never silently.

use super::advance::Run;
use super::{Actor, CommandError, Effect, Event, KeptSignal, TimerPurpose};
use crate::compile::{NodeKind, WaitArmSpec};
use crate::script::Data;
use jiff::{SignedDuration, Timestamp};

impl Run<'_> {
    /// Delivers the signal if the order waits for it now, or else keeps it for a wait to take.
    /// A held order keeps every signal for when it is resumed.
    pub(super) fn keep_signal(&mut self, sender: &Actor, name: &str, data: &Data) -> Result<(), CommandError> {
        if !matches!(self.state.status, super::Status::OnHold { .. }) {
            match self.signal(sender, name, data) {
                Err(CommandError::NoWaiter { .. }) => {}
                delivered_or_refused => return delivered_or_refused,
            }
        }
        // Kept only if some wait of the flow listens for it: else it could never be delivered.
        let keep = self.flow.graph.node_weights().find_map(|node| match &node.kind {
            NodeKind::Wait(arms) => arms.iter().find_map(|(arm, _)| match arm {
                WaitArmSpec::Signal { signal, keep, .. } if signal == name => Some(*keep),
                _ => None,
            }),
            _ => None,
        });
        let Some(keep) = keep else {
            return Err(CommandError::NoWaiter { order: self.state.id.clone(), signal: name.to_string() });
        };
        let data = self.signal_fields(data)?;
        let now = self.now();
        let expires_at = now
            .checked_add(SignedDuration::from_secs(i64::try_from(keep).unwrap_or(i64::MAX)))
            .unwrap_or(Timestamp::MAX);
        let sender = Some(sender.id.clone());
        self.state.inbox.push(KeptSignal {
            name: name.to_string(),
            data,
            sender: sender.clone(),
            received_at: now,
            expires_at,
        });
        self.events.push(Event::SignalKept { name: name.to_string(), sender, expires_at });
        self.schedule(expires_at, TimerPurpose::ExpireSignals);
        Ok(())
    }

    /// The order was resumed: its waits take the kept signals they listen for.
    pub(super) fn deliver_kept_signals(&mut self) {
        let waits: Vec<(u64, String)> = self
            .state
            .tokens
            .values()
            .filter(|t| matches!(t.activity, super::Activity::Waiting { .. }))
            .map(|t| (t.instance, t.step.clone()))
            .collect();
        for (instance, step) in waits {
            let Some(NodeKind::Wait(arms)) = self.flow.node(&step).map(|n| &n.kind) else { continue };
            if let Some((kept, next)) = self.take_kept_signal(arms) {
                self.state.data.extend(kept.data.clone());
                let by = format!("signal {}", kept.name);
                self.events.push(Event::SignalReceived { name: kept.name, data: kept.data, sender: kept.sender });
                self.end_wait(instance, &by, &next);
                self.go(&next);
            }
        }
    }

    /// Drops the kept signals whose time is up.
    pub(super) fn expire_signals(&mut self) {
        let now = self.now();
        let (expired, kept): (Vec<KeptSignal>, Vec<KeptSignal>) =
            std::mem::take(&mut self.state.inbox).into_iter().partition(|s| s.expires_at <= now);
        self.state.inbox = kept;
        for signal in expired {
            self.lose_signal(signal, "expired");
        }
    }

    /// The order ended: what is still kept will never be taken.
    pub(super) fn drop_kept_signals(&mut self) {
        for signal in std::mem::take(&mut self.state.inbox) {
            self.lose_signal(signal, "order closed");
        }
    }

    fn lose_signal(&mut self, signal: KeptSignal, reason: &str) {
        self.events.push(Event::SignalExpired {
            name: signal.name.clone(),
            sender: signal.sender.clone(),
            reason: reason.to_string(),
        });
        self.effects.push(Effect::SignalLost { signal, reason: reason.to_string() });
    }

    /// The oldest kept signal, still in time, that one of `arms` listens for, taken out of the
    /// inbox, with where its arm leads.
    pub(super) fn take_kept_signal(&mut self, arms: &[(WaitArmSpec, String)]) -> Option<(KeptSignal, String)> {
        let now = self.now();
        let (position, next) = self.state.inbox.iter().enumerate().find_map(|(i, kept)| {
            if kept.expires_at <= now {
                return None;
            }
            arms.iter().find_map(|(arm, next)| match arm {
                WaitArmSpec::Signal { signal, .. } if *signal == kept.name => Some((i, next.clone())),
                _ => None,
            })
        })?;
        Some((self.state.inbox.remove(position), next))
    }
}
