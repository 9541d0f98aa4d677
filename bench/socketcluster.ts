// aerostat's socketcluster endpoint against socketcluster-server 20, both
// driven by the stock socketcluster-client, alternated round by round under
// the same load.
//
//   npm run bench -- --socketcluster            3 rounds (about 2.5 minutes), writes bench-results/socketcluster.json
//   npm run bench -- --socketcluster --smoke    proves it runs (10 callers, 100 subscribers, half a second each)
//   npm run bench -- --socketcluster --rounds 5 --clients 100 --receivers 1000 --seconds 5 --window 4
//
// - aerostat: `aerostat serve` on a project with one socketcluster endpoint
//   whose sandboxed handler is `exports.onInvoke = (procedure, data) => data`
//   (the per-event CPU limit on, as by default), clientPublish on.
// - socketcluster-server: bench/socketcluster-peer.ts, a procedure "echo"
//   answering its data, client publish allowed, no middleware.
// Two loads, one after the other, on each side:
// 1. invoke-echo: `--clients` sockets each invoke "echo" (64 bytes) and await
//    the answer, again and again, for `--seconds`: calls/s and latency.
// 2. fan-out: `--receivers` sockets subscribed to one channel, one more socket
//    publishing on it (transmitPublish, 64 bytes with its send time) with
//    `--window` publications in flight (lib/fanout.ts): deliveries/s and
//    publish → receipt latency.
// Each server is its own process pinned to core 0, this driver to core 1.
// Ratios are aerostat ÷ socketcluster-server within one round; the table shows
// the median over rounds.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { booleanFlag, numberFlag } from "./lib/args.ts";
import { fanout, warmUp } from "./lib/fanout.ts";
import { invokeLoop, scCloseAll, scConnectMany, scFleet, type ScTarget } from "./lib/sc-load.ts";
import { cpuMicros, REPO, startProcess, type ServerProcess } from "./lib/server-process.ts";
import { median, percentile, round } from "./lib/stats.ts";
import { TARGETS, type Figure, type SocketClusterReport } from "./targets.ts";

const smoke = booleanFlag("smoke");
const rounds = smoke ? 1 : numberFlag("rounds", 3);
const clients = smoke ? 10 : numberFlag("clients", 100);
const receivers = smoke ? 100 : numberFlag("receivers", 1000);
const seconds = smoke ? 0.5 : numberFlag("seconds", 5);
const window = numberFlag("window", 4);
const pinned = availableParallelism() >= 2;
const serverCore = pinned ? 0 : undefined;
if (pinned) execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });

const ENDPOINT_PATH = "/websockets/v4/service/sc";
const PAYLOAD = "x".repeat(64);
const CHANNEL = "fan";

// The aerostat project: one socketcluster endpoint echoing every procedure's data; clients may publish.
const root = mkdtempSync(path.join(tmpdir(), "aerostat-sc-"));
mkdirSync(path.join(root, "sc"));
writeFileSync(path.join(root, "sc/sc.js"), "exports.onInvoke = (procedure, data) => data;\n");
writeFileSync(
  path.join(root, "sc/sc.websocket"),
  JSON.stringify({ handler: "sc/sc", endpoint: "sc", protocol: "socketcluster", socketcluster: { clientPublish: true }, maxSessions: 20_000 }),
);

type Kind = "aerostat" | "socketcluster";

function start(kind: Kind): Promise<ServerProcess> {
  if (kind === "socketcluster") return startProcess("bench/socketcluster-peer.ts", [ENDPOINT_PATH], /socketcluster-server at http:\/\/127\.0\.0\.1:(\d+)\//, { core: serverCore });
  return startProcess("dist/cli/main.js", ["serve", root, "--port", "0", "--log-format", "json"], /serving .* at http:\/\/127\.0\.0\.1:(\d+)\//, {
    core: serverCore,
    env: { AEROSTAT_LOG_LEVEL: "warn" },
  });
}

/** invoke-echo: calls/s, latency, and CPU per call on both sides. */
async function invokeEcho(target: ScTarget, pid: number): Promise<Record<string, number>> {
  const sockets = await scConnectMany(target, clients);
  try {
    await invokeLoop(sockets, "echo", PAYLOAD, smoke ? 200 : 1000); // warm the code paths
    const server0 = cpuMicros(pid);
    const load0 = process.cpuUsage();
    const t0 = performance.now();
    const times = await invokeLoop(sockets, "echo", PAYLOAD, seconds * 1000);
    const elapsed = performance.now() - t0;
    const load = process.cpuUsage(load0);
    const serverCpu = cpuMicros(pid) - server0;
    return {
      callsPerSec: times.length / (elapsed / 1000),
      invokeP50ms: percentile(times, 50),
      invokeP99ms: percentile(times, 99),
      serverCpuMicrosPerCall: serverCpu / times.length,
      invokeLoadCpuPct: ((load.user + load.system) / 1000 / elapsed) * 100,
    };
  } finally {
    scCloseAll(sockets);
  }
}

