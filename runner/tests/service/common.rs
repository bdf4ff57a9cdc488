//! A service on `127.0.0.1:0` over a fresh database (a SQLite file, or a PostgreSQL database of
//! its own), the test flow deployed, a `check_credit` handler registered, and users with tokens.

use junro::serve::auth::users::NewUser;
use junro::serve::db::Pool;
use junro::serve::{AppState, ServeConfig};
use junro_engine::Engine;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Where a test's database lives.
pub(crate) enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// PostgreSQL when `JUNRO_TEST_POSTGRES_URL` is set (CI must set it), else `None`.
    pub(crate) fn postgres() -> Option<Backend> {
        match std::env::var("JUNRO_TEST_POSTGRES_URL") {
            Ok(url) => Some(Backend::Postgres(url)),
            Err(_) => {
                assert!(std::env::var_os("CI").is_none(), "CI must set JUNRO_TEST_POSTGRES_URL");
                eprintln!("JUNRO_TEST_POSTGRES_URL is not set: the PostgreSQL run is skipped outside CI");
                None
            }
        }
    }
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty database URL for one test.
pub(crate) async fn fresh_database(backend: &Backend) -> String {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let name = format!("junro_svc_{}_{n}", std::process::id());
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            format!("sqlite:{}", path.display())
        }
        Backend::Postgres(url) => {
            use sqlx::Executor as _;
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await
                .expect("PostgreSQL reachable");
            pool.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).await.expect("drop");
            pool.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await
                .expect("create a database for the test");
            pool.close().await;
            let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
            format!("{base}/{name}")
        }
    }
}

pub(crate) fn flows() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/service/flows")
}

