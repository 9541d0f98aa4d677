import { parse, RangeErrorCtor, stringify, StringCtor } from "./builtins.js";
import { host } from "./host.js";
import { isInEvent } from "./outbox.js";

/**
 * Immediate host calls: questions that need an answer now (getSessions(),
 * createWebsocket()). Each takes primitive arguments and answers JSON. One
 * event may make a bounded number of them, with bounded arguments and answers,
 * so no script can keep the host's event loop busy with them.
 */
let eventCalls = 0;
let eventAnswerChars = 0;
let lateCalls = 0;
let lateAnswerChars = 0;

export function beginEventCalls(): void {
  eventCalls = 0;
  eventAnswerChars = 0;
}

export function beginLateCalls(): void {
  lateCalls = 0;
  lateAnswerChars = 0;
}

export type Primitive = string | number | boolean | null;

/** Calls host op `op` with primitive arguments; returns the parsed answer. */
export function call(op: string, args: Primitive[]): unknown {
  const limits = host.limits;
  const inEvent = isInEvent();
  if ((inEvent ? eventCalls : lateCalls) >= limits.maxHostCalls) {
    throw new RangeErrorCtor(
      "Too many API calls in one event (limit " + limits.maxHostCalls + "). Call getSessions() and the like once and keep the result.",
    );
  }
  if ((inEvent ? eventAnswerChars : lateAnswerChars) > limits.maxHostAnswerChars) {
    throw new RangeErrorCtor(
      "API calls in this event have returned too much data (limit " + limits.maxHostAnswerChars + " characters). Call getSessions() and the like once and keep the result.",
    );
  }
  if (inEvent) eventCalls++;
  else lateCalls++;
  let text = "[";
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    text += (i ? "," : "") + (v === null ? "null" : typeof v === "number" ? (v === v ? "" + v : "0") : typeof v === "boolean" ? "" + v : stringify(StringCtor(v)));
  }
  text += "]";
  if (text.length > limits.maxHostCallChars) {
    throw new RangeErrorCtor("API call arguments too long (" + text.length + " characters, limit " + limits.maxHostCallChars + ").");
  }
  const answer = host.call(op, text);
  if (typeof answer !== "string") return null;
  if (inEvent) eventAnswerChars += answer.length;
  else lateAnswerChars += answer.length;
  return parse(answer);
}
