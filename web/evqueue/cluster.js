// evQueueCluster: one evQueueWS per node URL, and evQueue's routing over them.
// A command goes to node "name", to every node that is up ("*"), or to the
// first node that is up, failing over to the next on connection errors (not
// on authentication errors, and not for a command that had already gone out).
// A subscription without a node moves off a node that fails (roaming.js).
import { evqError, States } from "./errors.js";
import { RoamingSubscriptions } from "./roaming.js";
import { evQueueWS } from "./ws.js";
import { buildApi } from "./xml.js";

/** The nodes to try for a command without a node, in order: those READY first, then those still connecting. */
function candidates(nodes) {
  const ready = nodes.filter((n) => n.GetState() === States.READY);
  const coming = nodes.filter((n) => n.GetState() === States.CONNECTING || n.GetState() === States.AUTHENTICATING);
  return [...ready, ...coming];
}

/**
 * A node to count on now: READY, or connecting for the first time since it
 * was last READY or made. A node that failed is down until it is READY
 * again, even while a reconnect attempt is under way (that attempt may take
 * connectTimeoutMs to fail).
 */
function isUp(n) {
  const state = n.GetState();
  if (state === States.READY) return true;
  return (state === States.CONNECTING || state === States.AUTHENTICATING) && n.GetLastError() === null;
}

/** Whether an error says that a command never reached its node (so that node is left out of a "*" answer). */
const neverSent = (error) => error?.code === "CONNECTION" && error.sent === false;

export class evQueueCluster {
  #nodes;
  #roaming = new RoamingSubscriptions((failed) => this.#nextUp(failed), isUp);

