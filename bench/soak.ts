// Soak: mixed load on a healthy project while faults are injected into
// others, against the real CLI in a child process, on loopback only.
//
//   npm run soak -- --minutes 2 [--clients 40] [--cpu-limit 1000] [--only bombs,halfopen]
//
// The healthy project (healthy/) is under verified load. faulty/ takes CPU
// loops, memory bombs, throwing handlers, floods, slow readers, oversized and
// malformed frames, half-open handshakes and hot reloads; the attacker folders
// (attacker*/, public/) take the attack shapes of the fault suite (see
// lib/soak-attacks.ts). Injector names for --only: loops, bombs, reloads,
// throws, floods, slow, oversized, malformed, halfopen, errors, links, wasm,
// closed, broadcast, dial, esm, finalization, frames, claims, files, public,
// late, fan, busy, calls, slowload, evilhost (or "none").
//
// Reports host crashes, healthy messages sent and lost, healthy latency (p50,
// p99 and the worst p99 of any 10 s window, target ≤ 50 ms), the server's RSS
// at start, peak and end, the project folders the server disabled, and the
// faults injected. Writes bench-results/soak.json. Exits 1 on a crash, a lost
// healthy message, a dropped healthy session or a disabled healthy project.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { WebSocket } from "ws";
import { booleanFlag, numberFlag, stringFlag } from "./lib/args.ts";
import { ServerLog } from "./lib/server-log.ts";
import { REPO, rssMb, startProcess } from "./lib/server-process.ts";
import { attackerFiles, attackInjectors, desc } from "./lib/soak-attacks.ts";
import { percentile, round } from "./lib/stats.ts";

const minutes = numberFlag("minutes", 1);
const healthyClients = numberFlag("clients", 40);
const cpuLimit = numberFlag("cpu-limit", 1000);
const durationMs = minutes * 60_000;

// ---- the project under test --------------------------------------------------
const root = mkdtempSync(path.join(tmpdir(), "aerostat-soak-"));
const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
};
write("healthy/echo.js", "exports.onMessage = (m) => m;");
write("healthy/echo.websocket", desc("healthy", "healthy/echo", { maxPayload: 4096 }));
const bombSource = (n: number) =>
  `// version ${n}\nexports.onMessage = (m) => { if (m === "bomb") { const a = []; for (;;) a.push(new Array(1e5).fill(1)); } return m; };`;
write("faulty/bomb.js", bombSource(0));
write("faulty/bomb.websocket", desc("bomb", "faulty/bomb"));
write("faulty/loop.js", 'exports.onMessage = (m) => { if (m === "spin") for (;;) {} return m; };');
write("faulty/loop.websocket", desc("loop", "faulty/loop"));
write("faulty/throw.js", "exports.onMessage = (m) => { throw new Error('thrown for ' + m); };");
write("faulty/throw.websocket", desc("throw", "faulty/throw"));
write("faulty/flood.js", "exports.onMessage = (m, c) => { for (let i = 0; i < 5000; i++) c.send('flood ' + i); };");
write("faulty/flood.websocket", desc("flood", "faulty/flood"));
for (const [rel, text] of Object.entries(attackerFiles())) write(rel, text);
/** The project folder whose health the soak checks; every other folder is attacked. */
const HEALTHY = "healthy";

// ---- helpers ------------------------------------------------------------------
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let stopping = false;

function open(url: string): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.once("open", () => resolve(ws));
    ws.once("error", () => resolve(undefined));
    ws.once("unexpected-response", () => resolve(undefined));
  });
}

const faults: Record<string, number> = {};
const observed: Record<string, number> = {};
const anomalies: Record<string, number> = {};
const figures: Record<string, number> = {};
const add = (record: Record<string, number>, name: string, n: number) => (record[name] = (record[name] ?? 0) + n);
/** Injections per 10 s window, to tell which faults ran when latency was worst. */
const windowFaults: Record<string, number>[] = [{}];
const count = (name: string, n = 1) => {
  add(faults, name, n);
  add(windowFaults[windowFaults.length - 1]!, name, n);
};

