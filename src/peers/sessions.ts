import type { WebSocket } from "ws";

/** A browser (or any client) connected to a mounted endpoint. */
export interface Session {
  readonly id: string;
  readonly endpoint: string;
  /** Top-level project folder of the endpoint's handler. */
  readonly project: string;
  /** Handler module key that serves this session. */
  readonly handlerKey: string;
  readonly socket: WebSocket;
}

export interface SessionInfo {
  readonly id: string;
  readonly endpoint: string;
  readonly readyState: number;
}

/** All open sessions, by id. Scripts only ever see the sessions of their own project. */
export class SessionRegistry {
  private readonly byId = new Map<string, Session>();
  private readonly perEndpoint = new Map<string, number>();
  private seq = 0;

  add(endpoint: string, project: string, handlerKey: string, socket: WebSocket): Session {
    const session: Session = { id: `s${++this.seq}`, endpoint, project, handlerKey, socket };
    this.byId.set(session.id, session);
    this.perEndpoint.set(endpoint, this.countFor(endpoint) + 1);
    return session;
  }

  remove(id: string): void {
    const s = this.byId.get(id);
    if (!s) return;
    this.byId.delete(id);
    const left = this.countFor(s.endpoint) - 1;
    if (left > 0) this.perEndpoint.set(s.endpoint, left);
    else this.perEndpoint.delete(s.endpoint);
  }

  countFor(endpoint: string): number {
    return this.perEndpoint.get(endpoint) ?? 0;
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
    const out: Session[] = [];
    for (const s of this.byId.values()) {
      if (s.project === project && (endpoint === undefined || s.endpoint === endpoint)) out.push(s);
    }
    return out;
  }

  forEndpoint(endpoint: string): Session[] {
    if (this.countFor(endpoint) === 0) return [];
    return [...this.byId.values()].filter((s) => s.endpoint === endpoint);
  }

  all(): Session[] {
    return [...this.byId.values()];
  }

  static info(s: Session): SessionInfo {
    return { id: s.id, endpoint: s.endpoint, readyState: s.socket.readyState };
  }
}
