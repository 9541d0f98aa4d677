import { SignJWT } from "jose";
import { create, type AGClientSocket } from "socketcluster-client";
import { afterEach } from "vitest";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";

/** The sign-in key the test runtimes use, so tests can sign tokens of their own. */
export const AUTH_KEY = "conformance-key-0123456789-abcdefghijklmnop";

/** Signs a token as aerostat would for `project` (exp in seconds since the epoch). */
export function signToken(project: string, payload: Record<string, unknown>, exp: number, key: string = AUTH_KEY): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt().setAudience(`aerostat:${project}`).setExpirationTime(exp).sign(new TextEncoder().encode(key));
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A client auth engine over a Map the test can read (several clients may share one, as tabs share localStorage). */
export class MapAuthEngine {
  readonly tokens = new Map<string, string>();
  saveToken(name: string, token: string): Promise<string> {
    this.tokens.set(name, token);
    return Promise.resolve(token);
  }
  removeToken(name: string): Promise<string | null> {
    const old = this.tokens.get(name) ?? null;
    this.tokens.delete(name);
    return Promise.resolve(old);
  }
  loadToken(name: string): Promise<string | null> {
    return Promise.resolve(this.tokens.get(name) ?? null);
  }
}

export interface Emitted {
  readonly event: string;
  readonly data: any;
}

/**
 * A stock client and everything it emitted, in order, recorded as it emits
 * (inbound frames arrive as "message" events), plus the frames it sent after
 * each handshake.
 */
export class Client {
  readonly emitted: Emitted[] = [];
  readonly sent: string[] = [];

  constructor(readonly socket: AGClientSocket) {
    const emit = socket.emit.bind(socket) as (event: string, data: unknown) => void;
    (socket as unknown as { emit: (event: string, data: unknown) => void }).emit = (event, data) => {
      this.emitted.push({ event, data });
      if (event === "connect") this.recordSends();
      emit(event, data);
    };
  }

  /** Resolves with the data of the first `event` emitted at index `from` or later that matches. */
  async next(event: string, from = 0, match: (data: any) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    const found = await waitUntil(() => this.emitted.slice(from).find((e) => e.event === event && match(e.data)), timeoutMs, `client event "${event}"`);
    return found.data;
  }

  /** Names of the events emitted from index `from`, without frame-level ones. */
  events(from = 0): string[] {
    return this.emitted.slice(from).map((e) => e.event).filter((e) => e !== "message" && e !== "error");
  }

  /** Inbound frames from index `from`, pings left out. */
  frames(from = 0): string[] {
    return this.emitted
      .slice(from)
      .filter((e) => e.event === "message" && e.data.message !== "")
      .map((e) => String(e.data.message));
  }

  get mark(): number {
    return this.emitted.length;
  }

  private recordSends(): void {
    const transport = this.socket.transport as unknown as { send: (data: string) => void };
    const send = transport.send.bind(transport);
    transport.send = (data) => {
      this.sent.push(data);
      send(data);
    };
  }
}

const open: AGClientSocket[] = [];

afterEach(() => {
  for (const socket of open.splice(0)) socket.disconnect();
});

export interface ScRuntime extends TestRuntime {
  readonly port: number;
  /** A stock client of `endpoint` (autoReconnect off unless asked), disconnected after the test. */
  client(endpoint: string, options?: Partial<AGClientSocket.ClientOptions>): Client;
}

/** A runtime with a known sign-in key over a temp project. */
export async function startSc(files: Record<string, string>): Promise<ScRuntime> {
  const t = await startProject(files, { authKey: AUTH_KEY });
  const port = Number(new URL(t.runtime.url).port);
  return {
    ...t,
    port,
    client(endpoint, options = {}) {
      const socket = create({ hostname: "127.0.0.1", port, path: `/websockets/v4/service/${endpoint}`, autoReconnect: false, ...options, autoConnect: false });
      open.push(socket);
      const client = new Client(socket);
      if (options.autoConnect !== false) socket.connect();
      return client;
    },
  };
}

/**
 * A descriptor of a socketcluster endpoint with small timeouts: pings every
 * 200 ms, and a window wide enough (1500 ms) that a busy test machine does not
 * drop connections unless the test asks for a narrower one.
 */
export function scDescriptor(endpoint: string, handler: string, options: Record<string, unknown> = {}): string {
  return JSON.stringify({ handler, endpoint, description: `test ${endpoint}`, protocol: "socketcluster", socketcluster: { pingIntervalMs: 200, pingTimeoutMs: 1500, ...options } });
}
