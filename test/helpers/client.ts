import { WebSocket } from "ws";

/** A WebSocket client that records what it receives, as a browser page would see it. */
export class TestClient {
  readonly messages: (string | Buffer)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      this.messages.push(isBinary ? Buffer.from(data as Buffer) : data.toString());
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static connect(url: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new TestClient(ws);
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
    });
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Waits until `count` messages have arrived in total; returns them all. */
  async received(count: number, timeoutMs = 5000): Promise<(string | Buffer)[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} messages, got ${this.messages.length}: ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.messages;
  }

  /** Sends `text` and returns the next message that arrives. */
  async ask(text: string, timeoutMs = 5000): Promise<string | Buffer> {
    const before = this.messages.length;
    this.send(text);
    const all = await this.received(before + 1, timeoutMs);
    return all[before]!;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.close();
  }
}

/** Tries a handshake and returns the HTTP status and body of a refusal. */
export function refusal(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on("open", () => {
      ws.close();
      reject(new Error(`handshake to ${url} was accepted`));
    });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on("error", () => undefined);
  });
}
