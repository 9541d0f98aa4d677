import { hookFailure, isHookFault, ScErrors, wireError } from "./errors.js";
import { answerJsonFrame, callId, type Packet } from "./frames.js";
import { checkToken, signedIn } from "./handshake.js";
import { ScHooks } from "../../protocol/socketcluster-hooks.js";
import type { ScSession } from "./session.js";

/** Characters of a channel, procedure or receiver name. */
export const MAX_NAME_CHARS = 512;

/** The procedure that answers what a client missed on a history channel. */
export const RECOVER_PROCEDURE = "aerostat.recover";

function validName(name: unknown): name is string {
  return typeof name === "string" && name !== "" && name.length <= MAX_NAME_CHARS;
}

/** One packet of an open connection: a protocol event (`#...`), or a call or transmit for the handler. */
export async function handlePacket(s: ScSession, packet: Packet): Promise<void> {
  const rid = callId(packet);
  const event = packet.event;
  if (typeof event !== "string") return s.fail(rid, wireError(ScErrors.invalidAction, "a packet needs an event name"));
  try {
    switch (event) {
      case "#subscribe":
        return await subscribe(s, packet.data, rid);
      case "#unsubscribe":
        if (typeof packet.data === "string") s.unsubscribe(packet.data);
        return s.answer(rid);
      case "#publish":
        return await publish(s, packet.data, rid);
      case "#authenticate":
        return await authenticate(s, packet.data, rid);
      case "#removeAuthToken":
        s.signOut("signed out", false);
        return s.answer(rid);
      default:
        if (event.startsWith("#")) return s.fail(rid, wireError(ScErrors.invalidAction, `"${event.slice(0, 80)}" is not an event of the protocol`));
        if (rid === undefined) return await transmit(s, event, packet.data);
        return await invoke(s, event, packet.data, rid);
    }
  } catch (error) {
    s.ctx.log.error({ endpoint: s.endpoint, session: s.id, event: event.slice(0, 80), err: error }, `handling "${event.slice(0, 80)}" failed`);
    s.fail(rid, wireError(ScErrors.unavailable, "the server could not handle the packet"));
  }
}

async function subscribe(s: ScSession, data: unknown, rid: number | undefined): Promise<void> {
  const d = (data && typeof data === "object" ? data : {}) as { channel?: unknown; waitForAuth?: unknown; data?: unknown };
  const channel = d.channel;
  if (!validName(channel)) return s.fail(rid, wireError(ScErrors.invalidArguments, `#subscribe needs a channel name of 1 to ${MAX_NAME_CHARS} characters`));
  if (s.channels.has(channel)) return s.answer(rid);
  if (s.channels.size >= s.options.channelLimit) return s.fail(rid, channelLimitError(s));
  const waitForAuth = d.waitForAuth === true;
  if (waitForAuth && !s.auth) return s.fail(rid, wireError(ScErrors.invalidAction, `"${channel}" waits for sign-in and this connection is not signed in`));
  let requireAuth = false;
  if (s.module.hooks.has(ScHooks.subscribe)) {
    let answer: unknown;
    try {
      answer = await s.ask(ScHooks.subscribe, [channel, { data: d.data ?? null, waitForAuth }], 1);
    } catch (error) {
      return s.fail(rid, hookFailure(ScHooks.subscribe, error));
    }
    if (answer === false) return s.fail(rid, wireError(ScErrors.blocked, `onSubscribe refused "${channel}"`));
    requireAuth = typeof answer === "object" && answer !== null && (answer as { requireAuth?: unknown }).requireAuth === true;
    if (requireAuth && !s.auth) return s.fail(rid, wireError(ScErrors.authError, `"${channel}" needs a signed-in connection`));
  }
  if (s.ended) return;
  // Other subscriptions may have filled the connection while the hook ran.
  if (s.channels.size >= s.options.channelLimit && !s.channels.has(channel)) return s.fail(rid, channelLimitError(s));
  s.subscribe(channel, requireAuth);
  // Answered once the engine hears the channel: a publish the client makes next reaches it.
  await s.ctx.index.confirmed(s.project, channel);
  s.answer(rid);
}

