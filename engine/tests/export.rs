//! The event-log export on a small database built with the engine's API (in-memory SQLite,
//! virtual clock): a task released and claimed again (and one released and left), a task a rule
//! skipped, an automatic step, a subflow calling another, cancelled orders, an open one, a receipt
//! days before entry, and a business key that needs escaping. The XES is parsed back with quick-xml, the OCEL as JSON, the
//! CSV as bytes; each is checked against the engine's own order rows.

use jiff::Timestamp;
use junro_engine::clock::VirtualClock;
use junro_engine::export::{self, Case, Lifecycle, Window};
use junro_engine::machine::{Actor, Command};
use junro_engine::store::{Durability, OrderFilter, OrderRow, TaskFilter};
use junro_engine::{ActionRequest, Engine, EngineOptions, StartOrder};
use quick_xml::events::Event as Xml;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

const FLOWS: &str = r#"
lane front "フロント" front
lane back "バックオフィス" back
role operator "オペレーター"
role reviewer "審査担当"
action provision "開通手配"

flow order "受付フロー" {
  data {
    plan        "プラン"   enum(basic, premium)
    customer_id "顧客番号" text
  }
  start -> intake
  task intake "受付" {
    lane front
    role operator
    edit plan
    sla 1h
    -> review
  }
  task review "審査" {
    lane back
    role reviewer
    skip when plan == "basic" as approve
    outcome approve "承認" -> provision_step
    outcome reject "却下" -> rejected
  }
  auto provision_step "開通" {
    action provision
    in plan = plan
    -> confirm_call
  }
  call confirm_call "確認" {
    flow confirm
    -> done
  }
  end done "完了" completed
  end rejected "却下" rejected
  scenario "s" {
    expect at intake
  }
}

subflow confirm "確認サブフロー" {
  start -> call_customer
  task call_customer "確認電話" {
    lane front
    role operator
    -> deeper
  }
  call deeper "詳細確認" {
    flow detail
    -> ok
  }
  end ok "確認済" completed
}

subflow detail "詳細サブフロー" {
  start -> verify
  task verify "書類確認" {
    lane back
    role reviewer
    -> ok
  }
  end ok "完了" completed
}
"#;

fn t0() -> Timestamp {
    "2026-11-24T00:00:00Z".parse().expect("time")
}

fn data(value: Value) -> junro_engine::script::Data {
    value.as_object().cloned().unwrap_or_default()
}

fn operator(id: &str) -> Actor {
    Actor::person(id, &["operator"], Some("vendor_a"))
}

fn reviewer() -> Actor {
    Actor::person("rev-1", &["reviewer"], None)
}

async fn task_at(engine: &Engine, order: &str, step: &str) -> u64 {
    let tasks = engine.tasks(&TaskFilter { limit: Some(1000), ..TaskFilter::default() }).await.expect("tasks");
    let order = engine.resolve(order).await.expect("order");
    let mut children = vec![order.clone()];
    let mut i = 0;
    while i < children.len() {
        let filter = OrderFilter { parent: Some(children[i].clone()), limit: Some(100), ..OrderFilter::default() };
        children.extend(engine.orders(&filter).await.expect("children").into_iter().map(|o| o.id));
        i += 1;
    }
    tasks
        .iter()
        .find(|t| t.step == step && children.contains(&t.order))
        .map(|t| t.instance)
        .unwrap_or_else(|| panic!("no task {step} in {order}: {tasks:?}"))
}

/// The order (root or subflow) that holds the open task at `step`.
async fn task_order(engine: &Engine, step: &str) -> String {
    let tasks = engine.tasks(&TaskFilter { limit: Some(1000), ..TaskFilter::default() }).await.expect("tasks");
    tasks.iter().find(|t| t.step == step).map(|t| t.order.clone()).unwrap_or_else(|| panic!("no task {step}"))
}

