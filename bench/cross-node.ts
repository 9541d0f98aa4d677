// Cross-node fan-out: aerostat nodes A and B (separate processes, Redis engine)
// against two socket.io 4 nodes with @socket.io/redis-adapter, on the same
// private redis-server, alternated round by round under the same load.
//
//   npm run bench -- --cross-node              3 rounds (under 2 minutes), writes bench-results/cross-node.json
//   npm run bench -- --cross-node --smoke      proves it runs (100 sessions, half a second)
//   npm run bench -- --cross-node --rounds 5 --sessions 1000 --seconds 5 --window 4
//
// Each side: 1,000 sessions, half on node A and half on node B; one more
// client publishes through node A; each message goes to every other session
// of the endpoint (aerostat: a sandboxed handler calls broadcast(); socket.io:
// socket.broadcast.emit). Each side publishes for the same number of
// seconds, as fast as its deliveries complete. Servers and Redis are pinned to core 0, this load
// generator (publisher and every receiver) to core 1. Ratios are aerostat ÷
// socket.io within one round; the table shows the median over rounds.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { booleanFlag, numberFlag } from "./lib/args.ts";
import { fanout, warmUp, type FanoutFleet } from "./lib/fanout.ts";
import { socketIoFleet, wsFleet } from "./lib/fanout-fleets.ts";
import { startRedis } from "./lib/redis-server.ts";
import { cpuMicros, REPO, startProcess, type ServerProcess } from "./lib/server-process.ts";
import { median, round } from "./lib/stats.ts";
import { TARGETS, type CrossNodeReport, type Figure } from "./targets.ts";

const smoke = booleanFlag("smoke");
const rounds = smoke ? 1 : numberFlag("rounds", 3);
const sessions = smoke ? 100 : numberFlag("sessions", 1000);
const seconds = smoke ? 0.5 : numberFlag("seconds", 5);
const window = numberFlag("window", 4);
const pinned = availableParallelism() >= 2;
const serverCore = pinned ? 0 : undefined;
if (pinned) execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });

// The aerostat project: every message a session sends goes to every other session of the endpoint, on every node.
const root = mkdtempSync(path.join(tmpdir(), "aerostat-cross-"));
mkdirSync(path.join(root, "fan"));
writeFileSync(
  path.join(root, "fan/fan.js"),
  `const websockets = require("net/v4/websockets");
exports.onMessage = (message, connection) => websockets.broadcast(message, { endpoint: "fan", except: [connection] });
`,
);
writeFileSync(path.join(root, "fan/fan.websocket"), JSON.stringify({ handler: "fan/fan", endpoint: "fan", maxSessions: 20_000 }));

type Kind = "aerostat" | "socketio";
const redis = await startRedis(serverCore);

