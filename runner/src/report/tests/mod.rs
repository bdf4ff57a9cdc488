//! What a user of each format relies on, checked on reports built by hand.

mod fixture;

use super::{
    Language, OrdersLink, Presentation, ReportFormat, cells, chart_parts, charts, csv_writer::BOM, render, workbook,
    write_report_folder,
};
use calamine::{Data, Reader, Xlsx};
use fixture::{STEP_JA, VENDOR_ESCAPED, VENDOR_JA, month_report, small_report, small_stalled};
use jiff::tz::TimeZone;
use junro_engine::kpi::{KpiReport, View};
use unicode_width::UnicodeWidthStr;

fn tokyo() -> TimeZone {
    TimeZone::get("Asia/Tokyo").expect("the bundled time zone database has Asia/Tokyo")
}

/// In English, as most of these tests read it; the Japanese words have tests of their own.
fn rendered(views: &[View], report: Option<&KpiReport>, format: ReportFormat) -> Vec<u8> {
    rendered_as(views, report, format, &Presentation::in_language(Language::En))
}

fn rendered_as(views: &[View], report: Option<&KpiReport>, format: ReportFormat, how: &Presentation) -> Vec<u8> {
    let mut out = Vec::new();
    render(views, report, format, &tokyo(), how, &mut out).expect("rendering succeeds");
    out
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("UTF-8 output")
}

fn view<'a>(views: &'a [View], id: &str) -> &'a View {
    views.iter().find(|v| v.id == id).expect("the view exists")
}

#[test]
fn people_see_hours_percentages_thousands_and_local_time() {
    let zone = tokyo();
    assert_eq!(cells::thousands(-1_234_567), "-1,234,567");
    assert_eq!(cells::thousands(999), "999");
    assert_eq!(cells::decimal(-0.04, 1), "0.0");
    assert_eq!(cells::decimal(12_345.678, 1), "12,345.7");
    assert_eq!(cells::hours(45_000.0), "12.5");
    assert_eq!(cells::percent(0.7234), "72.3%");
    let report = small_report();
    let views = report.views();
    let orders = view(&views, "orders");
    let received = orders.columns.iter().position(|c| c.key == "received").expect("a received column");
    let one_stop = orders.columns.iter().position(|c| c.key == "one_stop").expect("a one_stop column");
    assert_eq!(cells::human(&orders.rows[0][received], orders.columns[received].unit, &zone), "2026-11-02 10:00");
    assert_eq!(cells::human(&orders.rows[0][one_stop], orders.columns[one_stop].unit, &zone), "no");
    assert_eq!(cells::human(&orders.rows[3][one_stop], orders.columns[one_stop].unit, &zone), "");
}

#[test]
fn csv_has_a_bom_the_keys_as_header_and_japanese_intact() {
    let report = small_report();
    let views = report.views_by("vendor").expect("vendor is a known grouping");
    let csv = text(rendered(&views, Some(&report), ReportFormat::Csv));
    let body = csv.strip_prefix(BOM).expect("CSV starts with the UTF-8 byte-order mark");
    let vendors = view(&views, "vendors");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().expect("a header").iter().map(str::to_string).collect();
    assert_eq!(header, vendors.columns.iter().map(|c| c.key).collect::<Vec<_>>(), "only the first view, by key");
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("valid CSV");
    assert_eq!(rows.len(), 2);
    let field = |row: usize, key: &str| {
        let index = header.iter().position(|h| h == key).expect("the key is a column");
        rows[row][index].to_string()
    };
    assert_eq!(field(0, "vendor"), VENDOR_JA);
    assert_eq!(field(0, "one_stop_rate"), "0.5", "ratios are fractions");
    assert_eq!(field(0, "lead_time_p50_s"), "45000", "seconds are whole numbers");
    assert_eq!(field(0, "target_met"), "false");
    assert_eq!(field(1, "vendor"), VENDOR_ESCAPED, "quotes survive CSV quoting");
    assert_eq!(field(1, "one_stop_rate"), "", "a missing rate is an empty field");
}