/** Fault injectors to run: all, or those named by --only (comma-separated). */
const only = stringFlag("only")?.split(",");

/** Repeats a named fault injector every `everyMs` until the soak ends. */
function fault(name: string, everyMs: number, fn: () => Promise<void>): Promise<void> {
  if (only && !only.includes(name)) return Promise.resolve();
  // Attack rounds start spread out, not all in the first second.
  return sleep(Math.random() * Math.min(everyMs, 5000)).then(() => every(everyMs, fn));
}

/** Repeats `fn` every `everyMs` until the soak ends. */
async function every(everyMs: number, fn: () => Promise<void>): Promise<void> {
  while (!stopping) {
    try {
      await fn();
    } catch {
      // a fault injector failing is not the host failing
    }
    await sleep(everyMs);
  }
}

// ---- run ------------------------------------------------------------------------
const server = await startProcess(
  "dist/cli/main.js",
  [
    "serve", root, "--port", "0", "--cpu-limit", String(cpuLimit), "--memory-limit", "64", "--log-format", "json",
    ...(booleanFlag("no-inline-dispatch") ? ["--no-inline-dispatch"] : []),
  ],
  /http:\/\/127\.0\.0\.1:(\d+)\//,
);
const base = `ws://127.0.0.1:${server.port}/websockets/v4/service/`;
let crashed = false;
let exitCode: number | null | undefined;
void server.exited.then((code) => {
  exitCode = code;
  if (!stopping) crashed = true;
});
const log = new ServerLog(server.child.stdout!);
const rssStart = rssMb(server.child.pid!);
// The banner names the dashboard with its token.
let dashboardUrl: string | undefined;
for (let i = 0; i < 100 && !dashboardUrl; i++) {
  dashboardUrl = /dashboard\s+(http\S+)/.exec(server.output())?.[1];
  if (!dashboardUrl) await sleep(50);
}

// Healthy load: each client sends numbered messages and checks every echo.
let sent = 0;
let answered = 0;
let lost = 0;
let healthyDropped = 0;
const windows: number[][] = [[]];
const windowRss: number[] = [0];
const windowTimer = setInterval(() => {
  windows.push([]);
  windowFaults.push({});
  windowRss.push(0);
}, 10_000);

async function healthyClient(id: number): Promise<void> {
  const ws = await open(`${base}healthy`);
  if (!ws) {
    lost++;
    return;
  }
  ws.on("close", () => {
    if (!stopping) healthyDropped++;
  });
  let waiting: ((text: string) => void) | undefined;
  ws.on("message", (data) => waiting?.(data.toString()));
  for (let seq = 0; !stopping && ws.readyState === ws.OPEN; seq++) {
    const text = `${id}:${seq}`;
    const started = performance.now();
    const reply = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 5000);
      waiting = (t) => {
        clearTimeout(timer);
        resolve(t);
      };
      ws.send(text);
      sent++;
    });
    if (reply === text) {
      answered++;
      windows[windows.length - 1]!.push(performance.now() - started);
    } else {
      lost++;
    }
    await sleep(10);
  }
  ws.close();
}

let rssMax = rssStart;
const rssTimer = setInterval(() => {
  try {
    const rss = rssMb(server.child.pid!);
    rssMax = Math.max(rssMax, rss);
    windowRss[windowRss.length - 1] = Math.max(windowRss[windowRss.length - 1]!, rss);
  } catch {
    // the process is gone; the crash check reports it
  }
}, 250);

/** The kernel's high-water mark of the process's resident memory, in MB. */
function peakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  return kb / 1024;
}

const attacks = attackInjectors({
  root,
  port: server.port,
  dashboardUrl,
  log,
  write,
  count,
  observe: (name, n = 1) => add(observed, name, n),
  anomaly: (name, n = 1) => add(anomalies, name, n),
  figure: (name, value) => (figures[name] = Math.max(figures[name] ?? 0, value)),
  fault,
});

