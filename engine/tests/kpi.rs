//! KPI golden test: a dozen hand-made orders with known timestamps (across a weekend and the
//! 2026-11-23 public holiday, with a hold, a customer wait, a send-back, a release, a paper
//! order received before it was entered, two vendors, in-house staff) give exactly the figures
//! worked out by hand in `tests/kpi/golden.txt` (derivations in `tests/kpi/README.md`), on
//! SQLite and on PostgreSQL alike.
//!
//! PostgreSQL is reached through `JUNRO_TEST_POSTGRES_URL` (CI sets it); when CI is set and it
//! cannot be reached, the test fails.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use junro_engine::calendar::{Calendar, Calendars};
use junro_engine::clock::VirtualClock;
use junro_engine::kpi::{CHUNK_ORDERS, Cell, KpiConfig, View};
use junro_engine::machine::{Actor, Command};
use junro_engine::runtime::KpiQuery;
use junro_engine::store::{Durability, OrderFilter, TaskFilter};
use junro_engine::{Engine, EngineOptions, StartOrder};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const FLOW: &str = r#"
lane front "フロント" front
lane back "バックオフィス" back
role operator "オペレーター"
role reviewer "審査担当"
signal docs "書類到着" customer

flow order "申込" {
  sla 1d
  data {
    plan "プラン" enum(basic, premium, docs)
  }
  start -> intake
  task intake "受付" {
    lane front
    role operator
    edit plan
    sla 1h
    -> route
  }
  decide route "振分" {
    when plan == "premium" -> review
    when plan == "docs" -> wait_docs
    else -> done
  }
  wait wait_docs "書類待ち" {
    on docs -> done
  }
  task review "審査" {
    lane back
    role reviewer
    sla 4h
    sendback intake
    outcome approve "承認" -> done
    outcome reject "却下" -> rejected
  }
  end done "完了" completed
  end rejected "却下" rejected
}
"#;

/// A partner's work: an automatic request to the grid operator, a wait for the meter switch
/// that also listens for the customer cancelling (a partner wait: the clock runs), then a
/// subflow's planned hour before the switch counts.
const METER: &str = r#"
action switch_meter "メーター切替依頼"
signal meter_switched "切替完了"
signal customer_cancelled "お客様取消" customer
flow meter "電力切替" {
  sla 3d
  start -> request
  auto request "切替依頼" {
    action switch_meter
    retry 1 backoff 1h
    -> wait_switch
  }
  wait wait_switch "切替待ち" {
    on meter_switched -> settle
    on customer_cancelled -> withdrawn
  }
  call settle "切替反映" {
    flow meter_settle
    -> done
  }
  end done "完了" completed
  end withdrawn "取消" cancelled
}

subflow meter_settle "切替反映" {
  start -> wait_settle
  wait wait_settle "反映待ち" {
    after 1h -> settled
  }
  end settled "反映完了" completed
}
"#;

/// A move: nothing to do until the moving date, weeks ahead (a planned wait, not stalled).
const MOVING: &str = r#"
flow moving "転居" {
  data {
    move_date "転居日" date
  }
  start -> wait_move
  wait wait_move "転居日待ち" {
    until move_date -> done
  }
  end done "完了" completed
}
"#;

const CONFIG: &str = "one_stop_target: 0.7\ntargets:\n  vendors: { A社: 0.85 }\n";

/// A moment given in Japan's local time.
fn jst(local: &str) -> Timestamp {
    let dt: DateTime = local.parse().expect("local time");
    dt.to_zoned(TimeZone::get("Asia/Tokyo").expect("zone")).expect("in zone").timestamp()
}

fn op(id: &str, vendor: Option<&str>) -> Actor {
    Actor::person(id, &["operator"], vendor)
}

fn reviewer(id: &str) -> Actor {
    Actor::person(id, &["reviewer"], None)
}

fn admin() -> Actor {
    Actor { admin: true, ..Actor::person("admin", &[], None) }
}

struct World {
    engine: Engine,
    clock: Arc<VirtualClock>,
}

impl World {
    fn at(&self, local: &str) -> &Self {
        self.clock.set(jst(local));
        self
    }

    async fn start(&self, key: &str, vendor: Option<&str>, received: Option<&str>) -> String {
        let order = StartOrder {
            business_key: Some(key.into()),
            vendor: vendor.map(str::to_string),
            channel: Some(if received.is_some() { "紙" } else { "電話" }.into()),
            received_at: received.map(jst),
            ..StartOrder::default()
        };
        self.engine.start("order", order).await.expect("starts")
    }

