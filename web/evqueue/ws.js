// evQueueWS: one connection to one evQueue node, in "api" mode (commands and
// their answers, one in flight) or "events" mode (subscriptions, and the
// frames they bring, each acked). The socket's life is connection.js's.
import { ApiQueue } from "./api-queue.js";
import { Connection } from "./connection.js";
import { evqError, States } from "./errors.js";
import { challengeResponse, defaultSubtle, sha1Hex } from "./sha1.js";
import { Subscriptions } from "./subscriptions.js";
import { base64Utf8, buildApi, frame, toNode } from "./xml.js";

/** How a cluster moves one subscription between its connections (not part of the page's API): [hold](…) subscribes, [release](entry) forgets. */
export const hold = Symbol("evQueueWS.hold");
export const release = Symbol("evQueueWS.release");

const DEFAULTS = { minDelayMs: 250, maxDelayMs: 10_000, jitter: 0.5, connectTimeoutMs: 10_000, apiTimeoutMs: 30_000, reconnect: true, format: "xml" };

/** localStorage's user and password (SHA1 hex), as evQueue's own pages keep them; null where there are none. */
function storedCredentials() {
  try {
    const store = globalThis.localStorage;
    const user = store?.getItem("user");
    const passwordSha1 = store?.getItem("password");
    return user && passwordSha1 ? { user, passwordSha1 } : null;
  } catch {
    return null; // a sandboxed frame may not read localStorage
  }
}

export class evQueueWS {
  /** Credentials for every connection that has none of its own: { user, passwordSha1 }. */
  static credentials = null;
  /** The DOMParser class where there is no global one (Node: @xmldom/xmldom's). */
  static DOMParser = null;
  /** The WebSocket class where there is no global one. */
  static WebSocket = null;
  /** WebCrypto's subtle for hashing; undefined: the page's; null: the JavaScript SHA-1 (what pages without crypto.subtle use). */
  static subtle = undefined;

  /** The SHA1 hex of a password: what evQueue stores and what credentials.passwordSha1 holds. */
  static hashPassword(password) {
    return sha1Hex(password, evQueueWS.#subtle());
  }

  /** The answer to a sign-in challenge: HMAC-SHA1(key = bytes of passwordSha1 hex, message = bytes of challenge hex), hex. */
  static challengeResponse(challengeHex, passwordSha1Hex) {
    return challengeResponse(challengeHex, passwordSha1Hex, evQueueWS.#subtle());
  }

  static #subtle() {
    return evQueueWS.subtle === undefined ? defaultSubtle() : evQueueWS.subtle;
  }

  #url;
  #o;
  #mode;
  #cnx;
  #queue;
  #subs;

  /**
   * A connection to `url` (ws:// or wss://), opened by Connect(), API() or
   * Subscribe(). options: mode ("api" or "events"; default "events" when
   * eventCallback is given), eventCallback, stateChange, credentials, format,
   * DOMParser, WebSocket, reconnect, minDelayMs, maxDelayMs, jitter,
   * connectTimeoutMs, apiTimeoutMs.
   */
  constructor(url, options = {}) {
    this.#url = String(url);
    this.#o = { ...DEFAULTS, ...options };
    this.#mode = options.mode ?? (options.eventCallback ? "events" : "api");
    if (this.#mode !== "api" && this.#mode !== "events") throw new TypeError(`evQueueWS: mode must be "api" or "events", got ${JSON.stringify(options.mode)}`);
    if (this.#o.format !== "xml" && this.#o.format !== "json") throw new TypeError(`evQueueWS: format must be "xml" or "json", got ${JSON.stringify(options.format)}`);
    const modules = () => this.#cnx.info.modules.map((m) => m.name);
    this.#queue = new ApiQueue({
      send: (text) => this.#cnx.send(text),
      modules,
      timeoutMs: this.#o.apiTimeoutMs,
      // Answers carry no number: a late one would answer the next command, so the connection is renewed.
      timedOut: () => this.#cnx.drop(`no answer within ${this.#o.apiTimeoutMs} ms`, "TIMEOUT"),
    });
    this.#subs = new Subscriptions((text) => this.#cnx.send(text), modules);
    this.#cnx = new Connection(this.#url, this.#mode, this.#o, {
      parser: () => this.#o.DOMParser ?? evQueueWS.DOMParser,
      WebSocket: () => this.#o.WebSocket ?? evQueueWS.WebSocket ?? globalThis.WebSocket,
      credentials: () => this.#o.credentials ?? evQueueWS.credentials ?? storedCredentials(),
      sign: (challenge, passwordSha1) => evQueueWS.challengeResponse(challenge, passwordSha1),
      ready: () => {
        this.#subs.sendAll();
        this.#queue.pump();
      },
      frame: (doc) => (this.#mode === "api" ? this.#answer(doc) : this.#event(doc)),
      badFrame: (error) => this.#mode === "api" && this.#queue.answer(error),
      failed: (kind, why, code) => this.#failed(kind, why, code),
      state: (state) => this.#stateChanged(state),
    });
  }

