// Side-by-side benchmark: aerostat serving a sandboxed echo handler against a
// plain ws echo server, alternated A B A B under the same load, on loopback.
//
//   npm run bench                  full run (about 3 minutes), writes bench-results/bench.json
//   npm run bench -- --smoke       a short run that only proves the bench works
//   npm run bench -- --rounds 3
//   npm run bench -- --cross-node  only the cross-node fan-out against socket.io (cross-node.ts; needs redis-server)
//   npm run bench -- --socketcluster  only the socketcluster endpoint against socketcluster-server (socketcluster.ts)
//
// Servers are pinned to core 0 and this load generator to core 1. Every ratio
// is aerostat ÷ ws within one round; the table shows the median over rounds.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { booleanFlag, numberFlag } from "./lib/args.ts";
import { closeAll, connect, connectMany, latencySummary, pingPong, pipelined, untilReply } from "./lib/load.ts";
import { cpuMicros, REPO, rssMb, startProcess, type ServerProcess } from "./lib/server-process.ts";
import { median, round } from "./lib/stats.ts";
import { TARGETS, type BenchReport, type Figure } from "./targets.ts";

if (booleanFlag("cross-node")) {
  await import("./cross-node.ts");
  process.exit(0);
}
if (booleanFlag("socketcluster")) {
  await import("./socketcluster.ts");
  process.exit(0);
}

const smoke = booleanFlag("smoke");
const rounds = smoke ? 1 : numberFlag("rounds", 3);
const seconds = smoke ? 0.5 : 3;
const idleConnections = smoke ? 500 : 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pinned = availableParallelism() >= 2;
if (pinned) execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });

// ---- the aerostat project -------------------------------------------------------
const root = mkdtempSync(path.join(tmpdir(), "aerostat-bench-"));
const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
};
write("echo/echo.js", "exports.onMessage = (message) => message;\n");
write("echo/echo.websocket", JSON.stringify({ handler: "echo/echo", endpoint: "echo", maxSessions: 20_000 }));
write("swap/swap.js", "exports.onMessage = (m) => 'v0:' + m;\n");
// Costs inside a handler, measured by the handler itself (Date.now, summed over repetitions):
// a 1 MiB binary send, and 9,000 sends inside the event against the same after an await.
write(
  "costs/costs.js",
  `exports.onMessage = async (m, c) => {
    if (m === "binary") {
      const bytes = new Uint8Array(1 << 20).fill(7);
      const t0 = Date.now();
      // Three stay under the 4 MiB a session may have unsent.
      for (let i = 0; i < 3; i++) c.send(bytes);
      return JSON.stringify({ binaryMs: (Date.now() - t0) / 3 });
    }
    const t0 = Date.now();
    for (let i = 0; i < 9000; i++) c.send("i");
    const inside = Date.now() - t0;
    await null;
    const t1 = Date.now();
    for (let i = 0; i < 9000; i++) c.send("a");
    return JSON.stringify({ inside, after: Date.now() - t1 });
  };\n`,
);
write("costs/costs.websocket", JSON.stringify({ handler: "costs/costs", endpoint: "costs" }));
write("swap/swap.websocket", JSON.stringify({ handler: "swap/swap", endpoint: "swap" }));

type Kind = "aerostat" | "ws";
const starters: Record<Kind, () => Promise<ServerProcess>> = {
  aerostat: () =>
    startProcess("dist/cli/main.js", ["serve", root, "--port", "0", "--log-format", "json"], /serving .* at http:\/\/127\.0\.0\.1:(\d+)\//, {
      core: pinned ? 0 : undefined,
      env: { AEROSTAT_LOG_LEVEL: "warn" },
    }),
  ws: () => startProcess("bench/ws-echo-server.ts", [], /ws echo at http:\/\/127\.0\.0\.1:(\d+)\//, { core: pinned ? 0 : undefined }),
};

const PAYLOAD = "x".repeat(64);

