import { truncateText } from "../log/truncate.js";
import type { Mount } from "../project/mounts.js";
import { FrameError, FrameReader, writeFrame, type Frame } from "./frames.js";
import { replyBody, sendTarget, userQueue, type Sender } from "./destinations.js";

/** The transport a session speaks over (a SockJS connection). */
export interface StompTransport {
  write(text: string): void;
  close(): void;
}

export interface StompSessionDeps {
  /** Warnings about what the session's client did, rate-limited by kind. */
  warn(kind: string, fields: Record<string, unknown>, message: string): void;
  /** Characters of unfinished frames all sessions may hold together; shared. */
  readonly buffered: { used: number; readonly max: number };
  /** The endpoint mounted under a name, if any. */
  lookup(endpoint: string): Mount | undefined;
  /** Whether the page that opened the session may talk to an endpoint with these allowed origins. */
  originAllowed(allowedOrigins: readonly string[]): boolean;
  /** How long a message waits for its handler's answer. */
  readonly answerTimeoutMs: number;
  /** How soon CONNECT must come, and an unfinished frame be finished (defaults: 10 s and 30 s). */
  readonly deadlines?: { readonly connectMs: number; readonly frameMs: number };
}

const VERSIONS = ["1.2", "1.1", "1.0"];
/** The server's heart-beat: it can send every 10 s and wants to hear from the client every 10 s. */
const SERVER_HEARTBEAT = 10_000;
/** Messages of one session waiting for their handlers at most. */
const MAX_PENDING = 64;
/** A session must send CONNECT this soon, and finish a frame it started this soon. */
const CONNECT_WITHIN_MS = 10_000;
const FRAME_WITHIN_MS = 30_000;
/** Distinct warnings one session gives at most (destinations it chose are in them). */
const MAX_WARNED = 32;

/** A name the client chose, cut for a log line. */
const shown = (text: string) => truncateText(text, 200);

/**
 * One STOMP session (Dirigible 7+ pages: SockJS + STOMP). SEND to
 * `/ws/stomp/<endpoint>` (or `/ws/js/`, `/app/stomp/`, `/app/js/`) runs the
 * endpoint's handler `onMessage(text, from)`; its return value goes to the
 * session's subscription to `/user/queue/reply/<endpoint>` as
 * `{ from, text, time }`, and what it threw to `/user/queue/errors/<endpoint>`.
 */
export class StompSession {
  private readonly reader = new FrameReader();
  private connected = false;
  private closed = false;
  /** Subscription id → destination. */
  private readonly subscriptions = new Map<string, string>();
  private pending = 0;
  private messageSeq = 0;
  private lastHeard = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private readonly warned = new Set<string>();
  /** Characters of an unfinished frame this session holds (counted in deps.buffered). */
  private holding = 0;
  /** When the unfinished frame began, if one is waiting. */
  private frameStarted = 0;

  constructor(
    readonly id: string,
    private readonly transport: StompTransport,
    private readonly deps: StompSessionDeps,
  ) {
    // CONNECT first, soon; and no frame may stay unfinished for long (a slow drip holds memory).
    const { connectMs, frameMs } = deps.deadlines ?? { connectMs: CONNECT_WITHIN_MS, frameMs: FRAME_WITHIN_MS };
    const started = Date.now();
    this.timers.push(
      setInterval(
        () => {
          if (!this.connected && Date.now() - started >= connectMs) return this.fail(`no CONNECT within ${connectMs} ms`);
          if (this.holding > 0 && Date.now() - this.frameStarted > frameMs) this.fail(`a frame was not finished within ${frameMs} ms`);
        },
        Math.max(10, Math.min(connectMs, frameMs) / 2),
      ).unref(),
    );
  }

  /** Text from the transport. */
  receive(text: string): void {
    if (this.closed) return;
    this.lastHeard = Date.now();
    const budget = this.deps.buffered;
    if (budget.used + text.length > budget.max) {
      this.fail("the server holds too many unfinished frames; try again later");
      return;
    }
    let frames: Frame[];
    try {
      frames = this.reader.push(text);
    } catch (error) {
      this.fail(error instanceof FrameError ? error.message : String(error));
      return;
    } finally {
      this.hold(this.reader.pending);
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.handle(frame);
    }
  }