/// The database: A runs to completion through everything, B is cancelled while a reviewer works
/// on it, C is cancelled while its task waits in the queue again, D stays open.
async fn database() -> (Engine, Arc<VirtualClock>) {
    let clock = Arc::new(VirtualClock::new(t0()));
    let options = EngineOptions { durability: Durability::Normal, clock: clock.clone(), ..EngineOptions::default() };
    let engine = Engine::open_with("sqlite::memory:", options).await.expect("engine opens");
    // A folder per call: the tests of this file run in parallel, and one writing the flow file
    // while another deploys from the same folder let the other read it half written.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("junro-export-test-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("order.flow"), FLOWS).expect("flow written");
    engine.deploy(&[dir], None).await.expect("deploys");
    engine.register_action("provision", |_: ActionRequest| async { Ok(Default::default()) });

    // A: received three days before it was entered; claimed, released, claimed again by another.
    let received = t0() - jiff::SignedDuration::from_hours(72);
    let start = StartOrder {
        business_key: Some("A-0001".into()),
        received_at: Some(received),
        channel: Some("phone".into()),
        data: data(json!({ "customer_id": "C-001" })),
        ..StartOrder::default()
    };
    let a = engine.start("order", start).await.expect("A starts");
    let intake = task_at(&engine, &a, "intake").await;
    clock.advance(60);
    engine.apply(&a, &operator("op-1"), Command::Claim { task: intake }).await.expect("claim");
    clock.advance(60);
    engine.apply(&a, &operator("op-1"), Command::Release { task: intake }).await.expect("release");
    clock.advance(180);
    engine.apply(&a, &operator("op-2"), Command::Claim { task: intake }).await.expect("claim again");
    clock.advance(300);
    // `basic`: the rule skips the review; the provisioning job is queued.
    engine.complete(&a, intake, &operator("op-2"), None, data(json!({ "plan": "basic" }))).await.expect("intake");
    clock.advance(60);
    assert_eq!(engine.run_due().await.expect("worker"), 1, "the provisioning job ran");
    clock.advance(240);
    let confirm = task_order(&engine, "call_customer").await;
    let call = task_at(&engine, &a, "call_customer").await;
    engine.complete(&confirm, call, &operator("op-2"), None, Default::default()).await.expect("call");
    clock.advance(300);
    let detail = task_order(&engine, "verify").await;
    let verify = task_at(&engine, &a, "verify").await;
    engine.complete(&detail, verify, &reviewer(), None, Default::default()).await.expect("verify");

    // B: premium, so a reviewer claims the review; then the order is cancelled.
    clock.advance(600);
    let b = engine.start("order", StartOrder { business_key: Some("B-0001".into()), ..StartOrder::default() }).await;
    let b = b.expect("B starts");
    let intake = task_at(&engine, &b, "intake").await;
    engine.complete(&b, intake, &operator("op-3"), None, data(json!({ "plan": "premium" }))).await.expect("intake");
    clock.advance(120);
    let review = task_at(&engine, &b, "review").await;
    engine.apply(&b, &reviewer(), Command::Claim { task: review }).await.expect("claim review");
    clock.advance(120);
    engine.apply(&b, &Actor::system(), Command::Cancel { reason: "お客様都合".into() }).await.expect("cancel B");

    // C: claimed and released (waiting again), then cancelled. D: open, its intake in progress;
    // its key needs escaping.
    clock.advance(60);
    let c = engine.start("order", StartOrder::default()).await.expect("C starts");
    let intake = task_at(&engine, &c, "intake").await;
    engine.apply(&c, &operator("op-1"), Command::Claim { task: intake }).await.expect("claim C");
    clock.advance(30);
    engine.apply(&c, &operator("op-1"), Command::Release { task: intake }).await.expect("release C");
    clock.advance(60);
    engine.apply(&c, &Actor::system(), Command::Cancel { reason: "重複".into() }).await.expect("cancel C");
    let d_key = r#"D&<"0001'>"#;
    let d = engine.start("order", StartOrder { business_key: Some(d_key.into()), ..StartOrder::default() }).await;
    let d = d.expect("D starts");
    clock.advance(60);
    let intake = task_at(&engine, &d, "intake").await;
    engine.apply(&d, &operator("op-1"), Command::Claim { task: intake }).await.expect("claim D");
    (engine, clock)
}

async fn roots(engine: &Engine) -> BTreeMap<String, OrderRow> {
    let rows = engine.orders(&OrderFilter { limit: Some(u32::MAX), ..OrderFilter::default() }).await.expect("orders");
    rows.into_iter().map(|r| (r.business_key.clone().unwrap_or_else(|| r.id.clone()), r)).collect()
}

fn shape(case: &Case) -> Vec<(String, &'static str, String, String)> {
    case.events
        .iter()
        .map(|e| (e.activity.clone(), e.lifecycle.as_str(), e.resource.clone().unwrap_or_default(), e.flow.clone()))
        .collect()
}