/// A running service.
pub(crate) struct Service {
    pub(crate) base: String,
    pub(crate) state: AppState,
    http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Service {
    /// A service on SQLite, worker on (every 20 ms).
    pub(crate) async fn start() -> Service {
        Service::start_on(&Backend::Sqlite, true).await
    }

    /// A service on `backend`.
    pub(crate) async fn start_on(backend: &Backend, worker: bool) -> Service {
        let url = fresh_database(backend).await;
        Service::start_at(&url, worker).await
    }

    /// A service on an existing database URL (several may share one).
    pub(crate) async fn start_at(url: &str, worker: bool) -> Service {
        Service::start_configured(url, worker, None).await
    }

    /// A service on SQLite whose flows folder is `folder` (deployed at start, and again from the
    /// pages), as `junro serve` with `JUNRO_FLOWS`.
    #[allow(dead_code, reason = "the browser tests use it, the service tests do not")]
    pub(crate) async fn start_with_folder(folder: PathBuf) -> Service {
        let url = fresh_database(&Backend::Sqlite).await;
        Service::start_configured(&url, true, Some(folder)).await
    }

    /// A service on SQLite, worker on, whose settings `tweak` changes (webhooks, say).
    #[allow(dead_code, reason = "the service tests use it, the browser tests do not")]
    pub(crate) async fn start_with(tweak: impl FnOnce(&mut ServeConfig)) -> Service {
        let url = fresh_database(&Backend::Sqlite).await;
        Service::start_tweaked(&url, true, None, None, tweak).await
    }

    /// The same, its engine's time read from `clock` (a virtual clock the test moves).
    #[allow(dead_code, reason = "the service tests use it, the browser tests do not")]
    pub(crate) async fn start_at_time(
        clock: Arc<junro_engine::clock::VirtualClock>,
        tweak: impl FnOnce(&mut ServeConfig),
    ) -> Service {
        let url = fresh_database(&Backend::Sqlite).await;
        Service::start_tweaked(&url, true, None, Some(clock), tweak).await
    }

    async fn start_configured(url: &str, worker: bool, folder: Option<PathBuf>) -> Service {
        Service::start_tweaked(url, worker, folder, None, |_| {}).await
    }

    async fn start_tweaked(
        url: &str,
        worker: bool,
        folder: Option<PathBuf>,
        clock: Option<Arc<junro_engine::clock::VirtualClock>>,
        tweak: impl FnOnce(&mut ServeConfig),
    ) -> Service {
        // As `junro serve` opens it: with the outbox of notices its worker delivers.
        let mut options = junro_engine::EngineOptions { notices: true, ..junro_engine::EngineOptions::default() };
        if let Some(clock) = clock {
            options.clock = clock;
        }
        let engine = Engine::open_with(url, options).await.expect("engine opens");
        engine.deploy(&[folder.clone().unwrap_or_else(flows)], None).await.expect("test flows deploy");
        engine.register_action("check_credit", |request: junro_engine::ActionRequest| async move {
            let name = request.inputs.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            let mut out = serde_json::Map::new();
            out.insert("ok".into(), Value::Bool(!name.contains("不可")));
            Ok(out)
        });
        engine.register_action("open_line", |request: junro_engine::ActionRequest| async move {
            let name = request.inputs.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            if name.contains("障害") {
                Err("設備障害のため開通できません".to_string())
            } else {
                let mut out = serde_json::Map::new();
                out.insert("line_id".into(), Value::String("L-1".into()));
                Ok(out)
            }
        });
        let db = Pool::open(url).await.expect("service tables");
        let mut config = ServeConfig {
            database: url.to_string(),
            worker,
            worker_interval_ms: 20,
            flows: folder,
            // The real clock would send digests on some days and not others: a test sets it.
            digest_at: None,
            ..ServeConfig::default()
        };
        tweak(&mut config);
        let state = AppState::new(Arc::new(engine), db, config).await.expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(junro::serve::run(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        Service { base, state, http: reqwest::Client::new(), stop: Some(stop), task: Some(task) }
    }

    /// A house order `key` started and its intake completed by `front`, then sent back from
    /// review to intake by `back` with `reason` (the returned intake is unclaimed); its id.
    #[allow(dead_code, reason = "the service tests use it, the browser tests do not")]
    pub(crate) async fn sent_back_order(&self, front: &str, back: &str, key: &str, reason: &str) -> String {
        let start = serde_json::json!({"flow": "service_order", "business_key": key,
            "data": {"customer_name": "山田太郎", "building_type": "house"}});
        let (status, order) = self.call("POST", "/api/v1/orders", Some(front), Some(start)).await;
        assert_eq!(status, 201, "{order}");
        let id = order["id"].as_str().expect("an id").to_string();
        let (_, task) = self.call("POST", "/api/v1/tasks/next", Some(front), None).await;
        let complete = format!("/api/v1/orders/{id}/tasks/{}/complete", task["instance"]);
        let (status, answer) = self.call("POST", &complete, Some(front), Some(serde_json::json!({"data": {}}))).await;
        assert_eq!(status, 204, "{answer}");
        let (_, review) = self.call("POST", "/api/v1/tasks/next", Some(back), None).await;
        let send_back = format!("/api/v1/orders/{id}/tasks/{}/send-back", review["instance"]);
        let body = serde_json::json!({"to": "intake", "reason": reason});
        let (status, answer) = self.call("POST", &send_back, Some(back), Some(body)).await;
        assert_eq!(status, 204, "{answer}");
        id
    }

    /// Adds a user and gives back a token for them; with the flag `password`, the user signs in
    /// with the password `<id>-password` too; `email` gives them `<id>@example.jp`, `en` has
    /// their notifications worded in English.
    pub(crate) async fn user(&self, id: &str, roles: &[&str], vendor: Option<&str>, flags: &[&str]) -> String {
        let new = NewUser {
            id: id.into(),
            display_name: Some(format!("{id}さん")),
            roles: roles.iter().map(|r| (*r).to_string()).collect(),
            vendor: vendor.map(str::to_string),
            supervisor: flags.contains(&"supervisor"),
            manager: flags.contains(&"manager"),
            admin: flags.contains(&"admin"),
            password: flags.contains(&"password").then(|| format!("{id}-password")),
            email: flags.contains(&"email").then(|| format!("{id}@example.jp")),
            language: flags.contains(&"en").then(|| "en".to_string()),
        };
        let now = self.state.engine.now();
        self.state.db.add_user(&new, now).await.expect("user added");
        self.state.db.create_token(id, None, now).await.expect("token").1
    }

    /// A page's HTML as `user` (made with the `password` flag) sees it, signed in.
    pub(crate) async fn page_as(&self, user: &str, path: &str) -> String {
        let session = self
            .request("POST", "/api/v1/session", None)
            .json(&serde_json::json!({"user": user, "password": format!("{user}-password")}))
            .send()
            .await
            .expect("signs in");
        assert_eq!(session.status().as_u16(), 200, "{user} signs in");
        let cookie = session.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("a cookie");
        let cookie = cookie.split(';').next().unwrap_or_default().to_string();
        let page = self.request("GET", path, None).header("cookie", cookie).send().await.expect("the page");
        assert_eq!(page.status().as_u16(), 200, "{path}");
        page.text().await.expect("html")
    }

    /// A request with an optional bearer token.
    pub(crate) fn request(&self, method: &str, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    /// Sends a request with a JSON body (or none) and returns the status and the JSON answer
    /// (`Null` for an empty or non-JSON body).
    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.request(method, path, token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the service answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Stops the service: stops accepting, finishes what is in flight.
    pub(crate) async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server ran");
        }
    }
}