#[test]
fn csv_of_orders_has_rfc3339_times_and_whole_second_means() {
    let report = small_report();
    let orders = report.views_by("order").expect("order is a known grouping");
    let csv = text(rendered(&orders, None, ReportFormat::Csv));
    let second_line = csv.lines().nth(1).expect("a first order");
    assert!(second_line.contains(",2026-11-02T10:00:00+09:00,"), "{second_line}");
    assert!(second_line.contains(",45000,"), "{second_line}");
    let steps = [view(&report.views(), "steps").clone()];
    let csv = text(rendered(&steps, None, ReportFormat::Csv));
    // The mean of 3600, 7200 and 36000 seconds is 15600.
    assert!(csv.lines().nth(1).is_some_and(|l| l.contains(",15600,")), "{csv}");
}

#[test]
fn json_is_one_object_of_views_with_numbers_as_numbers() {
    let report = small_report();
    let views = report.views();
    let json = text(rendered(&views, Some(&report), ReportFormat::Json));
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let object = value.as_object().expect("one object");
    assert_eq!(object.len(), views.len());
    let vendors = object["vendors"].as_array().expect("an array of rows");
    assert_eq!(vendors[0]["vendor"], VENDOR_JA);
    assert_eq!(vendors[0]["one_stop_rate"].as_f64(), Some(0.5));
    assert_eq!(vendors[0]["received"].as_u64(), Some(4));
    assert_eq!(vendors[0]["lead_time_p90_s"].as_i64(), Some(90_000));
    assert_eq!(vendors[0]["target_met"], false);
    assert!(vendors[1]["one_stop_rate"].is_null());
    assert_eq!(object["channels"].as_array().map(Vec::len), Some(0), "an empty view is an empty array");
    assert_eq!(object["orders"][0]["received"], "2026-11-02T10:00:00+09:00");
    assert_eq!(object["steps"][0]["label"], STEP_JA);
    // Fields keep the columns' order.
    let first_row = json.lines().find(|l| l.contains("\"vendor\": \"東日本")).expect("the vendor row");
    assert!(first_row.trim_start().starts_with("{\"vendor\": "), "{first_row}");
}

#[test]
fn xlsx_has_a_sheet_per_view_with_real_numbers_and_dates() {
    let report = small_report();
    let views = report.views();
    let bytes = rendered(&views, Some(&report), ReportFormat::Xlsx);
    assert!(bytes.starts_with(b"PK\x03\x04"), "an XLSX file is a zip archive");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a readable workbook");
    assert_eq!(book.sheet_names(), views.iter().map(|v| v.id.to_string()).collect::<Vec<_>>());
    let vendors = book.worksheet_range("vendors").expect("the vendors sheet");
    assert_eq!(vendors.get((0, 0)), Some(&Data::String("Vendor".to_string())), "people's headings");
    assert_eq!(vendors.get((1, 0)), Some(&Data::String(VENDOR_JA.to_string())));
    let rate = view(&views, "vendors").columns.iter().position(|c| c.key == "one_stop_rate").expect("a rate");
    assert_eq!(vendors.get((1, rate)), Some(&Data::Float(0.5)), "a ratio stays a fraction under a % format");
    assert!(matches!(vendors.get((2, rate)), None | Some(Data::Empty)), "a missing rate is a blank cell");
    let orders = book.worksheet_range("orders").expect("the orders sheet");
    let columns = &view(&views, "orders").columns;
    let lead = columns.iter().position(|c| c.key == "lead_time_s").expect("a lead time");
    assert_eq!(orders.get((1, lead)), Some(&Data::Float(12.5)), "seconds become hours");
    let received = columns.iter().position(|c| c.key == "received").expect("a receipt time");
    let Some(Data::DateTime(moment)) = orders.get((1, received)) else {
        panic!("times are Excel dates, not text: {:?}", orders.get((1, received)));
    };
    // 2026-11-02 10:00 in Tokyo is Excel serial day 46328 plus 10/24.
    assert!((moment.as_f64() - (46_328.0 + 10.0 / 24.0)).abs() < 1e-6, "{}", moment.as_f64());
    let channels = book.worksheet_range("channels").expect("an empty view still has its sheet");
    assert_eq!(channels.height(), 1, "only the header row");
}

