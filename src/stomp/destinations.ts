/** The STOMP destinations Dirigible's pages use, and the reply its controller sends. */

/** A message as the handler gets it: its text and who sent it. */
export interface Sender {
  readonly text: string;
  readonly from: string;
}

/** The endpoint a SEND destination names: `/ws/stomp/<e>` (Dirigible 7+), `/ws/js/<e>`, `/app/stomp/<e>`, `/app/js/<e>`. */
export function sendTarget(destination: string): string | undefined {
  const m = /^\/(?:ws|app)\/(?:stomp|js)\/([^/]+)$/.exec(destination);
  return m ? m[1] : undefined;
}

/** The queue and endpoint of a user destination: `/user/queue/reply/<e>` or `/user/queue/errors/<e>`. */
export function userQueue(destination: string): { queue: "reply" | "errors"; endpoint: string } | undefined {
  const m = /^\/user\/queue\/(reply|errors)\/([^/]+)$/.exec(destination);
  return m ? { queue: m[1] as "reply" | "errors", endpoint: m[2]! } : undefined;
}

/**
 * The reply's body, as Dirigible's controller shapes it: `{ from, text, time }`
 * with the handler's return value as text ("" for none; JSON for a value that
 * is not a string) and the server's local time as HH:mm.
 */
export function replyBody(from: string, value: unknown, at: Date): string {
  const text = value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  const time = `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
  return JSON.stringify({ from, text, time });
}
