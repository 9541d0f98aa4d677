import type { AerostatError } from "../errors/codes.js";
import type { HandlerFault } from "../ops/services.js";

export interface ReloadEvent {
  /** Project-relative path of the file that was (re)loaded. */
  readonly file: string;
  readonly kind: "descriptor" | "handler";
  readonly ok: boolean;
  readonly ms?: number;
  readonly error?: AerostatError;
}

export interface RuntimeEvents {
  /** A descriptor or handler was loaded again after a change. */
  reload: [ReloadEvent];
  /** A file problem: bad descriptor, missing handler, endpoint conflict. */
  problem: [AerostatError];
  /** A handler function threw. */
  fault: [HandlerFault];
}

export interface EndpointInfo {
  readonly endpoint: string;
  readonly url: string;
  readonly handler: string;
  readonly descriptor: string;
  readonly description: string;
  readonly sessions: number;
  /** Why the endpoint cannot serve, if it cannot. */
  readonly problem?: string;
}

export interface HandlerStats {
  readonly handler: string;
  readonly project: string;
  readonly queued: number;
  /** Events in the dispatch now running. */
  readonly running: number;
  /** Where lone events run: "inline" on the host's thread (earned), "worker" on the sandbox's thread, "off" by option. */
  readonly dispatch: "inline" | "worker" | "off";
  readonly ready: boolean;
  readonly loads: number;
  readonly error?: string;
}
