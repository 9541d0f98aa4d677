// Load patterns for the benchmark, run from the bench process against a server URL.
import { WebSocket } from "ws";
import { percentile } from "./stats.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

export async function connectMany(url: string, count: number, wave = 250): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < count; i += wave) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(wave, count - i) }, () => connect(url)))));
  }
  return out;
}

export function closeAll(sockets: WebSocket[]): Promise<void> {
  return Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) return resolve();
          ws.once("close", () => resolve());
          ws.terminate();
        }),
    ),
  ).then(() => undefined);
}

/** Pipelined echo: every connection keeps `inFlight` messages outstanding for `ms`. Returns echoes received. */
export async function pipelined(sockets: WebSocket[], inFlight: number, payload: string, ms: number): Promise<number> {
  let received = 0;
  let running = true;
  for (const ws of sockets) {
    ws.on("message", () => {
      received++;
      if (running) ws.send(payload);
    });
    for (let i = 0; i < inFlight; i++) ws.send(payload);
  }
  await sleep(ms);
  running = false;
  await sleep(200); // let the last echoes drain
  for (const ws of sockets) ws.removeAllListeners("message");
  return received;
}

/** Ping-pong: each connection sends, waits for the echo, repeats; for `ms`. Returns round-trip times (ms). */
export async function pingPong(sockets: WebSocket[], payload: string, ms: number): Promise<number[]> {
  const times: number[] = [];
  const deadline = performance.now() + ms;
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          let sentAt = 0;
          const next = () => {
            if (performance.now() >= deadline) {
              ws.off("message", onMessage);
              resolve();
              return;
            }
            sentAt = performance.now();
            ws.send(payload);
          };
          const onMessage = () => {
            times.push(performance.now() - sentAt);
            next();
          };
          ws.on("message", onMessage);
          next();
        }),
    ),
  );
  return times;
}

export function latencySummary(times: number[]): { p50: number; p99: number; count: number } {
  return { p50: percentile(times, 50), p99: percentile(times, 99), count: times.length };
}

/** Sends `text` until a reply satisfies `done`; returns ms from `since` to that reply. */
export async function untilReply(url: string, text: string, done: (reply: string) => boolean, since: number, timeoutMs = 10_000): Promise<number> {
  const deadline = since + timeoutMs;
  let ws: WebSocket | undefined;
  while (performance.now() < deadline) {
    try {
      ws ??= await connect(url);
      const reply = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("no reply")), 500);
        ws!.once("message", (d) => {
          clearTimeout(t);
          resolve(d.toString());
        });
        ws!.send(text);
      });
      if (done(reply)) {
        const elapsed = performance.now() - since;
        ws.terminate();
        return elapsed;
      }
    } catch {
      ws?.terminate();
      ws = undefined;
      await sleep(1);
    }
  }
  ws?.terminate();
  throw new Error(`no matching reply from ${url} within ${timeoutMs} ms`);
}
