// The event subscriptions of one events connection, kept so that they can be
// sent again after a reconnect (then with send_now="yes", so that the page
// gets a fresh result for what it missed while away).
import { frame } from "./xml.js";

/** The subscribe frame of a subscription. */
function subscribeFrame(sub, sendNow) {
  return frame("event", {
    action: "subscribe",
    type: sub.type,
    api_cmd: sub.apiCmd,
    send_now: sendNow ? "yes" : "no",
    object_id: sub.objectId || undefined,
    external_id: sub.externalId || undefined,
  });
}

export class Subscriptions {
  #subs = [];
  #send;
  #modules;

  /** send(text): sends a frame on the ready connection; modules(): the node's module names. */
  constructor(send, modules) {
    this.#send = send;
    this.#modules = modules;
  }

  get size() {
    return this.#subs.length;
  }

  /** Records a subscription; sends it now when `ready`. Gives its entry and a promise that resolves once its frame went out. */
  add(sub, ready) {
    const entry = { ...sub, everSent: false, waiters: [] };
    this.#subs.push(entry);
    const promise = new Promise((resolve, reject) => entry.waiters.push({ resolve, reject }));
    if (ready) this.#sendOne(entry);
    return { entry, promise };
  }

  /** Forgets one entry (its promise, if still waiting, resolves); false when it is not here (any more). */
  forget(entry) {
    const index = this.#subs.indexOf(entry);
    if (index < 0) return false;
    this.#subs.splice(index, 1);
    for (const w of entry.waiters.splice(0)) w.resolve(undefined);
    return true;
  }

  /** Sends every subscription (on READY): those sent before go again with send_now="yes". */
  sendAll() {
    for (const entry of this.#subs) this.#sendOne(entry);
  }

  #sendOne(entry) {
    const missing = (entry.requiredModules ?? []).filter((m) => !this.#modules().includes(m));
    // A node without a module the command needs gets no subscription (as an API call is skipped there).
    if (missing.length === 0) this.#send(subscribeFrame(entry, entry.everSent || entry.sendNow));
    entry.everSent = true;
    for (const w of entry.waiters.splice(0)) w.resolve(undefined);
  }

  /**
   * Forgets the subscriptions the server's unsubscribe removes: of `type`,
   * whose object filter equals `objectId` (0: only unfiltered ones) and whose
   * external id is `externalId` (0: any).
   */
  remove(type, externalId, objectId) {
    const matches = (s) => s.type === type && s.objectId === objectId && (externalId === 0 || s.externalId === externalId);
    // One removed before it was ever sent: its Subscribe() has nothing left to wait for.
    for (const entry of this.#subs.filter(matches)) for (const w of entry.waiters.splice(0)) w.resolve(undefined);
    const before = this.#subs.length;
    this.#subs = this.#subs.filter((s) => !matches(s));
    return before - this.#subs.length;
  }

  /** Rejects the promises of subscriptions not sent yet (they stay recorded). */
  failPending(error) {
    for (const entry of this.#subs) for (const w of entry.waiters.splice(0)) w.reject(error);
  }

  /** Forgets every subscription (UnsubscribeAll(), Close()): a Subscribe() still waiting has nothing left to wait for and resolves. */
  clear() {
    for (const entry of this.#subs) for (const w of entry.waiters.splice(0)) w.resolve(undefined);
    this.#subs = [];
  }
}
