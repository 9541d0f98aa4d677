import type { WebSocket } from "ws";
import { CloseCodes } from "../protocol/close-codes.js";
import { PeerKind } from "../protocol/events.js";
import { PeerIds, type Frame, type Peer } from "./peer.js";

/** After asking a slow reader to close, wait this long before dropping it. */
const TERMINATE_AFTER_MS = 2000;

/**
 * Messages into and out of an endpoint's sessions since its first session
 * opened: two plain counters, so counting costs an increment. Readers make
 * rates by comparing two readings. Dropped (and started again at 0) when the
 * endpoint's last session closes.
 */
export interface EndpointCounts {
  messagesIn: number;
  messagesOut: number;
}

export interface SessionInfo {
  readonly id: string;
  readonly endpoint: string;
  readonly readyState: number;
  /** `connection.data` as JSON text. */
  readonly data: string;
}

/** A browser (or any client) connected to a mounted endpoint. */
export class Session implements Peer {
  readonly kind = PeerKind.session;
  data = "null";
  /** `connection.request` as JSON text (see handshake-info.ts). */
  request = "null";
  /** Epoch milliseconds of the handshake. */
  readonly openedAt = Date.now();
  /** The handshake's Origin header ("" when none), and the client's address. */
  origin = "";
  remoteAddress = "";
  /** Payload bytes received from the client and sent to it. */
  bytesIn = 0;
  bytesOut = 0;
  /** Whether scripts of its project see it (getSessions, getSession, sendTo, connection.data): an evQueue connection only once signed in. */
  visible = true;
  /** Why a script's raw frames never go to it (see Peer); undefined when they do. */
  noRawFrames: string | undefined = undefined;

  constructor(
    readonly id: string,
    readonly endpoint: string,
    /** Top-level project folder of the endpoint's handler. */
    readonly project: string,
    /** Handler module key that serves this session. */
    readonly handlerKey: string,
    /** The socket; only peers/ touches it. */
    readonly socket: WebSocket,
    /** Unsent bytes past which a frame is refused and the session closed (1013). */
    private readonly maxBuffered: number,
    /** Its endpoint's message counters, shared by the endpoint's sessions. */
    readonly counts: EndpointCounts = { messagesIn: 0, messagesOut: 0 },
  ) {}

  /** A frame of `bytes` payload bytes arrived from the client. */
  received(bytes: number): void {
    this.bytesIn += bytes;
    this.counts.messagesIn++;
  }

  get where(): string {
    return this.endpoint;
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  /**
   * Sends a frame; returns whether it went out. A frame that would leave more
   * than maxBuffered bytes unsent (what is already waiting plus itself) is not
   * sent, copied or queued: the session is closed with 1013 ("try again
   * later") instead, and dropped if it does not close. So a session that does
   * not read, or a frame larger than maxBuffered, costs nothing.
   */
  send(frame: Frame): boolean {
    const socket = this.socket;
    if (socket.readyState !== socket.OPEN) return false;
    const size = typeof frame === "string" ? Buffer.byteLength(frame) : Buffer.isBuffer(frame) ? frame.length : frame.shared.length;
    const waiting = socket.bufferedAmount;
    if (waiting + size > this.maxBuffered) {
      this.closeSlowReader(waiting > 0 ? "client reads too slowly" : "message larger than the send buffer");
      return false;
    }
    if (typeof frame === "string" || Buffer.isBuffer(frame)) socket.send(frame);
    else socket.send(frame.shared, { binary: false });
    this.bytesOut += size;
    this.counts.messagesOut++;
    return true;
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }

  private closeSlowReader(reason: string): void {
    const socket = this.socket;
    if (socket.readyState !== socket.OPEN) return;
    socket.close(CloseCodes.tryAgainLater, reason);
    setTimeout(() => socket.terminate(), TERMINATE_AFTER_MS).unref();
  }

  static info(s: Session): SessionInfo {
    return { id: s.id, endpoint: s.endpoint, readyState: s.readyState, data: s.data };
  }
}

/**
 * All open sessions, by id, by project and by endpoint: a lookup, a listing of
 * a project's sessions and a broadcast to an endpoint never scan the others.
 * Scripts only ever see the sessions of their own project.
 */
/** Told when a project starts and stops having sessions on this node. */
export interface ProjectWatcher {
  first(project: string): void;
  last(project: string): void;
}

/** Told of every session that opens or closes on this node. */
export interface SessionWatcher {
  opened(session: Session): void;
  closed(session: Session): void;
}

export class SessionRegistry {
  private readonly byId = new Map<string, Session>();
  private readonly byProject = new Map<string, Set<Session>>();
  private readonly byEndpoint = new Map<string, Set<Session>>();
  private readonly counts = new Map<string, EndpointCounts>();
  private readonly ids: PeerIds;
  private readonly projectWatchers = new Set<ProjectWatcher>();
  private readonly sessionWatchers = new Set<SessionWatcher>();

