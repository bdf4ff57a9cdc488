//! The back-office systems and partner APIs behind automatic steps: one handler per action of the
//! catalogue. Each returns every result key the flows read, with a plausible value of the right
//! type (most areas are available, most credit scores pass, a line test now and then fails), and
//! fails now and then (a first attempt of an action that is retried) so that retries show.
//! Results depend only on the seed, the action, its inputs, the attempt and the virtual time.

use super::catalog::{Catalog, signature};
use super::rng::Rng;
use junro_engine::clock::{Clock, VirtualClock};
use junro_engine::dsl::ast::Type;
use junro_engine::script::Data;
use junro_engine::{ActionRequest, ActionResult, Engine, EngineError};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// How often a first attempt fails (only for actions whose steps retry).
const FAILURE_RATE: f64 = 0.03;

/// Lookups that go wrong when the front entry has a mistake.
const LOOKUPS: &[&str] = &["area_lookup", "duplicate_check", "credit_check_api", "line_test"];

/// What handlers and the simulation share.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Root orders whose front entry has a mistake: lookups on them and on their subflows go
    /// wrong (an address that does not match, a customer keyed as new who exists, a misspelt name
    /// the credit bureau scores low, a line id that does not test) until the entry is corrected.
    pub(crate) flawed: BTreeSet<String>,
    /// Order → its root order (subflows roll up), as far as known.
    pub(crate) roots: BTreeMap<String, String>,
    /// Orders an action ran for since the simulation last looked (they may now wait for a signal).
    pub(crate) touched: BTreeSet<String>,
    /// Handler calls.
    pub(crate) calls: u64,
    /// Failed attempts.
    pub(crate) failures: u64,
}

/// Locks the shared state.
pub(crate) fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The root order of `order` (itself for a root), climbing subflows' parents.
pub(crate) async fn root_of(engine: &Engine, shared: &Mutex<Shared>, order: &str) -> Result<String, EngineError> {
    let mut path = vec![order.to_string()];
    let root = loop {
        let current = path.last().cloned().unwrap_or_default();
        if let Some(root) = lock(shared).roots.get(&current) {
            break root.clone();
        }
        match engine.order(&current).await?.state.parent {
            Some((parent, _)) if path.len() < 8 => path.push(parent),
            _ => break current,
        }
    };
    let mut shared = lock(shared);
    for order in path {
        shared.roots.insert(order, root.clone());
    }
    Ok(root)
}

/// Whether the front entry of `order`'s root order has a mistake.
pub(crate) async fn flawed(engine: &Engine, shared: &Mutex<Shared>, order: &str) -> Result<bool, EngineError> {
    let root = root_of(engine, shared, order).await?;
    Ok(lock(shared).flawed.contains(&root))
}

/// Registers a handler for every action the deployed flows use.
pub(crate) fn register(
    engine: &Arc<Engine>,
    catalog: &Catalog,
    shared: &Arc<Mutex<Shared>>,
    clock: &Arc<VirtualClock>,
    seed: u64,
) {
    for (action, results) in &catalog.results {
        let handler = Handler {
            engine: Arc::downgrade(engine),
            lookup: LOOKUPS.contains(&action.as_str()),
            results: results.clone(),
            retried: catalog.retried.contains(action),
            waits: catalog.wait_actions.clone(),
            shared: shared.clone(),
            clock: clock.clone(),
            seed,
        };
        let handler = Arc::new(handler);
        engine.register_action(action, move |request: ActionRequest| {
            let handler = handler.clone();
            async move { handler.call(&request).await }
        });
    }
}

struct Handler {
    engine: Weak<Engine>,
    lookup: bool,
    results: BTreeMap<String, Type>,
    retried: bool,
    waits: BTreeSet<String>,
    shared: Arc<Mutex<Shared>>,
    clock: Arc<VirtualClock>,
    seed: u64,
}