    /// Fires the order's timers that are due now.
    async fn fire(&self, order: &str) {
        let state = self.engine.order_state(order).await.expect("order");
        let now = junro_engine::clock::Clock::now(self.clock.as_ref());
        for (timer, _) in state.timers.iter().filter(|(_, t)| t.at <= now) {
            self.command(order, Command::TimerFired { timer: *timer }).await;
        }
    }

    /// The automatic step's attempt picked up at `started` (local time) ends now.
    async fn attempt(&self, order: &str, job: u64, started: &str, ok: bool) {
        let started_at = Some(jst(started));
        let command = if ok {
            Command::ActionSucceeded { job, output: Default::default(), started_at }
        } else {
            Command::ActionFailed { job, error: "系統側タイムアウト".into(), started_at }
        };
        self.command(order, command).await;
    }

    async fn task(&self, order: &str, step: &str) -> u64 {
        let tasks =
            self.engine.tasks(&TaskFilter { order: Some(order.into()), ..TaskFilter::default() }).await.expect("tasks");
        tasks.iter().find(|t| t.step == step).map(|t| t.instance).unwrap_or_else(|| panic!("no task {step}"))
    }

    async fn claim(&self, order: &str, step: &str, who: &Actor) {
        let task = self.task(order, step).await;
        self.engine.apply(order, who, Command::Claim { task }).await.expect("claims");
    }

    async fn release(&self, order: &str, step: &str, who: &Actor) {
        let task = self.task(order, step).await;
        self.engine.apply(order, who, Command::Release { task }).await.expect("releases");
    }

    async fn complete(&self, order: &str, step: &str, who: &Actor, outcome: Option<&str>, plan: Option<&str>) {
        let task = self.task(order, step).await;
        let data = plan.map(|p| json!({ "plan": p }).as_object().cloned().unwrap_or_default()).unwrap_or_default();
        self.engine.complete(order, task, who, outcome, data).await.expect("completes");
    }

    async fn send_back(&self, order: &str, who: &Actor) {
        let task = self.task(order, "review").await;
        let command = Command::SendBack { task, to: "intake".into(), reason: "番地が違う".into() };
        self.engine.apply(order, who, command).await.expect("sends back");
    }

    async fn command(&self, order: &str, command: Command) {
        self.engine.apply(order, &admin(), command).await.expect("applies");
    }
}

