import type { PostedOp } from "../../ops/capability.js";
import type { MonoRailChangeHandler } from "../../ops/monorail-service.js";
import { MonoRailLimits, MonoRailOps } from "./ops-names.js";

const HANDLERS: ReadonlySet<string> = new Set<MonoRailChangeHandler>(["item", "remove", "list"]);

/** The change the guest posted, checked: a resource name, a frame kind and the JSON text of its fields. */
function change(args: unknown): { resource: string; handler: MonoRailChangeHandler; payload: string } {
  const [resource, handler, payload] = Array.isArray(args) ? args : [];
  if (typeof resource !== "string" || resource === "" || resource.length > MonoRailLimits.maxNameChars) {
    throw new TypeError(`monorail: the resource must be a non-empty string of at most ${MonoRailLimits.maxNameChars} characters`);
  }
  if (typeof handler !== "string" || !HANDLERS.has(handler)) throw new TypeError('monorail: a change is "item", "remove" or "list"');
  if (typeof payload !== "string") throw new TypeError("monorail: the change could not be read");
  if (payload.length > MonoRailLimits.maxDataChars) throw new RangeError(`monorail: the change is over ${MonoRailLimits.maxDataChars} characters of JSON; send less`);
  const fields = JSON.parse(payload) as unknown;
  if (!fields || typeof fields !== "object" || Array.isArray(fields)) throw new TypeError("monorail: a change is a JSON object of frame fields");
  return { resource, handler: handler as MonoRailChangeHandler, payload };
}

const publish: PostedOp = {
  mode: "posted",
  name: MonoRailOps.publish,
  run(ctx, args) {
    const { resource, handler, payload } = change(args);
    const service = ctx.services.monorail;
    if (!service) throw new Error("monorail: this runtime has no MonoRail endpoints wired");
    return service.publish(ctx.module.project, resource, handler, payload);
  },
};

/** The host operations of net/v4/monorail. */
export const monorailOps = [publish] as const;