  constructor(
    private readonly maxBufferedBytes: number,
    nodeName = "",
  ) {
    this.ids = new PeerIds("s", nodeName);
  }

  add(endpoint: string, project: string, handlerKey: string, socket: WebSocket): Session {
    let counts = this.counts.get(endpoint);
    if (!counts) this.counts.set(endpoint, (counts = { messagesIn: 0, messagesOut: 0 }));
    const session = new Session(this.ids.next(), endpoint, project, handlerKey, socket, this.maxBufferedBytes, counts);
    this.byId.set(session.id, session);
    const first = !this.byProject.has(project);
    indexAdd(this.byProject, project, session);
    if (first) for (const w of this.projectWatchers) w.first(project);
    indexAdd(this.byEndpoint, endpoint, session);
    for (const w of this.sessionWatchers) w.opened(session);
    return session;
  }

  remove(id: string): void {
    const s = this.byId.get(id);
    if (!s) return;
    this.byId.delete(id);
    indexRemove(this.byProject, s.project, s);
    if (!this.byProject.has(s.project)) for (const w of this.projectWatchers) w.last(s.project);
    indexRemove(this.byEndpoint, s.endpoint, s);
    if (!this.byEndpoint.has(s.endpoint)) this.counts.delete(s.endpoint);
    for (const w of this.sessionWatchers) w.closed(s);
  }

  /**
   * Tells `watcher` when a project gets its first session on this node and
   * when its last one goes (and at once of the projects that have sessions
   * now): what needs engine subscriptions only while a project is served here.
   */
  watchProjects(watcher: ProjectWatcher): () => void {
    this.projectWatchers.add(watcher);
    for (const project of this.byProject.keys()) watcher.first(project);
    return () => void this.projectWatchers.delete(watcher);
  }

  /**
   * Tells `watcher` of every session that opens or closes from now on (and at
   * once of those open now): what keeps per-node counts (presence) in step.
   */
  watchSessions(watcher: SessionWatcher): () => void {
    this.sessionWatchers.add(watcher);
    for (const s of this.byId.values()) watcher.opened(s);
    return () => void this.sessionWatchers.delete(watcher);
  }

  /** Messages in and out of an endpoint's sessions so far (zeros when it has none). */
  countsFor(endpoint: string): Readonly<EndpointCounts> {
    return this.counts.get(endpoint) ?? { messagesIn: 0, messagesOut: 0 };
  }

  /** Any open session, whatever its project: for the operator (the dashboard), never for scripts. */
  find(id: string): Session | undefined {
    return this.byId.get(id);
  }

  countFor(endpoint: string): number {
    return this.byEndpoint.get(endpoint)?.size ?? 0;
  }

  /** A session of `project` by id, as scripts see it; sessions of other projects, and those not visible yet, are not found. */
  get(project: string, id: string): Session | undefined {
    const s = this.byId.get(id);
    return s && s.project === project && s.visible ? s : undefined;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Sessions of a project, optionally of one endpoint, visible to scripts or not. */
  list(project: string, endpoint?: string): Session[] {
    if (endpoint === undefined) return [...(this.byProject.get(project) ?? [])];
    return this.forEndpoint(endpoint).filter((s) => s.project === project);
  }

  forEndpoint(endpoint: string): Session[] {
    return [...(this.byEndpoint.get(endpoint) ?? [])];
  }

  /** Sessions of an endpoint, without copying: for delivering to each. */
  eachOf(endpoint: string): Iterable<Session> {
    return this.byEndpoint.get(endpoint) ?? [];
  }

  all(): Session[] {
    return [...this.byId.values()];
  }
}

function indexAdd(index: Map<string, Set<Session>>, key: string, s: Session): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(s);
}

function indexRemove(index: Map<string, Set<Session>>, key: string, s: Session): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(s);
  if (set.size === 0) index.delete(key);
}
