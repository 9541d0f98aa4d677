import { API_ERROR_NAME, EvqErrorCodes, EvqHooks } from "../../protocol/evqueue.js";
import type { HandlerModule } from "../../sandbox/handler-module.js";
import { HookError } from "../../sandbox/requests.js";
import type { AskBudget } from "../../peers/ask-budget.js";
import { koFrame, okFrame, type Query, type ReplyExtras } from "./frames.js";

/** The connection a command came on, as onApi gets it (net/v4/evqueue's Session). */
export interface SessionInfo {
  readonly id: string;
  readonly user: string | null;
  readonly profile: string;
  readonly mode: "api" | "events";
  readonly node: string;
  readonly endpoint: string;
}

/** Which event a subscription's command is re-run for (net/v4/evqueue's EventInfo). */
export interface EventInfo {
  readonly type: string;
  readonly objectId: string;
  readonly externalId: number;
  readonly eventId: number;
}

/** What asking onApi needs. */
export interface ApiAsk {
  readonly module: HandlerModule;
  readonly session: SessionInfo;
  readonly timeoutMs: number;
  /** Asks in flight per handler module, across the node's evqueue connections. */
  readonly asks: AskBudget;
  /** Logs a failure the client hears of as a KO frame but the operator must see too (the host's, or an unwritable answer). */
  readonly logFailure: (what: string, error: unknown) => void;
}

/** What the client hears of onApi's own failure: the details (the script's error text, with file:line) are for the server log only. */
const HANDLER_FAILED = "the handler failed; the server log has the details";
const ANSWER_UNWRITABLE = "the handler's answer could not be sent; the server log has the details";

/** Characters of an error message a KO frame carries at most. */
const MAX_ERROR_CHARS = 2000;
const clip = (text: string) => (text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text);

/**
 * Runs one command through the handler's onApi and answers its reply frame:
 * status="OK" with what it returned, or status="KO" with error and
 * error-code: an ApiError's own code; INTERNAL_ERROR, with a message that
 * tells nothing of the script, for anything else it threw or an answer that
 * cannot be written (the fault is logged with file:line); HANDLER_UNAVAILABLE
 * when it could not answer (too slow, reloaded, disabled, too busy);
 * UNKNOWN_COMMAND when the handler exports no onApi. A client's command is
 * refused at once when the handler has its most asks in flight; an event's
 * run (`event` given) waits its turn instead, and resolves "" without asking
 * when `wanted` says by then that it is no longer needed. Never rejects.
 */
export async function askApi(ask: ApiAsk, query: Query, event: EventInfo | undefined, extras: ReplyExtras = {}, wanted?: () => boolean): Promise<string> {
  const { module, session } = ask;
  if (!module.hooks.has(EvqHooks.api)) {
    return koFrame(session.node, EvqErrorCodes.unknownCommand, `the handler ${module.key} exports no onApi: export onApi(query, session, event) to answer evQueue commands`, extras);
  }
  if (event !== undefined) {
    if (!(await ask.asks.wait(module, wanted))) return "";
  } else if (!ask.asks.take(module)) {
    const busy = new Error(`the handler has ${ask.asks.max} evQueue commands and events in flight (its limit across this node's connections); ask again later`);
    ask.logFailure(`evQueue ${query.group} ${query.action}`, busy);
    return koFrame(session.node, EvqErrorCodes.unavailable, busy.message, extras);
  }
  let answer: unknown;
  try {
    const args = event === undefined ? [query, session] : [query, session, event];
    answer = await module.request(EvqHooks.api, args, ask.timeoutMs, undefined, false, true);
  } catch (error) {
    return koFrame(session.node, ...failure(ask, query, error), extras);
  } finally {
    ask.asks.give(module);
  }
  try {
    return okFrame(session.node, answer, extras);
  } catch (error) {
    ask.logFailure(`evQueue ${query.group} ${query.action}: the answer of onApi`, error);
    return koFrame(session.node, EvqErrorCodes.internal, ANSWER_UNWRITABLE, extras);
  }
}

/** The error-code and message of a failed ask. */
function failure(ask: ApiAsk, query: Query, error: unknown): [code: string, message: string] {
  if (error instanceof HookError) {
    const code = (error as HookError & { code?: unknown }).code;
    if (error.name === API_ERROR_NAME && typeof code === "string" && code !== "") return [clip(code), clip(error.message)];
    if (error.name === "HookMissingError") return [EvqErrorCodes.unknownCommand, `the handler ${ask.module.key} exports no onApi`];
    // Thrown by onApi: the guest reported it as a fault, with file:line; its text may say what the client must not learn.
    return [EvqErrorCodes.internal, HANDLER_FAILED];
  }
  // The host's: too slow, reloaded, disabled, too many questions waiting.
  ask.logFailure(`evQueue ${query.group} ${query.action}`, error);
  return [EvqErrorCodes.unavailable, clip(String((error as Error)?.message ?? error))];
}