  /**
   * Connects to every node URL at once. With an eventCallback the
   * connections are "events" connections (for Subscribe); without, "api"
   * connections (for API). stateChange(nodeNameOrUrl, state) hears every
   * node's state. options go to each evQueueWS (credentials, format, …).
   */
  constructor(nodes, eventCallback, stateChange, options = {}) {
    if (!Array.isArray(nodes) || nodes.length === 0 || nodes.some((n) => typeof n !== "string" && !(n instanceof URL))) {
      throw new TypeError(`evQueueCluster: nodes must be a non-empty array of ws:// URLs, got ${JSON.stringify(nodes)}`);
    }
    const mode = eventCallback ? "events" : "api";
    this.#nodes = nodes.map((url) => {
      const node = new evQueueWS(url, {
        ...options,
        mode,
        eventCallback: eventCallback ?? undefined,
        stateChange: (name, state) => {
          // The cluster's subscriptions move first; the page hears the state after (its callback's errors are logged by evQueueWS).
          if (mode === "events") this.#roaming.stateChanged(node, state);
          stateChange?.(name, state);
        },
      });
      return node;
    });
    // A failure shows in stateChange, GetStates() and the console; a command then goes elsewhere.
    for (const node of this.#nodes) node.Connect().catch(() => {});
  }

  /** Runs an API command on the node `api.node` names, on every node ("*": an array), or on the first node up. */
  async API(api) {
    const target = api?.node;
    if (target === "*") {
      const up = this.#nodes.filter(isUp);
      if (up.length === 0) throw this.#noNode();
      // A node that turns out to be unreachable is left out; any other failure rejects the whole call.
      const answers = await Promise.all(up.map((n) => n.API(api).then((value) => ({ value }), (error) => (neverSent(error) ? null : Promise.reject(error)))));
      const answered = answers.filter((a) => a !== null);
      if (answered.length === 0) throw this.#noNode();
      return answered.map((a) => a.value);
    }
    if (target !== undefined && target !== null && target !== "") return (await this.#named(target)).API(api);
    let lastError = null;
    for (const node of candidates(this.#nodes)) {
      try {
        return await node.API(api);
      } catch (error) {
        // Another node may answer only when this one surely did not run the command.
        if (!neverSent(error)) throw error;
        lastError = error;
      }
    }
    throw this.#noNode(lastError);
  }

  /**
   * Subscribes on the node `api.node` names, on every node ("*"), or on one
   * node: the first node up, then the next node up whenever the one it is on
   * fails. Resolves once sent where the nodes are up.
   */
  async Subscribe(event, api, send_now, object_id, external_id) {
    const target = api?.node;
    if (target === "*") {
      const sent = this.#nodes.map((n) => {
        const up = isUp(n);
        const p = n.Subscribe(event, api, send_now, object_id, external_id);
        if (up) return p;
        // A node that is down gets it when it is back; only the nodes up now are waited for.
        p.catch(() => {});
        return undefined;
      });
      await Promise.all(sent);
      return;
    }
    if (target !== undefined && target !== null && target !== "") return (await this.#named(target)).Subscribe(event, api, send_now, object_id, external_id);
    const node = candidates(this.#nodes)[0];
    if (!node) throw this.#noNode();
    return this.#roaming.add(node, event, api, send_now, object_id, external_id);
  }

  /** Removes matching subscriptions on every node: of `event`, with this external id (0: any) and object filter (default 0: unfiltered ones). */
  async Unsubscribe(event, external_id = 0, object_id = 0) {
    this.#roaming.remove(event, Number(external_id) || 0, Number(object_id) || 0);
    await Promise.all(this.#nodes.map((n) => n.Unsubscribe(event, external_id, object_id)));
  }

  /** Removes every subscription on every node. */
  async UnsubscribeAll() {
    this.#roaming.clear();
    await Promise.all(this.#nodes.map((n) => n.UnsubscribeAll()));
  }

  /** Closes every connection; nothing reconnects. */
  Close() {
    // Forgotten first: a node that closes must not send its subscriptions to the next one.
    this.#roaming.clear();
    for (const n of this.#nodes) n.Close();
  }

  /** Node names from their <ready> (the URL stands in for a node that has not been ready yet). */
  GetNodes() {
    return this.#nodes.map((n) => n.GetNode() ?? n.GetURL());
  }
  GetVersions() {
    return this.#nodes.map((n) => n.GetVersion());
  }
  GetModules() {
    return this.#nodes.map((n) => n.GetModules());
  }
  GetStates() {
    return this.#nodes.map((n) => n.GetState());
  }
  GetNodeByName(name) {
    return this.#nodes.find((n) => n.GetNode() === name) ?? null;
  }
  GetNodeByCnx(url) {
    return this.#nodes.find((n) => n.GetURL() === String(url)) ?? null;
  }
  /** The first node that is READY, or null. */
  GetUpNode() {
    return this.#nodes.find((n) => n.GetState() === States.READY) ?? null;
  }
  /** The XML text of an API command. */
  BuildAPI(api) {
    return buildApi(api);
  }

  /** The node with this name (or URL); nodes whose name is not known yet are waited for while they connect. */
  async #named(name) {
    const find = () => this.GetNodeByName(name) ?? this.GetNodeByCnx(name);
    if (!find()) {
      const unnamed = this.#nodes.filter((n) => n.GetNode() === null && isUp(n));
      await Promise.allSettled(unnamed.map((n) => n.Connect()));
    }
    const node = find();
    if (node) return node;
    throw evqError(`evQueueCluster: no node named "${name}"; the nodes are ${this.GetNodes().map((n) => `"${n}"`).join(", ")} (a name is known once its node is ready)`, "UNKNOWN_NODE");
  }

  /** Where a subscription goes when `failed` fails: the first other node READY, else the first other node up, else null. */
  #nextUp(failed) {
    const up = this.#nodes.filter((n) => n !== failed && isUp(n));
    return up.find((n) => n.GetState() === States.READY) ?? up[0] ?? null;
  }

  #noNode(cause) {
    const states = this.#nodes.map((n) => `${n.GetNode() ?? n.GetURL()}: ${n.GetState()}${n.GetLastError() ? ` (${n.GetLastError()})` : ""}`).join(", ");
    // Every node refused the sign-in: waiting will not help, new credentials will.
    if (this.#nodes.every((n) => n.GetState() === States.ERROR && n.GetLastError() === "AUTHENTICATION")) {
      return evqError(`Authentication error: every evQueue node refused the sign-in (${states}); set the right credentials and call Connect() again`, "AUTHENTICATION", { sent: false, cause });
    }
    return evqError(`Connection error: no evQueue node is up (${states})`, "CONNECTION", { sent: false, cause });
  }
}
