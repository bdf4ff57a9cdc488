// Starts `junro lsp` for .flow files: the language server gives diagnostics as you type,
// completion, hover, go to definition, the outline and formatting.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("junro").get("path") || "junro";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "junro",
    "Junro flow language",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "junro" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
