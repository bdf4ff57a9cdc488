//! `junro bench lsp`: the language server as an editor meets it. The server runs in this
//! process on an in-memory connection (the same `serve` as `junro lsp`, without the pipe);
//! a catalogue flow is opened with the catalogue as the workspace, then timed: an edit until
//! its diagnostics arrive, a hover, a completion, and the uses and rename of a role that
//! every flow imports (the whole workspace read and searched).

use anyhow::{Context as _, bail};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Options of `junro bench lsp`.
#[derive(clap::Args)]
pub(crate) struct LspBench {
    /// The workspace folder (the editor's open folder).
    #[arg(long, default_value = "examples/flows")]
    folder: PathBuf,
    /// The flow opened and edited, inside the folder.
    #[arg(long, default_value = "fiber_home/fiber_home_new_web.flow")]
    file: PathBuf,
    /// Timed rounds of each request (after a warm-up); the median is reported.
    #[arg(long, default_value_t = 21)]
    rounds: usize,
}

/// The editor's side of the connection.
struct Editor {
    connection: Connection,
    next: i32,
}

impl Editor {
    fn request(&mut self, method: &str, params: Value) -> anyhow::Result<Value> {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.connection.sender.send(Message::Request(Request::new(id.clone(), method.into(), params)))?;
        loop {
            match self.connection.receiver.recv()? {
                Message::Response(r) if r.id == id => {
                    if let Some(error) = r.error {
                        bail!("{method}: {}", error.message);
                    }
                    return Ok(r.result.unwrap_or(Value::Null));
                }
                _ => {}
            }
        }
    }

    fn notify(&self, method: &str, params: Value) -> anyhow::Result<()> {
        self.connection.sender.send(Message::Notification(Notification::new(method.into(), params)))?;
        Ok(())
    }

    /// Waits for the diagnostics of `uri`; returns how many there are.
    fn diagnostics(&self, uri: &str) -> anyhow::Result<usize> {
        loop {
            if let Message::Notification(n) = self.connection.receiver.recv()?
                && n.method == "textDocument/publishDiagnostics"
                && n.params["uri"] == uri
            {
                return Ok(n.params["diagnostics"].as_array().map_or(0, Vec::len));
            }
        }
    }
}

/// The median of `rounds` runs of `f` after one warm-up run.
fn median(rounds: usize, mut f: impl FnMut(usize) -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    f(0)?;
    let mut times = Vec::with_capacity(rounds);
    for round in 1..=rounds {
        let started = Instant::now();
        f(round)?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// The LSP position (line, column) of the first `needle` in `text`, at its `skip`-th byte.
fn position_of(text: &str, needle: &str, skip: usize) -> Option<Value> {
    let at = text.find(needle)? + skip;
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    Some(json!({"line": line, "character": text[start..at].encode_utf16().count()}))
}

pub(crate) fn run(options: LspBench) -> anyhow::Result<ExitCode> {
    let folder = std::fs::canonicalize(&options.folder).with_context(|| format!("{}", options.folder.display()))?;
    let path = folder.join(&options.file);
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let uri = lsp_types::Url::from_file_path(&path).map_err(|()| anyhow::anyhow!("not a path"))?.to_string();
    let root = lsp_types::Url::from_directory_path(&folder).map_err(|()| anyhow::anyhow!("not a folder"))?.to_string();
    let rounds = options.rounds.max(1);

    let (server, client) = Connection::memory();
    let serving = std::thread::spawn(move || crate::lsp::serve(&server));
    let mut editor = Editor { connection: client, next: 0 };
    editor.request("initialize", json!({"processId": null, "rootUri": root, "capabilities": {}}))?;
    editor.notify("initialized", json!({}))?;
    let open = json!({"textDocument": {"uri": uri, "languageId": "junro", "version": 0, "text": text}});
    editor.notify("textDocument/didOpen", open)?;
    let found = editor.diagnostics(&uri)?;

    let edit = median(rounds, |round| {
        // Each edit changes the text (a comment line), as typing does.
        let edited = format!("{text}# edit {round}\n");
        let change = json!({"textDocument": {"uri": uri, "version": round + 1}, "contentChanges": [{"text": edited}]});
        editor.notify("textDocument/didChange", change)?;
        editor.diagnostics(&uri).map(|_| ())
    })?;
    let role = position_of(&text, "\n    role ", 10).context("the flow has no task with a role")?;
    let step = position_of(&text, "-> ", 4).context("the flow has no `->`")?;
    let at = |position: &Value| json!({"textDocument": {"uri": uri}, "position": position});
    let hover = median(rounds, |_| editor.request("textDocument/hover", at(&role)).map(|_| ()))?;
    let completion = median(rounds, |_| editor.request("textDocument/completion", at(&step)).map(|_| ()))?;
    let mut places = 0;
    let mut files = 0;
    let references = median(rounds, |_| {
        let mut params = at(&role);
        params["context"] = json!({"includeDeclaration": true});
        let found = editor.request("textDocument/references", params)?;
        let found = found.as_array().cloned().unwrap_or_default();
        places = found.len();
        files = found.iter().map(|l| l["uri"].to_string()).collect::<std::collections::BTreeSet<_>>().len();
        Ok(())
    })?;
    let rename = median(rounds, |_| {
        let mut params = at(&role);
        params["newName"] = json!("renamed_role");
        editor.request("textDocument/rename", params).map(|_| ())
    })?;
    editor.request("shutdown", Value::Null)?;
    editor.notify("exit", Value::Null)?;
    serving.join().map_err(|_| anyhow::anyhow!("the server panicked"))??;

    let mut out = std::io::stdout().lock();
    writeln!(out, "junro lsp, in process; workspace {}", folder.display())?;
    writeln!(out, "opened {} ({found} diagnostics)", options.file.display())?;
    writeln!(out, "median of {rounds} rounds, release build recommended (cargo run --release -p junro -- bench lsp)")?;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    writeln!(out, "{:<44} {:>8.1} ms", "an edit → its diagnostics", ms(edit))?;
    writeln!(out, "{:<44} {:>8.1} ms", "hover (a role)", ms(hover))?;
    writeln!(out, "{:<44} {:>8.1} ms", "completion after `->`", ms(completion))?;
    writeln!(out, "{:<44} {:>8.1} ms", format!("references of the role ({places} in {files} files)"), ms(references))?;
    writeln!(out, "{:<44} {:>8.1} ms", "rename of the role", ms(rename))?;
    Ok(ExitCode::SUCCESS)
}