/** One server through every shared measurement. */
async function measure(server: ServerProcess): Promise<Record<string, number>> {
  const url = `ws://127.0.0.1:${server.port}/websockets/v4/service/echo`;
  const pid = server.child.pid!;
  const out: Record<string, number> = {};

  // Pipelined throughput and server CPU per message.
  const conns = await connectMany(url, 32);
  await pipelined(conns, 32, PAYLOAD, 1000); // warm up
  const cpu0 = cpuMicros(pid);
  const echoed = await pipelined(conns, 32, PAYLOAD, seconds * 1000);
  const cpu1 = cpuMicros(pid);
  out.msgsPerSec = echoed / seconds;
  out.cpuMicrosPerMsg = (cpu1 - cpu0) / echoed;
  await closeAll(conns);

  // Ping-pong with 1 and 1000 connections.
  const one = [await connect(url)];
  const single = latencySummary(await pingPong(one, PAYLOAD, seconds * 1000));
  out.p50ms1 = single.p50;
  out.p99ms1 = single.p99;
  await closeAll(one);
  const many = await connectMany(url, 1000);
  await pingPong(many, PAYLOAD, 500); // warm up
  const thousand = latencySummary(await pingPong(many, PAYLOAD, seconds * 1000));
  out.p50ms1000 = thousand.p50;
  out.p99ms1000 = thousand.p99;
  await closeAll(many);

  // Memory per idle connection.
  await sleep(1000);
  const before = rssMb(pid);
  const idle = await connectMany(url, idleConnections, 500);
  await sleep(1500);
  out.rssKbPerIdleConn = ((rssMb(pid) - before) * 1024) / idleConnections;
  await closeAll(idle);
  return out;
}

/** aerostat only: descriptor dropped → first echo, and handler edited → first new reply. */
async function reloadTimes(server: ServerProcess, round: number): Promise<Record<string, number>> {
  const base = `ws://127.0.0.1:${server.port}/websockets/v4/service/`;
  const cold: number[] = [];
  const hot: number[] = [];
  for (let i = 0; i < (smoke ? 2 : 5); i++) {
    const name = `cold${round}x${i}`;
    write(`${name}/h.js`, "exports.onMessage = (m) => m;\n");
    await sleep(300); // the handler file's own event settles first
    const t0 = performance.now();
    write(`${name}/h.websocket`, JSON.stringify({ handler: `${name}/h`, endpoint: name }));
    cold.push(await untilReply(base + name, "hi", (r) => r === "hi", t0));

    await sleep(300);
    const version = `r${round}i${i}`;
    const t1 = performance.now();
    write("swap/swap.js", `exports.onMessage = (m) => '${version}:' + m;\n`);
    hot.push(await untilReply(base + "swap", "hi", (r) => r === `${version}:hi`, t1));
  }
  return { coldStartMs: median(cold), hotSwapMs: median(hot) };
}

/** aerostat only: what a 1 MiB binary send and sends after an await cost inside the handler. */
async function guestCosts(server: ServerProcess): Promise<Record<string, number>> {
  const ws = await connect(`ws://127.0.0.1:${server.port}/websockets/v4/service/costs`);
  const ask = (text: string) =>
    new Promise<Record<string, number>>((resolve) => {
      const on = (data: Buffer, binary: boolean) => {
        if (binary || !String(data).startsWith("{")) return;
        ws.off("message", on);
        resolve(JSON.parse(String(data)) as Record<string, number>);
      };
      ws.on("message", on);
      ws.send(text);
    });
  const binary: number[] = [];
  let inside = 0;
  let after = 0;
  for (let i = 0; i < (smoke ? 2 : 10); i++) {
    binary.push((await ask("binary")).binaryMs!);
    const sends = await ask("sends");
    inside += sends.inside!;
    after += sends.after!;
  }
  await closeAll([ws]);
  return { binarySendMs: median(binary), lateSendRatio: after / Math.max(1, inside) };
}

/** aerostat only: worst host event-loop delay while another project's handler spins. */
async function loopBlock(): Promise<number> {
  const p = await startProcess("bench/loop-block.ts", [], /max event-loop delay (\d+(?:\.\d+)?) ms/, {
    core: pinned ? 0 : undefined,
    timeoutMs: 60_000,
  });
  const ms = Number(/max event-loop delay (\d+(?:\.\d+)?) ms/.exec(p.output())![1]);
  await p.exited;
  return ms;
}

