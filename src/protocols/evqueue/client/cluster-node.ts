import type { LookupFunction } from "node:net";
import { EvqSubprotocols } from "../../../protocol/evqueue.js";
import type { NodeFailure } from "./errors.js";
import { EvqSocket, type SocketOwner, type SocketState } from "./evq-socket.js";
import type { NodeTarget } from "./node-targets.js";

/**
 * One node of a cluster: its API socket (opened with the cluster) and its
 * events socket (opened once the script subscribes or names onEvent). The
 * node's state is its API socket's, ERROR when either socket is.
 */
export class ClusterNode {
  readonly api: EvqSocket;
  events: EvqSocket | undefined;

  constructor(
    readonly target: NodeTarget,
    private readonly lookup: LookupFunction,
    private readonly owner: SocketOwner,
  ) {
    this.api = new EvqSocket(target, EvqSubprotocols.api, lookup, owner);
    this.api.open();
  }

  /** Opens the events socket, once. */
  openEvents(): EvqSocket {
    if (!this.events) {
      this.events = new EvqSocket(this.target, EvqSubprotocols.events, this.lookup, this.owner);
      this.events.open();
    }
    return this.events;
  }

  /** The name the node gave in <ready>, or null before it said one. */
  get name(): string | null {
    return this.api.greeting?.node ?? this.events?.greeting?.node ?? null;
  }

  /** Its name, or what the script gave until it said one. */
  get label(): string {
    return this.name ?? this.target.given;
  }

  get version(): string | null {
    return this.api.greeting?.version ?? this.events?.greeting?.version ?? null;
  }

  /** Whether `name` means this node: the name it gave, or what the script wrote. */
  matches(name: string): boolean {
    return name === this.name || name === this.target.given;
  }

  /** The API socket's state, but ERROR when the events socket is in ERROR (its reconnecting is not told apart). */
  get state(): SocketState {
    if (this.api.state !== "ERROR" && this.events?.state === "ERROR") return "ERROR";
    return this.api.state;
  }

  /** The failure of a socket in ERROR (a sign-in failure first). */
  get lastError(): NodeFailure | null {
    return this.failed()?.lastError ?? null;
  }

  get message(): string {
    return this.failed()?.message ?? "";
  }

  private failed(): EvqSocket | undefined {
    const failed = [this.api, this.events].filter((s): s is EvqSocket => s?.state === "ERROR");
    return failed.find((s) => s.lastError === "AUTHENTICATION") ?? failed[0];
  }

  close(why: string): void {
    this.api.close(why);
    this.events?.close(why);
  }
}
