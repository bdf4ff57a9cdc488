// The TextMate grammar, run by the engine VS Code itself uses (vscode-textmate with the
// Oniguruma regular expressions): the sample flow's tokens match `sample.flow.tokens` (bless
// with JUNRO_BLESS=1), every keyword of the flow language (dsl/src/grammar.pest) is
// highlighted, and every comment and text of the example catalogue is highlighted as one.
const fs = require("fs");
const path = require("path");
const assert = require("assert");
const oniguruma = require("vscode-oniguruma");
const textmate = require("vscode-textmate");

const here = __dirname;
const repo = path.join(here, "..", "..", "..");

async function grammar() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async () =>
      textmate.parseRawGrammar(fs.readFileSync(path.join(here, "..", "syntaxes", "junro.tmLanguage.json"), "utf8"), "junro.tmLanguage.json"),
  });
  return registry.loadGrammar("source.junro");
}

// Each line's tokens: `text` and its innermost scope, for the ones the grammar names.
function tokens(junro, text) {
  const out = [];
  let state = textmate.INITIAL;
  text.split("\n").forEach((line, n) => {
    const result = junro.tokenizeLine(line, state);
    for (const t of result.tokens) {
      const scope = t.scopes[t.scopes.length - 1];
      const piece = line.slice(t.startIndex, t.endIndex);
      if (scope !== "source.junro" && piece.trim() !== "") {
        out.push({ line: n + 1, column: t.startIndex + 1, text: piece, scope });
      }
    }
    state = result.ruleStack;
  });
  return out;
}

function flowFiles(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) flowFiles(full, out);
    else if (entry.name.endsWith(".flow")) out.push(full);
  }
  return out;
}

async function main() {
  const junro = await grammar();
  let failures = 0;
  const check = (name, fn) => {
    try {
      fn();
      console.log(`ok - ${name}`);
    } catch (e) {
      failures += 1;
      console.log(`not ok - ${name}\n${e.message}`);
    }
  };

  check("the sample flow's tokens are as expected", () => {
    const sample = fs.readFileSync(path.join(here, "sample.flow"), "utf8");
    const got = tokens(junro, sample).map((t) => `${t.line}:${t.column} ${t.scope} ${t.text}`).join("\n") + "\n";
    const expected = path.join(here, "sample.flow.tokens");
    if (process.env.JUNRO_BLESS) fs.writeFileSync(expected, got);
    assert.strictEqual(got, fs.readFileSync(expected, "utf8"));
  });

  check("every keyword of grammar.pest is highlighted", () => {
    const pest = fs.readFileSync(path.join(repo, "dsl", "src", "grammar.pest"), "utf8");
    const words = new Set();
    for (const line of pest.split("\n")) {
      if (line.trim().startsWith("//")) continue;
      for (const m of line.matchAll(/"([a-z_]{2,})"/g)) words.add(m[1]);
    }
    assert.ok(words.size > 40, `only ${words.size} keywords read from grammar.pest`);
    const plain = [...words].filter((w) => {
      const found = tokens(junro, `  ${w} x`).find((t) => t.text === w);
      return !found;
    });
    assert.deepStrictEqual(plain, [], "keywords the editor shows as plain names");
  });

  check("every comment and text of the example catalogue is highlighted as one", () => {
    const files = flowFiles(path.join(repo, "examples", "flows"));
    assert.ok(files.length > 100, `${files.length} flow files`);
    const wrong = [];
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      for (const t of tokens(junro, text)) {
        const quoted = t.text.startsWith('"') || t.scope.startsWith("string");
        if (t.text.startsWith("#") && !t.scope.startsWith("comment") && !t.scope.startsWith("string")) wrong.push(`${file}:${t.line}:${t.column} ${t.text}`);
        if (quoted && t.scope.startsWith("string") === false) wrong.push(`${file}:${t.line}:${t.column} ${t.text}`);
      }
    }
    assert.deepStrictEqual(wrong.slice(0, 10), []);
  });

  if (failures > 0) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
