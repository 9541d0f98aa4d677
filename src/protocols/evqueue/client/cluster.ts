import type { LookupFunction } from "node:net";
import type { EvqClusterHandle } from "../../../ops/evqueue-client-service.js";
import type { XmlNode } from "../xml.js";
import { ClusterNode } from "./cluster-node.js";
import { ackFrame, readCommand, readEventName, readId, UNSUBSCRIBE_ALL_FRAME, unsubscribeFrame } from "./commands.js";
import { closedError, ClusterErrorCodes, failureError } from "./errors.js";
import type { EvqSocket, SocketOwner } from "./evq-socket.js";
import type { HookCaller } from "./hook-caller.js";
import { ClusterLimits } from "./limits.js";
import type { NodeTarget } from "./node-targets.js";
import { describeMove, type Placement } from "./placement.js";
import { subscription, type SubscriptionRoute } from "./subscription.js";
import { Subscriptions } from "./subscriptions.js";
import { describeError, Router } from "./routing.js";
import { Waiters } from "./waiters.js";

/** What a cluster is told to do by the registry that made it. */
export interface ClusterDeps {
  readonly id: number;
  readonly targets: readonly NodeTarget[];
  readonly lookups: readonly LookupFunction[];
  readonly hooks: HookCaller;
  readonly names: { readonly event: string; readonly eventNamed: boolean; readonly state: string; readonly stateNamed: boolean };
  /** Open the events sockets at once (the script named onEvent). */
  readonly eventsNow: boolean;
  /** Whether what made the cluster still serves (checked before every connect). */
  alive(): boolean;
  /** A line for the log (within the module's log budget). */
  note(level: "info" | "warn", fields: Record<string, unknown>, message: string): void;
  /** The cluster closed: the registry forgets it. */
  closed(): void;
}

/** What the state hook gets. */
export interface StateChange {
  readonly node: string;
  readonly url: string;
  readonly state: string;
  readonly lastError: string | null;
  readonly message: string;
}

/**
 * A script's evQueue cluster (evQueue's evQueueCluster, on the host): one
 * ClusterNode per node; API calls routed as upstream routes them ("*" every
 * node up, a name that node, else the first node not in ERROR, failing over
 * to the next on connection errors before the command went out, never
 * after a sign-in failure);
 * subscriptions kept and sent again after every reconnect ("*" on every
 * node, a name on that node, else on one node up, moving when its
 * connection to that node is lost: see placement.ts); events handed to
 * the script's hook and acknowledged once it returned; state changes told.
 */
export class EvqCluster implements EvqClusterHandle, SocketOwner {
  readonly members: ClusterNode[];
  private readonly subscriptions = new Subscriptions();
  private readonly reported = new Map<ClusterNode, string>();
  private readonly inFlight = new Map<EvqSocket, number>();
  private readonly waiters = new Waiters();
  private readonly router: Router;
  private pending = 0;
  private isClosed = false;

  constructor(private readonly deps: ClusterDeps) {
    this.members = deps.targets.map((t, i) => new ClusterNode(t, deps.lookups[i]!, this));
    this.router = new Router(
      this.members,
      this.waiters,
      () => this.isClosed,
      (node, error) => this.note(node.api, "warn", `did not answer a call to every node ("*"), which resolved with the others' answers: ${describeError(error)}`),
    );
    if (deps.eventsNow) for (const n of this.members) n.openEvents();
  }

  get id(): number {
    return this.deps.id;
  }

  // ---- SocketOwner -----------------------------------------------------------

  alive(): boolean {
    if (this.deps.alive()) return true;
    this.close("the module that made the cluster was reloaded or unloaded");
    return false;
  }

  changed(socket: EvqSocket): void {
    const node = this.nodeOf(socket);
    if (node && !this.isClosed) this.place();
    this.waiters.wake();
    if (!node || this.isClosed) return;
    const { state, lastError } = node;
    const key = `${state}/${lastError ?? ""}`;
    if (this.reported.get(node) === key) return;
    this.reported.set(node, key);
    const change: StateChange = { node: node.label, url: node.target.shown, state, lastError, message: node.message };
    void this.deps.hooks.ask(this.deps.names.state, this.deps.names.stateNamed, false, [change], this.where(node));
  }

