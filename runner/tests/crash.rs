//! Crash safety: a process running orders is killed with SIGKILL mid-flight; the database it
//! leaves must hold every order it had committed (each once), no open task of a closed order,
//! and histories that replay to the stored states.
//!
//! The victim is `junro demo`, which prints `started <key> <id>` right after each start commits.
//! It is killed after a different number of starts in each round, so the kill lands at different
//! moments of its work (mid-batch, mid-worker, mid-commit).

use junro_engine::store::{OrderFilter, TaskFilter};
use junro_engine::{Engine, EngineOptions};
use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the demo on `db` and kills it after `starts` orders were reported; returns the ids.
fn run_and_kill(db: &Path, starts: usize, seed: u64) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_junro"))
        .args([
            "demo",
            "--db",
            &format!("sqlite:{}", db.display()),
            "--days",
            "30",
            "--seed",
            &seed.to_string(),
            "--quiet",
            "--print-started",
        ])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("junro demo runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut ids = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(rest) = line.strip_prefix("started ") {
            if let Some(id) = rest.split_whitespace().nth(1) {
                ids.push(id.to_string());
            }
            if ids.len() >= starts {
                // SIGKILL: no destructor, no flush, no rollback but SQLite's own.
                child.kill().expect("killed");
                break;
            }
        }
    }
    let _ = child.wait();
    ids
}

async fn check(db: &Path, committed: &[String]) {
    let engine = Engine::open_with(&format!("sqlite:{}", db.display()), EngineOptions::default())
        .await
        .expect("the database reopens");
    for id in committed {
        engine.order(id).await.unwrap_or_else(|e| panic!("order {id} was reported committed but is gone: {e}"));
    }
    let orders =
        engine.orders(&OrderFilter { limit: Some(1_000_000), ..OrderFilter::default() }).await.expect("orders");
    let keys: Vec<&str> = orders.iter().filter_map(|o| o.business_key.as_deref()).collect();
    let unique: BTreeSet<&str> = keys.iter().copied().collect();
    assert_eq!(keys.len(), unique.len(), "no order is duplicated");
    let tasks = engine.tasks(&TaskFilter { limit: Some(1_000_000), ..TaskFilter::default() }).await.expect("tasks");
    for task in &tasks {
        let order = engine.order(&task.order).await.expect("the task's order exists");
        assert!(
            !matches!(order.state.status, junro_engine::machine::Status::Closed { .. }),
            "open task {} belongs to closed order {}",
            task.instance,
            task.order
        );
    }
    for order in &orders {
        let view = engine.order(&order.id).await.expect("order");
        junro_engine::replay::verify(&view).unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(orders.len() >= committed.len());
}

#[test]
fn a_killed_process_loses_no_committed_order_and_its_histories_replay() {
    let dir = std::env::temp_dir().join(format!("junro-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    for (round, starts) in [25usize, 80, 160].into_iter().enumerate() {
        let db = dir.join(format!("round-{round}.db"));
        let committed = run_and_kill(&db, starts, 11 + round as u64);
        assert!(committed.len() >= starts, "the demo reported only {} orders before it was killed", committed.len());
        runtime.block_on(check(&db, &committed));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
