import type { WebSocket } from "ws";
import { CloseCodes } from "../protocol/close-codes.js";
import { PeerKind } from "../protocol/events.js";
import { PeerIds, type Frame, type Peer } from "./peer.js";

/** After asking a slow reader to close, wait this long before dropping it. */
const TERMINATE_AFTER_MS = 2000;

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
  ) {}

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
export class SessionRegistry {
  private readonly byId = new Map<string, Session>();
  private readonly byProject = new Map<string, Set<Session>>();
  private readonly byEndpoint = new Map<string, Set<Session>>();
  private readonly ids: PeerIds;

  constructor(
    private readonly maxBufferedBytes: number,
    nodeName = "",
  ) {
    this.ids = new PeerIds("s", nodeName);
  }

  add(endpoint: string, project: string, handlerKey: string, socket: WebSocket): Session {
    const session = new Session(this.ids.next(), endpoint, project, handlerKey, socket, this.maxBufferedBytes);
    this.byId.set(session.id, session);
    indexAdd(this.byProject, project, session);
    indexAdd(this.byEndpoint, endpoint, session);
    return session;
  }

  remove(id: string): void {
    const s = this.byId.get(id);
    if (!s) return;
    this.byId.delete(id);
    indexRemove(this.byProject, s.project, s);
    indexRemove(this.byEndpoint, s.endpoint, s);
  }

  countFor(endpoint: string): number {
    return this.byEndpoint.get(endpoint)?.size ?? 0;
  }

  /** A session of `project` by id; sessions of other projects are not found. */
  get(project: string, id: string): Session | undefined {
    const s = this.byId.get(id);
    return s && s.project === project ? s : undefined;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Sessions of a project, optionally of one endpoint. */
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
