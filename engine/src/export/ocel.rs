//! OCEL 2.0 object-centric event logs in the standard's JSON format (`objectTypes`,
//! `eventTypes`, `objects`, `events`, each event with its `relationships`).
//!
//! Objects are the order (one per case), the customer and the vendor. The customer is read from
//! the order's data (the first of [`CUSTOMER_FIELDS`](super::CUSTOMER_FIELDS) it holds); an order
//! with none of those fields has no customer object and its events relate to no customer. Vendor
//! objects are the vendors orders are attributed to (`self-service` included) and those of the
//! people who did the work. Every event relates to its order (`order`) and the order's vendor
//! (`order vendor`), to the customer (`customer`) when known, and to the worker's vendor
//! (`performer vendor`) when it differs from the order's. The order object relates to its
//! customer (`placed by`) and vendor (`attributed to`).
//!
//! The event type is the activity; `lifecycle` (`start`/`complete`) is an event attribute, so a
//! tool that wants one event per step instance filters on `lifecycle = complete`. The whole log is
//! built in memory before writing: the type lists at the top need every event seen first.

use super::{Case, ExportError, LogEvent, Written, timestamp};
use serde::Serialize;
use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// The object type of orders.
pub const ORDER: &str = "order";
/// The object type of customers.
pub const CUSTOMER: &str = "customer";
/// The object type of vendors.
pub const VENDOR: &str = "vendor";

/// The log, as the OCEL 2.0 JSON format names its parts.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Log {
    object_types: Vec<Type>,
    event_types: Vec<Type>,
    objects: Vec<Object>,
    events: Vec<OcelEvent>,
}

#[derive(Serialize)]
struct Type {
    name: String,
    attributes: Vec<TypeAttribute>,
}

#[derive(Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct TypeAttribute {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Object {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    attributes: Vec<ObjectAttribute>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
struct ObjectAttribute {
    name: &'static str,
    /// When the value was set.
    time: String,
    value: serde_json::Value,
}

#[derive(Serialize)]
struct OcelEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    time: String,
    attributes: Vec<EventAttribute>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
struct EventAttribute {
    name: &'static str,
    value: serde_json::Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    object_id: String,
    qualifier: &'static str,
}

fn object_id(kind: &str, key: &str) -> String {
    format!("{kind}:{key}")
}

/// The attributes of an order object: name, type, value and when it was set.
fn order_attributes(case: &Case) -> Vec<(&'static str, &'static str, serde_json::Value, String)> {
    let received = timestamp(case.received_at);
    let mut attributes = vec![
        ("order id", "string", case.order.clone().into(), received.clone()),
        ("flow", "string", case.flow.clone().into(), received.clone()),
        ("version", "integer", case.version.into(), received.clone()),
        ("received", "time", received.clone().into(), received.clone()),
    ];
    if let Some(channel) = &case.channel {
        attributes.push(("channel", "string", channel.clone().into(), received.clone()));
    }
    if let Some((at, outcome)) = &case.closed {
        let at = timestamp(*at);
        attributes.push(("closed", "time", at.clone().into(), at.clone()));
        attributes.push(("outcome", "string", outcome.clone().into(), at));
    }
    attributes
}

/// The attributes of an event: name, type, value.
fn event_attributes(event: &LogEvent) -> Vec<(&'static str, &'static str, serde_json::Value)> {
    let mut attributes = vec![
        ("lifecycle", "string", event.lifecycle.as_str().into()),
        ("flow", "string", event.flow.clone().into()),
        ("version", "integer", event.version.into()),
        ("order", "string", event.order.clone().into()),
    ];
    let optional = [
        ("resource", event.resource.clone()),
        ("vendor", event.group.clone()),
        ("lane", event.lane.clone()),
        ("step", event.step.clone()),
        ("instance", event.instance_id()),
        ("outcome", event.outcome.clone()),
    ];
    attributes.extend(optional.into_iter().filter_map(|(name, value)| Some((name, "string", value?.into()))));
    attributes
}

/// Builds the log in memory.
#[derive(Default)]
struct Builder {
    log: Log,
    object_types: BTreeMap<&'static str, BTreeSet<TypeAttribute>>,
    event_types: BTreeMap<String, BTreeSet<TypeAttribute>>,
    /// Customers and vendors already listed.
    listed: BTreeSet<String>,
    written: Written,
}

impl Builder {
    /// Lists a customer or vendor object once; returns its id.
    fn shared_object(&mut self, kind: &'static str, key: &str) -> String {
        let id = object_id(kind, key);
        self.object_types.entry(kind).or_default();
        if self.listed.insert(id.clone()) {
            self.log.objects.push(Object { id: id.clone(), kind, attributes: Vec::new(), relationships: Vec::new() });
        }
        id
    }

    fn case(&mut self, case: &Case) {
        let order = object_id(ORDER, &case.id);
        let vendor = self.shared_object(VENDOR, &case.vendor);
        let customer = case.customer.as_deref().map(|c| self.shared_object(CUSTOMER, c));
        let mut relationships = vec![Relationship { object_id: vendor.clone(), qualifier: "attributed to" }];
        if let Some(customer) = &customer {
            relationships.push(Relationship { object_id: customer.clone(), qualifier: "placed by" });
        }
        let attributes = order_attributes(case);
        self.object_types
            .entry(ORDER)
            .or_default()
            .extend(attributes.iter().map(|(name, kind, ..)| TypeAttribute { name, kind }));
        let attributes =
            attributes.into_iter().map(|(name, _, value, time)| ObjectAttribute { name, time, value }).collect();
        self.log.objects.push(Object { id: order.clone(), kind: ORDER, attributes, relationships });
        for event in &case.events {
            let mut relationships = vec![
                Relationship { object_id: order.clone(), qualifier: "order" },
                Relationship { object_id: vendor.clone(), qualifier: "order vendor" },
            ];
            if let Some(customer) = &customer {
                relationships.push(Relationship { object_id: customer.clone(), qualifier: "customer" });
            }
            if let Some(group) = event.group.as_deref().filter(|g| *g != case.vendor) {
                let id = self.shared_object(VENDOR, group);
                relationships.push(Relationship { object_id: id, qualifier: "performer vendor" });
            }
            let attributes = event_attributes(event);
            self.event_types
                .entry(event.activity.clone())
                .or_default()
                .extend(attributes.iter().map(|(name, kind, _)| TypeAttribute { name, kind }));
            self.written.events += 1;
            self.log.events.push(OcelEvent {
                id: format!("e{}", self.written.events),
                kind: event.activity.clone(),
                time: timestamp(event.at),
                attributes: attributes.into_iter().map(|(name, _, value)| EventAttribute { name, value }).collect(),
                relationships,
            });
        }
        self.written.cases += 1;
    }

    fn finish(mut self) -> (Log, Written) {
        self.log.object_types = self
            .object_types
            .into_iter()
            .map(|(name, attributes)| Type { name: name.to_string(), attributes: attributes.into_iter().collect() })
            .collect();
        self.log.event_types = self
            .event_types
            .into_iter()
            .map(|(name, attributes)| Type { name, attributes: attributes.into_iter().collect() })
            .collect();
        (self.log, self.written)
    }
}

/// Writes `cases` as one OCEL 2.0 JSON log to `out`.
pub fn write<W, I>(mut out: W, cases: I) -> Result<Written, ExportError>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Case>,
{
    let mut builder = Builder::default();
    for case in cases {
        builder.case(case.borrow());
    }
    let (log, written) = builder.finish();
    serde_json::to_writer(&mut out, &log)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(written)
}
