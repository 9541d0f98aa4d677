import type { ClusterNode } from "./cluster-node.js";
import { subscribeFrame } from "./commands.js";

/**
 * Where a subscription lives: "*" on every node, a node on that node only,
 * "one" on one node up at a time (api.node left out), moving to another when
 * its events connection to that node is lost.
 */
export type SubscriptionRoute = "*" | "one" | ClusterNode;

/** One Subscribe() of the script. */
export interface Subscription {
  readonly type: string;
  /** The API command whose result each event carries, as XML. */
  readonly xml: string;
  readonly sendNow: boolean;
  readonly objectId: number;
  readonly externalId: number;
  readonly route: SubscriptionRoute;
  /** Nodes it was sent to at least once: sent again (after a reconnect, or moved), it goes with send_now="yes". */
  readonly sentTo: Set<ClusterNode>;
  /** Route "one": the node it lives on (undefined: it waits for a node up). */
  holder?: ClusterNode;
  /** Route "one": the holder's events connection it went out on (0: not sent there yet). */
  heldOn?: number;
}

/** A new subscription, not sent anywhere yet. */
export function subscription(type: string, xml: string, sendNow: boolean, objectId: number, externalId: number, route: SubscriptionRoute): Subscription {
  return { type, xml, sendNow, objectId, externalId, route, sentTo: new Set(), ...(route === "one" ? { heldOn: 0 } : {}) };
}

/**
 * Sends `sub` on the node's events socket if it is READY; true when it went.
 * With send_now="yes" when the script asked for it, and whenever it goes
 * again: to a node after its reconnect, or (route "one") to any node once it
 * went somewhere, so that the script gets the current answer after a gap.
 */
export function sendSubscription(node: ClusterNode, sub: Subscription): boolean {
  const again = sub.route === "one" ? sub.sentTo.size > 0 : sub.sentTo.has(node);
  const sent = node.events?.send(subscribeFrame(sub.type, sub.xml, again || sub.sendNow, sub.objectId, sub.externalId)) ?? false;
  if (sent) sub.sentTo.add(node);
  return sent;
}
