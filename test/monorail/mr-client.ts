import { afterEach } from "vitest";
import WebSocket from "ws";
import { waitUntil } from "../helpers/runtime.js";

/** A MonoRail frame as the server sends it. */
export interface Frame {
  handler: string;
  resource?: string | null;
  type?: string | null;
  id?: unknown;
  data?: unknown;
  items?: unknown[];
  params?: { name: string; message: string };
}

/** A raw ws client that speaks MonoRail frames and keeps every frame it got, in order. */
export class MrClient {
  readonly frames: Frame[] = [];
  /** Frames consumed by next(): the next call looks after them. */
  private seen = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => this.frames.push(JSON.parse(String(data)) as Frame));
  }

  static async connect(url: string): Promise<MrClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new MrClient(ws);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame after those already taken (waiting for it). */
  async next(timeoutMs = 5000): Promise<Frame> {
    await waitUntil(() => this.frames.length > this.seen, timeoutMs, "a MonoRail frame");
    return this.frames[this.seen++]!;
  }

  /** Sends `frame` and resolves with the next frame. */
  async ask(frame: unknown, timeoutMs = 5000): Promise<Frame> {
    this.send(frame);
    return this.next(timeoutMs);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((r) => this.ws.once("close", r));
    this.ws.close();
    await closed;
  }
}

/**
 * A connect for a test file: every MrClient opened through it is closed after
 * each test (call it at the file's top level).
 */
export function connectClosedAfterEach(): (url: string) => Promise<MrClient> {
  let open: MrClient[] = [];
  afterEach(async () => {
    await Promise.all(open.map((c) => c.close()));
    open = [];
  });
  return async (url) => {
    const c = await MrClient.connect(url);
    open.push(c);
    return c;
  };
}
