// Bundles the code that runs inside every sandbox context: src/guest/ (the
// prelude) and each capability's guest.ts, into dist/guest/guest.js. The
// script's value is `(hostCall, settingsJson) => internals`. Capabilities are
// found by folder: src/capabilities/<name>/guest.ts.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const capabilitiesDir = path.join(root, "src/capabilities");
const names = readdirSync(capabilitiesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(capabilitiesDir, d.name, "guest.ts")))
  .map((d) => d.name)
  .sort();

const entry = [
  'import { prelude } from "./src/guest/prelude.ts";',
  ...names.map((n, i) => `import c${i} from "./src/capabilities/${n}/guest.ts";`),
  `const bundled = { ${names.map((n, i) => `${JSON.stringify(n)}: c${i}`).join(", ")} };`,
  "export default (hostCall, settingsJson) => prelude(hostCall, settingsJson, bundled);",
].join("\n");

const result = await build({
  stdin: { contents: entry, resolveDir: root, sourcefile: "aerostat-guest-entry.ts", loader: "ts" },
  bundle: true,
  format: "iife",
  globalName: "aerostatGuest",
  platform: "neutral",
  target: "es2024",
  write: false,
  logLevel: "warning",
});
const code = result.outputFiles[0].text;
// A script's value is its last expression: the entry function, with nothing left on the global scope.
const script = `(function () {\n${code}\nreturn aerostatGuest.default;\n})()\n`;
const out = path.join(root, "dist/guest/guest.js");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, script);
console.log(`guest bundle: ${path.relative(root, out)} (${names.join(", ")}), ${script.length} characters`);
