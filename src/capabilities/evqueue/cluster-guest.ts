/**
 * net/v4/evqueue's client role inside the sandbox: createCluster and the
 * Cluster objects it returns. A cluster is a number here; its sockets,
 * subscriptions and reconnects live on the host. Async methods are host
 * promises, the Get* methods immediate calls; only JSON crosses.
 */
import type { Kernel } from "../../guest/kernel.js";
import { ClusterOps } from "./cluster-ops-names.js";

type Ctor = new (...args: unknown[]) => Error;

const OPTIONS = ["connection", "onEvent", "onStateChange"];

/** Adds createCluster to `exports` (before they are frozen; after ApiError, which its KO answers are). */
export function installCluster(exports: Record<string, unknown>, kernel: Kernel): void {
  const { freeze, StringCtor, TypeErrorCtor, RangeErrorCtor, ErrorCtor, PromiseCtor, isObjectLike, isArray, stringify, defineProperty, construct, keys, awaitable, push } =
    kernel.builtins;

  /** net/v4/evqueue's ApiError (installed before this): a KO answer rejects with one, so `instanceof ApiError` holds. */
  const ApiErrorCtor = exports["ApiError"] as Ctor;

  function field(error: Error, name: string, value: unknown): void {
    if (value !== undefined) defineProperty(error, name, { value, enumerable: true, writable: true, configurable: true });
  }

  /** The host's error as the script sees it: TypeError, RangeError, ApiError (code, node) or an Error named for what failed (code, node, and sent when the command had gone out). */
  function scriptError(error: unknown): Error {
    const info = (isObjectLike(error) ? error : {}) as { name?: unknown; message?: unknown; code?: unknown; node?: unknown; sent?: unknown };
    const message = StringCtor(info.message === undefined ? "" : info.message);
    const name = typeof info.name === "string" ? info.name : "Error";
    if (name === "TypeError") return new TypeErrorCtor(message);
    if (name === "RangeError") return new RangeErrorCtor(message);
    let e: Error | undefined;
    if (name === "ApiError") {
      try {
        e = construct(ApiErrorCtor, [typeof info.code === "string" && info.code !== "" ? info.code : "UNKNOWN_ERROR", message]) as Error;
      } catch (_) {
        e = undefined;
      }
    }
    if (!e) {
      e = new ErrorCtor(message);
      if (name !== "Error") defineProperty(e, "name", { value: name, writable: true, configurable: true });
      field(e, "code", info.code);
    }
    field(e, "node", info.node);
    if (info.sent === true) field(e, "sent", true);
    return e;
  }

  function rejected(error: unknown): Promise<never> {
    return awaitable(new PromiseCtor<never>((_resolve, reject) => reject(error))) as Promise<never>;
  }

  /** An answer's null (a node without a required module) as undefined; "*" answers come as an array of Nodes. */
  function answer(value: unknown): unknown {
    return value === null ? undefined : value;
  }

  function makeCluster(id: number, count: number): Record<string, unknown> {
    let closed = false;
    const closedError = () => scriptError({ name: "ConnectionError", code: "CLOSED", message: "the cluster was closed; make another with createCluster()" });

    /** Runs host op `op` for this cluster; its failure becomes the script's error. */
    function run(op: string, args: unknown[], map: (v: unknown) => unknown): Promise<unknown> {
      if (closed) return rejected(closedError());
      try {
        const all: unknown[] = [id];
        for (let i = 0; i < args.length; i++) push(all, args[i] === undefined ? null : args[i]);
        const p = awaitable(kernel.promise(op, all));
        return awaitable(
          (async () => {
            let value: unknown;
            try {
              value = await p;
            } catch (e) {
              throw scriptError(e);
            }
            return map(value);
          })(),
        );
      } catch (e) {
        return rejected(isObjectLike(e) && (e as Error).name === "RangeError" ? e : new TypeErrorCtor(StringCtor((e as Error)?.message ?? e)));
      }
    }

    const nothing = () => undefined;
    const lookup = (op: string, fill: unknown) => {
      const value = closed ? null : kernel.call(op, [id]);
      if (isArray(value)) return value;
      const out: unknown[] = [];
      for (let i = 0; i < count; i++) push(out, fill);
      return out;
    };

    return freeze({
      API(cmd: unknown) {
        return run(ClusterOps.api, [cmd], answer);
      },
      Subscribe(event: unknown, api: unknown, sendNow: unknown, objectId?: unknown, externalId?: unknown) {
        return run(ClusterOps.subscribe, [event, api, sendNow, objectId, externalId], nothing);
      },
      Unsubscribe(event: unknown, externalId?: unknown, objectId?: unknown) {
        return run(ClusterOps.unsubscribe, [event, externalId, objectId], nothing);
      },
      UnsubscribeAll() {
        return run(ClusterOps.unsubscribeAll, [], nothing);
      },
      GetNodes() {
        return lookup(ClusterOps.nodes, null);
      },
      GetStates() {
        return lookup(ClusterOps.states, "CLOSED");
      },
      GetVersions() {
        return lookup(ClusterOps.versions, null);
      },
      Close() {
        if (closed) return;
        closed = true;
        kernel.post(ClusterOps.close, [id]);
      },
    });
  }

  exports["createCluster"] = function createCluster(nodes: unknown, options?: unknown) {
    const api = "createCluster(nodes, options)";
    if (!isArray(nodes)) throw new TypeErrorCtor(api + ': nodes must be an array of connection names or ws:// URLs, such as ["evqueue"]');
    for (let i = 0; i < nodes.length; i++) {
      if (typeof nodes[i] !== "string") throw new TypeErrorCtor(api + ": nodes[" + i + "] must be a string (a connection name or a ws:// URL)");
    }
    let opts: Record<string, unknown> = {};
    if (options !== undefined && options !== null) {
      if (!isObjectLike(options) || isArray(options)) throw new TypeErrorCtor(api + ': options must be an object such as { connection: "evqueue", onEvent: "onEvqueueEvent" }');
      opts = options as Record<string, unknown>;
      const given = keys(opts);
      for (let i = 0; i < given.length; i++) {
        let known = false;
        for (let k = 0; k < OPTIONS.length; k++) if (given[i] === OPTIONS[k]) known = true;
        if (!known) throw new TypeErrorCtor(api + ": options." + given[i] + " is no option; the options are connection, onEvent and onStateChange");
      }
    }
    const text = (name: string): string | null => {
      const value = opts[name];
      if (value === undefined || value === null) return null;
      if (typeof value !== "string") throw new TypeErrorCtor(api + ": options." + name + " must be a string");
      return value;
    };
    const reply = kernel.call(ClusterOps.create, [stringify(nodes) as string, text("connection"), text("onEvent"), text("onStateChange")]) as Record<string, unknown> | null;
    if (!reply || typeof reply["id"] !== "number") {
      const error = reply && typeof reply["error"] === "string" ? reply["error"] : api + ": the cluster could not be made";
      throw reply && reply["kind"] === "range" ? new RangeErrorCtor(error) : new TypeErrorCtor(error);
    }
    return makeCluster(reply["id"], nodes.length);
  };
}
