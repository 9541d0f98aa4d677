// A cluster's subscriptions without a node. Each lives on one node, the first
// node up when it was made; when that node fails it moves to the next node up
// (sent there with send_now="yes", so that the page gets the current answer)
// and stays there, also when the first node returns. When no node is up it
// waits on the node that failed, and goes to whichever node is READY first.
import { States } from "./errors.js";
import { hold, release } from "./ws.js";

/** Whether a subscription of `event` with these ids is one evQueue's unsubscribe filter removes. */
const matches = (args, event, externalId, objectId) =>
  args.event === event && (Number(args.object_id) || 0) === objectId && (externalId === 0 || (Number(args.external_id) || 0) === externalId);

export class RoamingSubscriptions {
  #records = [];
  #nextUp;
  #isUp;

  /** nextUp(failed): the node to move to (READY first), or null; isUp(node): whether a node counts as up now. */
  constructor(nextUp, isUp) {
    this.#nextUp = nextUp;
    this.#isUp = isUp;
  }

  /** Subscribes on `node`; resolves once the frame went out (wherever the subscription lives by then) or it was withdrawn. */
  add(node, event, api, send_now, object_id, external_id) {
    return new Promise((resolve, reject) => {
      const record = { args: { event, api, object_id, external_id }, node: null, entry: null, resolve, reject };
      if (this.#place(record, node, send_now)) this.#records.push(record);
    });
  }

  /** A node's state changed: its subscriptions leave it when it fails; those waiting on a node that is down come to a node that is READY. */
  stateChanged(node, state) {
    if (state === States.ERROR || state === States.DISCONNECTED) {
      const target = this.#nextUp(node);
      if (!target) return;
      for (const record of this.#records.filter((r) => r.node === node)) this.#move(record, target);
    } else if (state === States.READY) {
      for (const record of this.#records.filter((r) => r.node !== node && !this.#isUp(r.node))) this.#move(record, node);
    }
  }

  /** Forgets those evQueue's unsubscribe filter removes (the nodes remove them on their side); their Subscribe() resolves if it still waited. */
  remove(event, externalId, objectId) {
    this.#drop((r) => matches(r.args, event, externalId, objectId));
  }

  /** Forgets every one (UnsubscribeAll(), Close()). */
  clear() {
    this.#drop(() => true);
  }

  #drop(which) {
    const dropped = this.#records.filter(which);
    this.#records = this.#records.filter((r) => !dropped.includes(r));
    for (const r of dropped) r.resolve(undefined);
  }

  #move(record, target) {
    // Gone from its node by other means (that node's own Unsubscribe or Close): it is not brought back.
    if (!record.node[release](record.entry)) {
      this.#drop((r) => r === record);
      return;
    }
    if (!this.#place(record, target, true)) {
      this.#records = this.#records.filter((r) => r !== record);
      console.error(`evQueue: the subscription to ${record.args.event} (external id ${Number(record.args.external_id) || 0}) could not move to ${target.GetURL()}; it is dropped`);
    }
  }

  /** Subscribes on `node`; false when the node refused it (the record's promise then rejects). */
  #place(record, node, sendNow) {
    const { event, api, object_id, external_id } = record.args;
    const { promise, entry } = node[hold](event, api, sendNow, object_id, external_id);
    record.node = node;
    record.entry = entry;
    // Only the node it lives on now settles it: one it left resolves when it lets it go.
    promise.then(
      () => record.node === node && record.resolve(undefined),
      (error) => record.node === node && record.reject(error),
    );
    return entry !== null;
  }
}
