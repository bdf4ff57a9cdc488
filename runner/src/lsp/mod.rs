//! `junro lsp`: the Language Server Protocol over stdio for `.flow` files, so an editor shows
//! `junro check`'s diagnostics as the analyst types (over the file and everything it imports),
//! formats with `junro fmt`, outlines the flows, goes to a name's definition, says what a name
//! is on hover, completes names in scope, lists and renames a name's uses, and offers the fix
//! a diagnostic names ("did you mean", "write `->`") as a quick fix, and shows a rule's
//! parameters while its arguments are typed. Built on `lsp-server` (rust-analyzer's
//! transport) and `lsp-types`; every request is answered from the texts the editor sent, the
//! imported files read from disk unless open.

mod analysis;
mod completion;
mod signature;
mod workspace;

use analysis::Overlay;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use workspace::Workspace;

/// Why the server stopped.
#[derive(Debug, thiserror::Error)]
pub enum LspError {
    /// The editor's connection broke or sent something not JSON-RPC.
    #[error("the editor's connection: {0}")]
    Protocol(String),
}

/// Runs the server on stdin and stdout until the editor shuts it down.
pub fn run_stdio() -> Result<(), LspError> {
    let (connection, threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    threads.join().map_err(|e| LspError::Protocol(e.to_string()))
}

/// What the server offers.
fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(lsp::TextDocumentSyncKind::FULL)),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        signature_help_provider: Some(lsp::SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            ..lsp::SignatureHelpOptions::default()
        }),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![">".into(), " ".into(), "\"".into()]),
            ..lsp::CompletionOptions::default()
        }),
        ..lsp::ServerCapabilities::default()
    }
}

