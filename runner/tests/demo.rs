//! `junro demo` as a user runs it: a few simulated days into a fresh SQLite file, a summary that
//! names the three vendors and closed orders, the same month again for the same seed, a
//! database that already holds orders refused, and the people told by mail as the days go.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "service/smtp_sink.rs"]
mod smtp_sink;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn temp_db(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("junro-demo-test-{}-{name}.db", std::process::id()));
    remove_db(&path);
    path
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn demo(db: &Path, extra: &[&str]) -> Output {
    let url = format!("sqlite:{}", db.display());
    Command::new(env!("CARGO_BIN_EXE_junro"))
        .args(["demo", "--db", &url, "--days", "3", "--seed", "7", "--quiet"])
        .args(extra)
        .current_dir(root())
        .output()
        .expect("junro runs")
}

/// The part of the output that depends only on the seed: from the order counts to where the
/// report was written (a path beside the database, which differs).
fn figures(stdout: &str) -> String {
    let lines: Vec<&str> =
        stdout.lines().skip_while(|l| !l.starts_with("Orders:")).take_while(|l| !l.starts_with("KPI report")).collect();
    lines.join("\n")
}

fn junro(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_junro")).args(args).current_dir(root()).output().expect("junro runs")
}

/// The report folder `junro demo` writes beside a database file.
fn report_dir(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}-report", db.display().to_string().trim_end_matches(".db")))
}

/// `Orders: N received, M closed, …` → (N, M).
fn counts(stdout: &str) -> (usize, usize) {
    let line = stdout.lines().find(|l| l.starts_with("Orders:")).expect("an Orders: line");
    let numbers: Vec<usize> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
    (numbers[0], numbers[1])
}