  GetURL() {
    return this.#url;
  }
  GetMode() {
    return this.#mode;
  }
  GetState() {
    return this.#cnx.state;
  }
  GetLastError() {
    return this.#cnx.lastError;
  }
  GetNode() {
    return this.#cnx.info.node;
  }
  GetVersion() {
    return this.#cnx.info.version;
  }
  GetProfile() {
    return this.#cnx.info.profile;
  }
  GetModules() {
    return this.#cnx.info.modules.map((m) => ({ ...m }));
  }

  /** Opens the connection; resolves once the node said <ready>. Rejects "Authentication error" on a refused sign-in. */
  Connect() {
    return this.#cnx.connect();
  }

  /** Closes the connection and stops reconnecting; commands still waiting reject, subscriptions are forgotten (a Subscribe() still waiting resolves). Connect() starts again. */
  Close() {
    const closed = () => evqError("Closed: Close() was called", "CLOSED", { sent: false });
    this.#queue.failAll(closed);
    this.#subs.clear();
    this.#cnx.close(closed());
  }

  /** Runs an API command; resolves with the answer (a Document, or a Node tree with format "json"), or undefined where a required module is missing. */
  API(api) {
    if (this.#mode !== "api") {
      return Promise.reject(new TypeError("evQueueWS.API() needs an api connection: this one is for events (a cluster with an eventCallback); make a second one without it for API calls"));
    }
    let text;
    try {
      text = buildApi(api);
    } catch (error) {
      return Promise.reject(error);
    }
    const refused = this.#refusal();
    if (refused) return Promise.reject(refused);
    const promise = this.#queue.add(text, api.required_modules);
    if (this.GetState() === States.DISCONNECTED) this.Connect().catch(() => {});
    else if (this.GetState() === States.READY) this.#queue.pump();
    return promise;
  }

  /** Subscribes to an event; resolves once the subscribe frame went out, or once the subscription was withdrawn before (Unsubscribe, UnsubscribeAll, Close). After a reconnect it is sent again with send_now. */
  Subscribe(event, api, send_now = false, object_id = 0, external_id = 0) {
    return this.#subscribe(event, api, send_now, object_id, external_id).promise;
  }

  /** A cluster's Subscribe(): the promise, and the subscription's entry (null when refused) for [release]. */
  [hold](event, api, send_now, object_id, external_id) {
    return this.#subscribe(event, api, send_now, object_id, external_id);
  }

  /** Forgets one subscription held with [hold] (no frame: the node is away); false when it is no longer here. */
  [release](entry) {
    return this.#subs.forget(entry);
  }

  #subscribe(event, api, send_now = false, object_id = 0, external_id = 0) {
    const refused = (error) => ({ promise: Promise.reject(error), entry: null });
    if (this.#mode !== "events") {
      return refused(new TypeError('evQueueWS.Subscribe() needs an events connection: give the cluster an eventCallback (or the mode option "events")'));
    }
    if (typeof event !== "string" || !/^[A-Za-z0-9_.-]{1,128}$/.test(event)) {
      return refused(new TypeError(`Subscribe(): the event must be an event name such as "INSTANCE_TERMINATED", got ${JSON.stringify(event)}`));
    }
    let apiCmd;
    try {
      apiCmd = base64Utf8(buildApi(api));
    } catch (error) {
      return refused(error);
    }
    if (this.GetLastError() === "AUTHENTICATION" && this.GetState() === States.ERROR) return refused(this.#refusal());
    const sub = { type: event, apiCmd, sendNow: Boolean(send_now), objectId: Number(object_id) || 0, externalId: Number(external_id) || 0, requiredModules: api.required_modules };
    const added = this.#subs.add(sub, this.GetState() === States.READY);
    if (this.GetState() === States.DISCONNECTED) this.Connect().catch(() => {});
    return added;
  }