const started = Date.now();
const work = [
  ...Array.from({ length: healthyClients }, (_, i) => healthyClient(i)),
  // A handler spinning past its CPU limit.
  fault("loops", 1000, async () => {
    const ws = await open(`${base}loop`);
    ws?.send("spin");
    count("cpu-limit loops");
    await sleep(300);
    ws?.terminate();
  }),
  // A memory bomb that kills its project's isolate.
  fault("bombs", 5000, async () => {
    const ws = await open(`${base}bomb`);
    ws?.send("bomb");
    if (ws) count("memory bombs");
    await sleep(1000);
    ws?.terminate();
  }),
  // Saving the bomb's file (hot reload) also re-enables a project disabled for crashing.
  fault("reloads", 20_000, async () => {
    write("faulty/bomb.js", bombSource(Date.now()));
    count("hot reloads");
  }),
  // A handler that throws on every message.
  fault("throws", 100, async () => {
    const ws = await open(`${base}throw`);
    for (let i = 0; i < 10; i++) ws?.send(`m${i}`);
    count("throwing handler messages", 10);
    await sleep(50);
    ws?.close();
  }),
  // A handler that floods its client with 5000 messages.
  fault("floods", 2000, async () => {
    const ws = await open(`${base}flood`);
    if (!ws) return;
    let got = 0;
    ws.on("message", () => got++);
    ws.send("go");
    await sleep(1500);
    count("flood messages received", got);
    ws.close();
  }),
  // A client that asks for a flood and never reads it.
  fault("slow", 10_000, async () => {
    const ws = await open(`${base}flood`);
    if (!ws) return;
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    ws.send("go");
    count("slow readers");
    await sleep(3000);
    ws.terminate();
  }),
  // Frames over the healthy endpoint's maxPayload (4 KiB), on their own sessions.
  fault("oversized", 1000, async () => {
    const ws = await open(`${base}healthy`);
    ws?.send(Buffer.alloc(8192));
    count("oversized frames");
    await sleep(200);
    ws?.terminate();
  }),
  // Malformed frames after a real handshake.
  fault("malformed", 200, async () => {
    const socket = connect(server.port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write(
      "GET /websockets/v4/service/healthy HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    await sleep(20);
    socket.write(Buffer.from([0x81, 0x05, 1, 2, 3, 4, 5]));
    count("malformed frames");
    await sleep(50);
    socket.destroy();
  }),
  // Connections opened and dropped mid-handshake, 100 at a time.
  fault("halfopen", 1000, async () => {
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        const socket = connect(server.port, "127.0.0.1");
        socket.on("error", () => undefined);
        await new Promise((r) => socket.once("connect", r));
        socket.write("GET /websockets/v4/service/healthy HTTP/1.1\r\nHost: 127.0.0.1\r\nUpg");
        socket.destroy();
      }),
    );
    count("half-open handshakes", 100);
  }),
  ...attacks.work,
];

while (Date.now() - started < durationMs && !crashed) await sleep(250);
stopping = true;
clearInterval(windowTimer);
await Promise.all(work);
await sleep(3000);
const rssEnd = crashed ? 0 : rssMb(server.child.pid!);
const rssPeak = crashed ? rssMax : Math.max(rssMax, peakRssMb(server.child.pid!));
clearInterval(rssTimer);

let shutdownOk = false;
if (!crashed) {
  server.child.kill("SIGTERM");
  const code = await Promise.race([server.exited, sleep(5000).then(() => "timeout" as const)]);
  shutdownOk = code === 0;
  if (code === "timeout") server.child.kill("SIGKILL");
}
attacks.cleanup();
rmSync(root, { recursive: true, force: true });