#[test]
fn a_short_demo_runs_and_the_same_seed_gives_the_same_month() {
    let (a, b) = (temp_db("a"), temp_db("b"));
    // Both runs at once: two cores, two databases.
    let (first, second) = std::thread::scope(|s| {
        let first = s.spawn(|| demo(&a, &["--print-started"]));
        let second = demo(&b, &[]);
        (first.join().expect("first run"), second)
    });
    for out in [&first, &second] {
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&first.stdout);
    for vendor in ["vendor_a", "vendor_b", "vendor_c", "self-service"] {
        assert!(stdout.lines().any(|l| l.trim_start().starts_with(vendor)), "no line for {vendor}:\n{stdout}");
    }
    // Each vendor's top reason for leaving one-stop: a decision and the back-office step.
    let why = stdout.lines().skip_while(|l| !l.starts_with("Why not one-stop")).skip(1);
    let reasons: Vec<&str> = why.take_while(|l| l.starts_with("  ")).collect();
    assert!(reasons.iter().any(|l| l.trim_start().starts_with("vendor_a") && l.contains(" → ")), "{stdout}");
    let (received, closed) = counts(&stdout);
    assert!(received > 100 && closed > 0, "{stdout}");
    assert!(!stdout.contains("refused"), "{stdout}");

    // Every started order is printed as soon as it is stored.
    let started: Vec<&str> = stdout.lines().filter(|l| l.starts_with("started ")).collect();
    assert_eq!(started.len(), received, "{stdout}");
    assert!(started[0].starts_with("started ORD-20261102-0001 "), "{}", started[0]);

    // The month's KPI report: a page, a workbook and a CSV file per view, named in the output.
    let dir = report_dir(&a);
    assert!(stdout.contains(&format!("{}", dir.join("kpi.html").display())), "{stdout}");
    let html = std::fs::read_to_string(dir.join("kpi.html")).expect("the report page");
    assert!(html.contains("<svg") && html.contains("vendor_a"), "a page with charts and vendors");
    let csv = std::fs::read_to_string(dir.join("kpi-vendors.csv")).expect("the vendors CSV");
    assert!(csv.starts_with('\u{feff}') && csv.contains("one_stop_rate"), "{csv}");
    assert!(std::fs::metadata(dir.join("kpi.xlsx")).expect("the workbook").len() > 1_000);

    // The same seed gives the same month.
    assert_eq!(figures(&stdout), figures(&String::from_utf8_lossy(&second.stdout)));

    // junro kpi and junro stalled read the same database.
    let url = format!("sqlite:{}", a.display());
    let kpi = junro(&["kpi", "--db", &url, "--by", "vendor", "--format", "json"]);
    assert!(kpi.status.success(), "{kpi:?}");
    let json: serde_json::Value = serde_json::from_slice(&kpi.stdout).expect("JSON");
    let vendors = json["vendors"].as_array().expect("a vendors view");
    let received: u64 = vendors.iter().map(|v| v["received"].as_u64().expect("a count")).sum();
    assert_eq!(received as usize, counts(&stdout).0, "every order is some vendor's");
    assert!(vendors.iter().any(|v| v["vendor"] == "vendor_a" && v["target"].as_f64() == Some(0.85)), "{json}");
    let stalled = junro(&["stalled", "--db", &url, "--business-hours", "2"]);
    assert!(stalled.status.success(), "{stalled:?}");
    assert!(String::from_utf8_lossy(&stalled.stdout).contains("orders without an event for over 2 business hours"));
    let xlsx = junro(&["kpi", "--db", &url, "--format", "xlsx"]);
    assert_eq!(xlsx.status.code(), Some(2), "a workbook needs --out");
    let missing = junro(&["kpi", "--db", "sqlite:/nonexistent/junro.db"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no database at"), "{missing:?}");

    // A database that already holds orders is not touched.
    let again = demo(&a, &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds orders"), "{again:?}");
    for db in [&a, &b] {
        remove_db(db);
        let _ = std::fs::remove_dir_all(report_dir(db));
    }
}

/// `junro demo --smtp`: as the simulated days go, people are told by mail (to a sink this test
/// runs) in Japanese, each mail dated at its simulated moment: reminders before due, escalations
/// after, send-backs, and the supervisors' digest at 08:30 on working days only. Reminders come from the second
/// week, when the weekend's web orders wait for Monday. Customers waiting for construction are
/// reminded of its date.
#[test]
fn the_demo_tells_people_by_mail_as_the_days_go() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let (port, taken, _) = runtime.block_on(smtp_sink::sink(0));
    let db = temp_db("smtp");
    let url = format!("sqlite:{}", db.display());
    let out = Command::new(env!("CARGO_BIN_EXE_junro"))
        .args(["demo", "--db", &url, "--days", "15", "--seed", "7", "--quiet", "--smtp", &format!("127.0.0.1:{port}")])
        .current_dir(root())
        .output()
        .expect("junro runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let mails = taken.lock().expect("lock").clone();
    let summary = stdout.lines().find(|l| l.starts_with("Notifications:")).expect("a Notifications: line");
    let subjects: Vec<String> = mails.iter().map(|m| smtp_sink::header(&m.data, "Subject")).collect();
    let of = |start: &str| mails.iter().zip(&subjects).filter(|(_, s)| s.starts_with(start)).collect::<Vec<_>>();
    // Customers of new web fiber orders hear of their construction date the day before.
    let customers = of("【光ホーム 新規申込(Web)】工事予定日のお知らせ");
    assert!(!customers.is_empty(), "{subjects:#?}");
    let people = mails.len() - customers.len();
    let told =
        format!("{people} of them mailed to 127.0.0.1:{port}; {} reminders mailed to customers", customers.len());
    assert!(summary.contains(&told), "{summary}");
    for (mail, _) in &customers {
        assert!(mail.to.iter().all(|to| to.ends_with("@example.jp")), "the order's address: {:?}", mail.to);
        assert!(smtp_sink::text(&mail.data).contains("の工事予定日は 11月"), "{}", smtp_sink::text(&mail.data));
    }

    let reminders = of("[Junro] 催促: 注文");
    assert!(!reminders.is_empty(), "{subjects:#?}");
    assert!(smtp_sink::text(&reminders[0].0.data).contains("の期限が近づいています（期限 11月"), "{subjects:#?}");
    assert!(!of("[Junro] 差戻し: 注文").is_empty(), "{subjects:#?}");
    // A phone intake still open half an hour past due goes to the supervisors.
    let escalations = of("[Junro] エスカレーション: 注文");
    assert!(!escalations.is_empty(), "{subjects:#?}");
    assert!(
        smtp_sink::text(&escalations[0].0.data).contains("「受付入力」が期限を過ぎました（期限 11月"),
        "{subjects:#?}"
    );

    let digests = of("[Junro] 本日の要対応（");
    let mut days: Vec<&str> = digests.iter().filter_map(|(_, s)| s.split('（').nth(1)?.split('（').next()).collect();
    days.sort_unstable();
    days.dedup();
    // From the first morning with work left over, every working day (not the holiday of 3
    // November nor a weekend) up to Monday the 16th.
    let working =
        ["11月10日", "11月11日", "11月12日", "11月13日", "11月16日", "11月4日", "11月5日", "11月6日", "11月9日"];
    assert_eq!(days, working, "{subjects:#?}");
    for (mail, subject) in &digests {
        // 08:30 in Tokyo.
        assert!(smtp_sink::header(&mail.data, "Date").contains(" 23:30:00 +0000"), "{subject}: {}", mail.data);
        let text = smtp_sink::text(&mail.data);
        assert!(text.contains("■ 期限超過・期限間近のタスク") || text.contains("■ 停滞している注文"), "{text}");
        assert!(text.contains("確認・対応はこちら: http://127.0.0.1:8080/stalled"), "{text}");
    }
    let supervisors: std::collections::BTreeSet<String> = digests.iter().flat_map(|(m, _)| m.to.clone()).collect();
    assert!(supervisors.contains("bo-manager1@demo.junro.example"), "{supervisors:?}");
    remove_db(&db);
    let _ = std::fs::remove_dir_all(report_dir(&db));
}
