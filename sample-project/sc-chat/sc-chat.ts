// sc-chat: chat rooms for the stock socketcluster-client. The server keeps the
// protocol (subscriptions, sign-in tokens, pings); this file only decides.
// Rooms are channels "chat/<room>" that keep their last 50 messages for 10
// minutes (sc-chat.websocket), so a page that was away asks what it missed
// with the built-in procedure "aerostat.recover".
import { ChannelError, presence, publish } from "net/v4/channels";
import type { Connection } from "net/v4/websockets";
import { checkPassword } from "./password";

/** What a room publication carries. */
export interface ChatMessage {
  from: string;
  text: string;
  /** Server time in ms. */
  at: number;
}

// No "/" in names: a room name is part of a channel name.
const NAME = /^[\p{L}\p{N}_-]{1,24}$/u;

function name(value: unknown, field: string): string {
  if (typeof value === "string" && NAME.test(value)) return value;
  throw new ChannelError("InvalidArgumentsError", `${field} is 1 to 24 letters, digits, '_' or '-'`, { field });
}

/** The signed-in user of a connection, or null. */
const userOf = (connection: Connection): string | null => connection.authToken?.user ?? null;

export async function onInvoke(procedure: string, data: any, connection: Connection) {
  switch (procedure) {
    case "login": {
      const user = name(data?.user, "user");
      if (!checkPassword(data?.password)) throw new ChannelError("BadCredentialsError", "wrong password (the sample's password is the configuration SC_CHAT_PASSWORD)");
      // Other pages signed in as this user hear about it on their private channel.
      await publish(`private/${user}`, { notice: `${user} signed in again on another page` });
      // The token is signed with the server's key and scoped to this project; the client keeps it.
      await connection.setAuthToken({ user }, { expiresIn: 3600 });
      return { user };
    }
    case "say": {
      const from = userOf(connection);
      if (!from) throw new ChannelError("ForbiddenError", "sign in to talk");
      const room = name(data?.room, "room");
      const text = typeof data?.text === "string" ? data.text.trim() : "";
      if (text.length === 0 || text.length > 2000) throw new ChannelError("InvalidArgumentsError", "text is 1 to 2000 characters", { field: "text" });
      const message: ChatMessage = { from, text, at: Date.now() };
      await publish(`chat/${room}`, message);
      return null;
    }
    case "who": {
      const room = name(data?.room, "room");
      return await presence(`chat/${room}`);
    }
  }
  return undefined; // any other procedure: InvalidActionError
}

/** Rooms are open to everyone (reading); "private/<user>" only to that user, and only while signed in. */
export function onSubscribe(channel: string, connection: Connection) {
  if (channel.startsWith("chat/")) return NAME.test(channel.slice("chat/".length));
  if (channel.startsWith("private/")) {
    const user = userOf(connection);
    if (!user || channel !== `private/${user}`) throw new ChannelError("ForbiddenError", `sign in as ${channel.slice("private/".length)} to read ${channel}`);
    return { requireAuth: true }; // kicked out when the token goes or expires
  }
  return false;
}

/** Clients talk through "say", which checks who they are: direct publishes are refused. */
export function onPublishIn() {
  return false;
}
