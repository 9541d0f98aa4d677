// Profiles the aerostat server under pipelined echo load with --cpu-prof and
// prints the functions with the most self time.
//
//   npm run profile [-- --seconds 5 --top 25 --ws --pingpong --socketcluster]
//
// --ws profiles the plain ws echo server instead, for comparison; --pingpong
// profiles one connection's round trips instead of pipelined load.
// --socketcluster profiles a socketcluster endpoint (onInvoke echoing its data)
// under 100 socketcluster-client sockets invoking in a loop; with --ws, the
// socketcluster-server peer (bench/socketcluster-peer.ts) under the same load.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { booleanFlag, numberFlag } from "./lib/args.ts";
import { closeAll, connectMany, pingPong, pipelined } from "./lib/load.ts";
import { invokeLoop, scCloseAll, scConnectMany } from "./lib/sc-load.ts";
import { startProcess } from "./lib/server-process.ts";

const seconds = numberFlag("seconds", 5);
const top = numberFlag("top", 25);
const root = mkdtempSync(path.join(tmpdir(), "aerostat-prof-"));
const profDir = mkdtempSync(path.join(tmpdir(), "aerostat-cpuprof-"));
mkdirSync(path.join(root, "echo"));
writeFileSync(path.join(root, "echo/echo.js"), "exports.onMessage = (m) => m;\n");
writeFileSync(path.join(root, "echo/echo.websocket"), JSON.stringify({ handler: "echo/echo", endpoint: "echo" }));
const sc = booleanFlag("socketcluster");
const SC_PATH = "/websockets/v4/service/sc";
mkdirSync(path.join(root, "sc"));
writeFileSync(path.join(root, "sc/sc.js"), "exports.onInvoke = (procedure, data) => data;\n");
writeFileSync(path.join(root, "sc/sc.websocket"), JSON.stringify({ handler: "sc/sc", endpoint: "sc", protocol: "socketcluster" }));

const target = booleanFlag("ws")
  ? sc
    ? ["bench/socketcluster-peer.ts", SC_PATH]
    : ["bench/ws-echo-server.ts"]
  : ["dist/cli/main.js", "serve", root, "--port", "0", "--log-format", "json"];
const server = await startProcess(`--cpu-prof`, [`--cpu-prof-dir=${profDir}`, ...target], /at http:\/\/127\.0\.0\.1:(\d+)\//, {
  env: { AEROSTAT_LOG_LEVEL: "warn" },
});
const single = booleanFlag("pingpong");
let echoed: number;
if (sc) {
  const sockets = await scConnectMany({ port: server.port, path: SC_PATH }, single ? 1 : 100);
  echoed = (await invokeLoop(sockets, "echo", "x".repeat(64), seconds * 1000)).length;
  scCloseAll(sockets);
} else {
  const conns = await connectMany(`ws://127.0.0.1:${server.port}/websockets/v4/service/echo`, single ? 1 : 32);
  echoed = single ? (await pingPong(conns, "x".repeat(64), seconds * 1000)).length : await pipelined(conns, 32, "x".repeat(64), seconds * 1000);
  await closeAll(conns);
}
server.child.kill("SIGINT");
await server.exited;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"))!;
const profile = JSON.parse(readFileSync(path.join(profDir, file), "utf8")) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const n = byId.get(id)!;
  const f = n.callFrame;
  const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : "";
  const key = `${f.functionName || "(anonymous)"} ${where}`.trim();
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
});
console.log(`${echoed} echoes in ${seconds} s (${Math.round(echoed / seconds)} msgs/s); top self time:`);
for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${key}`);
}
rmSync(root, { recursive: true, force: true });
rmSync(profDir, { recursive: true, force: true });
process.exit(0);