/// Serves one editor on `connection`: the initialize handshake, then requests and
/// notifications until `shutdown` and `exit`.
pub fn serve(connection: &Connection) -> Result<(), LspError> {
    let protocol = |e: &dyn std::fmt::Display| LspError::Protocol(e.to_string());
    let caps = serde_json::to_value(capabilities()).map_err(|e| protocol(&e))?;
    let init = connection.initialize(caps).map_err(|e| protocol(&e))?;
    let workspace = Workspace::from_initialize(&init);
    let mut open = Overlay::new();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request).map_err(|e| protocol(&e))? {
                    return Ok(());
                }
                let response = answer(&workspace, &open, request);
                connection.sender.send(Message::Response(response)).map_err(|e| protocol(&e))?;
            }
            Message::Notification(notification) => {
                let Some(changed) = track(&mut open, notification) else { continue };
                if changed.closed {
                    clear(connection, &changed.path).map_err(|e| protocol(&e))?;
                } else {
                    publish(connection, &open, &changed.path).map_err(|e| protocol(&e))?;
                }
                // Open files that import it see the change too (a renamed role, a new signal).
                if changed.shared {
                    for other in open.keys().filter(|p| **p != changed.path) {
                        publish(connection, &open, other).map_err(|e| protocol(&e))?;
                    }
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// The path of a document's URI (`file:///…`), with `/` separators as programs name files.
fn path_of(uri: &lsp::Url) -> Option<String> {
    uri.to_file_path().ok().map(|p| p.to_string_lossy().replace('\\', "/"))
}

/// A document the editor opened, changed or closed.
struct Changed {
    path: String,
    closed: bool,
    /// It declares what other files import (lanes, roles, signals, actions, tables, rules,
    /// subflows), so the open files may have to be checked again.
    shared: bool,
}

/// Whether a file's text declares anything another file may import.
fn declares_shared(text: &str) -> bool {
    let (m, _) = junro_engine::dsl::parse(text.as_bytes());
    let declarations = [m.lanes.len(), m.roles.len(), m.signals.len(), m.actions.len(), m.tables.len(), m.rules.len()];
    declarations.iter().any(|n| *n > 0) || m.flows.iter().any(|f| f.is_subflow)
}

/// Keeps the open documents' texts; says which document changed.
fn track(open: &mut Overlay, notification: Notification) -> Option<Changed> {
    let (path, text, closed) = match notification.method.as_str() {
        lsp::notification::DidOpenTextDocument::METHOD => {
            let p: lsp::DidOpenTextDocumentParams = serde_json::from_value(notification.params).ok()?;
            (path_of(&p.text_document.uri)?, p.text_document.text, false)
        }
        lsp::notification::DidChangeTextDocument::METHOD => {
            let p: lsp::DidChangeTextDocumentParams = serde_json::from_value(notification.params).ok()?;
            // Whole-document sync: the last change holds the text.
            (path_of(&p.text_document.uri)?, p.content_changes.into_iter().last()?.text, false)
        }
        lsp::notification::DidCloseTextDocument::METHOD => {
            let p: lsp::DidCloseTextDocumentParams = serde_json::from_value(notification.params).ok()?;
            let path = path_of(&p.text_document.uri)?;
            let text = open.remove(&path)?;
            (path, text, true)
        }
        _ => return None,
    };
    // Before and after the change, for a file that stops declaring what others read.
    let shared = declares_shared(&text) || open.get(&path).is_some_and(|before| declares_shared(before));
    if !closed {
        open.insert(path.clone(), text);
    }
    Some(Changed { path, closed, shared })
}

/// Clears the diagnostics of a closed file (the others keep theirs).
fn clear(connection: &Connection, path: &str) -> Result<(), String> {
    let uri = lsp::Url::from_file_path(path).map_err(|()| format!("not a file path: {path}"))?;
    let params = lsp::PublishDiagnosticsParams { uri, diagnostics: Vec::new(), version: None };
    let notification = Notification::new(lsp::notification::PublishDiagnostics::METHOD.to_string(), params);
    connection.sender.send(Message::Notification(notification)).map_err(|e| e.to_string())
}

/// Sends the diagnostics of the file at `path`.
fn publish(connection: &Connection, open: &Overlay, path: &str) -> Result<(), String> {
    let program = analysis::program(path, open);
    let uri = lsp::Url::from_file_path(path).map_err(|()| format!("not a file path: {path}"))?;
    let params =
        lsp::PublishDiagnosticsParams { uri, diagnostics: analysis::diagnostics(&program, path), version: None };
    let notification = Notification::new(lsp::notification::PublishDiagnostics::METHOD.to_string(), params);
    connection.sender.send(Message::Notification(notification)).map_err(|e| e.to_string())
}

/// The answer to one request; a request the server does not know gets "method not found".
fn answer(workspace: &Workspace, open: &Overlay, request: Request) -> Response {
    let id = request.id.clone();
    let result = match request.method.as_str() {
        lsp::request::Formatting::METHOD => params(request).map(|p: lsp::DocumentFormattingParams| format(open, &p)),
        lsp::request::DocumentSymbolRequest::METHOD => {
            params(request).map(|p: lsp::DocumentSymbolParams| document_symbols(open, &p))
        }
        lsp::request::GotoDefinition::METHOD => {
            params(request).map(|p: lsp::GotoDefinitionParams| definition(open, &p))
        }
        lsp::request::HoverRequest::METHOD => params(request).map(|p: lsp::HoverParams| hover(open, &p)),
        lsp::request::Completion::METHOD => params(request).map(|p: lsp::CompletionParams| completion(open, &p)),
        lsp::request::SignatureHelpRequest::METHOD => {
            params(request).map(|p: lsp::SignatureHelpParams| signature_help(open, &p))
        }
        lsp::request::References::METHOD => {
            params(request).map(|p: lsp::ReferenceParams| references(workspace, open, &p))
        }
        lsp::request::Rename::METHOD => params(request).and_then(|p: lsp::RenameParams| {
            rename(workspace, open, &p)
                .map_err(|why| Response::new_err(id.clone(), ErrorCode::RequestFailed as i32, why))
        }),
        lsp::request::CodeActionRequest::METHOD => params(request).map(|p: lsp::CodeActionParams| code_actions(&p)),
        method => {
            Err(Response::new_err(id.clone(), ErrorCode::MethodNotFound as i32, format!("no such method: {method}")))
        }
    };
    match result {
        Ok(value) => Response::new_ok(id, value),
        Err(error) => error,
    }
}

/// A request's parameters, or the error response for malformed ones.
fn params<P: serde::de::DeserializeOwned>(request: Request) -> Result<P, Response> {
    serde_json::from_value(request.params)
        .map_err(|e| Response::new_err(request.id, ErrorCode::InvalidParams as i32, e.to_string()))
}

/// The open text of a document and its path.
fn document<'o>(open: &'o Overlay, uri: &lsp::Url) -> Option<(String, &'o str)> {
    let path = path_of(uri)?;
    let text = open.get(&path)?.as_str();
    Some((path, text))
}

fn format(open: &Overlay, p: &lsp::DocumentFormattingParams) -> serde_json::Value {
    let Some((_, text)) = document(open, &p.text_document.uri) else { return serde_json::Value::Null };
    // A file with syntax errors is left alone, as `junro fmt` leaves it.
    let Ok(formatted) = junro_engine::dsl::format::format(text.as_bytes()) else { return serde_json::json!([]) };
    if formatted == text {
        return serde_json::json!([]);
    }
    let whole = lsp::Range::new(lsp::Position::new(0, 0), analysis::position(text, text.len()));
    serde_json::to_value(vec![lsp::TextEdit::new(whole, formatted)]).unwrap_or_default()
}

fn document_symbols(open: &Overlay, p: &lsp::DocumentSymbolParams) -> serde_json::Value {
    let Some((_, text)) = document(open, &p.text_document.uri) else { return serde_json::Value::Null };
    let (module, _) = junro_engine::dsl::parse(text.as_bytes());
    serde_json::to_value(lsp::DocumentSymbolResponse::Nested(analysis::symbols(text, &module))).unwrap_or_default()
}

/// The name under the cursor and where it is defined.
fn located(
    open: &Overlay,
    at: &lsp::TextDocumentPositionParams,
) -> Option<(junro_engine::dsl::Program, String, usize, String)> {
    let (path, text) = document(open, &at.text_document.uri)?;
    let offset = analysis::offset(text, at.position);
    // Off a word (an import's path), only the path's file is found.
    let word = analysis::word_at(text, offset).map(|(w, _)| w).unwrap_or_default();
    Some((analysis::program(&path, open), path, offset, word))
}

fn definition(open: &Overlay, p: &lsp::GotoDefinitionParams) -> serde_json::Value {
    let Some((program, path, offset, word)) = located(open, &p.text_document_position_params) else {
        return serde_json::Value::Null;
    };
    let Some(found) = analysis::definition(&program, &path, &word, offset) else { return serde_json::Value::Null };
    let Some(file) = program.file(found.path) else { return serde_json::Value::Null };
    let Ok(uri) = lsp::Url::from_file_path(found.path) else { return serde_json::Value::Null };
    let location = lsp::Location::new(uri, analysis::range(&file.text, found.span));
    serde_json::to_value(lsp::GotoDefinitionResponse::Scalar(location)).unwrap_or_default()
}

fn hover(open: &Overlay, p: &lsp::HoverParams) -> serde_json::Value {
    let Some((program, path, offset, word)) = located(open, &p.text_document_position_params) else {
        return serde_json::Value::Null;
    };
    let Some(found) = analysis::definition(&program, &path, &word, offset) else { return serde_json::Value::Null };
    let contents = lsp::HoverContents::Markup(lsp::MarkupContent {
        kind: lsp::MarkupKind::Markdown,
        value: if found.doc.is_empty() {
            format!("```junro\n{}\n```", found.summary)
        } else {
            format!("```junro\n{}\n```\n\n{}", found.summary, found.doc)
        },
    });
    serde_json::to_value(lsp::Hover { contents, range: None }).unwrap_or_default()
}

fn completion(open: &Overlay, p: &lsp::CompletionParams) -> serde_json::Value {
    let at = &p.text_document_position;
    let Some((path, text)) = document(open, &at.text_document.uri) else { return serde_json::Value::Null };
    let offset = analysis::offset(text, at.position);
    let program = analysis::program(&path, open);
    serde_json::to_value(lsp::CompletionResponse::Array(completion::completions(&program, &path, offset)))
        .unwrap_or_default()
}

fn signature_help(open: &Overlay, p: &lsp::SignatureHelpParams) -> serde_json::Value {
    let at = &p.text_document_position_params;
    let Some((path, text)) = document(open, &at.text_document.uri) else { return serde_json::Value::Null };
    let Some((name, active)) = signature::call_at(text, analysis::offset(text, at.position)) else {
        return serde_json::Value::Null;
    };
    let program = analysis::program(&path, open);
    signature::help(&program, &name, active)
        .map_or(serde_json::Value::Null, |h| serde_json::to_value(h).unwrap_or_default())
}

/// Every place the name under the cursor is written across the workspace, as locations.
/// `own` is the document's program (it and its imports), when the caller has it already.
fn places(
    workspace: &Workspace,
    open: &Overlay,
    at: &lsp::TextDocumentPositionParams,
    own: Option<junro_engine::dsl::Program>,
) -> Option<Vec<lsp::Location>> {
    let (path, text) = document(open, &at.text_document.uri)?;
    let offset = analysis::offset(text, at.position);
    let (word, _) = analysis::word_at(text, offset)?;
    let own = own.unwrap_or_else(|| analysis::program(&path, open));
    let program = if workspace::within_flow(&own, &path, &word, offset) { own } else { workspace.program(&path, open) };
    let found = workspace::references(&program, &path, &word, offset)?;
    Some(
        found
            .into_iter()
            .filter_map(|(file, span)| {
                let text = &program.file(file)?.text;
                Some(lsp::Location::new(lsp::Url::from_file_path(file).ok()?, analysis::range(text, span)))
            })
            .collect(),
    )
}

fn references(workspace: &Workspace, open: &Overlay, p: &lsp::ReferenceParams) -> serde_json::Value {
    places(workspace, open, &p.text_document_position, None)
        .map_or(serde_json::Value::Null, |l| serde_json::to_value(l).unwrap_or_default())
}

/// Renames a step or field within its flow (a subflow's field in the calls that pass it too),
/// or a shared name in every file that reads its definition; refuses a name that is not an
/// identifier or is already taken there.
fn rename(workspace: &Workspace, open: &Overlay, p: &lsp::RenameParams) -> Result<serde_json::Value, String> {
    let name = &p.new_name;
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!("`{name}` is not a name: use letters, digits and `_`, starting with a letter"));
    }
    let at = &p.text_document_position;
    let Some((path, text)) = document(open, &at.text_document.uri) else { return Ok(serde_json::Value::Null) };
    let offset = analysis::offset(text, at.position);
    let program = analysis::program(&path, open);
    let (word, _) = analysis::word_at(text, offset).ok_or("put the cursor on the name to rename")?;
    let renamed = analysis::definition(&program, &path, &word, offset);
    let taken = analysis::definition(&program, &path, name, offset);
    if let (Some(renamed), Some(taken)) = (renamed, taken)
        && renamed.local == taken.local
    {
        return Err(format!("`{name}` is already taken: {}", taken.summary.lines().last().unwrap_or("")));
    }
    let Some(locations) = places(workspace, open, at, Some(program)) else {
        return Err("nothing to rename here: put the cursor on a step, field or declared name".into());
    };
    let mut changes: std::collections::HashMap<lsp::Url, Vec<lsp::TextEdit>> = std::collections::HashMap::new();
    for location in locations {
        changes.entry(location.uri).or_default().push(lsp::TextEdit::new(location.range, name.clone()));
    }
    serde_json::to_value(lsp::WorkspaceEdit { changes: Some(changes), ..lsp::WorkspaceEdit::default() })
        .map_err(|e| e.to_string())
}

