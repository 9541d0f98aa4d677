import type { GuestLimits, GuestSettings } from "../protocol/settings.js";

/**
 * The one function the host gives the guest: it takes an op name, a string of
 * arguments and (for outbox flushes) binaries the guest copied, and answers
 * with text. It is captured here and never reachable from user code.
 */
export type HostCall = (op: string, args: string, binaries?: ArrayBuffer[]) => unknown;

/** What the prelude was started with, for every guest module. */
export const host = {
  call: undefined as unknown as HostCall,
  settings: undefined as unknown as GuestSettings,
  limits: undefined as unknown as GuestLimits,
};