#[test]
fn sheet_names_fit_excel_and_stay_unique() {
    let long = View { id: "a_view_id_far_longer_than_thirty_one_chars", title: "x", columns: vec![], rows: vec![] };
    let same = View { id: "a_view_id_far_longer_than_thirty_one_chars_too", ..long.clone() };
    let odd = View { id: "what?/why:", ..long.clone() };
    let names = workbook::sheet_names(&[long, same, odd]);
    assert!(names.iter().all(|n| n.chars().count() <= 31), "{names:?}");
    assert_ne!(names[0], names[1]);
    assert_eq!(names[2], "what__why_");
}

/// How many charts the page of `report` holds.
fn chart_count(report: &KpiReport) -> usize {
    // Lead time, where the time goes, one-stop, bottlenecks across flows, over time.
    5 + charts::busiest_flows(report).len()
}

#[test]
fn html_is_self_contained_with_a_chart_each_and_escaped_text() {
    let report = small_report();
    let mut views = report.views();
    views.extend(small_stalled().views());
    let html = text(rendered(&views, Some(&report), ReportFormat::Html));
    assert_eq!(html.matches("<svg").count(), chart_count(&report));
    assert_eq!(chart_count(&report), 6, "one flow has a bottleneck ranking");
    let outside = html
        .replace("http://www.w3.org/2000/svg", "")
        .replace("http://www.w3.org/1999/xlink", "")
        .replace("http://www.xes-standard.org/", "");
    assert!(!outside.contains("http://") && !outside.contains("https://"), "nothing is fetched");
    assert!(!html.contains("<script") && !html.contains("<link"), "no script, no external stylesheet");
    assert!(html.contains("ACME &lt;Partners&gt; &amp; &quot;Co&quot;"), "vendor names are escaped");
    assert!(!html.contains(VENDOR_ESCAPED), "no raw markup from the data");
    assert!(html.contains(STEP_JA) && html.contains(VENDOR_JA), "Japanese text intact");
    assert!(html.contains("<td class=\"num\">12.5</td>"), "hours, right-aligned");
    assert!(html.contains("No rows in this window."), "the empty channels view says so");
    let orders = html.find("<h2>Orders</h2>").expect("an orders section");
    for heading in ["<h2>Summary</h2>", "<h2>Vendors and one-stop</h2>", "<h2>Bottlenecks</h2>", "<h2>Steps</h2>"] {
        assert!(html.find(heading).is_some_and(|at| at < orders), "{heading} before the orders");
    }
    assert!(html.contains("Stalled orders (no event"), "the stalled list is on the page");
}

#[test]
fn html_of_an_empty_window_keeps_every_chart_with_a_message() {
    let mut report = small_report();
    report.orders.clear();
    report.bottlenecks.clear();
    report.bottlenecks_overall.clear();
    report.vendors.clear();
    report.flow_over_time.days.clear();
    let html = text(rendered(&report.views(), Some(&report), ReportFormat::Html));
    assert_eq!(html.matches("<svg").count(), chart_count(&report));
    assert!(html.contains("No order was completed in the window."));
}

#[test]
fn a_flow_with_one_waiting_step_still_gets_its_chart() {
    let mut report = small_report();
    report.bottlenecks.truncate(1);
    let html = text(rendered(&report.views(), Some(&report), ReportFormat::Html));
    assert_eq!(html.matches("<svg").count(), chart_count(&report));
    assert!(html.contains("Waiting share by step in fiber_new"));
}

#[test]
fn a_long_orders_table_is_folded_and_comes_last() {
    let report = month_report();
    let html = text(rendered(&report.views(), Some(&report), ReportFormat::Html));
    assert_eq!(html.matches("<svg").count(), chart_count(&report));
    assert_eq!(chart_count(&report), 8, "three busiest flows have their own chart");
    let details = html.rfind("<details>").expect("a folded table");
    assert!(html[details..].contains("<summary>Orders (640 rows)</summary>"));
}

#[test]
fn every_line_of_a_terminal_table_has_the_same_display_width() {
    let report = small_report();
    let mut views = report.views();
    views.extend(small_stalled().views());
    let out = text(rendered(&views, Some(&report), ReportFormat::Table));
    let blocks: Vec<&str> = out.trim_end().split("\n\n").collect();
    assert_eq!(blocks.len(), views.len(), "one titled table per view");
    for (block, view) in blocks.iter().zip(&views) {
        let mut lines = block.lines();
        assert!(lines.next().is_some_and(|title| title.starts_with(view.title)));
        let widths: Vec<usize> = lines.map(UnicodeWidthStr::width).collect();
        assert!(widths.len() >= 3, "{}: a border, the header and a border at least", view.id);
        assert!(widths.iter().all(|w| *w == widths[0]), "{}: {widths:?}\n{block}", view.id);
    }
    assert!(out.contains(STEP_JA) && out.contains(VENDOR_JA));
    // Numbers are right-aligned: the 2 completed orders of the summary end their cell.
    let summary = blocks[0].lines().nth(4).expect("the summary row, under the title, borders and header");
    assert!(summary.contains(" 2 |"), "{summary}");
}

