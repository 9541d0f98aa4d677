/** What an evqueue endpoint counts while it is mounted on this node (never reset while it is). */
export interface EvqCounters {
  /** Event frames sent (send_now ones included). */
  eventsSent: number;
  /** Events merged into the next one of their subscription while it waited for its ack (throttling). */
  merged: number;
  /** Failed sign-ins (wrong HMAC, unknown user, refused past the rate limit). */
  authFailures: number;
}

/** An evqueue endpoint on this node, for runtime.evqueueStats() and the dashboard. */
export interface EvqEndpointStats extends EvqCounters {
  readonly endpoint: string;
  /** Open connections by subprotocol. */
  readonly api: number;
  readonly events: number;
  /** Subscriptions its "events" connections hold. */
  readonly subscriptions: number;
  /** Those subscriptions by event type, the most subscribed first (at most 20 types). */
  readonly byType: readonly { readonly type: string; readonly count: number }[];
}

export function newCounters(): EvqCounters {
  return { eventsSent: 0, merged: 0, authFailures: 0 };
}
