import type { Logger } from "../log/logger.js";
import type { Session } from "./sessions.js";

/**
 * Closes `sessions` with one code and reason, and logs one line with their
 * count ("closed 3 sessions of chat: 1012 endpoint handler changed; reconnect"),
 * not one per session; nothing when there were none. Returns the count.
 */
export function closeSessionsLogged(
  sessions: readonly Session[],
  code: number,
  reason: string,
  log: Logger,
  /** What the sessions belong to: "chat", "every endpoint", `project folder "rooms"`. */
  scope: string,
  fields: Record<string, unknown> = {},
): number {
  for (const s of sessions) s.close(code, reason);
  const count = sessions.length;
  if (count > 0) {
    log.info({ ...fields, sessions: count, code, reason }, `closed ${count} session${count === 1 ? "" : "s"} of ${scope}: ${code} ${reason}`);
  }
  return count;
}
