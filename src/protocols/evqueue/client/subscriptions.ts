import type { ClusterNode } from "./cluster-node.js";
import { ClusterLimits } from "./limits.js";
import { placeOnOneNode, type Placement } from "./placement.js";
import { sendSubscription, type Subscription } from "./subscription.js";

/**
 * A cluster's subscriptions, kept on the host so that the nodes get them
 * again whenever an events socket is READY (a node forgets a connection's
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

  /** Removes what an unsubscribe frame with these filters removes on the node; returns them. */
  removeMatching(type: string, externalId: number, objectId: number): Subscription[] {
    const matches = (s: Subscription) => s.type === type && s.objectId === objectId && (externalId === 0 || s.externalId === externalId);
    const removed = this.list.filter(matches);
    this.list = this.list.filter((s) => !matches(s));
    return removed;
  }

  /** Removes every subscription; returns them. */
  clear(): Subscription[] {
    const removed = this.list;
    this.list = [];
    return removed;
  }

  /** Sends a "*" or named-node `sub` on the node's events socket if it is READY; true when it went. */
  send(node: ClusterNode, sub: Subscription): boolean {
    return sendSubscription(node, sub);
  }

  /** The node's events socket is READY (again): every "*" and named subscription of it goes out (those on one node go by place()). */
  sendAll(node: ClusterNode): void {
    for (const sub of this.list) if (sub.route === "*" || sub.route === node) this.send(node, sub);
  }

  /** Puts each subscription of route "one" on a node up, moving those whose node's events connection was lost, and sends them; says what moved. */
  place(members: readonly ClusterNode[]): Placement {
    return placeOnOneNode(this.list, members);
  }

  /** Whether `sub` lives on `node` now. */
  livesOn(sub: Subscription, node: ClusterNode): boolean {
    return sub.route === "one" ? sub.holder === node : sub.route === "*" || sub.route === node;
  }

  /** The nodes `subs` went out to, where an unsubscribe must go (a subscription of route "one" only on its holder, once sent there). */
  holders(subs: readonly Subscription[]): Set<ClusterNode> {
    const nodes = new Set<ClusterNode>();
    for (const sub of subs) {
      if (sub.route !== "one") for (const n of sub.sentTo) nodes.add(n);
      else if (sub.holder && sub.heldOn) nodes.add(sub.holder);
    }
    return nodes;
  }

  /** The event type of an event from `node` with this external id, when only one subscription could have caused it. */
  typeOf(node: ClusterNode, externalId: number): string | undefined {
    const types = new Set(this.list.filter((s) => this.livesOn(s, node) && s.externalId === externalId).map((s) => s.type));
    return types.size === 1 ? [...types][0] : undefined;
  }
}