function startNode(kind: Kind, name: string): Promise<ServerProcess> {
  if (kind === "socketio") return startProcess("bench/socketio-node.ts", [redis.url], /socket\.io node at http:\/\/127\.0\.0\.1:(\d+)\//, { core: serverCore });
  const flags = ["serve", root, "--port", "0", "--engine", "redis", "--redis-url", redis.url, "--node-name", name, "--log-format", "json"];
  return startProcess("dist/cli/main.js", flags, /serving .* at http:\/\/127\.0\.0\.1:(\d+)\//, { core: serverCore, env: { AEROSTAT_LOG_LEVEL: "warn" } });
}

function connectFleet(kind: Kind, [a, b]: ServerProcess[]): Promise<FanoutFleet> {
  if (kind === "socketio") return socketIoFleet(`http://127.0.0.1:${a!.port}`, `http://127.0.0.1:${b!.port}`, sessions);
  const url = (p: ServerProcess) => `ws://127.0.0.1:${p.port}/websockets/v4/service/fan`;
  return wsFleet(url(a!), url(b!), sessions);
}

/** One side of one round: two nodes up, the fleet connected and warmed, then the measured run. */
async function measure(kind: Kind): Promise<Record<string, number>> {
  const started = await Promise.allSettled([startNode(kind, "a"), startNode(kind, "b")]);
  const nodes = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  try {
    for (const s of started) if (s.status === "rejected") throw s.reason;
    const fleet = await connectFleet(kind, nodes);
    try {
      await warmUp(fleet);
      await fanout(fleet, { seconds: smoke ? 0.2 : 1, window }); // warm the code paths
      const pids = [...nodes.map((n) => n.child.pid!), redis.child.pid!];
      const cpu = () => pids.map(cpuMicros);
      const before = cpu();
      const r = await fanout(fleet, { seconds, window });
      const after = cpu();
      const [a, b, rd] = after.map((v, i) => v - before[i]!) as [number, number, number];
      return {
        deliveriesPerSec: r.deliveriesPerSec,
        p50ms: r.p50ms,
        p99ms: r.p99ms,
        serverCpuMicrosPerDelivery: (a + b) / r.deliveries,
        redisCpuMicrosPerMessage: rd / r.messages,
        messages: r.messages,
        loadCpuPct: r.loadCpuPct,
        loadCpuMicrosPerDelivery: r.loadCpuMicrosPerDelivery,
        lost: r.lost,
      };
    } finally {
      await fleet.close();
    }
  } finally {
    for (const n of nodes) n.child.kill("SIGTERM");
    await Promise.all(nodes.map((n) => n.exited));
  }
}

const perRound: Record<Kind, Record<string, number>>[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    const result = {} as Record<Kind, Record<string, number>>;
    for (const kind of ["aerostat", "socketio"] as Kind[]) {
      result[kind] = await measure(kind);
      console.error(`round ${r + 1}/${rounds} ${kind}: ${JSON.stringify(result[kind], (_k, v) => (typeof v === "number" ? round(v, 3) : v))}`);
    }
    perRound.push(result);
  }
} finally {
  await redis.stop();
  rmSync(root, { recursive: true, force: true });
}

const names = ["deliveriesPerSec", "p50ms", "p99ms", "serverCpuMicrosPerDelivery", "redisCpuMicrosPerMessage", "loadCpuPct", "loadCpuMicrosPerDelivery", "messages", "lost"];
const figures: Record<string, Figure> = {};
for (const name of names) {
  const both = (k: Kind) => median(perRound.map((r) => r[k][name]!));
  const ratios = perRound.map((r) => r.aerostat[name]! / r.socketio[name]!).filter(Number.isFinite);
  figures[`crossNode.${name}`] = { aerostat: both("aerostat"), socketio: both("socketio"), ...(ratios.length ? { ratio: median(ratios) } : {}) };
}

const report: CrossNodeReport = { when: new Date().toISOString(), smoke, rounds, pinned, node: process.version, sessions, seconds, window, figures };
mkdirSync(path.join(REPO, "bench-results"), { recursive: true });
const file = path.join(REPO, smoke ? "bench-results/cross-node-smoke.json" : "bench-results/cross-node.json");
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);

const labels: Record<string, string> = {
  deliveriesPerSec: "deliveries/s",
  p50ms: "publish → receipt p50 (ms)",
  p99ms: "publish → receipt p99 (ms)",
  serverCpuMicrosPerDelivery: "CPU µs per delivery, both nodes",
  redisCpuMicrosPerMessage: "Redis CPU µs per published message",
  loadCpuPct: "load generator CPU (% of its core)",
  loadCpuMicrosPerDelivery: "load generator CPU µs per delivery (the clients' side)",
  messages: "messages published in the measured run",
  lost: "deliveries lost",
};
const fmt = (v: number | undefined) => (v === undefined ? "" : round(v, v < 10 ? 2 : 0).toLocaleString("en-US"));
console.log(`cross-node fan-out: ${sessions} sessions over 2 nodes, ${seconds} s of publishing, ${window} in flight, ${rounds} round(s)`);
console.log(`| figure | aerostat | socket.io + redis-adapter | ratio | target |`);
console.log(`| --- | ---: | ---: | ---: | --- |`);
for (const name of names) {
  const f = figures[`crossNode.${name}`]!;
  const target = TARGETS.find((t) => t.figure === `crossNode.${name}`);
  console.log(`| ${labels[name]} | ${fmt(f.aerostat)} | ${fmt(f.socketio)} | ${f.ratio === undefined ? "" : `${round(f.ratio, 2)}×`} | ${target?.text ?? ""} |`);
}
console.log(`\nwritten to ${path.relative(REPO, file)}${smoke ? " (smoke run: figures are not comparable)" : ""}`);
