//! Embedding Junro in an application, in one file.
//!
//! Run it with `cargo run -p junro-engine --example embed`. It opens an engine on a SQLite file,
//! deploys a folder of flows, registers the handler of an automatic step, starts an order, lets
//! a front operator take and complete the next task, runs the worker (which calls the handler),
//! sends the construction company's signal, and prints the order with its history.

use junro_engine::machine::Actor;
use junro_engine::store::{OrderFilter, TaskFilter};
use junro_engine::{ActionRequest, Engine, StartOrder};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Open an engine: a SQLite file (created if missing) or a `postgres://` URL.
    let path = std::env::temp_dir().join(format!("junro-embed-{}.db", std::process::id()));
    let engine = Engine::open(&format!("sqlite:{}", path.display())).await?;

    // 2. Deploy a folder of flows. Deploying again changes nothing unless a flow changed, in
    //    which case it becomes a new version; running orders stay on theirs.
    let flows = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/flows");
    for deployed in engine.deploy(&[flows], None).await? {
        println!("deployed {} v{}", deployed.flow, deployed.version);
    }

    // 3. Register the handler of the `check_area` action. It runs outside any transaction, may
    //    fail (the flow's retry policy applies), and gets an idempotency key for the step.
    engine.register_action("check_area", |request: ActionRequest| async move {
        let address = request.inputs.get("address").and_then(|a| a.as_str()).unwrap_or_default();
        let status = if address.starts_with("東京都") { "available" } else { "unavailable" };
        Ok(json!({ "status": status }).as_object().cloned().unwrap_or_default())
    });

    // 4. Start an order. Starting twice with the same business key returns the same order.
    let order = engine
        .start("line_move", StartOrder { business_key: Some("MOVE-0001".into()), ..StartOrder::default() })
        .await?;
    println!("started order {order}");

    // 5. A front operator of an outsourcing vendor takes the next task and completes it.
    let operator = Actor::person("sato", &["operator"], Some("vendor_a"));
    let task = engine.take_next(&operator).await?.ok_or("no task for the operator")?;
    println!("{} took task `{}` of order {}", operator.id, task.step, task.order);
    let form = json!({
        "customer_name": "山田太郎",
        "new_address": "東京都品川区大崎1-1-1",
        "building_type": "apartment",
    });
    engine.complete(&task.order, task.instance, &operator, None, form.as_object().cloned().unwrap_or_default()).await?;

    // 6. The worker runs due jobs (here: check_area) and fires due timers. A real application
    //    calls this in a loop, from one or more processes.
    let handled = engine.run_due().await?;
    println!("worker handled {handled} job(s)");

    // 7. The construction company reports completion, addressing the order by its business key.
    engine.signal("MOVE-0001", "construction_done", Default::default()).await?;

    // 8. Read the order with its history, and list what is open.
    let view = engine.order("MOVE-0001").await?;
    println!(
        "order {} is {:?} with data {}",
        view.state.id,
        view.state.status,
        serde_json::Value::Object(view.state.data.clone())
    );
    for entry in &view.history {
        println!("  {:>2} {} {}", entry.seq, entry.at, serde_json::to_string(&entry.event)?);
    }
    let open_tasks =
        engine.tasks(&TaskFilter { roles: Some(vec!["reviewer".into()]), ..TaskFilter::default() }).await?;
    let open_orders = engine.orders(&OrderFilter { status: Some("open".into()), ..OrderFilter::default() }).await?;
    println!("{} open review task(s), {} open order(s)", open_tasks.len(), open_orders.len());
    junro_engine::replay::verify(&view)?;
    let _ = std::fs::remove_file(&path);
    Ok(())
}