/// A quick fix for each diagnostic that says what to write: "did you mean `x`?" and "write
/// `->`" replace what the diagnostic marks.
fn code_actions(p: &lsp::CodeActionParams) -> serde_json::Value {
    let actions: Vec<lsp::CodeActionOrCommand> = p
        .context
        .diagnostics
        .iter()
        .filter_map(|d| {
            let fix = ["did you mean `", "; write `", ", write `"].iter().find_map(|lead| {
                let rest = &d.message[d.message.find(lead)? + lead.len()..];
                Some(rest[..rest.find('`')?].to_string())
            })?;
            let edit = lsp::TextEdit::new(d.range, fix.clone());
            let changes = std::collections::HashMap::from([(p.text_document.uri.clone(), vec![edit])]);
            Some(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: format!("write `{fix}`"),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(lsp::WorkspaceEdit { changes: Some(changes), ..lsp::WorkspaceEdit::default() }),
                is_preferred: Some(true),
                ..lsp::CodeAction::default()
            }))
        })
        .collect();
    serde_json::to_value(actions).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{Overlay, Workspace, answer};
    use lsp_server::{Request, RequestId};
    use serde_json::json;

    /// An analyst typing a catalogue flow from the top: at every stage of the half-written
    /// text, every request at positions all over it (inside words, labels, Japanese text,
    /// past the end) is answered without a panic or an internal error.
    #[test]
    fn every_request_on_a_half_typed_flow_gets_an_answer() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/flows/fiber_home");
        let path = root.join("fiber_home_cancel_phone.flow").canonicalize().expect("the flow");
        let full = std::fs::read_to_string(&path).expect("read");
        let uri = lsp_types::Url::from_file_path(&path).expect("a path").to_string();
        let workspace = Workspace::default();
        let methods = [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/completion",
            "textDocument/references",
            "textDocument/rename",
            "textDocument/formatting",
            "textDocument/documentSymbol",
            "textDocument/signatureHelp",
        ];
        let mut id = 0;
        let cuts: Vec<usize> = (0..full.len()).step_by(full.len() / 4).map(|c| full.floor_char_boundary(c)).collect();
        for cut in cuts.into_iter().chain([full.len()]) {
            let text = &full[..cut];
            let mut open = Overlay::new();
            open.insert(path.to_string_lossy().into_owned(), text.to_string());
            let lines = text.lines().count() as u32;
            for (n, method) in methods.iter().enumerate() {
                let sampled = (0..lines + 2).step_by(11).map(|line| (line, (line * 13 + n as u32 * 5) % 60));
                // Just after the first Japanese character of each line with one (a label, a comment).
                let japanese = text.lines().enumerate().filter_map(|(line, l)| {
                    let before = l.find(|c: char| !c.is_ascii())?;
                    Some((line as u32, l[..before].encode_utf16().count() as u32 + 1))
                });
                for (line, character) in sampled.chain(japanese.step_by(5)) {
                    id += 1;
                    let params = json!({
                        "textDocument": {"uri": uri},
                        "position": {"line": line, "character": character},
                        "context": match *method {
                            "textDocument/completion" => json!({"triggerKind": 1}),
                            "textDocument/signatureHelp" => json!({"triggerKind": 1, "isRetrigger": false}),
                            _ => json!({"includeDeclaration": true}),
                        },
                        "newName": "renamed",
                        "options": {"tabSize": 2, "insertSpaces": true}
                    });
                    let request = Request::new(RequestId::from(id), (*method).to_string(), params);
                    let response = answer(&workspace, &open, request);
                    if let Some(error) = &response.error {
                        // A rename may be refused with a reason; nothing else fails.
                        assert!(
                            *method == "textDocument/rename" && error.code == -32803,
                            "{method} at {line}:{character} of {cut}: {error:?}"
                        );
                    }
                }
            }
        }
    }
}
