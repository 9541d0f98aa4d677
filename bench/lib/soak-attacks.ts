// The soak's attacker projects: the attack shapes of the fault suite
// (test/faults/), each repeated on an interval with bounded counts, against
// the real CLI on loopback. Every attacker lives in a folder of its own
// (`attacker*/`, `public/`), so the healthy project shares nothing with them.
import { execFileSync } from "node:child_process";
import { closeSync, constants, existsSync, lstatSync, mkdtempSync, openSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { WebSocket } from "ws";
import type { ServerLog } from "./server-log.ts";
import { handshake, sleep, SoakClient } from "./soak-client.ts";

const MiB = 1024 * 1024;

export const desc = (endpoint: string, handler: string, extra: Record<string, unknown> = {}) => JSON.stringify({ endpoint, handler, ...extra });

/** Files of the attacker projects at startup (relative path → text). */
export function attackerFiles(): Record<string, string> {
  return {
    // attacker/: small attacks that share one isolate.
    "attacker/aecho.js": "exports.onMessage = (m) => 'v0:' + m;",
    "attacker/aecho.websocket": desc("aecho", "attacker/aecho"),
    "attacker/grow.js": `
      const keep = [];
      exports.onMessage = (m) => {
        try {
          if (m === "wasm") {
            const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096 });
            memory.grow(1024);
            keep.push(memory);
          } else if (m === "resizable") {
            const b = new ArrayBuffer(1, { maxByteLength: 256 * 1024 * 1024 });
            b.resize(64 * 1024 * 1024);
            keep.push(b);
          } else {
            const b = new SharedArrayBuffer(1, { maxByteLength: 256 * 1024 * 1024 });
            b.grow(64 * 1024 * 1024);
            keep.push(b);
          }
          return "grew";
        } catch (e) {
          return String(e);
        }
      };`,
    "attacker/grow.websocket": desc("grow", "attacker/grow"),
    "attacker/final.js": `
      exports.onMessage = () => {
        try {
          const registry = new FinalizationRegistry(() => { for (;;) {} });
          for (let i = 0; i < 1000; i++) registry.register({ garbage: new Array(1000).fill(i) }, i);
          return "registered";
        } catch (e) {
          return String(e);
        }
      };`,
    "attacker/final.websocket": desc("final", "attacker/final"),
    "attacker/late.js": `
      exports.onMessage = async (m, c) => {
        if (m === "done") return "done";
        await null;
        if (m === "sends") for (let i = 0; i < 50000; i++) c.send("f" + i);
        if (m === "logs") { const big = "x".repeat(1024 * 1024); for (let i = 0; i < 300; i++) console.log(big); }
      };`,
    "attacker/late.websocket": desc("late", "attacker/late"),
    "attacker/calls.js": `
      const ws = require("net/v4/websockets");
      exports.onMessage = (m) => {
        let n = 0;
        try {
          if (m === "loop") for (;;) { ws.getSessions(); n++; }
          if (m === "dialloop") {
            for (let i = 0; i < 1000; i++) { try { ws.createWebsocket("ws://example.com/" + "a".repeat(5000) + i, "attacker/peer"); } catch { n++; } }
            return "refused " + n;
          }
          return String(ws.getSession("x".repeat(10 * 1024 * 1024)));
        } catch (e) {
          return n + " " + e;
        }
      };`,
    "attacker/calls.websocket": desc("calls", "attacker/calls"),
    "attacker/dial.js": `
      const ws = require("net/v4/websockets");
      exports.onMessage = (m) => {
        try { return "created " + ws.createWebsocket(m, "attacker/peer").id; } catch (e) { return e.name + ": " + e.message; }
      };`,
    "attacker/dial.websocket": desc("dial", "attacker/dial"),
    "attacker/peer.js": "exports.onMessage = () => {};",
    // Huge error texts, thrown from timers.
    "attacker-errors/thrower.js": `
      const huge = "e".repeat(8 * 1024 * 1024);
      exports.onMessage = () => {
        for (let i = 0; i < 8; i++) setTimeout(() => { throw new Error(huge); }, i * 20);
        return "armed";
      };`,
    "attacker-errors/thrower.websocket": desc("errors", "attacker-errors/thrower"),
    // A 30 MiB string sent every 1 ms to a closed session (this version is the stopped one).
    "attacker-closed/flood.js": closedFloodSource(false, 0),
    "attacker-closed/flood.websocket": desc("closed", "attacker-closed/flood"),
    // One 16 MiB broadcast to sessions that do not read.
    "attacker-broadcast/sink.js": "exports.onOpen = () => {};",
    "attacker-broadcast/sink.websocket": desc("sink", "attacker-broadcast/sink"),
    "attacker-broadcast/trigger.js": `exports.onMessage = () => {
      require("net/v4/websockets").broadcast("x".repeat(16 * 1024 * 1024), { endpoint: "sink" });
      return "broadcast";
    };`,
    "attacker-broadcast/trigger.websocket": desc("trigger", "attacker-broadcast/trigger"),
    // 1 MiB frames to a handler that takes 7 ms per message.
    "attacker-frames/slow.js": `exports.onMessage = (m) => { const end = Date.now() + 7; while (Date.now() < end) {} return "ok " + m.length; };`,
    "attacker-frames/slow.websocket": desc("slowframes", "attacker-frames/slow"),
    // A flooding client sharing a handler with a victim; CPU per event in a shared batch.
    "attacker-fan/fan.js": "exports.onMessage = (m, c) => { for (let i = 0; i < 60; i++) c.send(m + ':' + i); };",
    "attacker-fan/fan.websocket": desc("fan", "attacker-fan/fan"),
    "attacker-fan/busy.js": "exports.onMessage = (m) => { const end = Date.now() + Number(m); while (Date.now() < end) {} return 'done ' + m; };",
    "attacker-fan/busy.websocket": desc("busy", "attacker-fan/busy"),
    // A handler and descriptor swapped for FIFOs and for a link out of the root.
    "attacker-files/files.js": FILES_HANDLER,
    "attacker-files/files.websocket": desc("files", "attacker-files/files"),
    // An ES module rewritten to throw an object whose getters spin.
    "attacker-esm/h.mjs": esmSource(0),
    "attacker-esm/h.websocket": desc("esm", "attacker-esm/h.mjs"),
    // Endpoints with slow first loads are added here while serving.
    "attacker-load/notes.txt": "",
    // The claim on the healthy endpoint is written here while serving.
    "attacker-claim/notes.txt": "",
    "public/index.html": "<h1>soak</h1>",
  };
}

const FILES_HANDLER = "exports.onMessage = (m) => 'files:' + m;";

function closedFloodSource(flooding: boolean, version: number): string {
  return flooding
    ? `// version ${version}\nconst big = "x".repeat(30 * 1024 * 1024);\nexports.onOpen = (c) => { setInterval(() => c.send(big), 1); };`
    : `// version ${version}\nexports.onMessage = (m) => m;`;
}

function esmSource(version: number): string {
  return `// version ${version}\nexport function onMessage(m) { return "esm:" + m; }`;
}

const SPINNING_GETTERS = "throw { get message() { for (;;) {} }, get stack() { for (;;) {} }, get name() { for (;;) {} } };\nexport const x = 1;";

export interface AttackContext {
  readonly root: string;
  readonly port: number;
  /** The dashboard URL with its token, from the CLI's banner. */
  readonly dashboardUrl: string | undefined;
  readonly log: ServerLog;
  write(rel: string, text: string): void;
  /** An attack injected. */
  count(name: string, n?: number): void;
  /** An outcome seen (a refusal, a status). */
  observe(name: string, n?: number): void;
  /** Something the host should have refused or survived, and did not. */
  anomaly(name: string, n?: number): void;
  /** Keeps the largest value seen under `name`. */
  figure(name: string, value: number): void;
  /** Repeats a named injector every `everyMs` until the soak ends (unless --only leaves it out). */
  fault(name: string, everyMs: number, fn: () => Promise<void>): Promise<void>;
}

/** Starts every attacker injector; each promise settles when the soak stops. */
export function attackInjectors(ctx: AttackContext): { work: Promise<void>[]; cleanup(): void } {
  const { count, observe, anomaly, figure, fault, log, write } = ctx;
  const file = (rel: string) => path.join(ctx.root, rel);
  const svc = (endpoint: string) => `ws://127.0.0.1:${ctx.port}/websockets/v4/service/${endpoint}`;
  const http = `http://127.0.0.1:${ctx.port}`;
  const reloaded = (rel: string, timeoutMs = 5000) => log.next((l) => String(l.msg).startsWith(`reloaded ${rel} `), timeoutMs);
  const outside = mkdtempSync(path.join(tmpdir(), "aerostat-soak-outside-"));
  writeFileSync(path.join(outside, "evil.js"), "exports.onMessage = () => 'outside code';");
  const fifos = new Set<string>();

  /** Replaces a file atomically: made under a temporary name, then renamed over it. */
  const replace = (rel: string, make: (tmp: string) => void) => {
    const tmp = file(`${rel}.swap${Math.random().toString(36).slice(2)}`);
    make(tmp);
    renameSync(tmp, file(rel));
  };
  /** Opens a writer on a FIFO, so a reader stuck on it would see end of file, and removes it. */
  const releaseFifo = (abs: string) => {
    try {
      closeSync(openSync(abs, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // nobody is reading it
    }
    fifos.delete(abs);
  };
  const isLink = (abs: string) => {
    try {
      return lstatSync(abs).isSymbolicLink();
    } catch {
      return false;
    }
  };
  const unlinkIfLink = (abs: string) => {
    if (isLink(abs)) rmSync(abs);
  };

  let linkVersion = 0;
  let closedVersion = 0;
  let esmVersion = 0;
  let loadVersion = 0;

  const work = [
    // 1. Huge error texts thrown from timers, while a viewer pulls dashboard snapshots.
    fault("errors", 10_000, async () => {
      const c = await SoakClient.connect(svc("errors"));
      if ((await c?.ask("go")) === "armed") count("huge error texts (8 MiB each) thrown from timers", 8);
      await sleep(2000);
      c?.terminate();
    }),
    fault("errors", 0, async () => {
      if (!ctx.dashboardUrl) {
        anomaly("no dashboard URL in the banner");
        await sleep(10_000);
        return;
      }
      const ws = new WebSocket(ctx.dashboardUrl.replace(/^http/, "ws").replace("/websockets/v4/?", "/websockets/v4/dashboard?"));
      ws.on("error", () => undefined);
      ws.on("message", (data) => {
        count("dashboard snapshots pulled");
        figure("largest dashboard snapshot (bytes)", (data as Buffer).length);
      });
      let opened = false;
      ws.once("open", () => (opened = true));
      await sleep(10_000);
      if (!opened) anomaly("dashboard viewer could not open its socket");
      ws.terminate();
    }),
    // 2. A link loop and a link to /usr appear in a served folder; a reload must still be prompt.
    fault("links", 15_000, async () => {
      symlinkSync(".", file("attacker/loop"));
      symlinkSync("/usr", file("attacker/usr"));
      count("links appearing while serving (to . and to /usr)", 2);
      await sleep(1000);
      const tag = `v${++linkVersion}`;
      const c = await SoakClient.connect(svc("aecho"));
      const started = performance.now();
      write("attacker/aecho.js", `exports.onMessage = (m) => '${tag}:' + m;`);
      let seen = false;
      while (c && !seen && performance.now() - started < 10_000) {
        seen = (await c.ask("x", 2000)) === `${tag}:x`;
        if (!seen) await sleep(20);
      }
      if (seen) figure("reload with links in the folder (ms)", performance.now() - started);
      else anomaly("a reload in a folder holding links was not seen within 10 s");
      c?.terminate();
      await sleep(3000);
      unlinkIfLink(file("attacker/loop"));
      unlinkIfLink(file("attacker/usr"));
    }),
    // 3. WebAssembly memories, resizable and growable buffers: refused.
    fault("wasm", 5000, async () => {
      const c = await SoakClient.connect(svc("grow"));
      for (const kind of ["wasm", "resizable", "growable"]) {
        const reply = await c?.ask(kind);
        if (reply === undefined) continue;
        count("WebAssembly memory / resizable buffer attempts");
        if (/^(ReferenceError|TypeError): /.test(reply)) observe("WebAssembly memory / resizable buffer refused");
        else anomaly(`a ${kind} buffer was not refused`);
      }
      c?.terminate();
    }),
    // 4. A timer sends a 30 MiB string every 1 ms to a closed session for 5 s; then the file is rewritten to stop it.
    fault("closed", 25_000, async () => {
      const flooding = reloaded("attacker-closed/flood.js");
      write("attacker-closed/flood.js", closedFloodSource(true, ++closedVersion));
      if (!(await flooding)) return;
      const c = await SoakClient.connect(svc("closed"));
      if (!c) return;
      c.close();
      await sleep(5000);
      count("seconds of 30 MiB sends every 1 ms to a closed session", 5);
      const stopped = reloaded("attacker-closed/flood.js", 10_000);
      write("attacker-closed/flood.js", closedFloodSource(false, ++closedVersion));
      if (!(await stopped)) anomaly("the closed-session flood was not stopped by rewriting its file within 10 s");
    }),
    // 5. One 16 MiB broadcast to 100 sessions that do not read.
    fault("broadcast", 25_000, async () => {
      const sinks: SoakClient[] = [];
      for (let i = 0; i < 100; i += 20) {
        const wave = await Promise.all(Array.from({ length: 20 }, () => SoakClient.connect(svc("sink"))));
        for (const s of wave) if (s) sinks.push(s);
      }
      for (const s of sinks) s.pause();
      const trigger = await SoakClient.connect(svc("trigger"));
      const started = performance.now();
      const reply = await trigger?.ask("go", 30_000);
      if (reply === "broadcast") {
        count("16 MiB broadcasts to 100 paused sessions");
        figure("16 MiB broadcast to 100 paused sessions (ms)", performance.now() - started);
      }
      await sleep(1000);
      trigger?.terminate();
      for (const s of sinks) s.terminate();
    }),
    // 6. A handler opens the dashboard (even with the real token) and other local ports: refused.
    fault("dial", 5000, async () => {
      const port = ctx.port;
      const targets = [
        `ws://127.0.0.1:${port}/websockets/v4/dashboard`,
        `ws://localhost:${port}/websockets/v4/dashboard?token=AAAAAAAAAAAAAAAAAAAAAA`,
        `ws://127.0.0.1:${port}/websockets/v4/service/../dashboard`,
        `ws://127.0.0.1:${port}/`,
        "ws://127.0.0.1:22/",
        "ws://127.0.0.1:6379/",
        "ws://localhost:9229/",
        "ws://[::1]:5432/",
      ];
      if (ctx.dashboardUrl) targets.push(ctx.dashboardUrl.replace(/^http/, "ws").replace("/websockets/v4/?", "/websockets/v4/dashboard?"));
      const c = await SoakClient.connect(svc("dial"));
      for (const target of targets) {
        const reply = await c?.ask(target);
        if (reply === undefined) continue;
        count("createWebsocket to the dashboard or a local port");
        if (/^TypeError: createWebsocket: /.test(reply)) observe("createWebsocket to the dashboard or a local port refused");
        else anomaly(`createWebsocket(${target}) was not refused: ${reply.slice(0, 100)}`);
      }
      c?.terminate();
    }),
    // 7. An ES module rewritten (hot reload) to throw an object whose getters spin.
    fault("esm", 20_000, async () => {
      const failed = log.next((l) => l.code === "AEROSTAT_HANDLER_LOAD" && String(l.msg).startsWith("attacker-esm/h.mjs"), 15_000);
      write("attacker-esm/h.mjs", `// version ${++esmVersion}\n${SPINNING_GETTERS}`);
      count("ES modules with spinning getters on their top-level throw (hot reload)");
      const line = await failed;
      if (line) observe(/CPU limit/.test(String(line.msg)) ? "spinning getters stopped at the CPU limit" : "spinning-getter module refused (other reason)");
      else anomaly("a module whose top-level throw spins was not reported within 15 s");
      const c = await SoakClient.connect(svc("esm"));
      const reply = await c?.ask("x");
      if (reply !== "esm:x") anomaly(`the last good ES module did not keep serving (${reply})`);
      c?.terminate();
      write("attacker-esm/h.mjs", esmSource(++esmVersion));
    }),
    // 8. FinalizationRegistry: refused.
    fault("finalization", 5000, async () => {
      const c = await SoakClient.connect(svc("final"));
      const reply = await c?.ask("go");
      if (reply !== undefined) {
        count("FinalizationRegistry attempts");
        if (/^ReferenceError: FinalizationRegistry/.test(reply)) observe("FinalizationRegistry refused");
        else anomaly(`FinalizationRegistry was not refused: ${reply}`);
      }
      c?.terminate();
    }),
    // 9. 100 frames of 1 MiB to a handler that takes 7 ms per message.
    fault("frames", 15_000, async () => {
      const c = await SoakClient.connect(svc("slowframes"));
      if (!c) return;
      const frame = "z".repeat(MiB - 64);
      const started = performance.now();
      for (let i = 0; i < 100; i++) c.send(frame);
      count("1 MiB frames to a 7 ms handler", 100);
      if (await c.received(100, 60_000)) figure("100 × 1 MiB frames answered by a 7 ms handler (ms)", performance.now() - started);
      else anomaly(`1 MiB frames to a slow handler: ${c.messages.length} of 100 answered within 60 s`);
      if (!c.messages.every((m) => m === `ok ${MiB - 64}`)) anomaly("a 1 MiB frame got a wrong answer");
      c.terminate();
    }),
    // 10. A descriptor in a folder that sorts first claims the healthy endpoint: refused; healthy sessions stay.
    fault("claims", 15_000, async () => {
      write("attacker-claim/h.js", "exports.onMessage = (m) => 'stolen:' + m;");
      await sleep(300);
      const refused = log.next((l) => l.code === "AEROSTAT_ENDPOINT_CONFLICT" && String(l.file).startsWith("attacker-claim/"), 5000);
      write("attacker-claim/healthy.websocket", desc("healthy", "attacker-claim/h"));
      count("claims on the healthy endpoint from a folder that sorts first");
      if (await refused) observe("claims on the healthy endpoint refused");
      else anomaly("a claim on the healthy endpoint was not refused within 5 s");
      const c = await SoakClient.connect(svc("healthy"));
      const reply = await c?.ask("claim-check");
      if (reply !== "claim-check") anomaly(`the healthy endpoint answered "${reply}" while claimed`);
      c?.terminate();
      await sleep(3000);
      rmSync(file("attacker-claim/healthy.websocket"), { force: true });
    }),
    // 11a. A handler and a descriptor swapped for FIFOs, a handler swapped for a link out of the root.
    fault("files", 10_000, async () => {
      const swaps: [string, string, (tmp: string) => void, () => void][] = [
        [
          "FIFO handlers",
          "attacker-files/files.js",
          (tmp) => {
            execFileSync("mkfifo", [tmp]);
            fifos.add(file("attacker-files/files.js"));
          },
          () => replace("attacker-files/files.js", (tmp) => writeFileSync(tmp, FILES_HANDLER)),
        ],
        [
          "FIFO descriptors",
          "attacker-files/files.websocket",
          (tmp) => {
            execFileSync("mkfifo", [tmp]);
            fifos.add(file("attacker-files/files.websocket"));
          },
          () => replace("attacker-files/files.websocket", (tmp) => writeFileSync(tmp, desc("files", "attacker-files/files"))),
        ],
        [
          "handlers swapped for a link out of the root",
          "attacker-files/files.js",
          (tmp) => symlinkSync(path.join(outside, "evil.js"), tmp),
          () => replace("attacker-files/files.js", (tmp) => writeFileSync(tmp, FILES_HANDLER)),
        ],
      ];
      for (const [what, rel, make, restore] of swaps) {
        const unsafe = log.next((l) => l.code === "AEROSTAT_FILE_UNSAFE" && l.file === rel, 5000);
        replace(rel, make);
        count(what);
        if (await unsafe) observe(`${what} refused (AEROSTAT_FILE_UNSAFE)`);
        else anomaly(`${what}: one was not refused within 5 s`);
        const c = await SoakClient.connect(svc("files"));
        const reply = await c?.ask("x");
        if (reply !== "files:x") anomaly(`${what}: the endpoint answered ${JSON.stringify(reply)} instead of its last good version`);
        c?.terminate();
        if (fifos.has(file(rel))) releaseFifo(file(rel));
        restore();
        await sleep(1000);
      }
    }),
    // 11b. Links in public/ (to /etc/passwd, to the project root, to a file beside them): never served.
    fault("public", 5000, async () => {
      const links: [string, string][] = [
        ["public/passwd", "/etc/passwd"],
        ["public/up", ".."],
        ["public/home.html", "index.html"],
      ];
      for (const [rel, target] of links) if (!isLink(file(rel))) symlinkSync(target, file(rel));
      for (const p of ["/passwd", "/up/attacker/dial.js", "/home.html"]) {
        const res = await fetch(http + p, { signal: AbortSignal.timeout(5000) });
        const body = await res.text();
        count("requests through links in public/");
        if (res.status === 404 && !/root:|exports/.test(body)) observe("requests through links in public/ answered 404");
        else anomaly(`GET ${p} through a link in public/ answered ${res.status}`);
      }
      const page = await fetch(`${http}/index.html`, { signal: AbortSignal.timeout(5000) });
      if (page.status !== 200) anomaly(`public/index.html answered ${page.status} with links beside it`);
      await page.text();
      for (const [rel] of links) unlinkIfLink(file(rel));
    }),
    // 12. After `await null`: 50,000 sends, then 300 log lines of 1 MiB.
    fault("late", 10_000, async () => {
      const c = await SoakClient.connect(svc("late"));
      if (!c) return;
      c.send("sends");
      c.send("done");
      count("50,000 sends after await null");
      const first = await waitFor(() => c.messages.includes("done"), 20_000);
      const sentBefore = c.messages.indexOf("done");
      if (first && sentBefore === 10_000) observe("sends after await null capped at 10,000");
      else anomaly(`sends after await null: ${sentBefore} frames before "done" (expected the cap, 10,000)`);
      c.send("logs");
      c.send("done");
      count("300 × 1 MiB log lines after await null");
      if (!(await waitFor(() => c.messages.filter((m) => m === "done").length === 2, 20_000))) anomaly("no answer after 300 × 1 MiB logs");
      c.terminate();
    }),
    // 13a. A client floods a handler it shares with a victim; caps are per event, so the victim gets everything.
    fault("fan", 10_000, async () => {
      const flooder = await SoakClient.connect(svc("fan"));
      const victim = await SoakClient.connect(svc("fan"));
      if (!flooder || !victim) return;
      for (let i = 0; i < 200; i++) flooder.send(`f${i}`);
      for (let i = 0; i < 20; i++) victim.send(`v${i}`);
      count("flooding client messages (sharing a handler with a victim)", 200);
      if (!(await victim.received(20 * 60, 30_000))) anomaly(`victim sharing a handler with a flooder got ${victim.messages.length} of 1200`);
      if (!(await flooder.received(200 * 60, 30_000))) anomaly(`flooder got ${flooder.messages.length} of 12000`);
      flooder.terminate();
      victim.terminate();
    }),
    // 13b. Two events of 400 and 700 ms in one batch: each has its whole CPU limit.
    fault("busy", 15_000, async () => {
      const a = await SoakClient.connect(svc("busy"));
      const b = await SoakClient.connect(svc("busy"));
      if (!a || !b) return;
      a.send("400");
      b.send("700");
      count("400 + 700 ms events sharing a batch", 2);
      const ok = (await a.received(1, 20_000)) && (await b.received(1, 20_000));
      if (!ok || a.messages[0] !== "done 400" || b.messages[0] !== "done 700") anomaly(`CPU per event: got ${a.messages[0]} / ${b.messages[0]}`);
      a.terminate();
      b.terminate();
    }),
    // 14. getSessions() in a loop, 10 MiB arguments, refused createWebsocket in a loop.
    fault("calls", 5000, async () => {
      const c = await SoakClient.connect(svc("calls"));
      if (!c) return;
      const loop = await c.ask("loop");
      count("getSessions() loops");
      if (!/^1000 RangeError: Too many API calls/.test(String(loop))) anomaly(`getSessions() loop: ${loop}`);
      const huge = await c.ask("huge");
      count("API calls with a 10 MiB argument");
      if (!/^0 RangeError: API call arguments too long/.test(String(huge))) anomaly(`10 MiB argument: ${huge?.slice(0, 100)}`);
      const dial = await c.ask("dialloop");
      count("refused createWebsocket calls in a loop", 1000);
      if (dial !== "refused 1000") anomaly(`createWebsocket loop: ${dial}`);
      c.terminate();
    }),
    // 15. 50 handshakes to an endpoint whose first load runs a 900 ms top-level loop.
    fault("slowload", 15_000, async () => {
      const n = ++loadVersion;
      const name = `load-${n}`;
      write(`attacker-load/l${n}.js`, "const end = Date.now() + 900; while (Date.now() < end) {}\nexports.onMessage = (m) => m;");
      const mounted = log.next((l) => l.msg === `mounted ${name}`, 5000);
      write(`attacker-load/l${n}.websocket`, desc(name, `attacker-load/l${n}`));
      if (!(await mounted)) return;
      const answers = await Promise.all(Array.from({ length: 50 }, () => handshake(svc(name))));
      count("handshakes during a 900 ms first load", 50);
      for (const a of answers) {
        observe(`handshakes during a first load answered ${a.status}`);
        figure("handshake during a 900 ms first load (ms)", a.ms);
        if (a.status !== 101 && a.status !== 503) anomaly(`a handshake during a first load answered ${a.status}`);
      }
      await sleep(1000);
      rmSync(file(`attacker-load/l${n}.websocket`), { force: true });
      rmSync(file(`attacker-load/l${n}.js`), { force: true });
    }),
    // 16. Handshakes with Host: evil.example (DNS rebinding): 403.
    fault("evilhost", 1000, async () => {
      const answers = await Promise.all(Array.from({ length: 10 }, () => handshake(svc("healthy"), { Host: "evil.example" })));
      count("handshakes with Host: evil.example", 10);
      for (const a of answers) {
        if (a.status === 403) observe("handshakes with Host: evil.example refused 403");
        else anomaly(`a handshake with Host: evil.example answered ${a.status}`);
      }
    }),
  ];

  return {
    work,
    cleanup() {
      for (const f of [...fifos]) if (existsSync(f)) releaseFifo(f);
      rmSync(outside, { recursive: true, force: true });
    },
  };
}

async function waitFor(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!probe()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}
