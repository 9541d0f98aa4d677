/** The operations sdk/http's guest module calls (shared by guest.ts and ops.ts). */
export const HttpOps = {
  /** [requestId, status, [[name, value], ...], body]: the answer to a request, sent once. */
  respond: "http.respond",
} as const;
