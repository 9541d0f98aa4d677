import type { ClusterNode } from "./cluster-node.js";
import { subscribeFrame } from "./commands.js";
import { ClusterLimits } from "./limits.js";

/** One Subscribe() of the script, on the nodes it targets. */
export interface Subscription {
  readonly type: string;
  /** The API command whose result each event carries, as XML. */
  readonly xml: string;
  readonly sendNow: boolean;
  readonly objectId: number;
  readonly externalId: number;
  readonly targets: ReadonlySet<ClusterNode>;
  /** Nodes it was sent to at least once: after a reconnect it goes again with send_now="yes". */
  readonly sentTo: Set<ClusterNode>;
}

/**
 * A cluster's subscriptions, kept on the host so that each node gets them
 * again whenever its events socket is READY (a node forgets a connection's
 * subscriptions with the connection). Removal follows evQueue's rule: the
 * type equal, the object filter equal (0: only unfiltered ones), the
 * external id equal unless 0 (any).
 */
export class Subscriptions {
  private list: Subscription[] = [];

  get size(): number {
    return this.list.length;
  }

  /** Keeps `sub`; a RangeError past the limit. */
  add(sub: Subscription): void {
    if (this.list.length >= ClusterLimits.maxSubscriptions) {
      throw new RangeError(`Subscribe: this cluster already has ${this.list.length} subscriptions (limit ${ClusterLimits.maxSubscriptions}); Unsubscribe some first`);
    }
    this.list.push(sub);
  }

  remove(sub: Subscription): void {
    this.list = this.list.filter((s) => s !== sub);
  }

  /** Removes what an unsubscribe frame with these filters removes on the node; returns how many. */
  removeMatching(type: string, externalId: number, objectId: number): number {
    const before = this.list.length;
    this.list = this.list.filter((s) => !(s.type === type && s.objectId === objectId && (externalId === 0 || s.externalId === externalId)));
    return before - this.list.length;
  }

  clear(): void {
    this.list = [];
  }

  /** Sends `sub` on the node's events socket if it is READY; true when it went. */
  send(node: ClusterNode, sub: Subscription): boolean {
    const again = sub.sentTo.has(node);
    const sent = node.events?.send(subscribeFrame(sub.type, sub.xml, again || sub.sendNow, sub.objectId, sub.externalId)) ?? false;
    if (sent) sub.sentTo.add(node);
    return sent;
  }

  /** The node's events socket is READY (again): every subscription of it goes out. */
  sendAll(node: ClusterNode): void {
    for (const sub of this.list) if (sub.targets.has(node)) this.send(node, sub);
  }

  /** The event type of an event from `node` with this external id, when only one subscription could have caused it. */
  typeOf(node: ClusterNode, externalId: number): string | undefined {
    const types = new Set(this.list.filter((s) => s.targets.has(node) && s.externalId === externalId).map((s) => s.type));
    return types.size === 1 ? [...types][0] : undefined;
  }
}