  ready(socket: EvqSocket): void {
    const node = this.nodeOf(socket);
    if (node && socket === node.events) this.subscriptions.sendAll(node);
    if (node && !this.isClosed) this.place();
    this.waiters.wake();
  }

  eventFrame(socket: EvqSocket, frame: XmlNode): void {
    const node = this.nodeOf(socket);
    if (!node) return;
    const a = frame.attributes;
    const eventId = a["event-id"];
    const externalId = Number(a["external-id"] ?? 0) || 0;
    const type = this.subscriptions.typeOf(node, externalId);
    // A KO (the subscription refused, or its command failing when re-run for an event) goes to the hook too, and is acknowledged like any frame with an event-id.
    const error = a["status"] === "KO" ? { code: a["error-code"] ?? "", message: a["error"] ?? "the node answered KO" } : undefined;
    if (error) this.note(socket, "warn", `answered KO for a subscription (external id ${externalId}${type ? `, ${type}` : ""}): ${error.code || "KO"}: ${error.message}`);
    const info = {
      node: node.label,
      externalId,
      objectId: a["object-id"] ?? "",
      eventId: Number(eventId ?? 0) || 0,
      ...(type ? { type } : {}),
      ...(error ? { error } : {}),
    };
    const connection = socket.connection;
    const count = (this.inFlight.get(socket) ?? 0) + 1;
    this.inFlight.set(socket, count);
    if (count >= ClusterLimits.eventWindow) socket.pause();
    void this.deps.hooks.ask(this.deps.names.event, this.deps.names.eventNamed, true, [frame, info], this.where(node)).then(() => {
      if (eventId !== undefined && socket.connection === connection) socket.send(ackFrame(eventId));
      const left = (this.inFlight.get(socket) ?? 1) - 1;
      this.inFlight.set(socket, left);
      if (left <= ClusterLimits.eventWindow / 2) socket.resume();
    });
  }

  note(socket: EvqSocket, level: "info" | "warn", message: string): void {
    const node = this.nodeOf(socket);
    this.deps.note(level, { cluster: this.id, node: node?.label, url: socket.target.shown, mode: socket.mode }, `evqueue client: node ${socket.label} (${socket.target.shown}, ${socket.mode}) ${message}`);
  }

  // ---- the script's calls ----------------------------------------------------

  async api(raw: unknown): Promise<unknown> {
    const cmd = readCommand(raw, "API(cmd): cmd");
    return this.counted(async (deadline) => {
      if (cmd.node === "*") return this.router.every(cmd, deadline);
      const answer = cmd.node === undefined ? await this.router.first(cmd, deadline) : await this.router.call(await this.router.named(cmd.node, deadline, "API(cmd): cmd.node"), cmd, deadline);
      // undefined (a node without a required module) travels as null.
      return answer ?? null;
    });
  }

