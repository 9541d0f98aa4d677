import { WebSocket } from "ws";

/** A JSON packet as it went over the wire. */
export type Frame = Record<string, unknown>;

/**
 * A plain `ws` client that speaks SocketCluster frames by hand, so tests see
 * exactly what the server writes: every text frame is kept (pings are ""),
 * frames are taken in arrival order, and the close code is recorded.
 */
export class FrameClient {
  /** Every text frame received, with its arrival time (ms, Date.now()). */
  readonly frames: { text: string; at: number }[] = [];
  readonly closed: Promise<{ code: number; reason: string; at: number }>;
  /** Frames already handed out by take(); take() never returns one twice. */
  private readonly taken = new Set<number>();
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      this.frames.push({ text: isBinary ? `(binary ${(data as Buffer).length})` : data.toString(), at: Date.now() });
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        resolve({ code, reason: reason.toString(), at: Date.now() });
        this.wake();
      }),
    );
  }

  static connect(url: string): Promise<FrameClient> {
    return new Promise((resolve, reject) => {
      const client = new FrameClient(new WebSocket(url));
      client.ws.once("open", () => resolve(client));
      client.ws.once("error", reject);
    });
  }

  /** Connects and sends `#handshake` with cid 1; resolves with the parsed reply. */
  static async open(url: string, authToken: string | null = null): Promise<{ client: FrameClient; reply: Frame }> {
    const client = await FrameClient.connect(url);
    client.send({ event: "#handshake", data: { authToken }, cid: 1 });
    const reply = await client.take((f) => f["rid"] === 1);
    return { client, reply };
  }

  send(frame: Frame | Frame[] | string): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Pings ("") received so far. */
  pings(): number[] {
    return this.frames.filter((f) => f.text === "").map((f) => f.at);
  }

  /** Non-ping frames received so far, as text. */
  texts(): string[] {
    return this.frames.filter((f) => f.text !== "").map((f) => f.text);
  }

  /** The first frame not taken yet whose JSON matches `match`; waits for it. */
  async take(match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const text = await this.takeText((t) => {
      const f = parse(t);
      return f !== undefined && match(f);
    }, timeoutMs);
    return parse(text)!;
  }

  /** The first frame not taken yet whose text matches `match` (pings included); waits for it. */
  async takeText(match: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex((f, n) => !this.taken.has(n) && match(f.text));
      if (i >= 0) {
        this.taken.add(i);
        return this.frames[i]!.text;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) {
        const state = this.ws.readyState === WebSocket.CLOSED ? "closed" : "open";
        throw new Error(`no matching frame within ${timeoutMs} ms (socket ${state}); received: ${JSON.stringify(this.texts()).slice(0, 2000)}`);
      }
      await this.wait(left);
    }
  }

  /** Waits until `count` pings have arrived. */
  async pinged(count: number, timeoutMs = 5000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.pings().length < count) {
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) throw new Error(`expected ${count} pings, got ${this.pings().length}`);
      await this.wait(left);
    }
    return this.pings();
  }

  /** Answers every ping with "" from now on. */
  answerPings(): void {
    this.ws.on("message", (data, isBinary) => {
      if (!isBinary && data.toString() === "" && this.isOpen) this.ws.send("");
    });
  }

  close(): void {
    this.ws.close();
  }

  private wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

function parse(text: string): Frame | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    return JSON.parse(text) as Frame;
  } catch {
    return undefined;
  }
}

/** The payload of a JWT, read without checking it (as the stock client does). */
export function jwtPayload(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}