impl Handler {
    async fn call(&self, request: &ActionRequest) -> ActionResult {
        let now = self.clock.now();
        let inputs = serde_json::to_string(&request.inputs).unwrap_or_default();
        let mut rng =
            Rng::keyed(self.seed, &[&request.action, &inputs, &request.attempt.to_string(), &now.to_string()]);
        {
            let mut shared = lock(&self.shared);
            shared.calls += 1;
            let template = request.inputs.get("template").and_then(Value::as_str);
            if self.waits.contains(&signature(&request.action, request.inputs.keys().map(String::as_str), template)) {
                shared.touched.insert(request.order.clone());
            }
        }
        let flawed = match (self.lookup, self.engine.upgrade()) {
            (true, Some(engine)) => flawed(&engine, &self.shared, &request.order).await.map_err(|e| e.to_string())?,
            _ => false,
        };
        if self.retried && request.attempt == 1 && rng.chance(FAILURE_RATE) {
            lock(&self.shared).failures += 1;
            return Err("一時的な通信エラー (HTTP 503)".to_string());
        }
        let today = now.to_zoned(jiff::tz::TimeZone::get("Asia/Tokyo").unwrap_or(jiff::tz::TimeZone::UTC)).date();
        let mut output = Data::new();
        let typo = if flawed { 160.0 } else { 0.0 };
        let score = (rng.between(-1.0, 1.0) + rng.between(-1.0, 1.0) + rng.between(-1.0, 1.0)) * 60.0 + 740.0 - typo;
        let score = score.clamp(300.0, 950.0).round() as i64;
        for (key, ty) in &self.results {
            let value = match key.as_str() {
                "area_status" if flawed && rng.chance(0.5) => json!("limited"),
                "area_status" => json!(["available", "limited", "unavailable"][rng.weighted(&[94.0, 4.0, 2.0])]),
                "is_duplicate" => json!(flawed || rng.chance(0.02)),
                "score" => json!(score),
                "verdict" => json!(if score >= 600 {
                    "approved"
                } else if score >= 500 {
                    "pending"
                } else {
                    "rejected"
                }),
                "result" => json!(if rng.chance(if flawed { 0.3 } else { 0.8 }) { "ok" } else { "ng" }),
                "amount" => request
                    .inputs
                    .get("base_amount")
                    .filter(|v| v.is_number())
                    .cloned()
                    .unwrap_or_else(|| json!(rng.range(100, 2_000) * 10)),
                _ => generic(key, ty, today, &mut rng),
            };
            if fits(ty, &value) {
                output.insert(key.clone(), value);
            } else {
                output.insert(key.clone(), generic(key, ty, today, &mut rng));
            }
        }
        Ok(output)
    }
}

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.range(0, 9) as u8)).collect()
}

/// A value for result `key` by the type of the field it fills.
fn generic(key: &str, ty: &Type, today: jiff::civil::Date, rng: &mut Rng) -> Value {
    match ty {
        Type::Text => json!(match key {
            "customer_id" => format!("C{}", digits(rng, 8)),
            "phone_number" => format!("090{}", digits(rng, 8)),
            "new_number" => format!("03{}", digits(rng, 8)),
            "mnp_number" => digits(rng, 10),
            "iccid" => format!("898110{}", digits(rng, 13)),
            "tracking_number" => digits(rng, 12),
            _ => {
                let prefix: String =
                    key.split('_').filter_map(|w| w.chars().next()).collect::<String>().to_ascii_uppercase();
                format!("{prefix}-{}", digits(rng, 8))
            }
        }),
        Type::Integer => json!(rng.range(1, 9)),
        Type::Money => json!(rng.range(100, 2_000) * 10),
        Type::Decimal => json!(rng.range(1, 9) as f64 / 10.0),
        Type::Boolean => json!(rng.chance(0.5)),
        Type::Date => {
            let days = if key == "expiry" { rng.range(12, 15) } else { rng.range(3, 14) };
            json!(today.checked_add(jiff::Span::new().days(days)).unwrap_or(today).to_string())
        }
        Type::DateTime => json!(format!("{today}T{:02}:{:02}:00", rng.range(9, 17), rng.range(0, 59))),
        Type::Enum(variants) => json!(variants.first().cloned().unwrap_or_default()),
        Type::List(_) => json!([]),
    }
}

/// Whether `value` fits a field of type `ty` (as the engine checks action results).
fn fits(ty: &Type, value: &Value) -> bool {
    match (ty, value) {
        (Type::Text | Type::Date | Type::DateTime, Value::String(_)) => true,
        (Type::Integer, Value::Number(n)) => n.is_i64(),
        (Type::Money | Type::Decimal, Value::Number(_)) => true,
        (Type::Boolean, Value::Bool(_)) => true,
        (Type::Enum(variants), Value::String(s)) => variants.contains(s),
        (Type::List(_), Value::Array(_)) => true,
        _ => false,
    }
}