// ---- run -------------------------------------------------------------------------
const perRound: { aerostat: Record<string, number>; ws: Record<string, number> }[] = [];
for (let r = 0; r < rounds; r++) {
  const result = { aerostat: {}, ws: {} } as (typeof perRound)[number];
  for (const kind of ["aerostat", "ws"] as Kind[]) {
    const server = await starters[kind]();
    try {
      result[kind] = await measure(server);
      if (kind === "aerostat") Object.assign(result[kind], await reloadTimes(server, r), await guestCosts(server));
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
    console.error(`round ${r + 1}/${rounds} ${kind}: ${JSON.stringify(result[kind], (_k, v) => (typeof v === "number" ? round(v, 3) : v))}`);
  }
  perRound.push(result);
}
const loopBlockMs = await loopBlock();
rmSync(root, { recursive: true, force: true });

const shared = ["msgsPerSec", "cpuMicrosPerMsg", "p50ms1", "p99ms1", "p50ms1000", "p99ms1000", "rssKbPerIdleConn"];
const figures: Record<string, Figure> = {};
for (const name of shared) {
  figures[name] = {
    aerostat: median(perRound.map((r) => r.aerostat[name]!)),
    ws: median(perRound.map((r) => r.ws[name]!)),
    ratio: median(perRound.map((r) => r.aerostat[name]! / r.ws[name]!)),
  };
}
figures.extraRssKbPerIdleConn = {
  aerostat: median(perRound.map((r) => r.aerostat.rssKbPerIdleConn! - r.ws.rssKbPerIdleConn!)),
};
figures.coldStartMs = { aerostat: median(perRound.map((r) => r.aerostat.coldStartMs!)) };
figures.hotSwapMs = { aerostat: median(perRound.map((r) => r.aerostat.hotSwapMs!)) };
figures.loopBlockMs = { aerostat: loopBlockMs };
figures.binarySendMs = { aerostat: median(perRound.map((r) => r.aerostat.binarySendMs!)) };
figures.lateSendRatio = { aerostat: median(perRound.map((r) => r.aerostat.lateSendRatio!)) };

const report: BenchReport = {
  when: new Date().toISOString(),
  smoke,
  rounds,
  pinned,
  node: process.version,
  idleConnections,
  figures,
};
mkdirSync(path.join(REPO, "bench-results"), { recursive: true });
const file = path.join(REPO, smoke ? "bench-results/bench-smoke.json" : "bench-results/bench.json");
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);

const labels: Record<string, string> = {
  msgsPerSec: "msgs/s, pipelined (32 conns × 32 in flight)",
  cpuMicrosPerMsg: "server CPU µs per message",
  p50ms1: "ping-pong p50, 1 connection (ms)",
  p99ms1: "ping-pong p99, 1 connection (ms)",
  p50ms1000: "ping-pong p50, 1,000 connections (ms)",
  p99ms1000: "ping-pong p99, 1,000 connections (ms)",
  rssKbPerIdleConn: `RSS per idle connection at ${idleConnections} (KB)`,
  extraRssKbPerIdleConn: "extra RSS per idle connection over ws (KB)",
  coldStartMs: "cold start: descriptor dropped → first echo (ms)",
  hotSwapMs: "hot swap: handler edited → first new reply (ms)",
  loopBlockMs: "host event loop blocked while a handler spins (ms)",
  binarySendMs: "a 1 MiB binary send, inside the handler (ms)",
  lateSendRatio: "9,000 sends after an await ÷ the same inside the event",
};
const fmt = (v: number | undefined) => (v === undefined ? "" : round(v, v < 10 ? 2 : 0).toLocaleString("en-US"));
console.log(`| figure | aerostat | ws | ratio | target |`);
console.log(`| --- | ---: | ---: | ---: | --- |`);
for (const [name, f] of Object.entries(figures)) {
  const target = TARGETS.find((t) => t.figure === name);
  console.log(`| ${labels[name]} | ${fmt(f.aerostat)} | ${fmt(f.ws)} | ${f.ratio === undefined ? "" : `${round(f.ratio, 2)}×`} | ${target?.text ?? ""} |`);
}
console.log(`\nwritten to ${path.relative(REPO, file)}${smoke ? " (smoke run: figures are not comparable)" : ""}`);