/// Runs the hand-made month on a database and returns the rendered figures. With
/// `summary_min` 1 every finished order goes into the KPI summary at the first report, and the
/// second report reads them from there: both must give the same text.
async fn figures(url: &str, summary_min: usize) -> String {
    let clock = Arc::new(VirtualClock::new(jst("2026-11-19T09:00")));
    let options = EngineOptions {
        durability: Durability::Normal,
        clock: clock.clone(),
        kpi_summary_min: summary_min,
        ..EngineOptions::default()
    };
    let engine = Engine::open_with(url, options).await.expect("engine opens");
    // A folder per call: the tests of this file run in parallel.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("junro-kpi-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("order.flow"), FLOW).expect("flow written");
    std::fs::write(dir.join("meter.flow"), METER).expect("flow written");
    std::fs::write(dir.join("moving.flow"), MOVING).expect("flow written");
    engine.deploy(&[dir], None).await.expect("deploys");
    let w = World { engine, clock };
    let (a1, a2, b1, b2) = (op("a1", Some("A社")), op("a2", Some("A社")), op("b1", Some("B社")), op("b2", Some("B社")));
    let (house, rev1, rev2) = (op("house", None), reviewer("rev1"), reviewer("rev2"));

    // The clock only moves forward, so the orders' steps interleave in time order.
    // O1: A, basic, the same morning.
    let o1 = w.at("2026-11-19T10:00").start("O1", None, None).await;
    w.at("2026-11-19T10:30").claim(&o1, "intake", &a1).await;
    w.at("2026-11-19T10:45").complete(&o1, "intake", &a1, None, Some("basic")).await;
    // O3: B, basic; released once and finished by a colleague.
    let o3 = w.at("2026-11-20T09:00").start("O3", None, None).await;
    w.at("2026-11-20T09:10").claim(&o3, "intake", &b1).await;
    w.at("2026-11-20T09:20").release(&o3, "intake", &b1).await;
    w.at("2026-11-20T09:50").claim(&o3, "intake", &b2).await;
    w.at("2026-11-20T10:00").complete(&o3, "intake", &b2, None, Some("basic")).await;
    // O2: A, premium; the review waits over the weekend and the Monday holiday.
    let o2 = w.at("2026-11-20T17:00").start("O2", None, None).await;
    w.at("2026-11-20T17:10").claim(&o2, "intake", &a1).await;
    w.at("2026-11-20T17:30").complete(&o2, "intake", &a1, None, Some("premium")).await;
    // O4: B, premium, sent back once.
    let o4 = w.at("2026-11-24T09:00").start("O4", None, None).await;
    w.claim(&o4, "intake", &b1).await;
    w.at("2026-11-24T09:30").claim(&o2, "review", &rev1).await;
    w.complete(&o4, "intake", &b1, None, Some("premium")).await;
    // O15: a move weeks ahead, received on the web: waits for its date, planned, not stalled.
    let moving = StartOrder {
        business_key: Some("O15".into()),
        data: json!({"move_date": "2026-12-15"}).as_object().cloned().unwrap_or_default(),
        ..StartOrder::default()
    };
    w.engine.start("moving", moving).await.expect("starts");
    w.at("2026-11-24T10:00").complete(&o2, "review", &rev1, Some("approve"), None).await;
    w.claim(&o4, "review", &rev1).await;
    w.at("2026-11-24T10:30").send_back(&o4, &rev1).await;
    w.at("2026-11-24T11:00").claim(&o4, "intake", &b1).await;
    w.at("2026-11-24T11:15").complete(&o4, "intake", &b1, None, Some("premium")).await;
    w.at("2026-11-24T11:45").claim(&o4, "review", &rev2).await;
    w.at("2026-11-24T12:00").complete(&o4, "review", &rev2, Some("approve"), None).await;
    // O5: A, waits for the customer's documents overnight.
    let o5 = w.at("2026-11-24T13:00").start("O5", None, None).await;
    w.claim(&o5, "intake", &a2).await;
    w.at("2026-11-24T13:20").complete(&o5, "intake", &a2, None, Some("docs")).await;
    // O6: A, on hold for two hours while the intake is worked.
    let o6 = w.at("2026-11-25T09:00").start("O6", None, None).await;
    w.claim(&o6, "intake", &a1).await;
    w.at("2026-11-25T09:30").command(&o6, Command::Hold { reason: "お客様不在".into() }).await;
    // O11: B, on hold since Wednesday morning: not stalled, its due time moves with the hold.
    let o11 = w.start("O11", Some("B社"), None).await;
    w.at("2026-11-25T10:00").engine.signal("O5", "docs", Default::default()).await.expect("signal");
    w.command(&o11, Command::Hold { reason: "確認中".into() }).await;
    // O7: B, a paper order received the day before it was entered, then cancelled.
    let o7 = w.start("O7", Some("B社"), Some("2026-11-24T15:00")).await;
    w.at("2026-11-25T11:00").command(&o7, Command::Cancel { reason: "お客様都合".into() }).await;
    w.at("2026-11-25T11:30").command(&o6, Command::Resume).await;
    w.at("2026-11-25T12:00").complete(&o6, "intake", &a1, None, Some("basic")).await;
    // O8: A, completed without a claim, then rejected.
    let o8 = w.at("2026-11-25T14:00").start("O8", None, None).await;
    w.at("2026-11-25T14:30").complete(&o8, "intake", &a1, None, Some("premium")).await;
    w.at("2026-11-25T15:00").claim(&o8, "review", &rev1).await;
    // O9: A, nobody takes it: stalled and overdue.
    w.start("O9", Some("A社"), None).await;
    w.at("2026-11-25T15:30").complete(&o8, "review", &rev1, Some("reject"), None).await;
    // O13: C, a meter switch queued in the evening, picked up at 08:00 and failed, retried
    // after the hour's back-off and failed again (an incident), retried by an administrator;
    // then a partner's wait with a customer arm, and a planned hour.
    let meter = StartOrder { business_key: Some("O13".into()), vendor: Some("C社".into()), ..StartOrder::default() };
    let o13 = w.at("2026-11-25T19:00").engine.start("meter", meter).await.expect("starts");
    let job = w.engine.order_state(&o13).await.expect("order").tokens.keys().copied().next().expect("the request");
    w.at("2026-11-26T08:10").attempt(&o13, job, "2026-11-26T08:00", false).await;
    // O12: in-house staff take the order: in-house, not self-service.
    let o12 = w.at("2026-11-26T09:00").start("O12", None, None).await;
    w.claim(&o12, "intake", &house).await;
    w.at("2026-11-26T09:05").complete(&o12, "intake", &house, None, Some("basic")).await;
    w.at("2026-11-26T09:10").fire(&o13).await;
    w.at("2026-11-26T09:20").attempt(&o13, job, "2026-11-26T09:10", false).await;
    w.at("2026-11-26T10:00").command(&o13, Command::RetryIncident { job }).await;
    w.at("2026-11-26T10:05").attempt(&o13, job, "2026-11-26T10:00", true).await;
    // O14: C, the same request fails twice and stays an incident: always listed to follow up.
    let meter = StartOrder { business_key: Some("O14".into()), vendor: Some("C社".into()), ..StartOrder::default() };
    let o14 = w.at("2026-11-26T11:00").engine.start("meter", meter).await.expect("starts");
    let job14 = w.engine.order_state(&o14).await.expect("order").tokens.keys().copied().next().expect("the request");
    w.at("2026-11-26T11:05").attempt(&o14, job14, "2026-11-26T11:00", false).await;
    w.at("2026-11-26T12:05").fire(&o14).await;
    w.at("2026-11-26T12:10").attempt(&o14, job14, "2026-11-26T12:05", false).await;
    // O10: A, its review is due soon: at risk.
    let o10 = w.at("2026-11-26T14:00").start("O10", None, None).await;
    w.at("2026-11-26T14:10").complete(&o10, "intake", &a2, None, Some("premium")).await;
    w.at("2026-11-26T15:05").engine.signal("O13", "meter_switched", Default::default()).await.expect("signal");
    let filter = OrderFilter { parent: Some(o13.clone()), ..OrderFilter::default() };
    let settle = w.engine.orders(&filter).await.expect("orders").pop().expect("the subflow");
    w.at("2026-11-26T16:05").fire(&settle.id).await;

    let first = report_text(&w.engine).await;
    let data = w.engine.kpi_data(Some(now())).await.expect("KPI data");
    // Closed, with nothing open: the golden summary's ten (eight completed, O7 cancelled, O8
    // rejected).
    let expected = if summary_min == 1 { 10 } else { 0 };
    assert_eq!(data.summarised(), expected, "finished orders read from the KPI summary");
    let second = report_text(&w.engine).await;
    assert_eq!(first, second, "the report from the KPI summary equals the one from the events");
    w.engine.close().await;
    first
}