#[test]
fn the_report_folder_holds_the_page_the_workbook_and_a_csv_per_view() {
    let dir = std::env::var_os("JUNRO_REPORT_SAMPLE_DIR").map_or_else(
        || std::env::temp_dir().join(format!("junro-report-test-{}", std::process::id())),
        std::path::PathBuf::from,
    );
    let report = month_report();
    let stalled = small_stalled();
    let written =
        write_report_folder(&report, Some(&stalled), &dir, &tokyo(), Language::Ja).expect("the folder is written");
    let names: Vec<String> =
        written.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    let mut expected = vec!["kpi.html".to_string(), "kpi.xlsx".to_string()];
    expected.extend(report.views().iter().chain(&stalled.views()).map(|v| format!("kpi-{}.csv", v.id)));
    assert_eq!(names, expected);
    for path in &written {
        let bytes = std::fs::read(path).expect("a written file");
        assert!(!bytes.is_empty(), "{}", path.display());
    }
    let csv = std::fs::read_to_string(dir.join("kpi-stalled.csv")).expect("the stalled list");
    assert!(csv.starts_with(BOM) && csv.contains(STEP_JA));
    if std::env::var_os("JUNRO_REPORT_SAMPLE_DIR").is_none() {
        std::fs::remove_dir_all(&dir).expect("the temporary folder is removed");
    }
}

#[test]
fn long_chart_labels_lose_their_middle_and_keep_what_tells_them_apart() {
    let name = "株式会社ひかりコミュニケーションズ西日本第3営業所";
    let cut = chart_parts::truncate(name, 24);
    assert!(cut.width() <= 24, "{cut}");
    assert!(cut.starts_with("株式会社") && cut.contains('…') && cut.ends_with("第3営業所"), "{cut}");
    assert_eq!(chart_parts::truncate("受付内容の確認", 24), "受付内容の確認");
}

#[test]
fn the_planned_target_is_drawn_only_when_no_vendor_has_one() {
    let mut report = small_report();
    let html = text(rendered(&report.views(), Some(&report), ReportFormat::Html));
    assert!(!html.contains("planned target"), "a configured target is drawn instead");
    for vendor in &mut report.vendors {
        vendor.target = None;
        vendor.target_met = None;
    }
    let html = text(rendered(&report.views(), Some(&report), ReportFormat::Html));
    assert!(html.contains("planned target 70.0%"));
}

/// A Japanese reader gets every heading, card, column and chart in Japanese; the keys machines
/// read stay as they are (in the headings' `title`).
#[test]
fn the_page_reads_in_japanese_by_default() {
    let report = small_report();
    let mut views = report.views();
    views.extend(small_stalled().views());
    let html = text(rendered_as(&views, Some(&report), ReportFormat::Html, &Presentation::default()));
    assert!(html.contains("<html lang=\"ja\">"));
    for words in [
        "<h1>KPIレポート</h1>",
        "<h2>概要</h2>",
        "<h2>委託先とワンストップ</h2>",
        "<h2>ボトルネック</h2>",
        "受付件数",
        "ワンストップ率",
        "完了した案件のリードタイム",
        "委託先別のワンストップ率",
        "日別の仕掛り（WIP）とスループット",
        "<th class=\"num\" title=\"one_stop_rate\">ワンストップ率</th>",
        "停滞案件（しきい値より長く動きのない案件と障害のある案件）",
        "<td>担当者の対応待ち</td>",
        "<h2>要フォローの案件とタスク</h2>",
        "<td>期限超過</td>",
        "<td>7営業日超</td>",
    ] {
        assert!(html.contains(words), "the page has {words}");
    }
    for english in ["<h2>Summary</h2>", "Lead time of completed orders", "One-stop rate per vendor", "No rows in"] {
        assert!(!html.contains(english), "no English {english:?} left");
    }
    assert!(!html.contains("class=\"behind\""), "a page on its own links nowhere");
}

