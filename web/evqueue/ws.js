// evQueueWS: one connection to one evQueue node, in "api" mode (commands and
// their answers) or "events" mode (subscriptions and the frames they bring).
// Signs in with the HMAC-SHA1 challenge, reconnects with backoff and jitter,
// and sends its subscriptions again after a reconnect.
import { ApiQueue } from "./api-queue.js";
import { evqError, States } from "./errors.js";
import { challengeResponse, defaultSubtle, sha1Hex } from "./sha1.js";
import { Subscriptions } from "./subscriptions.js";
import { base64Utf8, buildApi, domParserClass, frame, parseFrame, toNode } from "./xml.js";

const DEFAULTS = { minDelayMs: 250, maxDelayMs: 10_000, jitter: 0.5, connectTimeoutMs: 10_000, apiTimeoutMs: 30_000, reconnect: true, format: "xml" };

/** The delay before reconnect attempt n (1, 2, …): doubling from minDelayMs up to maxDelayMs, a share `jitter` of it random. */
function backoff(attempt, o) {
  const base = Math.min(o.maxDelayMs, o.minDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - o.jitter) + base * o.jitter * Math.random());
}

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
  #socket = null;
  #state = States.DISCONNECTED;
  #lastError = null;
  #ready = { node: null, version: null, profile: null, modules: [] };
  #waiters = [];
  #attempts = 0;
  #retryTimer = null;
  #connectTimer = null;
  #queue;
  #subs;

  /**
   * A connection to `url` (ws:// or wss://). options: mode ("api" or
   * "events"; default "events" when eventCallback is given), eventCallback,
   * stateChange, credentials, format, DOMParser, WebSocket, reconnect,
   * minDelayMs, maxDelayMs, jitter, connectTimeoutMs, apiTimeoutMs.
   */
  constructor(url, options = {}) {
    this.#url = String(url);
    this.#o = { ...DEFAULTS, ...options };
    this.#mode = options.mode ?? (options.eventCallback ? "events" : "api");
    if (this.#mode !== "api" && this.#mode !== "events") throw new TypeError(`evQueueWS: mode must be "api" or "events", got ${JSON.stringify(options.mode)}`);
    if (this.#o.format !== "xml" && this.#o.format !== "json") throw new TypeError(`evQueueWS: format must be "xml" or "json", got ${JSON.stringify(options.format)}`);
    const modules = () => this.#ready.modules.map((m) => m.name);
    this.#queue = new ApiQueue({
      send: (text) => this.#send(text),
      modules,
      timeoutMs: this.#o.apiTimeoutMs,
      timedOut: () => this.#drop(`no answer within ${this.#o.apiTimeoutMs} ms`, "TIMEOUT"),
    });
    this.#subs = new Subscriptions((text) => this.#send(text), modules);
  }

  GetURL() {
    return this.#url;
  }
  GetMode() {
    return this.#mode;
  }
  GetState() {
    return this.#state;
  }
  GetLastError() {
    return this.#lastError;
  }
  GetNode() {
    return this.#ready.node;
  }
  GetVersion() {
    return this.#ready.version;
  }
  GetProfile() {
    return this.#ready.profile;
  }
  GetModules() {
    return this.#ready.modules.map((m) => ({ ...m }));
  }

  /** Opens the connection; resolves once the node said <ready>. Rejects "Authentication error" on a refused sign-in. */
  Connect() {
    if (this.#state === States.READY) return Promise.resolve();
    const promise = new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (this.#state === States.DISCONNECTED || this.#state === States.ERROR) this.#open();
    return promise;
  }

  /** Closes the connection and stops reconnecting; commands and subscriptions are dropped. Connect() starts again. */
  Close() {
    this.#stopTimers();
    this.#detach(1000, "Close()");
    const closed = () => evqError("Closed: Close() was called", "CLOSED");
    this.#queue.failAll(closed);
    this.#subs.clear(closed());
    this.#settle(closed());
    this.#setState(States.DISCONNECTED);
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
    if (this.#state === States.DISCONNECTED) this.Connect().catch(() => {});
    else if (this.#state === States.READY) this.#queue.pump();
    return promise;
  }

  /** Subscribes to an event; resolves once the subscribe frame went out (after a reconnect it is sent again with send_now). */
  Subscribe(event, api, send_now = false, object_id = 0, external_id = 0) {
    if (this.#mode !== "events") {
      return Promise.reject(new TypeError("evQueueWS.Subscribe() needs an events connection: give the cluster an eventCallback (or the mode option \"events\")"));
    }
    if (typeof event !== "string" || !/^[A-Za-z0-9_.-]{1,128}$/.test(event)) {
      return Promise.reject(new TypeError(`Subscribe(): the event must be an event name such as "INSTANCE_TERMINATED", got ${JSON.stringify(event)}`));
    }
    let apiCmd;
    try {
      apiCmd = base64Utf8(buildApi(api));
    } catch (error) {
      return Promise.reject(error);
    }
    const refused = this.#lastError === "AUTHENTICATION" && this.#state === States.ERROR ? this.#refusal() : null;
    if (refused) return Promise.reject(refused);
    const sub = { type: event, apiCmd, sendNow: Boolean(send_now), objectId: Number(object_id) || 0, externalId: Number(external_id) || 0, requiredModules: api.required_modules };
    const promise = this.#subs.add(sub, this.#state === States.READY);
    if (this.#state === States.DISCONNECTED) this.Connect().catch(() => {});
    return promise;
  }

  /** Removes the subscriptions of `event` with this object filter (0: unfiltered ones) and external id (0: any). */
  Unsubscribe(event, external_id = 0, object_id = 0) {
    const externalId = Number(external_id) || 0;
    const objectId = Number(object_id) || 0;
    this.#subs.remove(event, externalId, objectId);
    if (this.#state === States.READY) {
      this.#send(frame("event", { action: "unsubscribe", type: event, external_id: externalId || undefined, object_id: objectId || undefined }));
    }
    return Promise.resolve();
  }

  /** Removes every subscription of this connection. */
  UnsubscribeAll() {
    this.#subs.clear(evqError("Unsubscribed: UnsubscribeAll() was called", "CLOSED"));
    if (this.#state === States.READY) this.#send(frame("event", { action: "unsubscribeall" }));
    return Promise.resolve();
  }

  /** Why a command cannot be queued now, or null: a refused sign-in, or a node that is away (reconnecting). */
  #refusal() {
    if (this.#state !== States.ERROR) return null;
    if (this.#lastError === "AUTHENTICATION") return evqError(`Authentication error: ${this.#url} refused the sign-in; set the right credentials and call Connect() again`, "AUTHENTICATION", { sent: false });
    return evqError(`Connection error: ${this.#url} is not connected (${this.#retryTimer ? "reconnecting" : "call Connect()"})`, "CONNECTION", { sent: false });
  }

  #open() {
    this.#stopTimers();
    let Parser;
    let socket;
    try {
      Parser = domParserClass(this.#o.DOMParser ?? evQueueWS.DOMParser);
      const Impl = this.#o.WebSocket ?? evQueueWS.WebSocket ?? globalThis.WebSocket;
      if (typeof Impl !== "function") throw new Error("evQueue client: no WebSocket here; give one: evQueueWS.WebSocket = WebSocket (or the WebSocket option)");
      socket = new Impl(this.#url, this.#mode);
    } catch (error) {
      // A missing DOMParser or WebSocket, or a malformed URL: no retry would help.
      this.#lastError = "CONNECTION";
      console.error(`evQueue: cannot connect to ${this.#url}: ${error.message}`);
      this.#queue.failAll(() => evqError(`Connection error: ${error.message}`, "CONNECTION", { sent: false }));
      this.#settle(error);
      this.#setState(States.ERROR);
      return;
    }
    this.#socket = socket;
    this.#setState(States.CONNECTING);
    socket.onmessage = (e) => {
      if (socket === this.#socket) this.#received(Parser, e.data);
    };
    socket.onclose = (e) => {
      if (socket === this.#socket) this.#closed(e.code, e.reason);
    };
    socket.onerror = () => {}; // a close follows, and says more
    if (this.#o.connectTimeoutMs > 0) {
      this.#connectTimer = setTimeout(() => this.#drop(`no <ready> within ${this.#o.connectTimeoutMs} ms`, "CONNECTION"), this.#o.connectTimeoutMs);
    }
  }

  #received(Parser, data) {
    if (typeof data !== "string") {
      console.warn(`evQueue: ${this.#url} sent a binary frame; evQueue frames are XML text, so it is ignored`);
      return;
    }
    let doc;
    try {
      doc = parseFrame(Parser, data);
    } catch (error) {
      console.error(`evQueue: ${this.#url}: ${error.message}`);
      if (this.#state !== States.READY) this.#drop("the node sent a frame that is not XML", "CONNECTION");
      else if (this.#mode === "api") this.#queue.answer(error);
      return;
    }
    const root = doc.documentElement;
    if (this.#state !== States.READY) this.#greeting(root);
    else if (this.#mode === "api") this.#answer(doc, root);
    else this.#event(doc, root);
  }

  /** Frames before READY: the challenge, then <ready>. */
  #greeting(root) {
    if (root.nodeName === "auth" && root.hasAttribute("challenge")) {
      this.#setState(States.AUTHENTICATING);
      this.#signIn(root.getAttribute("challenge"));
    } else if (root.nodeName === "ready") {
      this.#becomeReady(root);
    } else {
      this.#drop(`the node sent <${root.nodeName}> where <auth> or <ready> was expected; is ${this.#url} an evQueue node?`, "CONNECTION");
    }
  }

  async #signIn(challenge) {
    const socket = this.#socket;
    const creds = this.#o.credentials ?? evQueueWS.credentials ?? storedCredentials();
    if (!creds?.user || !creds?.passwordSha1) {
      this.#authFailed("no credentials: set evQueueWS.credentials = { user, passwordSha1 } (or localStorage.user and localStorage.password) before connecting");
      return;
    }
    let response;
    try {
      response = await evQueueWS.challengeResponse(challenge, creds.passwordSha1);
    } catch (error) {
      this.#authFailed(error.message);
      return;
    }
    if (socket === this.#socket) socket.send(frame("auth", { response, user: creds.user }));
  }

  #becomeReady(root) {
    const modules = [];
    for (const el of Array.from(root.getElementsByTagName("module"))) modules.push({ name: el.getAttribute("name") ?? "", version: el.getAttribute("version") ?? "" });
    this.#ready = { node: root.getAttribute("node"), version: root.getAttribute("version"), profile: root.getAttribute("profile"), modules };
    clearTimeout(this.#connectTimer);
    this.#attempts = 0;
    this.#lastError = null;
    this.#setState(States.READY);
    this.#settle(null);
    this.#subs.sendAll();
    this.#queue.pump();
  }

  #answer(doc, root) {
    const value = this.#o.format === "json" ? toNode(root) : doc;
    const error =
      root.getAttribute("status") === "KO"
        ? evqError(root.getAttribute("error") || "the node answered KO", root.getAttribute("error-code") || "KO", { response: value })
        : null;
    if (!this.#queue.answer(error, value)) console.warn(`evQueue: ${this.#url} sent a <${root.nodeName}> frame that answers no command; it is ignored`);
  }

  #event(doc, root) {
    const eventId = root.getAttribute("event-id");
    // Acked at once: the node sends this subscription's next event only after the ack.
    if (eventId !== null) this.#send(frame("event", { action: "ack", event_id: eventId }));
    const info = {
      node: this.#ready.node,
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

  #closed(code, reason) {
    this.#socket = null;
    if (this.#state === States.AUTHENTICATING && (code === 1008 || /auth/i.test(reason ?? ""))) {
      this.#authFailed(`the node closed the connection (${code}${reason ? ` ${reason}` : ""})`);
    } else {
      this.#lost(`the connection closed (${code}${reason ? ` ${reason}` : ""})`, "CONNECTION");
    }
  }

  /** Ends the current socket on our side (a timeout, a protocol fault) and treats it as a lost connection. */
  #drop(why, code) {
    this.#detach(4000, why.slice(0, 100));
    this.#lost(why, code);
  }

  #lost(why, code) {
    clearTimeout(this.#connectTimer);
    const wasReady = this.#state === States.READY;
    this.#lastError = "CONNECTION";
    this.#queue.failAll((sent) =>
      sent
        ? evqError(`${code === "TIMEOUT" ? "Timeout" : "Connection error"}: ${this.#url}: ${why} before the answer came (the command may have run)`, code, { sent: true })
        : evqError(`Connection error: ${this.#url}: ${why}`, "CONNECTION", { sent: false }),
    );
    this.#settle(evqError(`Connection error: ${this.#url}: ${why}`, "CONNECTION"));
    this.#setState(States.ERROR);
    if (wasReady) console.warn(`evQueue: lost ${this.#url}: ${why}`);
    if (this.#o.reconnect) {
      const delay = backoff(++this.#attempts, this.#o);
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        this.#open();
      }, delay);
    }
  }

  #authFailed(detail) {
    this.#stopTimers();
    this.#detach(1000, "authentication failed");
    this.#lastError = "AUTHENTICATION";
    console.warn(`evQueue: ${this.#url} refused the sign-in: ${detail}. It stays down until Connect() is called again.`);
    const error = () => evqError("Authentication error", "AUTHENTICATION", { sent: false, detail });
    this.#queue.failAll(error);
    this.#subs.failPending(error());
    this.#settle(error());
    this.#setState(States.ERROR);
  }

  #send(text) {
    const socket = this.#socket;
    if (socket && socket.readyState === 1) socket.send(text);
  }

  #detach(code, reason) {
    const socket = this.#socket;
    this.#socket = null;
    if (!socket) return;
    socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(code, reason);
    } catch {
      socket.close();
    }
  }

  #stopTimers() {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#connectTimer);
    this.#retryTimer = null;
    this.#connectTimer = null;
  }

  /** Settles the promises of Connect(): resolved when error is null. */
  #settle(error) {
    for (const w of this.#waiters.splice(0)) (error ? w.reject(error) : w.resolve());
  }

  #setState(state) {
    if (state === this.#state) return;
    this.#state = state;
    const cb = this.#o.stateChange;
    if (!cb) return;
    try {
      cb(this.#ready.node ?? this.#url, state);
    } catch (error) {
      console.error("evQueue: the stateChange callback threw", error);
    }
  }
}
