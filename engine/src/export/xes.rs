//! XES (IEEE 1849-2016) event logs: one `<trace>` per case, one `<event>` per [`LogEvent`], with
//! the concept, time, lifecycle and organizational extensions declared and their attributes
//! used as the standard defines them, written as the cases come (nothing is buffered).
//!
//! Globals declare only what every trace (`concept:name`) and every event (`concept:name`,
//! `time:timestamp`, `lifecycle:transition`) carries: the standard requires each element to hold
//! every attribute declared global for its scope, and the order events have no resource.

use super::{Case, ExportError, LogEvent, Written, timestamp};
use jiff::Timestamp;
use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use quick_xml::name::QName;
use std::borrow::Borrow;
use std::borrow::Cow;
use std::io::Write;

/// The XES namespace.
pub const NAMESPACE: &str = "http://www.xes-standard.org/";

/// The standard extensions the log uses: name, prefix, URI.
pub const EXTENSIONS: [(&str, &str, &str); 4] = [
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
];

/// Text as an XML attribute value: markup escaped by quick-xml; tabs and line breaks as character
/// references (a parser would turn them into spaces); characters XML 1.0 cannot hold dropped.
fn attribute_value(text: &str) -> Cow<'_, str> {
    let escaped = quick_xml::escape::escape(text);
    if !escaped.chars().any(char::is_control) {
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 8);
    for c in escaped.chars() {
        match c {
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if c < ' ' => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A typed XES attribute (`<string key=… value=…/>`).
struct Typed<'a> {
    kind: &'static str,
    key: &'a str,
    value: Cow<'a, str>,
}

impl<'a> Typed<'a> {
    fn string(key: &'a str, value: &'a str) -> Typed<'a> {
        Typed { kind: "string", key, value: Cow::Borrowed(value) }
    }
    fn int(key: &'a str, value: u32) -> Typed<'a> {
        Typed { kind: "int", key, value: Cow::Owned(value.to_string()) }
    }
    fn date(key: &'a str, at: Timestamp) -> Typed<'a> {
        Typed { kind: "date", key, value: Cow::Owned(timestamp(at)) }
    }
}

/// Writes XES elements; every element is built here, so escaping happens in one place.
struct XesWriter<W: Write> {
    xml: Writer<W>,
}

impl<W: Write> XesWriter<W> {
    fn element(&mut self, name: &str, attributes: &[(&str, &str)], empty: bool) -> std::io::Result<()> {
        let mut start = BytesStart::new(name);
        for (key, value) in attributes {
            // Built directly: the value is escaped by `attribute_value`, not a second time.
            start.push_attribute(Attribute { key: QName(key), value: attribute_value(value) });
        }
        self.xml.write_event(if empty { Event::Empty(start) } else { Event::Start(start) })
    }

    fn end(&mut self, name: &str) -> std::io::Result<()> {
        self.xml.write_event(Event::End(BytesEnd::new(name)))
    }

    fn attribute(&mut self, attribute: &Typed<'_>) -> std::io::Result<()> {
        self.element(attribute.kind, &[("key", attribute.key), ("value", &attribute.value)], true)
    }

    fn header(&mut self) -> std::io::Result<()> {
        self.xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        self.element("log", &[("xes.version", "1849-2016"), ("xes.features", ""), ("xmlns", NAMESPACE)], false)?;
        for (name, prefix, uri) in EXTENSIONS {
            self.element("extension", &[("name", name), ("prefix", prefix), ("uri", uri)], true)?;
        }
        self.element("global", &[("scope", "trace")], false)?;
        self.attribute(&Typed::string("concept:name", "__INVALID__"))?;
        self.end("global")?;
        self.element("global", &[("scope", "event")], false)?;
        self.attribute(&Typed::string("concept:name", "__INVALID__"))?;
        self.attribute(&Typed::date("time:timestamp", Timestamp::UNIX_EPOCH))?;
        self.attribute(&Typed::string("lifecycle:transition", "complete"))?;
        self.end("global")?;
        self.element("classifier", &[("name", "Activity"), ("keys", "concept:name")], true)?;
        self.element(
            "classifier",
            &[("name", "Activity and transition"), ("keys", "concept:name lifecycle:transition")],
            true,
        )?;
        self.element("classifier", &[("name", "Resource"), ("keys", "org:resource")], true)?;
        self.attribute(&Typed::string("concept:name", "Junro event log"))?;
        self.attribute(&Typed::string("lifecycle:model", "standard"))
    }

    fn trace(&mut self, case: &Case) -> std::io::Result<()> {
        self.element("trace", &[], false)?;
        let mut attributes = vec![
            Typed::string("concept:name", &case.id),
            Typed::string("order", &case.order),
            Typed::string("flow", &case.flow),
            Typed::int("version", case.version),
            Typed::string("vendor", &case.vendor),
        ];
        if let Some(channel) = &case.channel {
            attributes.push(Typed::string("channel", channel));
        }
        if let Some(customer) = &case.customer {
            attributes.push(Typed::string("customer", customer));
        }
        if let Some((_, outcome)) = &case.closed {
            attributes.push(Typed::string("outcome", outcome));
        }
        for attribute in &attributes {
            self.attribute(attribute)?;
        }
        for event in &case.events {
            self.event(event)?;
        }
        self.end("trace")
    }

    fn event(&mut self, event: &LogEvent) -> std::io::Result<()> {
        self.element("event", &[], false)?;
        let instance = event.instance_id();
        let mut attributes = vec![
            Typed::string("concept:name", &event.activity),
            Typed::string("lifecycle:transition", event.lifecycle.as_str()),
            Typed::date("time:timestamp", event.at),
        ];
        let optional = [
            ("concept:instance", instance.as_deref()),
            ("org:resource", event.resource.as_deref()),
            ("org:group", event.group.as_deref()),
            ("lane", event.lane.as_deref()),
            ("step", event.step.as_deref()),
            ("outcome", event.outcome.as_deref()),
        ];
        attributes.extend(optional.into_iter().filter_map(|(key, value)| Some(Typed::string(key, value?))));
        attributes.push(Typed::string("flow", &event.flow));
        attributes.push(Typed::int("version", event.version));
        attributes.push(Typed::string("order", &event.order));
        for attribute in &attributes {
            self.attribute(attribute)?;
        }
        self.end("event")
    }
}

/// Writes `cases` as one XES log to `out`.
pub fn write<W, I>(out: W, cases: I) -> Result<Written, ExportError>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Case>,
{
    let mut writer = XesWriter { xml: Writer::new_with_indent(out, b' ', 2) };
    writer.header()?;
    let mut written = Written::default();
    for case in cases {
        let case = case.borrow();
        writer.trace(case)?;
        written.cases += 1;
        written.events += case.events.len();
    }
    writer.end("log")?;
    let mut out = writer.xml.into_inner();
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(written)
}