fn now() -> Timestamp {
    jst("2026-11-26T17:00")
}

/// The report's and the reminder list's views, rendered.
async fn report_text(engine: &Engine) -> String {
    let config = KpiConfig::from_yaml(CONFIG).expect("config");
    let query = KpiQuery { from: None, to: None, now: Some(now()) };
    let report = engine.kpi_report(&query, &config).await.expect("report");
    let stalled = engine.stalled(Some(now()), &config).await.expect("stalled");
    let wanted = [
        "summary",
        "vendors",
        "flows",
        "not_one_stop",
        "time",
        "steps",
        "bottlenecks",
        "vendor_steps",
        "days",
        "flow_over_time",
        "orders",
    ];
    let mut views: Vec<View> = report.views().into_iter().filter(|v| wanted.contains(&v.id)).collect();
    views.extend(stalled.views());
    render(&views)
}

/// Views as tab-separated text: machine keys, seconds, fractions to four places.
fn render(views: &[View]) -> String {
    let mut out = String::new();
    for view in views {
        out.push_str(&format!("## {}\n", view.id));
        // Instance ids are random (UUID v7); business keys name the orders.
        let shown: Vec<usize> =
            (0..view.columns.len()).filter(|&i| !matches!(view.columns[i].key, "id" | "order")).collect();
        let keys: Vec<&str> = shown.iter().map(|&i| view.columns[i].key).collect();
        out.push_str(&keys.join("\t"));
        out.push('\n');
        for row in &view.rows {
            let cells: Vec<String> = shown
                .iter()
                .map(|&i| match &row[i] {
                    Cell::Empty => "-".to_string(),
                    Cell::Text(t) => t.clone(),
                    Cell::Int(n) => n.to_string(),
                    Cell::Float(x) => format!("{x:.4}"),
                    Cell::Time(t) => {
                        t.to_zoned(TimeZone::get("Asia/Tokyo").expect("zone")).strftime("%m-%d %H:%M").to_string()
                    }
                    Cell::Flag(b) => if *b { "yes" } else { "no" }.to_string(),
                })
                .collect();
            out.push_str(&cells.join("\t"));
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kpi/golden.txt")
}

fn compare(actual: &str, backend: &str) {
    if std::env::var_os("JUNRO_BLESS").is_some() && backend == "sqlite" {
        std::fs::write(golden(), actual).expect("golden written");
        return;
    }
    let expected = std::fs::read_to_string(golden()).expect("golden file");
    if actual != expected {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .filter(|(e, a)| e != a)
            .take(10)
            .map(|(e, a)| format!("expected: {e}\n  actual: {a}"))
            .collect();
        panic!("{backend}: the KPI figures differ from the hand-worked golden file:\n{}", diff.join("\n"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_made_orders_give_the_hand_worked_figures_on_sqlite() {
    let path = std::env::temp_dir().join(format!("junro-kpi-golden-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let actual = figures(&format!("sqlite:{}", path.display()), CHUNK_ORDERS).await;
    compare(&actual, "sqlite");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kpi_summary_gives_the_same_figures_and_follows_the_calendars() {
    let path = std::env::temp_dir().join(format!("junro-kpi-summary-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let url = format!("sqlite:{}", path.display());
    let actual = figures(&url, 1).await;
    compare(&actual, "sqlite, through the KPI summary");
    // Other calendars make other business times: the summary is dropped and made again.
    let options = EngineOptions {
        calendars: Calendars::only(Calendar::default_japan()),
        kpi_summary_min: 1,
        ..EngineOptions::default()
    };
    let engine = Engine::open_with(&url, options).await.expect("engine opens");
    let first = engine.kpi_data(Some(now())).await.expect("KPI data");
    assert_eq!(first.summarised(), 0, "a summary made with other calendars is not used");
    let again = engine.kpi_data(Some(now())).await.expect("KPI data");
    assert_eq!(again.summarised(), 10, "the summary is made again with these calendars");
    assert_eq!(first.orders(), again.orders());
    engine.close().await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_made_orders_give_the_same_figures_on_postgres() {
    let Ok(url) = std::env::var("JUNRO_TEST_POSTGRES_URL") else {
        assert!(std::env::var_os("CI").is_none(), "CI must set JUNRO_TEST_POSTGRES_URL");
        eprintln!("JUNRO_TEST_POSTGRES_URL is not set: the PostgreSQL run is skipped outside CI");
        return;
    };
    // Test binaries run one after another, so the conformance suite never shares it with us.
    use junro_engine::store::PostgresStore;
    PostgresStore::reset(&url).await.expect("PostgreSQL reachable and reset");
    let actual = figures(&url, 1).await;
    compare(&actual, "postgres, through the KPI summary");
    // In this test, not one of its own: tests of one binary run in parallel, and they would
    // share the database.
    PostgresStore::reset(&url).await.expect("reset");
    summary_storage(&url).await;
}

/// The summary's storage on one database: a chunk is stored whole or not at all, an order is
/// never in two chunks, and chunks of another key are dropped with their orders' marks.
async fn summary_storage(url: &str) {
    use junro_engine::store::{NewKpiChunk, RawEvent, StoreError};
    let store = junro_engine::store::open(url, Durability::Normal).await.expect("store opens");
    let ids = |names: &[&str]| names.iter().map(|n| (*n).to_string()).collect::<Vec<_>>();
    fn chunk<'a>(key: &'a str, instances: &'a [String]) -> NewKpiChunk<'a> {
        NewKpiChunk { key, orders: 1, events: 3, last_update_us: 5_000_000, figures: vec![1, 2, 3], instances }
    }
    let (first, overlapping) = (ids(&["a", "a-sub"]), ids(&["a-sub", "b"]));
    assert!(store.save_kpi_chunk(chunk("k1", &first)).await.expect("saves"), "a new chunk is stored");
    assert!(
        !store.save_kpi_chunk(chunk("k1", &overlapping)).await.expect("saves"),
        "an order already summarised is not summarised again"
    );
    let mut sink = |_row: junro_engine::store::InstanceRow,
                    _events: &mut dyn Iterator<Item = Result<RawEvent<'_>, StoreError>>| Ok(());
    let mut chunks = Vec::new();
    store.kpi_snapshot("k1", &[], &mut chunks, &mut sink).await.expect("snapshot");
    assert_eq!(chunks.len(), 1, "the overlapping chunk left nothing behind");
    assert_eq!((chunks[0].orders, chunks[0].events, chunks[0].figures.as_slice()), (1, 3, &[1u8, 2, 3][..]));
    let mut chunks = Vec::new();
    store.kpi_snapshot("k2", &[], &mut chunks, &mut sink).await.expect("snapshot");
    assert!(chunks.is_empty(), "chunks of another key are not read");
    assert!(store.save_kpi_chunk(chunk("k2", &overlapping)).await.expect("saves"), "and their orders are free again");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summary_chunks_are_stored_whole_once_per_order() {
    let path = std::env::temp_dir().join(format!("junro-kpi-chunks-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    summary_storage(&format!("sqlite:{}", path.display())).await;
    let _ = std::fs::remove_file(&path);
}