#[tokio::test]
async fn cases_follow_the_histories() {
    let (engine, _clock) = database().await;
    let cases = export::read_cases(&engine, &Window::default()).await.expect("cases");
    let rows = roots(&engine).await;
    assert_eq!(cases.len(), 4, "one case per root order; subflows roll up");
    let a = cases.iter().find(|c| c.id == "A-0001").expect("case A");
    let ev = |name: &str, life: &'static str, who: &str, flow: &str| {
        (name.to_string(), life, who.to_string(), flow.to_string())
    };
    assert_eq!(
        shape(a),
        vec![
            ev("order received", "complete", "", "order"),
            ev("受付", "start", "op-2", "order"),
            ev("受付", "complete", "op-2", "order"),
            ev("審査", "complete", "rule", "order"),
            ev("開通", "start", "system", "order"),
            ev("開通", "complete", "system", "order"),
            ev("確認電話", "start", "op-2", "confirm"),
            ev("確認電話", "complete", "op-2", "confirm"),
            ev("書類確認", "start", "rev-1", "detail"),
            ev("書類確認", "complete", "rev-1", "detail"),
            ev("order closed", "complete", "", "order"),
        ]
    );
    // The start is the second claim (at +300 s), not the first (+60 s).
    assert_eq!(a.events[1].at, t0() + jiff::SignedDuration::from_secs(300));
    assert_eq!(a.events[1].group.as_deref(), Some("vendor_a"));
    assert_eq!(a.events[8].group, None, "in-house staff have no vendor");
    assert_eq!(a.events[3].lane.as_deref(), Some("back"), "a skipped task keeps its lane");
    assert_eq!(
        (a.vendor.as_str(), a.customer.as_deref(), a.channel.as_deref()),
        ("vendor_a", Some("C-001"), Some("phone"))
    );
    assert_eq!(a.received_at, rows["A-0001"].received_at);
    assert_eq!(a.closed, Some((rows["A-0001"].closed_at.expect("closed"), "completed".into())));
    assert!(a.events[6].order != a.order, "a subflow's step names the subflow order");

    let b = cases.iter().find(|c| c.id == "B-0001").expect("case B");
    let b_events: Vec<_> = b.events.iter().map(|e| (e.activity.as_str(), e.lifecycle)).collect();
    assert_eq!(
        b_events,
        vec![
            ("order received", Lifecycle::Complete),
            ("受付", Lifecycle::Start),
            ("受付", Lifecycle::Complete),
            ("審査", Lifecycle::Start),
            ("order closed", Lifecycle::Complete),
        ],
        "the withdrawn review keeps its start and has no complete"
    );
    assert_eq!(b.events[4].outcome.as_deref(), Some("cancelled"));
    assert_eq!(b.customer, None);
    let c = cases.iter().find(|c| c.order == c.id).expect("case C, known by its id");
    assert_eq!(c.events.len(), 2, "a released task is waiting, not started: received and closed only: {:?}", c.events);
    let d = cases.iter().find(|c| c.id.starts_with("D&")).expect("case D");
    assert_eq!(d.closed, None);
    assert_eq!(d.events.last().map(|e| (e.activity.as_str(), e.lifecycle)), Some(("受付", Lifecycle::Start)));

    // The window is on received_o: A was received three days before the others.
    let window = Window { from: Some(t0() - jiff::SignedDuration::from_hours(1)), to: None };
    let recent = export::read_cases(&engine, &window).await.expect("cases");
    assert_eq!(recent.iter().map(|c| c.id.as_str()).filter(|id| *id == "A-0001").count(), 0);
    assert_eq!(recent.len(), 3);
}

/// An element's local name, namespace, attributes, and its parent's name.
struct Element {
    name: String,
    namespace: Option<String>,
    attributes: BTreeMap<String, String>,
    parent: String,
}

fn parse_xes(xes: &str) -> Vec<Element> {
    let mut reader = NsReader::from_str(xes);
    let mut elements = Vec::new();
    let mut open: Vec<String> = Vec::new();
    loop {
        let (ns, event) = reader.read_resolved_event().expect("well-formed XML");
        let (start, empty) = match &event {
            Xml::Start(e) => (e, false),
            Xml::Empty(e) => (e, true),
            Xml::End(_) => {
                open.pop();
                continue;
            }
            Xml::Eof => break,
            _ => continue,
        };
        let namespace = match ns {
            ResolveResult::Bound(ns) => Some(ns.0.to_string()),
            _ => None,
        };
        let attributes = start
            .attributes()
            .map(|a| {
                let a = a.expect("attribute");
                let key = a.key.0.to_string();
                (key, a.normalized_value(quick_xml::XmlVersion::Explicit1_0).expect("value").into_owned())
            })
            .collect();
        let name = start.local_name().as_ref().to_string();
        let parent = open.last().cloned().unwrap_or_default();
        if !empty {
            open.push(name.clone());
        }
        elements.push(Element { name, namespace, attributes, parent });
    }
    elements
}

