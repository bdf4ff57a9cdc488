//! `junro bench pages`: the server time of the staff's pages with a deep queue. A fresh
//! SQLite database gets `--open` open tasks an operator may take; then "my work" (my tasks, the
//! queue's first page and its count) and a task's form are requested through the service's
//! router in-process, as a signed-in operator, and each answer is read to its end.

use anyhow::Context as _;
use axum::body::Body;
use axum::http::Request;
use junro_engine::{BatchItem, Engine, StartOrder};
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt as _;

/// Options of `junro bench pages`.
#[derive(clap::Args)]
pub(crate) struct PagesBench {
    /// Open tasks in the queue.
    #[arg(long, default_value_t = 10_000)]
    open: u64,
    /// Requests timed per page (after five warm-up requests).
    #[arg(long, default_value_t = 200)]
    runs: usize,
}

pub(crate) fn run(options: PagesBench) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(bench(options))
}

async fn bench(options: PagesBench) -> anyhow::Result<ExitCode> {
    use crate::serve::auth::users::NewUser;
    let mut out = std::io::stdout().lock();
    let path = std::env::temp_dir().join(format!("junro-bench-pages-{}.db", std::process::id()));
    let url = format!("sqlite:{}", path.display());
    let engine = Arc::new(Engine::open(&url).await.with_context(|| format!("opening {url}"))?);
    engine
        .deploy_files(&[("bench_queue.flow".to_string(), super::bench_queue::FLOW.as_bytes().to_vec())], None)
        .await?;
    let mut first = None;
    for chunk in 0..options.open.div_ceil(1000) {
        let n = (options.open - chunk * 1000).min(1000);
        let items =
            (0..n).map(|_| BatchItem::Start { flow: "bench_queue".into(), order: StartOrder::default() }).collect();
        for result in engine.apply_batch(items).await {
            let id = result?.context("a start gives the order's id")?;
            first.get_or_insert(id);
        }
    }
    let first = first.context("at least one open task")?;
    let db = crate::serve::db::Pool::open(&url).await?;
    let config = crate::serve::config::ServeConfig { database: url.clone(), worker: false, ..Default::default() };
    let state = crate::serve::state::AppState::new(engine.clone(), db, config).await?;
    let now = engine.now();
    let operator = NewUser {
        id: "bench-op".into(),
        display_name: Some("ベンチ 太郎".into()),
        roles: vec!["operator".into()],
        vendor: None,
        supervisor: false,
        manager: false,
        admin: false,
        password: None,
        email: None,
        language: None,
    };
    state.db.add_user(&operator, now).await?;
    let (session, _) = state.db.create_session("bench-op", 12, now).await?;
    let cookie = session_cookie(&state, &session);
    let app = crate::serve::app(state.clone());
    let task = format!("/orders/{first}/tasks/1");
    writeln!(
        out,
        "{} open tasks; pages requested in-process as a signed-in operator, {} times each",
        options.open, options.runs
    )?;
    writeln!(out, "{:<28} {:>8} {:>8} {:>8} {:>9}", "page", "p50 ms", "p95 ms", "max ms", "bytes")?;
    for (name, uri) in
        [("my work (queue)", "/"), ("my work, filtered by flow", "/?flow=bench_queue"), ("task form", task.as_str())]
    {
        let mut times = Vec::with_capacity(options.runs);
        let mut bytes = 0;
        for n in 0..options.runs + 5 {
            let request =
                Request::get(uri).header("cookie", &cookie).header("accept-language", "ja").body(Body::empty())?;
            let sent = Instant::now();
            let response = app.clone().oneshot(request).await?;
            anyhow::ensure!(response.status().is_success(), "{uri} answered {}", response.status());
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
            if n >= 5 {
                times.push(sent.elapsed().as_micros() as u64);
            }
            bytes = body.len();
        }
        times.sort_unstable();
        let q = |p: f64| times[((p * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1] as f64 / 1000.0;
        writeln!(out, "{name:<28} {:>8.2} {:>8.2} {:>8.2} {bytes:>9}", q(0.5), q(0.95), q(1.0))?;
    }
    drop(app);
    engine.hold_writes().await;
    let _ = std::fs::remove_file(&path);
    Ok(ExitCode::SUCCESS)
}

/// The session cookie as the service signs it (`name=value`).
fn session_cookie(state: &crate::serve::state::AppState, id: &str) -> String {
    use axum::response::IntoResponse as _;
    use axum_extra::extract::SignedCookieJar;
    use axum_extra::extract::cookie::{Cookie, Key};
    let key: Key = axum::extract::FromRef::from_ref(state);
    let jar = SignedCookieJar::new(key).add(Cookie::new(crate::serve::auth::SESSION_COOKIE, id.to_string()));
    let response = jar.into_response();
    let header = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    header.split(';').next().unwrap_or_default().to_string()
}
