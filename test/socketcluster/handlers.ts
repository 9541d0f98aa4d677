/**
 * Handler modules the conformance tests serve. HOOKS records what each hook
 * saw (the "seen" procedure answers the record) and offers procedures that
 * drive the connection's server-side members.
 */
export const HOOKS = `
  const { publish, ChannelError } = require("net/v4/channels");
  const seen = [];
  exports.onSubscribe = (channel, connection, options) => {
    seen.push({ hook: "onSubscribe", channel, data: options.data, waitForAuth: options.waitForAuth });
    if (channel.startsWith("blocked")) return false;
    if (channel === "forbidden") throw new ChannelError("ForbiddenError", "auth needed for " + channel, { channel });
    if (channel.startsWith("secure")) return { requireAuth: true };
    return true;
  };
  exports.onTransmit = (receiver, data, connection) => {
    seen.push({ hook: "onTransmit", receiver, data, id: connection.id });
  };
  exports.onPublishIn = (channel, data, connection) => {
    seen.push({ hook: "onPublishIn", channel, data });
    if (channel === "blocked") return false;
    if (channel === "shout") return String(data).toUpperCase();
    return undefined;
  };
  exports.onInvoke = async (procedure, data, connection) => {
    switch (procedure) {
      case "seen": return seen.splice(0);
      case "echo": return data;
      case "login": await connection.setAuthToken({ user: data.user }, data.expiresIn ? { expiresIn: data.expiresIn } : undefined); return "ok";
      case "whoami": return connection.authToken ? connection.authToken.user : null;
      case "logout": connection.deauthenticate(); return null;
      case "subs": return connection.subscriptions;
      case "kick": connection.kickOut(data.channel, data.message); return null;
      case "say": await publish(data.channel, data.data); return null;
      case "fail": throw new ChannelError("BadThing", "nope", { extra: 1, detail: "more" });
      case "failPlain": throw new TypeError("bad input");
      case "never": return new Promise(() => {});
      case "hang": connection.transmit("started", null); return new Promise(() => {});
      case "close": connection.close(data.code, "closed by the handler"); return null;
      case "ask":
        try {
          return { ok: await connection.invoke(data.procedure, data.data, data.ackTimeoutMs ? { ackTimeoutMs: data.ackTimeoutMs } : undefined) };
        } catch (e) {
          return { name: e.name, message: e.message };
        }
    }
  };
`;

/** Only onInvoke: client publish stays off unless the descriptor says clientPublish. */
export const INVOKE_ONLY = `
  exports.onInvoke = (procedure, data) => (procedure === "echo" ? data : undefined);
`;

/** onHandshake refuses the first `refusals` handshakes (false), then accepts. */
export function refusingHandshakes(refusals: number): string {
  return `
    let handshakes = 0;
    exports.onHandshake = (request) => ++handshakes > ${refusals};
    exports.onInvoke = (procedure) => (procedure === "handshakes" ? handshakes : undefined);
  `;
}

/** onHandshake answers every handshake with `answer` (a JS expression) or throws it when `thrown`. */
export function handshakeAnswer(answer: string, thrown = false): string {
  return thrown ? `exports.onHandshake = () => { throw ${answer}; };` : `exports.onHandshake = () => (${answer});`;
}
