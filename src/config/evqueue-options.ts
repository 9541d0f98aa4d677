import { z } from "zod";
import { EVENT_NAME } from "../protocol/evqueue.js";

/** The `"evqueue"` object of a descriptor whose protocol is "evqueue". */
export interface EvqOptions {
  /** What `<ready version="…">` says: the evQueue version clients see. */
  readonly version: string;
  /** Module name → version, listed in `<ready><modules>` (clients use them for required_modules). */
  readonly modules: Readonly<Record<string, string>>;
  /** Event names a client may subscribe to besides evQueue's standard ones and those the handler registers. */
  readonly events: readonly string[];
  /** Whether evQueue's own event names (INSTANCE_STARTED, ...) may be subscribed to. */
  readonly standardEvents: boolean;
  /** One event in flight per subscription until the client acks it; later ones merge (evQueue's ws.events.throttling). */
  readonly throttling: boolean;
  /** How long onAuth and onApi may take before the client gets HANDLER_UNAVAILABLE (or, for onAuth, a close). */
  readonly hookTimeoutMs: number;
  /** Subscriptions one connection may hold; the next subscribe gets a KO frame. */
  readonly maxSubscriptions: number;
  /** Failed sign-ins one remote address (an IPv6 one by its /64) may make in a minute, its sign-ins being checked counted too; past it, its connections are closed (1008) without asking onAuth. */
  readonly authFailuresPerMinute: number;
  /** Characters of a frame a signed-in client may send; a longer one (or one of more than 10,000 tags) is answered KO unread. */
  readonly maxFrameChars: number;
}

export const EVQ_DEFAULTS = {
  version: "3.3",
  standardEvents: true,
  throttling: true,
  hookTimeoutMs: 5000,
  maxSubscriptions: 1000,
  authFailuresPerMinute: 10,
  maxFrameChars: 256 * 1024,
} as const;

const eventName = z
  .string({ error: 'must be an event name such as "JOB_DONE"' })
  .regex(EVENT_NAME, { error: 'must be 1 to 128 letters, digits, "_", "." or "-", such as "JOB_DONE"' });

const whole = (what: string, min: number, max: number) =>
  z
    .number({ error: `must be a number${what}` })
    .int({ error: `must be a whole number${what}` })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

/** The schema of the `"evqueue"` field; unknown fields are refused. */
export const evqSchema = z
  .object(
    {
      version: z.string({ error: 'must be a string such as "3.3"' }).min(1, { error: "must not be empty" }).max(64, { error: "must be at most 64 characters" }).optional(),
      modules: z
        .record(
          z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'module names are 1 to 64 letters, digits, "_", "." or "-"' }),
          z.string({ error: 'must be a version string such as "1.0"' }).max(64, { error: "must be at most 64 characters" }),
          { error: 'must be an object of module names to versions, such as {"git": "3.3"}' },
        )
        .refine((m) => Object.keys(m).length <= 100, { error: "may list at most 100 modules" })
        .optional(),
      events: z.array(eventName, { error: 'must be a list of event names such as ["JOB_DONE"]' }).max(10_000, { error: "may list at most 10000 names" }).optional(),
      standardEvents: z.boolean({ error: "must be true (evQueue's own event names may be subscribed to, the default) or false" }).optional(),
      throttling: z.boolean({ error: "must be true (one event in flight per subscription until acked, the default) or false" }).optional(),
      hookTimeoutMs: whole(" of ms", 1, 600_000).optional(),
      maxSubscriptions: whole("", 1, 100_000).optional(),
      authFailuresPerMinute: whole("", 1, 100_000).optional(),
      // At most the XML parser's own ceiling (protocols/evqueue/xml.ts MAX_XML_CHARS).
      maxFrameChars: whole(" of characters", 1024, 4 * 1024 * 1024).optional(),
    },
    { error: 'must be an object such as {"version": "3.3", "modules": {"git": "3.3"}, "events": ["JOB_DONE"]}' },
  )
  .strict();

/** For a field the schema does not know inside "evqueue": what the object is called and the fields it takes. */
export function evqKnownFieldsAt(path: readonly PropertyKey[]): { readonly what: string; readonly known: readonly string[] } | undefined {
  if (path.length === 1 && path[0] === "evqueue") return { what: "an evqueue option", known: Object.keys(evqSchema.shape) };
  return undefined;
}

export type EvqInput = z.infer<typeof evqSchema>;

/** The options with their defaults filled in (event names distinct, in order). */
export function evqOptions(input: EvqInput | undefined): EvqOptions {
  const i = input ?? {};
  return {
    version: i.version ?? EVQ_DEFAULTS.version,
    modules: { ...(i.modules ?? {}) },
    events: [...new Set(i.events ?? [])],
    standardEvents: i.standardEvents ?? EVQ_DEFAULTS.standardEvents,
    throttling: i.throttling ?? EVQ_DEFAULTS.throttling,
    hookTimeoutMs: i.hookTimeoutMs ?? EVQ_DEFAULTS.hookTimeoutMs,
    maxSubscriptions: i.maxSubscriptions ?? EVQ_DEFAULTS.maxSubscriptions,
    authFailuresPerMinute: i.authFailuresPerMinute ?? EVQ_DEFAULTS.authFailuresPerMinute,
    maxFrameChars: i.maxFrameChars ?? EVQ_DEFAULTS.maxFrameChars,
  };
}
