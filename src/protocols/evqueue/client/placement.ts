import type { ClusterNode } from "./cluster-node.js";
import { sendSubscription, type Subscription } from "./subscription.js";

/**
 * Where the subscriptions of route "one" (api.node left out) live: on one
 * node up at a time, never on two (aerostat nodes on one engine would each
 * deliver every event). A subscription goes to the first node up in the
 * cluster's order (READY in GetStates), or, when none is, to the first one
 * that becomes READY. It stays there while its events connection to that
 * node lasts (a node that comes back does not take it back); once that
 * connection is lost (the node forgot it), it moves to the first node up and
 * is sent there with send_now="yes". One not sent yet moves as soon as its
 * node is no longer up.
 */

/** Subscriptions that left a node, or went to one after waiting, for the log. */
export interface Move {
  /** The node whose events connection was lost (undefined: they waited for a node up). */
  readonly from: ClusterNode | undefined;
  /** Where they went (undefined: no node is up; they wait). */
  readonly to: ClusterNode | undefined;
  count: number;
}

export type Placement = Move[];

/** A node that may take a subscription: READY (its API socket up, its events socket not in ERROR). */
export function isUp(node: ClusterNode): boolean {
  return node.state === "READY";
}

/** Whether `sub` must leave its holder: the connection it went out on is gone, or (not sent yet) the node is no longer up. */
function lost(node: ClusterNode, heldOn: number): boolean {
  const events = node.events;
  if (!events || events.state === "ERROR" || events.state === "CLOSED") return true;
  return heldOn !== 0 ? events.connection !== heldOn : !isUp(node);
}

/** Places and sends each subscription of route "one" of `list`; returns what moved. */
export function placeOnOneNode(list: readonly Subscription[], members: readonly ClusterNode[]): Placement {
  const up = members.find(isUp);
  const moves: Move[] = [];
  const record = (from: ClusterNode | undefined, to: ClusterNode | undefined) => {
    const move = moves.find((m) => m.from === from && m.to === to);
    if (move) move.count++;
    else moves.push({ from, to, count: 1 });
  };
  for (const sub of list) {
    if (sub.route !== "one") continue;
    if (sub.holder && lost(sub.holder, sub.heldOn ?? 0)) {
      const from = sub.holder;
      sub.holder = up;
      sub.heldOn = 0;
      if (from !== up) record(from, up);
    } else if (!sub.holder && up) {
      sub.holder = up;
      sub.heldOn = 0;
      // A first placement is not news; one that had been on a node and waited is.
      if (sub.sentTo.size > 0) record(undefined, up);
    }
    const holder = sub.holder;
    if (holder?.events && !sub.heldOn && holder.events.state === "READY" && sendSubscription(holder, sub)) sub.heldOn = holder.events.connection;
  }
  return moves;
}

/** A move in words, for the log: a wait is a warning. */
export function describeMove({ from, to, count }: Move): { level: "info" | "warn"; message: string } {
  const subs = count === 1 ? "1 subscription" : `${count} subscriptions`;
  const down = from ? `${from.label} is ${from.state}${from.lastError ? `: ${from.lastError}` : ""}` : "";
  if (from && to) return { level: "info", message: `${subs} of node ${from.label} moved to node ${to.label} (${down})` };
  if (from) return { level: "warn", message: `${subs} of node ${from.label} wait for a node to be up (${down}, and no node is READY); they go to the first one that is` };
  return { level: "info", message: `${subs} that waited for a node went to node ${to?.label ?? "?"}` };
}