async function publish(s: ScSession, data: unknown, rid: number | undefined): Promise<void> {
  const d = (data && typeof data === "object" ? data : {}) as { channel?: unknown; data?: unknown };
  const channel = d.channel;
  if (!validName(channel)) return s.fail(rid, wireError(ScErrors.invalidArguments, `#publish needs a channel name of 1 to ${MAX_NAME_CHARS} characters`));
  let value: unknown = d.data ?? null;
  if (s.module.hooks.has(ScHooks.publishIn)) {
    let answer: unknown;
    try {
      answer = await s.ask(ScHooks.publishIn, [channel, value], 2);
    } catch (error) {
      return s.fail(rid, hookFailure(ScHooks.publishIn, error));
    }
    if (answer === false) return s.fail(rid, wireError(ScErrors.blocked, `onPublishIn refused the publication on "${channel}"`));
    if (answer !== undefined) value = answer;
  } else if (!s.options.clientPublish) {
    return s.fail(rid, wireError(ScErrors.invalidAction, "Client publish feature is disabled"));
  }
  try {
    await s.ctx.publish(s.project, channel, JSON.stringify(value), []);
  } catch (error) {
    return s.fail(rid, wireError(ScErrors.broker, `the engine did not take the publication: ${String((error as Error)?.message ?? error)}`));
  }
  s.answer(rid);
}

async function authenticate(s: ScSession, token: unknown, rid: number | undefined): Promise<void> {
  const check = await checkToken(s, token);
  if (s.ended) return;
  if (check.kind !== "valid") {
    s.signOut("signed out", false);
    return s.fail(rid, check.kind === "invalid" ? check.error : wireError(ScErrors.authInvalid, "the auth token belongs to another project"));
  }
  s.signIn(signedIn(check), false);
  s.answer(rid, { isAuthenticated: true, authError: null });
}

async function invoke(s: ScSession, procedure: string, data: unknown, rid: number): Promise<void> {
  if (procedure === RECOVER_PROCEDURE) {
    try {
      return s.answer(rid, await s.ctx.recover(s.project, data));
    } catch (error) {
      return s.fail(rid, errorOf(error));
    }
  }
  if (!s.module.hooks.has(ScHooks.invoke)) {
    s.ctx.countCall(s.endpoint, ScErrors.invalidAction);
    return s.fail(rid, wireError(ScErrors.invalidAction, `No procedure "${procedure.slice(0, 80)}": the handler has no onInvoke`));
  }
  let answer: string | undefined;
  try {
    answer = await s.askJson(ScHooks.invoke, [procedure, data ?? null], 2);
  } catch (error) {
    const failure = hookFailure(ScHooks.invoke, error);
    s.ctx.countCall(s.endpoint, failure.name);
    return s.fail(rid, failure);
  }
  // Nothing returned (not even null): the handler has no such procedure.
  if (answer === undefined) {
    s.ctx.countCall(s.endpoint, ScErrors.invalidAction);
    return s.fail(rid, wireError(ScErrors.invalidAction, `No procedure "${procedure.slice(0, 80)}"`));
  }
  s.ctx.countCall(s.endpoint);
  // The answer's JSON text goes into the frame as it is: no parsing and encoding again.
  s.send(answerJsonFrame(rid, answer));
}

async function transmit(s: ScSession, receiver: string, data: unknown): Promise<void> {
  if (!s.module.hooks.has(ScHooks.transmit)) return;
  try {
    await s.ask(ScHooks.transmit, [receiver, data ?? null], 2);
  } catch (error) {
    // Nobody waits for a transmit's answer: what the hook threw is logged (faults were, by ask()).
    if (!isHookFault(error)) s.logHookFailure(ScHooks.transmit, error);
  }
}

function channelLimitError(s: ScSession) {
  return wireError(ScErrors.broker, `a connection may be subscribed to ${s.options.channelLimit} channels (the endpoint's channelLimit)`);
}

function errorOf(error: unknown): ReturnType<typeof wireError> {
  const e = error as Error;
  return wireError(typeof e?.name === "string" ? e.name : "Error", String(e?.message ?? error));
}
