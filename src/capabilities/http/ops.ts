import type { PostedOp } from "../../ops/capability.js";
import type { ServiceReply } from "../../peers/exchanges.js";
import { HttpOps } from "./ops-names.js";

/** Checks a respond's arguments from the guest: [requestId, status, [[name, value], ...], body]. */
function replyArgs(args: unknown): { id: string; reply: ServiceReply } | undefined {
  if (!Array.isArray(args) || args.length !== 4) return undefined;
  const [id, status, headers, body] = args as unknown[];
  if (typeof id !== "string" || typeof status !== "number" || typeof body !== "string" || !Array.isArray(headers)) return undefined;
  const pairs = headers.filter(
    (h): h is [string, string] => Array.isArray(h) && h.length === 2 && typeof h[0] === "string" && typeof h[1] === "string",
  );
  return { id, reply: { status, headers: pairs, body } };
}

const respond: PostedOp = {
  mode: "posted",
  name: HttpOps.respond,
  run({ module, services }, args) {
    const checked = replyArgs(args);
    if (!checked) throw new TypeError("the script's response could not be read");
    services.exchanges.answer(module.project, module.key, checked.id, checked.reply);
    return 0;
  },
};

export const httpOps = [respond] as const;
