// A/B of two builds of aerostat under the same load, alternating rounds:
// the checkout this runs in (B) against another checkout (A), e.g. the commit
// before a change, built in its own folder.
//
//   git worktree add ../aerostat-base <rev> && (cd ../aerostat-base && npm ci && npm run build)
//   npm run bench:ab -- --base ../aerostat-base --rounds 5
//
// Each round starts A then B (pinned to core 0; the load runs on core 1) and
// measures server CPU per message under pipelined load, the one-connection
// ping-pong p50, and RSS per idle connection (what a second set of idle
// connections adds, after a first set took up what earlier load left). Ratios are B ÷ A within a round;
// the report gives every round's ratio and their median.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { numberFlag, stringFlag } from "./lib/args.ts";
import { closeAll, connect, connectMany, latencySummary, pingPong, pipelined } from "./lib/load.ts";
import { cpuMicros, REPO, rssMb, startProcess, type ServerProcess } from "./lib/server-process.ts";
import { median, round } from "./lib/stats.ts";

const baseDir = stringFlag("base");
if (!baseDir) {
  console.error("usage: npm run bench:ab -- --base <another aerostat checkout, built> [--rounds 5] [--seconds 3]");
  process.exit(2);
}
const rounds = numberFlag("rounds", 5);
const seconds = numberFlag("seconds", 3);
const idleConnections = numberFlag("idle", 3000);
const pinned = availableParallelism() >= 2;
if (pinned) execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const root = mkdtempSync(path.join(tmpdir(), "aerostat-ab-"));
mkdirSync(path.join(root, "echo"));
writeFileSync(path.join(root, "echo/echo.js"), "exports.onMessage = (message) => message;\n");
writeFileSync(path.join(root, "echo/echo.websocket"), JSON.stringify({ handler: "echo/echo", endpoint: "echo", maxSessions: 20_000 }));

const builds = { A: path.resolve(baseDir), B: REPO } as const;
type Build = keyof typeof builds;

function start(build: Build): Promise<ServerProcess> {
  const cli = path.join(builds[build], "dist/cli/main.js");
  return startProcess(cli, ["serve", root, "--port", "0", "--log-format", "json"], /serving .* at http:\/\/127\.0\.0\.1:(\d+)\//, {
    core: pinned ? 0 : undefined,
    env: { AEROSTAT_LOG_LEVEL: "warn" },
  });
}

async function measure(server: ServerProcess): Promise<Record<string, number>> {
  const url = `ws://127.0.0.1:${server.port}/websockets/v4/service/echo`;
  const pid = server.child.pid!;
  const conns = await connectMany(url, 32);
  await pipelined(conns, 32, "x".repeat(64), 1000);
  const cpu0 = cpuMicros(pid);
  const echoed = await pipelined(conns, 32, "x".repeat(64), seconds * 1000);
  const cpuMicrosPerMsg = (cpuMicros(pid) - cpu0) / echoed;
  await closeAll(conns);
  const one = [await connect(url)];
  await pingPong(one, "x".repeat(64), 500);
  const p50ms1 = latencySummary(await pingPong(one, "x".repeat(64), seconds * 1000)).p50;
  await closeAll(one);
  // The marginal cost: a first set of idle connections takes up memory the earlier load left committed,
  // and a second set of the same size is what RSS grows by per connection.
  const first = await connectMany(url, idleConnections, 500);
  await sleep(1000);
  const before = rssMb(pid);
  const second = await connectMany(url, idleConnections, 500);
  await sleep(1000);
  const rssKbPerIdleConn = ((rssMb(pid) - before) * 1024) / idleConnections;
  await closeAll(first);
  await closeAll(second);
  return { cpuMicrosPerMsg, p50ms1, rssKbPerIdleConn, msgsPerSec: echoed / seconds };
}

const ratios: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  const got = {} as Record<Build, Record<string, number>>;
  for (const build of ["A", "B"] as Build[]) {
    const server = await start(build);
    try {
      got[build] = await measure(server);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }
  for (const k of Object.keys(got.B)) (ratios[k] ??= []).push(got.B[k]! / got.A[k]!);
  console.error(`round ${r + 1}/${rounds}: A ${JSON.stringify(got.A, (_k, v) => (typeof v === "number" ? round(v, 3) : v))}`);
  console.error(`round ${r + 1}/${rounds}: B ${JSON.stringify(got.B, (_k, v) => (typeof v === "number" ? round(v, 3) : v))}`);
}
rmSync(root, { recursive: true, force: true });
console.log(`B (${REPO}) ÷ A (${builds.A}), ${rounds} alternating rounds:`);
for (const [k, list] of Object.entries(ratios)) {
  console.log(`  ${k.padEnd(18)} median ${round(median(list), 3)}  rounds ${list.map((v) => round(v, 2)).join(", ")}`);
}
