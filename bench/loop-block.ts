// Measures how long the host's event loop is blocked while one project's
// handler spins at its CPU limit and another project keeps answering.
// Prints "max event-loop delay <ms> ms".
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pino } from "pino";
import { createRuntime } from "../dist/index.js";
import { connect, pingPong } from "./lib/load.ts";

const root = mkdtempSync(path.join(tmpdir(), "aerostat-loop-"));
for (const [rel, text] of Object.entries({
  "spin/h.js": "exports.onMessage = () => { for (;;) {} };",
  "spin/h.websocket": JSON.stringify({ handler: "spin/h", endpoint: "spin" }),
  "calm/h.js": "exports.onMessage = (m) => m;",
  "calm/h.websocket": JSON.stringify({ handler: "calm/h", endpoint: "calm" }),
})) {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
}
const runtime = createRuntime({ projectRoot: root, port: 0, watch: false, logger: pino({ level: "silent" }) });
await runtime.listen();
const spinner = await connect(runtime.serviceUrl("spin"));
const calm = await connect(runtime.serviceUrl("calm"));
const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
for (let i = 0; i < 3; i++) spinner.send("spin"); // three events at the 1 s limit each
await pingPong([calm], "x", 3500);
histogram.disable();
console.log(`max event-loop delay ${(histogram.max / 1e6).toFixed(2)} ms`);
spinner.terminate();
calm.terminate();
await runtime.close();
rmSync(root, { recursive: true, force: true });
process.exit(0);