/** Publish fan-out: deliveries/s, latency, CPU per delivery on both sides. */
async function publishFanout(target: ScTarget, pid: number): Promise<Record<string, number>> {
  const fleet = await scFleet(target, receivers, CHANNEL);
  try {
    await warmUp(fleet);
    await fanout(fleet, { seconds: smoke ? 0.2 : 1, window }); // warm the code paths
    const server0 = cpuMicros(pid);
    const r = await fanout(fleet, { seconds, window });
    const serverCpu = cpuMicros(pid) - server0;
    return {
      deliveriesPerSec: r.deliveriesPerSec,
      fanoutP50ms: r.p50ms,
      fanoutP99ms: r.p99ms,
      serverCpuMicrosPerDelivery: serverCpu / r.deliveries,
      fanoutLoadCpuPct: r.loadCpuPct,
      publications: r.messages,
      lost: r.lost,
    };
  } finally {
    await fleet.close();
  }
}

async function measure(kind: Kind): Promise<Record<string, number>> {
  const server = await start(kind);
  try {
    const target = { port: server.port, path: ENDPOINT_PATH };
    const pid = server.child.pid!;
    return { ...(await invokeEcho(target, pid)), ...(await publishFanout(target, pid)) };
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
  }
}

const perRound: Record<Kind, Record<string, number>>[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    const result = {} as Record<Kind, Record<string, number>>;
    for (const kind of ["aerostat", "socketcluster"] as Kind[]) {
      result[kind] = await measure(kind);
      console.error(`round ${r + 1}/${rounds} ${kind}: ${JSON.stringify(result[kind], (_k, v) => (typeof v === "number" ? round(v, 3) : v))}`);
    }
    perRound.push(result);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const labels: Record<string, string> = {
  callsPerSec: `invoke-echo calls/s (${clients} sockets, 1 call in flight each)`,
  invokeP50ms: "invoke-echo round trip p50 (ms)",
  invokeP99ms: "invoke-echo round trip p99 (ms)",
  serverCpuMicrosPerCall: "server CPU µs per call",
  invokeLoadCpuPct: "driver CPU during invoke-echo (% of its core)",
  deliveriesPerSec: `fan-out deliveries/s (${receivers} subscribers, ${window} publications in flight)`,
  fanoutP50ms: "fan-out publish → receipt p50 (ms)",
  fanoutP99ms: "fan-out publish → receipt p99 (ms)",
  serverCpuMicrosPerDelivery: "server CPU µs per delivery",
  fanoutLoadCpuPct: "driver CPU during fan-out (% of its core)",
  publications: "publications in the measured fan-out",
  lost: "deliveries lost",
};
const figures: Record<string, Figure> = {};
for (const name of Object.keys(labels)) {
  const both = (k: Kind) => median(perRound.map((r) => r[k][name]!));
  const ratios = perRound.map((r) => r.aerostat[name]! / r.socketcluster[name]!).filter(Number.isFinite);
  figures[`sc.${name}`] = { aerostat: both("aerostat"), socketcluster: both("socketcluster"), ...(ratios.length ? { ratio: median(ratios) } : {}) };
}

const report: SocketClusterReport = { when: new Date().toISOString(), smoke, rounds, pinned, node: process.version, clients, receivers, seconds, window, figures };
mkdirSync(path.join(REPO, "bench-results"), { recursive: true });
const file = path.join(REPO, smoke ? "bench-results/socketcluster-smoke.json" : "bench-results/socketcluster.json");
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);

const fmt = (v: number | undefined) => (v === undefined ? "" : round(v, v < 10 ? 2 : 0).toLocaleString("en-US"));
console.log(`socketcluster: ${clients} invoking sockets, ${receivers} subscribers, ${seconds} s per load, ${rounds} round(s)`);
console.log(`| figure | aerostat | socketcluster-server | ratio | target |`);
console.log(`| --- | ---: | ---: | ---: | --- |`);
for (const name of Object.keys(labels)) {
  const f = figures[`sc.${name}`]!;
  const target = TARGETS.find((t) => t.figure === `sc.${name}`);
  console.log(`| ${labels[name]} | ${fmt(f.aerostat)} | ${fmt(f.socketcluster)} | ${f.ratio === undefined ? "" : `${round(f.ratio, 2)}×`} | ${target?.text ?? ""} |`);
}
console.log(`\nwritten to ${path.relative(REPO, file)}${smoke ? " (smoke run: figures are not comparable)" : ""}`);