const all = windows.flat();
const windowP99 = windows.map((w) => (w.length > 0 ? percentile(w, 99) : 0));
const worst = windowP99.indexOf(Math.max(...windowP99));
const disabledProjects = Object.keys(log.disabled).sort();
const healthyDisabled = disabledProjects.includes(HEALTHY);
const report = {
  minutes,
  cpuLimitMs: cpuLimit,
  hostCrashes: crashed ? 1 : 0,
  healthy: {
    clients: healthyClients,
    sent,
    answered,
    lost,
    sessionsDropped: healthyDropped,
    p50ms: round(percentile(all, 50)),
    p99ms: round(percentile(all, 99)),
    worstWindowP99ms: round(Math.max(...windowP99)),
    worstWindowTargetMs: 50,
    worstWindowStartS: worst * 10,
    errorLogLines: log.errorsByProject[HEALTHY] ?? 0,
  },
  rssMb: { start: round(rssStart, 1), peak: round(rssPeak, 1), end: round(rssEnd, 1), sampledMax: round(rssMax, 1) },
  projectsDisabled: disabledProjects,
  sandboxCrashes: log.crashes,
  cleanShutdown: shutdownOk,
  exitCode: crashed ? exitCode : undefined,
  faults,
  observed,
  anomalies,
  figures: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(v, 1)])),
  logCodes: log.codes,
  logProblems: log.problems,
  logLines: log.lines,
  longestLogLine: log.longestLine,
  windows: windows.map((w, i) => ({
    startS: i * 10,
    messages: w.length,
    p99ms: round(windowP99[i]!),
    rssMaxMb: round(windowRss[i]!, 1),
    faults: windowFaults[i] ?? {},
  })),
};
mkdirSync(path.join(REPO, "bench-results"), { recursive: true });
writeFileSync(path.join(REPO, "bench-results/soak.json"), `${JSON.stringify(report, null, 2)}\n`);

const rows: [string, string | number][] = [
  ["duration", `${minutes} min`],
  ["host crashes (must be 0)", report.hostCrashes],
  ["healthy messages sent / answered", `${sent} / ${answered}`],
  ["healthy messages lost (must be 0)", lost],
  ["healthy sessions dropped (must be 0)", healthyDropped],
  ["healthy round trip p50 / p99", `${report.healthy.p50ms} / ${report.healthy.p99ms} ms`],
  [
    "worst 10 s window p99 (target ≤ 50 ms)",
    `${report.healthy.worstWindowP99ms} ms (${report.healthy.worstWindowP99ms <= 50 ? "within" : "OVER"} target; window at ${worst * 10} s)`,
  ],
  ["server RSS start / peak / end", `${report.rssMb.start} / ${report.rssMb.peak} / ${report.rssMb.end} MB`],
  ["projects disabled (healthy must not be)", disabledProjects.length ? disabledProjects.join(", ") : "none"],
  ["sandbox crashes per folder", Object.entries(log.crashes).map(([k, v]) => `${k} ${v}`).join(", ") || "none"],
  ["inline dispatch losses per folder", Object.entries(log.inlineLosses).map(([k, v]) => `${k} ${v}`).join(", ") || "none"],
  ["error log lines naming the healthy project", report.healthy.errorLogLines],
  ["clean shutdown on SIGTERM", shutdownOk ? "yes" : "no"],
  ...Object.entries(faults).map(([k, v]): [string, number] => [`injected: ${k}`, v]),
  ...Object.entries(observed).map(([k, v]): [string, number] => [`seen: ${k}`, v]),
  ...Object.entries(report.figures).map(([k, v]): [string, number] => [`max: ${k}`, v]),
  ...Object.entries(anomalies).map(([k, v]): [string, number] => [`ANOMALY: ${k}`, v]),
];
for (const [k, v] of rows) console.log(`${k.padEnd(48)} ${v}`);
console.log(`\nfaults injected in the worst window (${worst * 10}–${worst * 10 + 10} s): ${JSON.stringify(windowFaults[worst] ?? {})}`);
if (crashed) console.log(`\nserver exited with ${exitCode}; output (tail):\n${server.output().slice(-4000)}`);
process.exit(crashed || lost > 0 || healthyDropped > 0 || healthyDisabled ? 1 : 0);
