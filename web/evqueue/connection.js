// The life of one evQueue socket: open with the subprotocol ("api" or
// "events"), answer the sign-in challenge, wait for <ready>, and after a drop
// try again with backoff and jitter (never after a refused sign-in: that node
// stays in ERROR until connect() is called again; after the N s an aerostat
// node asks for when this address failed to sign in too often).
import { closeMeaning } from "./close-reasons.js";
import { evqError, States } from "./errors.js";
import { domParserClass, frame, parseFrame } from "./xml.js";

/** The delay before reconnect attempt n (1, 2, …): doubling from minDelayMs up to maxDelayMs, a share `jitter` of it random. */
function backoff(attempt, o) {
  const base = Math.min(o.maxDelayMs, o.minDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - o.jitter) + base * o.jitter * Math.random());
}

const reasonText = (code, reason) => `${code}${reason ? ` ${reason}` : ""}`;

export class Connection {
  #url;
  #mode;
  #o;
  #hooks;
  #socket = null;
  #state = States.DISCONNECTED;
  #lastError = null;
  #info = { node: null, version: null, profile: null, modules: [] };
  #waiters = [];
  #attempts = 0;
  #retryTimer = null;
  #connectTimer = null;

  /**
   * hooks: parser() → the DOMParser class; WebSocket() → the WebSocket class;
   * credentials() → { user, passwordSha1 } or null; sign(challenge,
   * passwordSha1) → Promise of the HMAC hex; ready() on each <ready> (before
   * the state turns READY);
   * frame(doc) for each frame after it; badFrame(error) for one that is not
   * XML; failed(kind, why, code) when the socket is lost ("CONNECTION") or
   * the sign-in refused ("AUTHENTICATION"); state(state) on each change.
   */
  constructor(url, mode, options, hooks) {
    this.#url = url;
    this.#mode = mode;
    this.#o = options;
    this.#hooks = hooks;
  }

  get state() {
    return this.#state;
  }
  get lastError() {
    return this.#lastError;
  }
  /** What <ready> said: node, version, profile, modules [{ name, version }]. */
  get info() {
    return this.#info;
  }
  /** Whether a reconnect attempt is scheduled. */
  get retrying() {
    return this.#retryTimer !== null;
  }

