// Small WebSocket clients for the soak's fault injectors.
import { WebSocket } from "ws";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client that keeps every message it gets and can wait for more. */
export class SoakClient {
  readonly messages: string[] = [];
  readonly ws: WebSocket;
  private waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data) => {
      this.messages.push(data.toString());
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on("error", () => undefined);
  }

  /** Opens a client, or resolves undefined when the handshake is refused or fails. */
  static connect(url: string): Promise<SoakClient | undefined> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const timer = setTimeout(() => {
        ws.terminate();
        resolve(undefined);
      }, 15_000);
      ws.once("open", () => {
        clearTimeout(timer);
        resolve(new SoakClient(ws));
      });
      ws.once("error", () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      ws.once("unexpected-response", (req) => {
        clearTimeout(timer);
        req.destroy();
        resolve(undefined);
      });
    });
  }

  send(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  /** Waits until `n` messages in all have come; false after `timeoutMs`. */
  async received(n: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.messages.length < n) {
      const left = deadline - performance.now();
      if (left <= 0 || this.ws.readyState !== this.ws.OPEN) return this.messages.length >= n;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  /** Sends `text` and resolves with the next message, or undefined after `timeoutMs`. */
  async ask(text: string, timeoutMs = 10_000): Promise<string | undefined> {
    const index = this.messages.length;
    this.send(text);
    return (await this.received(index + 1, timeoutMs)) ? this.messages[index] : undefined;
  }

  /** Stops reading: what the server sends stays in the kernel's buffers. */
  pause(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** A handshake with extra headers: its HTTP status (101 when accepted; 0 on a socket error) and how long it took. */
export function handshake(url: string, headers: Record<string, string> = {}): Promise<{ status: number; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const done = (status: number) => {
      clearTimeout(timer);
      resolve({ status, ms: performance.now() - started });
    };
    const timer = setTimeout(() => {
      ws.terminate();
      done(-1);
    }, 20_000);
    ws.once("open", () => {
      done(101);
      ws.terminate();
    });
    ws.once("unexpected-response", (req, res) => {
      done(res.statusCode ?? 0);
      req.destroy();
    });
    ws.once("error", () => done(0));
  });
}
