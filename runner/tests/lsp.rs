//! `junro lsp` driven as an editor drives it: the `junro` binary over stdin and stdout, JSON-RPC
//! with `Content-Length` headers. A flow that imports its organisation file is opened with a
//! full-width arrow: the diagnostics say so at the right place; fixed, they clear. Then go to
//! definition (a step in the file, a role in the imported file), hover, completion of steps
//! after `->` and of an enum's values after `==`, formatting, the outline, a step's uses, a
//! field renamed in its flow, the quick fix of the typo, and a clean shutdown. A second editor
//! opens a folder of flows: a rule's signature and comment on hover, its definition in the
//! `.rhai` file, signals and actions completed, a role renamed in every file that imports it
//! (and not in a file with a role of the same name of its own), a subflow's field renamed in
//! the calls that pass it, a taken name refused, and an import's path opened.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

const ORG: &str = "lane front \"フロント\" front\nrole operator \"オペレーター\"\n";

const FLOW: &str = r#"import "org.flow"

flow sample "サンプル" {
  data {
    plan "プラン" enum(basic, premium)
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
    when plan == "premium" -> done
    else -> done
  }
  end done "完了" completed
  scenario "基本プラン" {
    given plan = basic
    complete intake
    expect completed
  }
}
"#;

struct Editor {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

impl Editor {
    fn start() -> Editor {
        let mut child = Command::new(env!("CARGO_BIN_EXE_junro"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("junro lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Editor { child, stdin, stdout, next_id: 0 }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("writes");
        self.stdin.flush().expect("flushes");
    }

    fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).expect("a header");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().expect("a length");
            }
        }
        let mut body = vec![0; length];
        self.stdout.read_exact(&mut body).expect("a body");
        serde_json::from_slice(&body).expect("JSON")
    }

    /// A request's result (notifications that come first are skipped).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let message = self.receive();
            if message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri {
                return message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            }
        }
    }
}

fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