  /** Resolves at READY; opens (or retries now) when not connected or connecting. */
  connect() {
    if (this.#state === States.READY) return Promise.resolve();
    const promise = new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (this.#state === States.DISCONNECTED || this.#state === States.ERROR) this.#open();
    return promise;
  }

  /** Closes for good (until connect()); connect()'s promises reject with `error`. */
  close(error) {
    this.#stopTimers();
    this.#detach(1000, "Close()");
    this.#settle(error);
    this.#setState(States.DISCONNECTED);
  }

  /** Sends a frame when the socket is open (else it is dropped: the owner resends after READY). */
  send(text) {
    const socket = this.#socket;
    if (socket && socket.readyState === 1) socket.send(text);
  }

  /** Ends the socket on our side (a timeout, a protocol fault) and treats it as lost. */
  drop(why, code = "CONNECTION") {
    this.#detach(4000, why.slice(0, 100));
    this.#lost(why, code);
  }

  #open() {
    this.#stopTimers();
    let Parser;
    let socket;
    try {
      Parser = domParserClass(this.#hooks.parser());
      const Impl = this.#hooks.WebSocket();
      if (typeof Impl !== "function") throw new Error("evQueue client: no WebSocket here; give one: evQueueWS.WebSocket = WebSocket (or the WebSocket option)");
      socket = new Impl(this.#url, this.#mode);
    } catch (error) {
      // A missing DOMParser or WebSocket, or a malformed URL: no retry would help.
      console.error(`evQueue: cannot connect to ${this.#url}: ${error.message}`);
      this.#lastError = "CONNECTION";
      this.#hooks.failed("CONNECTION", error.message, "CONNECTION");
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
      this.#connectTimer = setTimeout(() => this.drop(`no <ready> within ${this.#o.connectTimeoutMs} ms`), this.#o.connectTimeoutMs);
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
      if (this.#state !== States.READY) this.drop("the node sent a frame that is not XML");
      else this.#hooks.badFrame(error);
      return;
    }
    if (this.#state === States.READY) this.#hooks.frame(doc);
    else this.#greeting(doc.documentElement);
  }

  /** Frames before READY: the challenge (when sign-in is on), then <ready>. */
  #greeting(root) {
    if (root.nodeName === "auth" && root.hasAttribute("challenge")) {
      this.#setState(States.AUTHENTICATING);
      this.#signIn(root.getAttribute("challenge"));
    } else if (root.nodeName === "ready") {
      this.#becomeReady(root);
    } else {
      this.drop(`the node sent <${root.nodeName}> where <auth> or <ready> was expected; is ${this.#url} an evQueue node?`);
    }
  }

  async #signIn(challenge) {
    const socket = this.#socket;
    const creds = this.#hooks.credentials();
    if (!creds?.user || !creds?.passwordSha1) {
      this.#authFailed("no credentials: set evQueueWS.credentials = { user, passwordSha1 } (or localStorage.user and localStorage.password) before connecting");
      return;
    }
    let response;
    try {
      response = await this.#hooks.sign(challenge, creds.passwordSha1);
    } catch (error) {
      this.#authFailed(error.message);
      return;
    }
    if (socket === this.#socket) socket.send(frame("auth", { response, user: creds.user }));
  }

  #becomeReady(root) {
    const modules = Array.from(root.getElementsByTagName("module"), (el) => ({ name: el.getAttribute("name") ?? "", version: el.getAttribute("version") ?? "" }));
    this.#info = { node: root.getAttribute("node"), version: root.getAttribute("version"), profile: root.getAttribute("profile"), modules };
    clearTimeout(this.#connectTimer);
    this.#attempts = 0;
    this.#lastError = null;
    // What waited goes out before anyone hears READY: a subscription made in a stateChange callback then goes once.
    this.#hooks.ready();
    this.#setState(States.READY);
    this.#settle(null);
  }

  #closed(code, reason) {
    this.#socket = null;
    const text = reasonText(code, reason);
    const meaning = this.#state === States.READY ? { kind: "CONNECTION" } : closeMeaning(code, reason ?? "");
    if (meaning.kind === "AUTHENTICATION") {
      this.#authFailed(`the node closed the connection (${text})`);
    } else if (meaning.kind === "RATE_LIMITED") {
      const seconds = meaning.waitMs / 1000;
      console.warn(`evQueue: ${this.#url} refuses sign-ins from this address for now (${text}); the next attempt is in ${seconds} s`);
      this.#lost(`the node refuses sign-ins from this address for ${seconds} s (${text})`, "CONNECTION", "RATE_LIMITED", meaning.waitMs);
    } else {
      this.#lost(`the connection closed (${text})`, "CONNECTION");
    }
  }

  /** The socket is gone: ERROR, and another attempt after the backoff (or after `waitMs`, when the node asked for that wait). */
  #lost(why, code, lastError = "CONNECTION", waitMs = 0) {
    clearTimeout(this.#connectTimer);
    const wasReady = this.#state === States.READY;
    this.#lastError = lastError;
    this.#hooks.failed("CONNECTION", why, code);
    this.#settle(evqError(`Connection error: ${this.#url}: ${why}`, "CONNECTION"));
    this.#setState(States.ERROR);
    if (wasReady) console.warn(`evQueue: lost ${this.#url}: ${why}`);
    if (this.#o.reconnect) {
      const attempt = ++this.#attempts;
      // A wait the node asked for is kept, with a little spread so that many pages do not all come back at once.
      const delay = waitMs > 0 ? waitMs + Math.round(this.#o.minDelayMs * Math.random()) : backoff(attempt, this.#o);
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
    this.#hooks.failed("AUTHENTICATION", detail, "AUTHENTICATION");
    this.#settle(evqError("Authentication error", "AUTHENTICATION", { sent: false, detail }));
    this.#setState(States.ERROR);
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

  /** Settles the promises of connect(): resolved when error is null. */
  #settle(error) {
    for (const w of this.#waiters.splice(0)) (error ? w.reject(error) : w.resolve());
  }

  #setState(state) {
    if (state === this.#state) return;
    this.#state = state;
    this.#hooks.state(state);
  }
}