/// Every view and column the engine makes has Japanese words: a column added to the engine
/// without them would show English in a Japanese report.
#[test]
fn every_view_and_column_has_japanese_words() {
    let report = small_report();
    let mut views = report.views();
    views.extend(small_stalled().views());
    for view in &views {
        assert!(!Language::Ja.view_title(view).is_ascii(), "view {} has a Japanese title", view.id);
        for column in &view.columns {
            let ja = Language::Ja.column_label(column);
            assert!(!ja.is_ascii(), "{}.{} reads {ja:?}", view.id, column.key);
        }
    }
}

/// On the dashboard each vendor's bar, each lead-time column, each day and each waiting step
/// leads to the orders behind it, keeping the report's filters.
#[test]
fn on_the_dashboard_every_bar_links_to_its_orders() {
    let report = small_report();
    let how = Presentation {
        language: Language::Ja,
        orders_link: Some(OrdersLink::new("/dashboard/orders", &[("from", "2026-11-01")])),
    };
    let html = text(rendered_as(&report.views(), Some(&report), ReportFormat::Html, &how));
    let links: Vec<&str> =
        html.split("<a class=\"behind\" href=\"").skip(1).filter_map(|a| a.split('"').next()).collect();
    assert!(links.iter().all(|l| l.starts_with("/dashboard/orders?from=2026-11-01")), "{links:?}");
    assert!(links.iter().any(|l| l.ends_with("&amp;counted=one_stop")), "a vendor's bar: {links:?}");
    assert!(links.iter().any(|l| l.contains("&amp;lead_from=")), "a lead-time column: {links:?}");
    assert!(links.iter().any(|l| l.contains("&amp;received=")), "a day: {links:?}");
    assert!(links.iter().any(|l| l.contains("&amp;step=")), "a waiting step: {links:?}");
    let vendors = report.vendors.len() + 1;
    let days = report.flow_over_time.days.len();
    let steps = report.bottlenecks_overall.len().min(10)
        + charts::busiest_flows(&report)
            .iter()
            .map(|f| report.bottlenecks.iter().filter(|b| b.flow == f.key).count().min(6))
            .sum::<usize>();
    assert!(links.len() > vendors + days + steps, "one link per bar, day and column: {}", links.len());
    assert!(html.contains("target=\"_top\""), "the whole dashboard goes to the list, not the frame");
}

/// "Where the time goes": a bar per scope, each state's share written on it, the key naming
/// every state, and the mean business hours per order beside each bar.
#[test]
fn the_time_chart_splits_each_scope_and_names_every_state() {
    let mut report = small_report();
    report.overall.business_time = junro_engine::kpi::TimeSplit::of(&[3600, 7200, 0, 0, 1800, 0, 0, 0, 0]);
    report.overall.closed = 3;
    let svg = super::time_chart::where_time_goes(&report, Language::Ja).expect("drawn");
    for name in super::time_chart::names(Language::Ja) {
        assert!(svg.contains(name), "{name}");
    }
    assert!(svg.contains("全体") && svg.contains("平均 1.2 営業時間・3件"), "{svg}");
    assert!(svg.contains("57.1%"), "queued is 7200 of 12600: {svg}");
    assert!(svg.contains(VENDOR_JA), "each vendor has a bar");
}

/// "Why not one-stop" sits with the vendors, and the page names the rule to revisit with the
/// backtest command that tries a change of it.
#[test]
fn the_page_names_the_rule_that_sends_the_most_orders_to_the_back_office() {
    let report = small_report();
    let html =
        text(rendered_as(&report.views(), Some(&report), ReportFormat::Html, &Presentation::in_language(Language::Ja)));
    assert!(html.contains("ワンストップにならなかった理由"), "the table's title");
    assert!(html.contains("ルール <code>area_ok</code>（1件）"), "the rule named");
    assert!(html.contains("<code>junro backtest --rule area_ok --from …</code>"), "the command");
    let vendors = html.find("委託先とワンストップ").expect("the vendors section");
    let reason = html.find("route: !area_ok(area) → ").expect("the reason");
    assert!(reason > vendors, "in the vendors' section");
}
