import { NAME_KEPT } from "./recent-errors.js";

/** What a dashboard page may send over its live socket: the endpoint whose sessions to detail, or null. */
export interface ViewerRequest {
  readonly show: string | null;
}

/** A frame a dashboard page should not have sent; the socket is closed with its message as the reason. */
export class ViewerRequestError extends Error {}

/** Reads a page's frame: `{"show": "<endpoint>"}` or `{"show": null}`. */
export function viewerRequest(data: unknown, isBinary: boolean): ViewerRequest {
  if (isBinary || !Buffer.isBuffer(data)) throw new ViewerRequestError('send {"show": endpoint} as text');
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString("utf8"));
  } catch {
    throw new ViewerRequestError('not JSON; send {"show": endpoint}');
  }
  const show = (parsed as { show?: unknown } | null)?.show;
  if (show === null) return { show: null };
  if (typeof show !== "string" || show.length > NAME_KEPT) throw new ViewerRequestError('send {"show": endpoint} or {"show": null}');
  return { show };
}