  /** The transport closed. */
  closedByPeer(): void {
    this.stop();
  }

  /** Closes from this side (server shutting down). */
  close(): void {
    if (this.closed) return;
    this.stop();
    this.transport.close();
  }

  /** Counts what the session holds of unfinished frames. */
  private hold(chars: number): void {
    if (chars > 0 && this.holding === 0) this.frameStarted = Date.now();
    this.deps.buffered.used += chars - this.holding;
    this.holding = chars;
  }

  private stop(): void {
    if (!this.closed) this.hold(0);
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private handle(frame: Frame): void {
    const { command, headers } = frame;
    if (!this.connected) {
      if (command === "CONNECT" || command === "STOMP") return this.connect(headers);
      return this.fail(`the first frame must be CONNECT, not ${command}`);
    }
    switch (command) {
      case "SEND":
        this.send(frame);
        break;
      case "SUBSCRIBE":
        this.subscribe(headers);
        break;
      case "UNSUBSCRIBE":
        if (headers["id"] !== undefined) this.subscriptions.delete(headers["id"]);
        break;
      case "DISCONNECT":
        this.receipt(headers);
        this.close();
        return;
      case "ACK":
      case "NACK":
      case "BEGIN":
      case "COMMIT":
      case "ABORT":
        // Nothing here needs acknowledging or transactions: accepted and ignored, as by a simple broker.
        break;
      default:
        return this.fail(`${command} is not a STOMP client command`);
    }
    this.receipt(headers);
  }

  private connect(headers: Record<string, string>): void {
    const offered = (headers["accept-version"] ?? "1.0").split(",").map((v) => v.trim());
    const version = VERSIONS.find((v) => offered.includes(v));
    if (!version) return this.fail(`aerostat speaks STOMP ${[...VERSIONS].reverse().join(", ")}; the client offered ${offered.join(", ")}`);
    const [cx = 0, cy = 0] = (headers["heart-beat"] ?? "0,0").split(",").map((n) => Number.parseInt(n, 10) || 0);
    this.connected = true;
    this.transport.write(writeFrame("CONNECTED", { version, "heart-beat": `${SERVER_HEARTBEAT},${SERVER_HEARTBEAT}`, server: "aerostat" }));
    // We send every max(ours, what the client wants); we expect to hear every max(what it offers, ours), with room to spare.
    if (cy > 0) this.timers.push(setInterval(() => this.transport.write("\n"), Math.max(SERVER_HEARTBEAT, cy)).unref());
    if (cx > 0) {
      const every = Math.max(cx, SERVER_HEARTBEAT);
      this.timers.push(
        setInterval(() => {
          if (Date.now() - this.lastHeard > every * 2 + 1000) {
            this.deps.warn("silent", { stompSession: this.id }, `STOMP session ${this.id} sent nothing for ${every * 2} ms (heart-beat); closed`);
            this.close();
          }
        }, every).unref(),
      );
    }
  }

  private subscribe(headers: Record<string, string>): void {
    const id = headers["id"];
    const destination = headers["destination"];
    if (id === undefined || destination === undefined) return this.fail("SUBSCRIBE needs an id and a destination header");
    if (this.subscriptions.size >= 256) return this.fail("a session may hold 256 subscriptions at most");
    this.subscriptions.set(id, destination);
    if (!userQueue(destination) && this.warnOnce(`subscribe ${destination}`)) {
      this.deps.warn(
        "subscribe",
        { stompSession: this.id, destination: shown(destination) },
        `STOMP session ${this.id} subscribed to ${shown(destination)}: aerostat delivers only /user/queue/reply/<endpoint> and /user/queue/errors/<endpoint>`,
      );
    }
  }

  private send(frame: Frame): void {
    const destination = frame.headers["destination"] ?? "";
    const endpoint = sendTarget(destination);
    if (endpoint === undefined) {
      return this.fail(`SEND to "${destination.slice(0, 200)}": send to /ws/stomp/<endpoint> (or /app/stomp/<endpoint>) to reach a handler`);
    }
    const mount = this.deps.lookup(endpoint);
    const sender = senderOf(frame.body, this.id);
    const refuse = (text: string) => {
      this.deps.warn("refused", { stompSession: this.id, endpoint: shown(endpoint) }, `STOMP message to ${shown(endpoint)} refused: ${text}`);
      this.deliver("errors", endpoint, text, "text/plain");
    };
    if (!mount?.module) return refuse(`No endpoint "${shown(endpoint)}" is mounted.`);
    const limits = mount.descriptor.limits;
    if (!this.deps.originAllowed(limits.allowedOrigins)) return refuse(`This page's origin may not send to "${endpoint}"; list it in the descriptor's "allowedOrigins".`);
    if (Buffer.byteLength(frame.body) > limits.maxPayload) return refuse(`The message is over ${limits.maxPayload} bytes, the endpoint's maxPayload.`);
    if (this.pending >= MAX_PENDING) return refuse(`${MAX_PENDING} messages already wait for their answers; send fewer at once.`);
    if (mount.module.busy) return refuse(`"${endpoint}" has too many events waiting; try again later.`);
    this.pending++;
    mount.module
      .request("onMessage", [sender.text, sender.from], this.deps.answerTimeoutMs)
      .then(
        (value) => this.deliver("reply", endpoint, replyBody(sender.from, value, new Date()), "application/json"),
        (error: unknown) => this.deliver("errors", endpoint, (error as Error)?.message ?? String(error), "text/plain"),
      )
      .finally(() => this.pending--);
  }

  /** A MESSAGE on each of this session's subscriptions to the endpoint's reply (or errors) queue. */
  private deliver(queue: "reply" | "errors", endpoint: string, body: string, contentType: string): void {
    if (this.closed) return;
    let delivered = 0;
    for (const [id, destination] of this.subscriptions) {
      const target = userQueue(destination);
      if (target?.queue !== queue || target.endpoint !== endpoint) continue;
      const headers = { destination, subscription: id, "message-id": `${this.id}-${++this.messageSeq}`, "content-type": contentType };
      this.transport.write(writeFrame("MESSAGE", headers, body));
      delivered++;
    }
    if (delivered === 0 && this.warnOnce(`${queue}/${endpoint}`)) {
      this.deps.warn(
        "dropped",
        { stompSession: this.id, endpoint: shown(endpoint) },
        `an answer from ${shown(endpoint)} was dropped: STOMP session ${this.id} has not subscribed to /user/queue/${queue}/${shown(endpoint)}`,
      );
    }
  }

  /** True the first time for `key`, for a bounded number of keys. */
  private warnOnce(key: string): boolean {
    if (this.warned.has(key) || this.warned.size >= MAX_WARNED) return false;
    this.warned.add(key);
    return true;
  }

  private receipt(headers: Record<string, string>): void {
    const id = headers["receipt"];
    if (id !== undefined && !this.closed) this.transport.write(writeFrame("RECEIPT", { "receipt-id": id }));
  }

  /** An ERROR frame, then the session ends (as STOMP requires). */
  private fail(message: string): void {
    if (this.closed) return;
    this.deps.warn("ended", { stompSession: this.id }, `STOMP session ${this.id} ended: ${message}`);
    this.transport.write(writeFrame("ERROR", { message: message.slice(0, 200), "content-type": "text/plain" }, message));
    this.close();
  }
}

/** What Dirigible's page sends: `{"from": nickname, "text": message}`; any other body is the message itself, from the session. */
function senderOf(body: string, sessionId: string): Sender {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && typeof (parsed as { text?: unknown }).text === "string") {
      const from = (parsed as { from?: unknown }).from;
      return { text: (parsed as { text: string }).text, from: typeof from === "string" ? from : sessionId };
    }
  } catch {
    // not JSON: the body is the message
  }
  return { text: body, from: sessionId };
}