  /** Removes the subscriptions of `event` with this object filter (0: unfiltered ones) and external id (0: any). */
  Unsubscribe(event, external_id = 0, object_id = 0) {
    const externalId = Number(external_id) || 0;
    const objectId = Number(object_id) || 0;
    this.#subs.remove(event, externalId, objectId);
    if (this.GetState() === States.READY) {
      this.#cnx.send(frame("event", { action: "unsubscribe", type: event, external_id: externalId || undefined, object_id: objectId || undefined }));
    }
    return Promise.resolve();
  }

  /** Removes every subscription of this connection (a Subscribe() still waiting resolves). */
  UnsubscribeAll() {
    this.#subs.clear();
    if (this.GetState() === States.READY) this.#cnx.send(frame("event", { action: "unsubscribeall" }));
    return Promise.resolve();
  }

  /** Why a command cannot be queued now, or null: a refused sign-in, or a node that is away. */
  #refusal() {
    if (this.GetState() !== States.ERROR) return null;
    if (this.GetLastError() === "AUTHENTICATION") {
      return evqError(`Authentication error: ${this.#url} refused the sign-in; set the right credentials and call Connect() again`, "AUTHENTICATION", { sent: false });
    }
    const why = this.GetLastError() === "RATE_LIMITED" ? "it refuses sign-ins from this address for now, after too many failed ones" : "not connected";
    return evqError(`Connection error: ${this.#url}: ${why} (${this.#cnx.retrying ? "it tries again by itself" : "call Connect()"})`, "CONNECTION", { sent: false });
  }

  /** The socket was lost or the sign-in refused: commands waiting fail (the one in flight may have run). */
  #failed(kind, why, code) {
    if (kind === "AUTHENTICATION") {
      const error = () => evqError("Authentication error", "AUTHENTICATION", { sent: false, detail: why });
      this.#queue.failAll(error);
      this.#subs.failPending(error());
      return;
    }
    this.#queue.failAll((sent) =>
      sent
        ? evqError(`${code === "TIMEOUT" ? "Timeout" : "Connection error"}: ${this.#url}: ${why} before the answer came (the command may have run)`, code, { sent: true })
        : evqError(`Connection error: ${this.#url}: ${why}`, "CONNECTION", { sent: false }),
    );
  }

  #answer(doc) {
    const root = doc.documentElement;
    const value = this.#o.format === "json" ? toNode(root) : doc;
    const error =
      root.getAttribute("status") === "KO"
        ? evqError(root.getAttribute("error") || "the node answered KO", root.getAttribute("error-code") || "KO", { response: value })
        : null;
    if (!this.#queue.answer(error, value)) console.warn(`evQueue: ${this.#url} sent a <${root.nodeName}> frame that answers no command; it is ignored`);
  }

  #event(doc) {
    const root = doc.documentElement;
    const eventId = root.getAttribute("event-id");
    // Acked at once: the node sends this subscription's next event only after the ack.
    if (eventId !== null) this.#cnx.send(frame("event", { action: "ack", event_id: eventId }));
    const info = {
      node: this.GetNode(),
      externalId: Number(root.getAttribute("external-id") ?? 0),
      objectId: root.getAttribute("object-id") ?? "",
      eventId: eventId === null ? null : Number(eventId),
    };
    if (root.getAttribute("status") === "KO") {
      console.warn(`evQueue: ${this.#url} answered a subscription (external id ${info.externalId}) with an error: ${root.getAttribute("error")} (${root.getAttribute("error-code")})`);
    }
    const callback = this.#o.eventCallback;
    if (!callback) return;
    try {
      callback(this.#o.format === "json" ? toNode(root) : doc, info);
    } catch (error) {
      console.error("evQueue: the eventCallback threw", error);
    }
  }

  #stateChanged(state) {
    const callback = this.#o.stateChange;
    if (!callback) return;
    try {
      callback(this.GetNode() ?? this.#url, state);
    } catch (error) {
      console.error("evQueue: the stateChange callback threw", error);
    }
  }
}