/// A trace: its attributes, and each event's attributes.
type Trace = (BTreeMap<String, String>, Vec<BTreeMap<String, String>>);

fn traces(elements: &[Element]) -> Vec<Trace> {
    let mut traces: Vec<Trace> = Vec::new();
    for e in elements {
        match (e.name.as_str(), e.parent.as_str()) {
            ("trace", "log") => traces.push((BTreeMap::new(), Vec::new())),
            ("event", "trace") => traces.last_mut().expect("in a trace").1.push(BTreeMap::new()),
            (_, "trace") if e.attributes.contains_key("key") => {
                traces
                    .last_mut()
                    .expect("in a trace")
                    .0
                    .insert(e.attributes["key"].clone(), e.attributes["value"].clone());
            }
            (_, "event") if e.attributes.contains_key("key") => {
                let event = traces.last_mut().and_then(|t| t.1.last_mut()).expect("in an event");
                event.insert(e.attributes["key"].clone(), e.attributes["value"].clone());
            }
            _ => {}
        }
    }
    traces
}

fn at(value: &str) -> Timestamp {
    value.parse().unwrap_or_else(|e| panic!("{value}: {e}"))
}

#[tokio::test]
async fn xes_parses_back_and_case_durations_are_lead_times() {
    let (engine, _clock) = database().await;
    let cases = export::read_cases(&engine, &Window::default()).await.expect("cases");
    let mut out = Vec::new();
    let written = export::xes::write(&mut out, &cases).expect("XES written");
    let xes = String::from_utf8(out).expect("UTF-8");
    assert!(xes.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{}", &xes[..80]);
    let elements = parse_xes(&xes);

    let root = &elements[0];
    assert_eq!((root.name.as_str(), root.namespace.as_deref()), ("log", Some(export::xes::NAMESPACE)));
    assert_eq!(root.attributes.get("xes.version").map(String::as_str), Some("1849-2016"));
    let extensions: BTreeSet<(String, String)> = elements
        .iter()
        .filter(|e| e.name == "extension")
        .map(|e| (e.attributes["prefix"].clone(), e.attributes["uri"].clone()))
        .collect();
    for (_, prefix, uri) in export::xes::EXTENSIONS {
        assert!(extensions.contains(&(prefix.to_string(), uri.to_string())), "extension {prefix}");
    }
    for scope in ["trace", "event"] {
        assert!(elements.iter().any(|e| e.name == "global" && e.attributes["scope"] == scope), "global {scope}");
    }
    assert!(elements.iter().any(|e| e.name == "classifier" && e.attributes["keys"] == "concept:name"));
    assert!(elements.iter().all(|e| e.namespace.as_deref() == Some(export::xes::NAMESPACE)));

    let rows = roots(&engine).await;
    let traces = traces(&elements);
    assert_eq!((traces.len(), written.cases), (rows.len(), rows.len()), "one trace per root order");
    let mut completed = 0;
    for (attributes, events) in &traces {
        let id = &attributes["concept:name"];
        let row = rows.get(id).unwrap_or_else(|| panic!("trace {id} is no order"));
        let first = events.first().expect("an event");
        assert_eq!((first["concept:name"].as_str(), at(&first["time:timestamp"])), ("order received", row.received_at));
        let times: Vec<Timestamp> = events.iter().map(|e| at(&e["time:timestamp"])).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{id}: events in time order: {times:?}");
        if let Some(closed) = row.closed_at {
            let last = events.last().expect("an event");
            assert_eq!((last["concept:name"].as_str(), at(&last["time:timestamp"])), ("order closed", closed));
            assert_eq!(last.get("outcome"), row.outcome.as_ref());
            assert_eq!(attributes.get("outcome"), row.outcome.as_ref());
        } else {
            assert!(events.iter().all(|e| e["concept:name"] != "order closed"), "{id} is open");
        }
        // A tool's case duration (last - first) is Junro's calendar lead time.
        if row.outcome.as_deref() == Some("completed") {
            completed += 1;
            let duration = times[times.len() - 1].as_second() - times[0].as_second();
            assert_eq!(duration, row.closed_at.expect("closed").as_second() - row.received_at.as_second());
            // Every start has a complete after it for the same step instance.
            for (i, event) in events.iter().enumerate().filter(|(_, e)| e["lifecycle:transition"] == "start") {
                let done = events[i + 1..].iter().any(|e| {
                    e["lifecycle:transition"] == "complete"
                        && e.get("concept:instance") == event.get("concept:instance")
                        && e.get("step") == event.get("step")
                });
                assert!(done, "{id}: start of {} has no complete", event["concept:name"]);
            }
        }
    }
    assert_eq!(completed, 1);
    assert!(xes.contains("value=\"D&amp;&lt;&quot;0001&apos;&gt;\""), "the key is escaped");
    assert!(traces.iter().any(|(a, _)| a["concept:name"] == r#"D&<"0001'>"#), "and reads back as written");
    assert!(xes.contains("<string key=\"concept:name\" value=\"書類確認\"/>"), "Japanese labels kept");
}

#[tokio::test]
async fn ocel_relates_every_event_to_existing_objects() {
    let (engine, _clock) = database().await;
    let cases = export::read_cases(&engine, &Window::default()).await.expect("cases");
    let mut out = Vec::new();
    let written = export::ocel::write(&mut out, &cases).expect("OCEL written");
    let log: Value = serde_json::from_slice(&out).expect("valid JSON");
    for key in ["objectTypes", "eventTypes", "objects", "events"] {
        assert!(log[key].is_array(), "{key}");
    }
    let objects: BTreeMap<&str, &str> = log["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| (o["id"].as_str().expect("id"), o["type"].as_str().expect("type")))
        .collect();
    let types: BTreeSet<&str> =
        log["objectTypes"].as_array().expect("types").iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(types, BTreeSet::from(["customer", "order", "vendor"]));
    assert!(objects.values().all(|t| types.contains(t)));
    assert_eq!(objects.values().filter(|t| **t == "order").count(), 4);
    assert_eq!(objects.get("customer:C-001"), Some(&"customer"));
    assert_eq!(objects.get("vendor:vendor_a"), Some(&"vendor"));
    let event_types: BTreeSet<&str> =
        log["eventTypes"].as_array().expect("types").iter().filter_map(|t| t["name"].as_str()).collect();
    let events = log["events"].as_array().expect("events");
    assert_eq!(events.len(), written.events);
    assert_eq!(written.events, cases.iter().map(|c| c.events.len()).sum::<usize>());
    for event in events {
        assert!(event_types.contains(event["type"].as_str().expect("type")), "{event}");
        at(event["time"].as_str().expect("time"));
        let related: Vec<&str> = event["relationships"]
            .as_array()
            .expect("relationships")
            .iter()
            .filter_map(|r| r["objectId"].as_str())
            .collect();
        for id in &related {
            assert!(objects.contains_key(id), "{id} is no object");
        }
        assert!(related.iter().any(|id| objects[id] == "order"), "{event}");
        assert!(related.iter().any(|id| objects[id] == "vendor"), "{event}");
    }
    for object in log["objects"].as_array().expect("objects") {
        for r in object["relationships"].as_array().expect("relationships") {
            assert!(objects.contains_key(r["objectId"].as_str().expect("id")), "{object}");
        }
    }
    // B has no customer field: its events relate to no customer.
    let b_events = events
        .iter()
        .filter(|e| e["relationships"].as_array().is_some_and(|r| r.iter().any(|r| r["objectId"] == "order:B-0001")));
    assert!(b_events.clone().count() > 0);
    assert!(
        b_events
            .flat_map(|e| e["relationships"].as_array().into_iter().flatten())
            .all(|r| !r["objectId"].as_str().unwrap_or("").starts_with("customer:"))
    );
}

#[tokio::test]
async fn csv_has_a_bom_a_header_and_japanese_text() {
    let (engine, _clock) = database().await;
    let cases = export::read_cases(&engine, &Window::default()).await.expect("cases");
    let mut out = Vec::new();
    let written = export::csv::write(&mut out, &cases).expect("CSV written");
    assert!(out.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 byte-order mark");
    let text = std::str::from_utf8(&out[3..]).expect("UTF-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_string).collect();
    assert_eq!(header, export::csv::HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), written.events);
    let verify = rows.iter().find(|r| &r[1] == "書類確認" && &r[3] == "complete").expect("a Japanese label kept");
    assert_eq!((&verify[0], &verify[4], &verify[5], &verify[6], &verify[7]), ("A-0001", "rev-1", "", "back", "detail"));
    assert!(verify[2].ends_with('Z') && at(&verify[2]) > t0(), "{}", &verify[2]);
    assert!(rows.iter().any(|r| &r[0] == r#"D&<"0001'>"#), "quoted fields read back");
}
