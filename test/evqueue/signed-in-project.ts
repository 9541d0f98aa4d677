import { descriptor } from "../helpers/project.js";
import { sha1 } from "./evq-client.js";

/**
 * An evqueue endpoint "jobs" with sign-in on, for the tests that put the
 * server role, the browser client and the client role together. The user
 * admin's password SHA1 comes from the node's configuration EVQ_ADMIN_SHA1,
 * so two nodes serving the same files may have different passwords.
 *
 * Commands: <raise type ids="1,2"/> raises createEvent(type, id) for each id;
 * <jobs/> answers one <job run node objectId label …parameters/> (run counts
 * the calls on that node); <echo/> answers its attributes and parameters;
 * <fail/> throws ApiError("INVALID_PARAMETER"). Each call logs
 * "onApi <group> <mode>".
 */
export const SIGNED_IN_HANDLER = `
const { ApiError, createEvent, registerEvents } = require("net/v4/evqueue");
const configurations = require("core/v4/configurations");
registerEvents(["JOB_DONE"]);
const users = { admin: { passwordSha1: configurations.get("EVQ_ADMIN_SHA1"), profile: "ADMIN" } };
exports.onAuth = (user) => users[user] ?? null;
let runs = 0;
exports.onApi = (query, session, event) => {
  console.log("onApi " + query.group + " " + session.mode);
  switch (query.group) {
    case "raise":
      for (const id of (query.attributes.ids ?? "0").split(",")) createEvent(query.attributes.type, Number(id));
      return { name: "raised", attributes: { on: session.node } };
    case "jobs":
      return [{ name: "job", attributes: { ...query.parameters, run: ++runs, node: session.node, objectId: event?.objectId ?? "", label: query.attributes.label ?? "" } }];
    case "echo":
      return { name: "echo", attributes: query.attributes, children: Object.entries(query.parameters).map(([name, value]) => ({ name: "parameter", attributes: { name, value } })) };
    case "fail":
      throw new ApiError("INVALID_PARAMETER", "no job " + (query.attributes.id ?? "") + (event ? " for event " + event.eventId : ""));
  }
  throw new ApiError("UNKNOWN_COMMAND", "no " + query.group);
};`;

export const PASSWORD = "secret";

/** The project files: the handler and its descriptor (`evqueue` and other descriptor fields merged in). */
export function signedInProject(evqueue: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, string> {
  return {
    "p/jobs.js": SIGNED_IN_HANDLER,
    "p/jobs.websocket": descriptor("jobs", "p/jobs", { protocol: "evqueue", evqueue, ...extra }),
  };
}

/** The runtime option that sets admin's password on a node. */
export function adminPassword(password = PASSWORD): { configurations: Record<string, string> } {
  return { configurations: { EVQ_ADMIN_SHA1: sha1(password) } };
}

/** How many times a node's onApi ran for `group` (from its log). */
export function apiCalls(lines: readonly { msg: unknown }[], group: string, mode = "api"): number {
  return lines.filter((l) => l.msg === `onApi ${group} ${mode}`).length;
}