#[test]
fn an_editor_gets_diagnostics_definitions_hover_completion_formatting_and_an_outline() {
    let dir = std::env::temp_dir().join(format!("junro-lsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    std::fs::write(dir.join("org.flow"), ORG).expect("written");
    let path = dir.join("sample.flow");
    std::fs::write(&path, FLOW).expect("written");
    let uri = format!("file://{}", path.display());
    let org_uri = format!("file://{}", dir.join("org.flow").display());

    let mut editor = Editor::start();
    let init = editor.request("initialize", json!({"processId": null, "rootUri": null, "capabilities": {}}));
    let caps = &init["capabilities"];
    for provider in ["definitionProvider", "hoverProvider", "documentFormattingProvider", "documentSymbolProvider"] {
        assert_eq!(caps[provider], true, "{provider}: {init}");
    }
    editor.notify("initialized", json!({}));

    // Typed with the input method on: the arrow after `start` is full width.
    let typo = FLOW.replace("start -> intake", "start ー＞ intake");
    editor.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "junro", "version": 1, "text": typo}}),
    );
    let found = editor.diagnostics(&uri);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "E0103");
    assert_eq!(found[0]["range"]["start"], json!({"line": 6, "character": 8}), "{found:?}");
    assert!(found[0]["message"].as_str().is_some_and(|m| m.contains("write `->`")), "{found:?}");

    editor.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": FLOW}]}),
    );
    let fixed = editor.diagnostics(&uri);
    assert!(fixed.is_empty(), "fixed: no diagnostics: {fixed:?}");

    // `-> route` on line 12 goes to the decide step; `role operator` to the imported file.
    let step = editor.request("textDocument/definition", at(&uri, 12, 8));
    assert_eq!((step["uri"].as_str(), step["range"]["start"]["line"].as_u64()), (Some(uri.as_str()), Some(14)));
    let role = editor.request("textDocument/definition", at(&uri, 9, 10));
    assert_eq!((role["uri"].as_str(), role["range"]["start"]["line"].as_u64()), (Some(org_uri.as_str()), Some(1)));

    let hover = editor.request("textDocument/hover", at(&uri, 15, 10));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("field plan \"プラン\" enum(basic, premium)"), "{hover}");

    let after_arrow = editor.request("textDocument/completion", at(&uri, 12, 7));
    let labels: Vec<&str> = after_arrow.as_array().expect("items").iter().filter_map(|i| i["label"].as_str()).collect();
    assert_eq!(labels, ["intake", "route", "done"], "{after_arrow}");
    let values = editor.request("textDocument/completion", at(&uri, 15, 17));
    let labels: Vec<&str> = values.as_array().expect("items").iter().filter_map(|i| i["label"].as_str()).collect();
    assert_eq!(labels, ["basic", "premium"], "{values}");

    let messy = FLOW.replace("    lane front\n", "      lane   front\n");
    editor.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": messy}]}),
    );
    let edits = editor.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits[0]["newText"], FLOW, "{edits}");

    let outline = editor.request("textDocument/documentSymbol", json!({"textDocument": {"uri": uri}}));
    assert_eq!(outline[0]["name"], "sample");
    let children: Vec<&str> =
        outline[0]["children"].as_array().expect("children").iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(children, ["plan", "intake", "route", "done"]);

    // The uses of a step; renaming a field everywhere in its flow; the typo's quick fix.
    editor.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": FLOW}]}),
    );
    let uses = editor.request("textDocument/references", json!({"textDocument": {"uri": uri}, "position": {"line": 12, "character": 8}, "context": {"includeDeclaration": true}}));
    let lines: Vec<u64> =
        uses.as_array().expect("locations").iter().filter_map(|l| l["range"]["start"]["line"].as_u64()).collect();
    assert_eq!(lines, [12, 14], "{uses}");
    let renamed = editor.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": {"line": 15, "character": 10}, "newName": "course"}),
    );
    let edits = renamed["changes"][uri.as_str()].as_array().expect("edits").clone();
    let lines: Vec<u64> = edits.iter().filter_map(|e| e["range"]["start"]["line"].as_u64()).collect();
    assert_eq!(lines, [4, 10, 15, 20], "declaration, form, condition, scenario: {renamed}");
    assert!(edits.iter().all(|e| e["newText"] == "course"));
    let actions = editor.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": found[0]["range"], "context": {"diagnostics": [found[0].clone()]}}),
    );
    assert_eq!(actions[0]["title"], "write `->`", "{actions}");
    assert_eq!(actions[0]["edit"]["changes"][uri.as_str()][0]["newText"], "->", "{actions}");

    editor.request("shutdown", Value::Null);
    editor.notify("exit", Value::Null);
    let status = editor.child.wait().expect("exits");
    assert!(status.success(), "{status}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Files of a small workspace: (name, text).
const WORKSPACE: &[(&str, &str)] = &[
    (
        "org.flow",
        "lane front \"フロント\" front\nlane back \"バックオフィス\" back\nrole operator \"オペレーター\"\nrole clerk \"事務\"\nsignal moved \"転居完了\" customer\naction register_line \"回線登録\"\n",
    ),
    ("rules.flow", "rules \"credit.rhai\" {\n  credit_ok -> boolean\n  example credit_ok(700, 12000) => true\n}\n"),
    (
        "credit.rhai",
        "// The score is good enough for the monthly fee.\n// Expensive plans need 700.\nfn credit_ok(score, fee) {\n    if fee >= 10000 { score >= 700 } else { score >= 600 }\n}\n",
    ),
    (
        "construction.flow",
        r#"import "org.flow"

subflow construction "工事" {
  data {
    address "住所" text required
  }
  start -> arrange
  task arrange "工事手配" {
    lane back
    role clerk
    show address
    sla 1d
    -> done
  }
  end done "完了" completed
}
"#,
    ),
    (
        "order.flow",
        r#"import "org.flow"
import "rules.flow"
import "construction.flow"

flow order "申込" {
  data {
    home "設置先" text required
    score "スコア" integer
    fee "月額" integer
  }
  start -> intake
  task intake "受付" {
    lane front
    role operator
    edit home, score, fee
    sla 1h
    -> check
  }
  decide check "与信" {
    when credit_ok(score, fee) -> build
    else -> review
  }
  task review "審査" {
    lane back
    role clerk
    show score
    sla 4h
    -> build
  }
  call build "工事" {
    flow construction
    in address = home
    -> wait_move
  }
  wait wait_move "転居待ち" {
    on moved -> register
  }
  auto register "登録" {
    action register_line
    -> done
  }
  end done "完了" completed
}
"#,
    ),
    (
        "other/own_org.flow",
        "lane back \"バック\" back\nrole clerk \"別組織の事務\"\n\nflow other \"別\" {\n  start -> work\n  task work \"作業\" {\n    lane back\n    role clerk\n    sla 1h\n    -> done\n  }\n  end done \"完了\" completed\n}\n",
    ),
];

/// The paths (relative to `dir`) and lines of a rename's edits, sorted.
fn edited(renamed: &Value, dir: &std::path::Path) -> Vec<(String, u64)> {
    let prefix = format!("file://{}/", dir.display());
    let mut out: Vec<(String, u64)> = renamed["changes"]
        .as_object()
        .expect("changes")
        .iter()
        .flat_map(|(uri, edits)| {
            let file = uri.strip_prefix(&prefix).unwrap_or(uri).to_string();
            edits
                .as_array()
                .expect("edits")
                .iter()
                .map(move |e| (file.clone(), e["range"]["start"]["line"].as_u64().expect("a line")))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn in_a_folder_an_editor_renames_across_files_and_reads_rules() {
    let dir = std::env::temp_dir().join(format!("junro-lsp-folder-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("other")).expect("a folder");
    for (name, text) in WORKSPACE {
        std::fs::write(dir.join(name), text).expect("written");
    }
    let uri = |name: &str| format!("file://{}", dir.join(name).display());
    let order = uri("order.flow");

    let mut editor = Editor::start();
    editor.request("initialize", json!({"processId": null, "rootUri": uri(""), "capabilities": {}}));
    editor.notify("initialized", json!({}));
    let text = WORKSPACE.iter().find(|(n, _)| *n == "order.flow").expect("order").1;
    editor.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": order, "languageId": "junro", "version": 1, "text": text}}),
    );
    let errors: Vec<Value> = editor.diagnostics(&order).into_iter().filter(|d| d["severity"] == 1).collect();
    assert!(errors.is_empty(), "the workspace is correct: {errors:?}");

    // `credit_ok` in the condition (line 19): its function, comment and example.
    let hover = editor.request("textDocument/hover", at(&order, 19, 12));
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    // The signature and examples as code, the rule's comment as prose.
    let expected = "```junro\nfn credit_ok(score, fee) -> boolean\nexample credit_ok(700, 12000) => true\n```\n\n\
                    The score is good enough for the monthly fee. Expensive plans need 700.";
    assert_eq!(shown, expected, "{hover}");
    let rule = editor.request("textDocument/definition", at(&order, 19, 12));
    assert_eq!(rule["uri"], uri("credit.rhai"), "{rule}");
    assert_eq!(rule["range"]["start"], json!({"line": 2, "character": 3}), "{rule}");

    // Typing the rule's second argument: its parameters, the second marked, and its comment.
    let help = editor.request("textDocument/signatureHelp", at(&order, 19, 25));
    assert_eq!(help["signatures"][0]["label"], "credit_ok(score, fee) -> boolean", "{help}");
    assert_eq!(help["activeParameter"], 1, "{help}");
    let doc = help["signatures"][0]["documentation"].as_str().unwrap_or_default();
    assert!(doc.starts_with("The score is good enough"), "{help}");

    // The import's path opens the file.
    let import = editor.request("textDocument/definition", at(&order, 1, 10));
    assert_eq!(import["uri"], uri("rules.flow"), "{import}");

    // A signal after `on`, an action after `action`, a rule among a condition's names.
    let labels = |items: &Value| -> Vec<String> {
        items.as_array().expect("items").iter().filter_map(|i| i["label"].as_str().map(str::to_string)).collect()
    };
    assert_eq!(labels(&editor.request("textDocument/completion", at(&order, 35, 7))), ["moved"]);
    assert_eq!(labels(&editor.request("textDocument/completion", at(&order, 38, 11))), ["register_line"]);
    assert!(labels(&editor.request("textDocument/completion", at(&order, 19, 9))).contains(&"credit_ok".to_string()));

    // The role `clerk` renamed from its use in order.flow: its declaration and every use in
    // the files that import org.flow; other/own_org.flow declares its own and keeps it.
    let renamed = editor.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": order}, "position": {"line": 24, "character": 10}, "newName": "office_clerk"}),
    );
    assert_eq!(
        edited(&renamed, &dir),
        [("construction.flow".to_string(), 9), ("order.flow".to_string(), 24), ("org.flow".to_string(), 3)],
        "{renamed}"
    );

    // The subflow's field `address`, renamed from the call that passes it.
    let renamed = editor.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": order}, "position": {"line": 31, "character": 8}, "newName": "site"}),
    );
    assert_eq!(
        edited(&renamed, &dir),
        [("construction.flow".to_string(), 4), ("construction.flow".to_string(), 10), ("order.flow".to_string(), 31)],
        "{renamed}"
    );

    // The organisation file edited in the editor (the rename applied there only): the open
    // flow that imports it is checked again and says which role is now missing.
    let org_text = WORKSPACE[0].1;
    let org = uri("org.flow");
    editor.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": org, "languageId": "junro", "version": 1, "text": org_text}}),
    );
    let unchanged: Vec<Value> = editor.diagnostics(&order).into_iter().filter(|d| d["severity"] == 1).collect();
    assert!(unchanged.is_empty(), "opening the imported file changes nothing: {unchanged:?}");
    let renamed_org = org_text.replace("role clerk", "role office_clerk");
    editor.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": org, "version": 2}, "contentChanges": [{"text": renamed_org}]}),
    );
    let stale = editor.diagnostics(&order);
    assert!(stale.iter().any(|d| d["code"] == "E0205" && d["range"]["start"]["line"] == 24), "{stale:?}");
    editor.notify("textDocument/didClose", json!({"textDocument": {"uri": org}}));
    let back: Vec<Value> = editor.diagnostics(&order).into_iter().filter(|d| d["severity"] == 1).collect();
    assert!(back.is_empty(), "closed unsaved, the file on disk counts again: {back:?}");

    // A step renamed to a name its flow already has is refused, with the reason.
    editor.next_id += 1;
    let id = editor.next_id;
    editor.send(&json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/rename",
        "params": {"textDocument": {"uri": order}, "position": {"line": 22, "character": 8}, "newName": "intake"}}));
    let refused = loop {
        let message = editor.receive();
        if message["id"] == id {
            break message;
        }
    };
    let why = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(why.contains("`intake` is already taken"), "{refused}");

    editor.request("shutdown", Value::Null);
    editor.notify("exit", Value::Null);
    assert!(editor.child.wait().expect("exits").success());
    let _ = std::fs::remove_dir_all(&dir);
}
