//! `junro serve` as a process, as an administrator installs and runs it: users and tokens from
//! the command line, the example configuration, curl, SIGTERM; SIGKILL under load and a
//! restart that finds every acknowledged change once; SIGKILL mid-delivery and each notification
//! delivered once; two processes on one PostgreSQL database
//! firing each timer and handing out each job once.

use crate::common::{Backend, fresh_database};
use serde_json::{Value, json};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn junro() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_junro"));
    command.current_dir(workspace()).env_remove("JUNRO_LISTEN").env_remove("JUNRO_FLOWS").env("JUNRO_LOG", "warn");
    command
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf()
}

/// Runs a `junro` command to its end; its standard output.
fn run(args: &[&str], db: &str, stdin: Option<&str>) -> String {
    let mut child = junro()
        .args(args)
        .env("JUNRO_DB", db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("junro runs");
    if let Some(text) = stdin {
        child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("written");
    }
    drop(child.stdin.take());
    let output = child.wait_with_output().expect("junro ends");
    assert!(output.status.success(), "junro {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// A `junro serve` process and the address it listens on.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &str, extra: &[(&str, &str)]) -> Server {
        let mut command = junro();
        command
            .args(["serve", "--config", "examples/junro.yaml"])
            .env("JUNRO_DB", db)
            .env("JUNRO_LISTEN", "127.0.0.1:0");
        for (k, v) in extra {
            command.env(k, v);
        }
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("junro serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let base = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("junro serve printed no address: {first}"))
            .trim_end_matches('/')
            .to_string();
        // Keep reading, so the process never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        Server { child, base }
    }

    fn signal(&self, signal: &str) {
        let status =
            Command::new("kill").args([&format!("-{signal}"), &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn curl(args: &[&str]) -> (u16, Value) {
    let output = Command::new("curl").args(["-s", "-w", "\n%{http_code}"]).args(args).output().expect("curl runs");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), serde_json::from_str(body).unwrap_or(Value::Null))
}

fn sqlite_db(name: &str) -> String {
    let path = std::env::temp_dir().join(format!("junro-process-{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    format!("sqlite:{}", path.display())
}

#[test]
fn an_operator_added_on_the_command_line_takes_and_completes_a_task_with_curl() {
    let db = sqlite_db("curl");
    let added = run(
        &["users", "add", "op1", "--role", "operator", "--vendor", "vendor-a", "--password-stdin"],
        &db,
        Some("passw0rd-op1\n"),
    );
    assert!(added.starts_with("added op1"), "{added}");
    let created = run(&["tokens", "create", "op1", "--expires", "30"], &db, None);
    let token = created.lines().last().expect("the token is the last line").to_string();
    assert!(token.starts_with("junro_"), "{created}");
    let server = Server::start(&db, &[]);
    let auth = format!("Authorization: Bearer {token}");
    let (status, health) = curl(&[&format!("{}/readyz", server.base)]);
    assert_eq!(status, 200, "{health}");
    let order = json!({"flow": "options_fixed_ip_mail", "business_key": "MAIL-0001", "channel": "mail",
        "data": {"customer_id": "C12345678", "company_name": "株式会社試験", "contact_email": "it@example.jp",
                 "line_id": "L-0001", "usage_purpose": "vpn"}});
    let (status, started) = curl(&[
        "-X",
        "POST",
        "-H",
        &auth,
        "-H",
        "content-type: application/json",
        "-d",
        &order.to_string(),
        &format!("{}/api/v1/orders", server.base),
    ]);
    assert_eq!(status, 201, "{started}");
    let (status, task) = curl(&["-X", "POST", "-H", &auth, &format!("{}/api/v1/tasks/next", server.base)]);
    assert_eq!((status, task["step"].as_str()), (200, Some("entry")), "{task}");
    let complete = format!(
        "{}/api/v1/orders/{}/tasks/{}/complete",
        server.base,
        task["order"].as_str().expect("order"),
        task["instance"]
    );
    let (status, answer) = curl(&[
        "-X",
        "POST",
        "-H",
        &auth,
        "-H",
        "content-type: application/json",
        "-d",
        "{\"data\": {\"ip_count\": 16}}",
        &complete,
    ]);
    assert_eq!(status, 204, "{answer}");
    let (status, detail) = curl(&["-H", &auth, &format!("{}/api/v1/orders/MAIL-0001", server.base)]);
    assert_eq!(status, 200);
    assert_eq!(detail["data"]["ip_count"], 16);
    assert_eq!(detail["open_steps"][0]["step"], "usage_review", "{detail}");
    metrics_are_scraped(&server, &db);
    server.signal("TERM");
    let mut server = server;
    let status = server.child.wait().expect("ends");
    assert!(status.success(), "SIGTERM ends the service cleanly: {status}");
    let audit = run(&["audit", "--user", "op1"], &db, None);
    assert!(audit.contains("POST /api/v1/orders/{order}/tasks/{instance}/complete"), "{audit}");
    let admin_trail = run(&["audit"], &db, None);
    assert!(admin_trail.contains("users add op1") && admin_trail.contains("tokens create"), "{admin_trail}");
}

/// An administrator's scrape of `/metrics` counts what this process did and what the database
/// holds: the order started, its one open task, no incident, no timer or job late.
fn metrics_are_scraped(server: &Server, db: &str) {
    run(&["users", "add", "ops-admin", "--admin"], db, None);
    let created = run(&["tokens", "create", "ops-admin"], db, None);
    let token = created.lines().last().expect("the token is the last line");
    let output = Command::new("curl")
        .args(["-s", "-H", &format!("Authorization: Bearer {token}"), &format!("{}/metrics", server.base)])
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let value = |prefix: &str| -> f64 {
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
            .sum()
    };
    assert_eq!(value("junro_orders_started_total{flow=\"options_fixed_ip_mail\"}"), 1.0, "{text}");
    assert_eq!(value("junro_open_tasks{"), 1.0, "one open task: {text}");
    assert_eq!(value("junro_open_incidents{"), 0.0, "{text}");
    assert_eq!(value("junro_timer_lag_seconds "), 0.0, "{text}");
    assert_eq!(value("junro_job_lag_seconds "), 0.0, "{text}");
    assert!(value("junro_commit_group_callers_count") >= 1.0, "commit groups are measured: {text}");
    assert!(value("junro_http_requests_total{") >= 4.0, "{text}");
}

/// A client that records only what the service acknowledged.
#[derive(Default)]
struct Acknowledged {
    started: Vec<String>,
    completed: Vec<(String, u64)>,
}

async fn steady_load(
    base: String,
    token: String,
    client: usize,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Acknowledged {
    let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build().expect("client");
    let mut seen = Acknowledged::default();
    let mut n = 0;
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        n += 1;
        let key = format!("KILL-{client}-{n}");
        let body = json!({"flow": "service_order", "business_key": key, "data": {"customer_name": "負荷太郎", "building_type": "apartment"}});
        let Ok(response) = http.post(format!("{base}/api/v1/orders")).bearer_auth(&token).json(&body).send().await
        else {
            break;
        };
        if response.status().as_u16() == 201 {
            seen.started.push(key);
        }
        let Ok(response) = http.post(format!("{base}/api/v1/tasks/next")).bearer_auth(&token).send().await else {
            break;
        };
        if response.status().as_u16() != 200 {
            continue;
        }
        let Ok(task) = response.json::<Value>().await else { break };
        let (order, instance) =
            (task["order"].as_str().unwrap_or_default().to_string(), task["instance"].as_u64().unwrap_or(0));
        let url = format!("{base}/api/v1/orders/{order}/tasks/{instance}/complete");
        let Ok(response) = http.post(url).bearer_auth(&token).json(&json!({})).send().await else { break };
        if response.status().as_u16() == 204 {
            seen.completed.push((order, instance));
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_killed_under_load_keeps_every_acknowledged_change_once() {
    let db = sqlite_db("kill");
    run(&["users", "add", "op", "--role", "operator"], &db, None);
    let token = run(&["tokens", "create", "op"], &db, None).lines().last().expect("token").to_string();
    let flows = workspace().join("runner/tests/service/flows").display().to_string();
    let env = [("JUNRO_FLOWS", flows.as_str())];
    let server = Server::start(&db, &env);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> =
        (0..8).map(|c| tokio::spawn(steady_load(server.base.clone(), token.clone(), c, stop.clone()))).collect();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    server.signal("KILL");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut acknowledged = Acknowledged::default();
    for client in clients {
        let seen = client.await.expect("client");
        acknowledged.started.extend(seen.started);
        acknowledged.completed.extend(seen.completed);
    }
    drop(server);
    assert!(acknowledged.started.len() >= 10, "the load ran: {} starts", acknowledged.started.len());

    let server = Server::start(&db, &env);
    let http = reqwest::Client::new();
    let get = |path: String| {
        let (http, base, token) = (http.clone(), server.base.clone(), token.clone());
        async move {
            http.get(format!("{base}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("answer")
                .json::<Value>()
                .await
                .expect("JSON")
        }
    };
    for key in &acknowledged.started {
        let page = get(format!("/api/v1/orders?business_key={key}")).await;
        assert_eq!(page["orders"].as_array().map(Vec::len), Some(1), "acknowledged order {key} is there once");
    }
    for (order, instance) in &acknowledged.completed {
        let detail = get(format!("/api/v1/orders/{order}")).await;
        let completions = detail["history"]
            .as_array()
            .expect("history")
            .iter()
            .filter(|h| h["event"]["event"] == "task_completed" && h["event"]["instance"] == *instance)
            .count();
        assert_eq!(completions, 1, "acknowledged completion {order}#{instance} is there once: {detail}");
    }
    eprintln!(
        "{} starts and {} completions acknowledged before SIGKILL, all there once",
        acknowledged.started.len(),
        acknowledged.completed.len()
    );
}

/// POSTs a webhook receiver got: the delivery key of each, and whether it was answered. The
/// first is left unanswered, as a receiver that hangs.
type Posts = std::sync::Arc<std::sync::Mutex<Vec<(String, bool)>>>;

async fn hanging_receiver() -> (String, Posts) {
    let posts: Posts = Posts::default();
    let kept = posts.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let kept = kept.clone();
            async move {
                let key = headers.get("x-junro-delivery").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                let first = {
                    let mut all = kept.lock().expect("lock");
                    let first = all.is_empty();
                    all.push((key, !first));
                    first
                };
                if first {
                    std::future::pending::<()>().await;
                }
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, posts)
}

/// Waits up to `seconds` for `done`.
async fn until(seconds: u64, what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "{what} did not happen in {seconds} s");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A `junro serve` killed while its mail server and its webhook's receiver are taking a
/// send-back's notice (neither has answered yet), then started again: the notice reaches each
/// once it answers, as the same mail (one Message-ID) and the same POST (one delivery key), so
/// the person sees it once; their inbox and the order's history hold it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_killed_mid_delivery_delivers_each_notification_once_after_restart() {
    use crate::smtp_sink::{Secure, Tries, header, secure_sink};
    let db = sqlite_db("delivery-kill");
    run(&["users", "add", "op", "--role", "operator", "--email", "op@example.jp"], &db, None);
    run(&["users", "add", "back", "--role", "reviewer"], &db, None);
    let op = run(&["tokens", "create", "op"], &db, None).lines().last().expect("token").to_string();
    let back = run(&["tokens", "create", "back"], &db, None).lines().last().expect("token").to_string();
    let (port, mails, _) = secure_sink(Tries { stalls: 1, refusals: 0 }, Secure::Plain).await;
    let (hook, posts) = hanging_receiver().await;
    let flows = workspace().join("runner/tests/service/flows").display().to_string();
    let smtp = format!("127.0.0.1:{port}");
    let env = [
        ("JUNRO_FLOWS", flows.as_str()),
        ("JUNRO_SMTP", smtp.as_str()),
        ("JUNRO_MAIL_FROM", "junro@example.jp"),
        ("JUNRO_WEBHOOK_URL", hook.as_str()),
        ("JUNRO_WEBHOOK_SECRET", "s"),
        // A try may take 2 s: a delivery claimed by the killed process is free again 6 s later.
        ("JUNRO_NOTIFY_TIMEOUT_MS", "2000"),
        ("JUNRO_NOTIFY_RETRY_MS", "100"),
    ];
    let server = Server::start(&db, &env);
    let http = reqwest::Client::new();
    let call = |base: &str, method: reqwest::Method, path: &str, token: &str, body: Option<Value>| {
        let request = http.request(method, format!("{base}{path}")).bearer_auth(token);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        async move {
            let response = request.send().await.expect("an answer");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let post = reqwest::Method::POST;
    let start = json!({"flow": "service_order", "business_key": "ORD-KD-1",
        "data": {"customer_name": "山田太郎", "building_type": "house"}});
    let (status, order) = call(&server.base, post.clone(), "/api/v1/orders", &op, Some(start)).await;
    assert_eq!(status, 201, "{order}");
    let id = order["id"].as_str().expect("an id").to_string();
    let (_, task) = call(&server.base, post.clone(), "/api/v1/tasks/next", &op, None).await;
    let complete = format!("/api/v1/orders/{id}/tasks/{}/complete", task["instance"]);
    let (status, _) = call(&server.base, post.clone(), &complete, &op, Some(json!({"data": {}}))).await;
    assert_eq!(status, 204);
    let (_, review) = call(&server.base, post.clone(), "/api/v1/tasks/next", &back, None).await;
    let send_back = format!("/api/v1/orders/{id}/tasks/{}/send-back", review["instance"]);
    let reason = json!({"to": "intake", "reason": "住所を確認してください"});
    let (status, _) = call(&server.base, post.clone(), &send_back, &back, Some(reason)).await;
    assert_eq!(status, 204);

    // Both receivers have the notice and have not answered: the process dies now.
    until(10, "the first tries", || !mails.lock().expect("lock").is_empty() && !posts.lock().expect("lock").is_empty())
        .await;
    server.signal("KILL");
    drop(server);

    let server = Server::start(&db, &env);
    until(20, "the deliveries after the restart", || {
        mails.lock().expect("lock").iter().any(|m| m.answered) && posts.lock().expect("lock").iter().any(|p| p.1)
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mails = mails.lock().expect("lock").clone();
    assert_eq!(
        mails.iter().map(|m| m.answered).collect::<Vec<_>>(),
        vec![false, true],
        "taken once, after the restart"
    );
    assert_eq!(mails[0].to, vec!["op@example.jp".to_string()]);
    let ids: Vec<String> = mails.iter().map(|m| header(&m.data, "Message-ID")).collect();
    assert!(!ids[0].is_empty() && ids[0] == ids[1], "the same mail both times, shown once: {ids:?}");
    let posts = posts.lock().expect("lock").clone();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(!posts[0].0.is_empty() && posts[0].0 == posts[1].0, "one delivery key, dropped as a repeat: {posts:?}");

    let get = reqwest::Method::GET;
    let (_, inbox) = call(&server.base, get.clone(), "/api/v1/inbox", &op, None).await;
    assert_eq!(inbox["messages"].as_array().map(Vec::len), Some(1), "one message in the inbox: {inbox}");
    let (_, detail) = call(&server.base, get, &format!("/api/v1/orders/{id}"), &back, None).await;
    let line =
        detail["history"].as_array().and_then(|h| h.iter().find(|h| h["event"]["event"] == "sent_back").cloned());
    let sent: Vec<String> = line.expect("the send-back")["sent"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| format!("{} {}", s["to"].as_str().unwrap_or(""), s["channel"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(sent, vec!["op inbox", "op mail", "default webhook"], "each delivery recorded once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_fire_each_timer_and_hand_out_each_job_once() {
    let Some(backend) = Backend::postgres() else { return };
    let db = fresh_database(&backend).await;
    run(&["users", "add", "gateway", "--name", "連携基盤"], &db, None);
    let token = run(&["tokens", "create", "gateway"], &db, None).lines().last().expect("token").to_string();
    let flows = workspace().join("runner/tests/service/flows").display().to_string();
    let env = [("JUNRO_FLOWS", flows.as_str()), ("JUNRO_WORKER_INTERVAL_MS", "50")];
    let servers = [Server::start(&db, &env), Server::start(&db, &env)];
    let http = reqwest::Client::new();
    let post =
        |base: &str, path: &str, body: Value| http.post(format!("{base}{path}")).bearer_auth(&token).json(&body).send();
    const ORDERS: usize = 40;
    for n in 0..ORDERS {
        let body =
            json!({"flow": "service_timer", "business_key": format!("TWO-{n}"), "data": {"customer_name": "二台太郎"}});
        let response = post(&servers[n % 2].base, "/api/v1/orders", body).await.expect("answer");
        assert_eq!(response.status().as_u16(), 201);
    }
    // An external worker fetches from both processes in turn until every order is done.
    let mut fetched = std::collections::BTreeMap::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut round = 0;
    while fetched.len() < ORDERS && std::time::Instant::now() < deadline {
        round += 1;
        let base = &servers[round % 2].base;
        let jobs: Value = post(base, "/api/v1/jobs/fetch", json!({"actions": ["ship_router"], "max": 7}))
            .await
            .expect("answer")
            .json()
            .await
            .expect("JSON");
        for job in jobs.as_array().expect("jobs") {
            let key = (job["order"].as_str().expect("order").to_string(), job["instance"].as_u64().expect("instance"));
            *fetched.entry(key.clone()).or_insert(0) += 1;
            let path = format!("/api/v1/jobs/{}/{}/complete", key.0, key.1);
            let response = post(&servers[(round + 1) % 2].base, &path, json!({"output": {"tracking_no": "T"}}))
                .await
                .expect("answer");
            assert_eq!(response.status().as_u16(), 204, "{:?}", response.text().await);
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    assert_eq!(fetched.len(), ORDERS, "every order's job was handed out");
    assert!(fetched.values().all(|n| *n == 1), "no job was handed out twice: {fetched:?}");
    for n in 0..ORDERS {
        let detail: Value = http
            .get(format!("{}/api/v1/orders/TWO-{n}", servers[n % 2].base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("JSON");
        let history = detail["history"].as_array().expect("history");
        let ended = history.iter().filter(|h| h["event"]["event"] == "wait_ended").count();
        assert_eq!(ended, 1, "the timer fired once: {detail}");
        assert_eq!(detail["order"]["status"], "closed");
    }
}