  async subscribe(event: unknown, api: unknown, sendNow: unknown, objectId: unknown, externalId: unknown): Promise<null> {
    const type = readEventName(event, "Subscribe(event, api, sendNow, objectId, externalId): event");
    const cmd = readCommand(api, "Subscribe(event, api, sendNow, objectId, externalId): api");
    if (typeof sendNow !== "boolean") throw new TypeError("Subscribe(event, api, sendNow, objectId, externalId): sendNow must be true (the API result now, then on each event) or false");
    const ids = { objectId: readId(objectId, "Subscribe(…, objectId, externalId): objectId"), externalId: readId(externalId, "Subscribe(…, objectId, externalId): externalId") };
    return this.counted(async (deadline) => {
      const route: SubscriptionRoute = cmd.node === undefined ? "one" : cmd.node === "*" ? "*" : await this.router.named(cmd.node, deadline, "Subscribe(event, api, …): api.node");
      const sub = subscription(type, cmd.xml, sendNow, ids.objectId, ids.externalId, route);
      // Route "one" may move to any node: every node's events socket opens.
      const targets = route === "one" || route === "*" ? this.members : [route];
      this.subscriptions.add(sub);
      for (const node of targets) node.openEvents();
      if (route === "one") this.place();
      else for (const node of targets) if (node.events!.state === "READY") this.subscriptions.send(node, sub);
      // Sent to its node(s) up; when none can take it now (every events socket in ERROR) it waits and goes when one is back.
      const sent = (n: ClusterNode) => (route === "one" ? sub.sentTo.size > 0 : sub.sentTo.has(n));
      await this.waiters.until(() => targets.every((n) => sent(n) || n.events!.state === "ERROR"), deadline);
      if (sub.sentTo.size === 0 && targets.every((n) => n.events!.lastError === ClusterErrorCodes.authentication)) {
        this.subscriptions.remove(sub);
        const node = targets[0]!;
        throw failureError(node.label, ClusterErrorCodes.authentication, node.events!.message);
      }
      return null;
    });
  }

  async unsubscribe(event: unknown, externalId: unknown, objectId: unknown): Promise<null> {
    const type = readEventName(event, "Unsubscribe(event, externalId, objectId): event");
    const external = readId(externalId, "Unsubscribe(event, externalId, objectId): externalId");
    const object = readId(objectId, "Unsubscribe(event, externalId, objectId): objectId");
    this.checkOpen();
    // To the nodes that hold what it removes (a subscription that moved: the node it moved to).
    const frame = unsubscribeFrame(type, external, object);
    for (const node of this.subscriptions.holders(this.subscriptions.removeMatching(type, external, object))) node.events?.send(frame);
    return null;
  }

  async unsubscribeAll(): Promise<null> {
    this.checkOpen();
    for (const node of this.subscriptions.holders(this.subscriptions.clear())) node.events?.send(UNSUBSCRIBE_ALL_FRAME);
    return null;
  }

  nodes(): (string | null)[] {
    return this.members.map((n) => n.name);
  }

  states(): string[] {
    return this.members.map((n) => (this.isClosed ? "CLOSED" : n.state));
  }

  versions(): (string | null)[] {
    return this.members.map((n) => n.version);
  }

  close(why = "the cluster was closed"): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const n of this.members) n.close(why);
    this.deps.hooks.close();
    this.waiters.failAll(closedError("", why));
    this.deps.closed();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The hooks may be asked now: the context that made the cluster serves. */
  serving(): void {
    this.deps.hooks.serving();
  }

  // ---- routing ---------------------------------------------------------------

  /** Runs a call counted against the cluster's bound on waiting calls, with its deadline. */
  private async counted<T>(run: (deadline: number) => Promise<T>): Promise<T> {
    this.checkOpen();
    if (this.pending >= ClusterLimits.maxPendingCalls) {
      throw new RangeError(`this cluster already has ${this.pending} calls waiting (limit ${ClusterLimits.maxPendingCalls}); await some first`);
    }
    this.pending++;
    try {
      return await run(Date.now() + ClusterLimits.callTimeoutMs);
    } finally {
      this.pending--;
    }
  }

  /** Puts the subscriptions of route "one" on a node up, and says in the log what moved. */
  private place(): void {
    this.logMoves(this.subscriptions.place(this.members));
  }

  private logMoves(moves: Placement): void {
    for (const move of moves) {
      const { level, message } = describeMove(move);
      this.deps.note(level, { cluster: this.id, node: (move.from ?? move.to)?.label, to: move.to?.label, moved: move.count }, `evqueue client: ${message}`);
    }
  }

  private checkOpen(): void {
    if (this.isClosed) throw closedError("", "the cluster was closed; make another with createCluster()");
  }

  private nodeOf(socket: EvqSocket): ClusterNode | undefined {
    return this.members.find((n) => n.api === socket || n.events === socket);
  }

  private where(node: ClusterNode): string {
    return `evqueue ${node.target.shown}`;
  }
}
