// rooms: a multi-room chat. Who you are comes from the signed token checked in
// onHandshake; your nickname and room live in connection.data, which survives
// a reload of this file, so nobody has to join again after an edit.
import { getSession, getSessions, type Connection, type HandshakeRequest } from "net/v4/websockets";
import { parseCommand, verifyToken, type Member } from "./util";

/** room → ids of its sessions. Module state is reset by a reload: onReload rebuilds it. */
const rooms = new Map<string, Set<string>>();

function index(id: string, room: string | null) {
  for (const members of rooms.values()) members.delete(id);
  if (room) rooms.set(room, (rooms.get(room) ?? new Set()).add(id));
}

function toRoom(room: string, message: object) {
  const text = JSON.stringify(message);
  for (const id of rooms.get(room) ?? []) getSession(id)?.send(text);
}

function members(room: string): string[] {
  return getSessions("rooms")
    .filter((s) => (s.data as Member | null)?.room === room)
    .map((s) => (s.data as Member).nick)
    .sort();
}

export async function onHandshake(request: HandshakeRequest): Promise<Member> {
  const nick = await verifyToken(request.query.token ?? "");
  if (!nick) throw Object.assign(new Error("sign in first: the token is missing, forged or expired"), { status: 401 });
  return { nick, room: null };
}

export function onReload() {
  rooms.clear();
  for (const s of getSessions("rooms")) index(s.id, (s.data as Member | null)?.room ?? null);
}

export function onOpen(connection: Connection) {
  connection.send(JSON.stringify({ type: "welcome", nick: (connection.data as Member).nick }));
}

export function onMessage(message: string | ArrayBuffer, connection: Connection) {
  const me = connection.data as Member;
  const command = parseCommand(typeof message === "string" ? message : "");
  if (typeof command === "string") return { type: "error", text: command };
  switch (command.type) {
    case "join": {
      if (me.room) toRoom(me.room, { type: "left", nick: me.nick, room: me.room });
      me.room = command.room; // kept in connection.data when this hook returns
      index(connection.id, me.room);
      toRoom(me.room, { type: "joined", nick: me.nick, room: me.room });
      return { type: "members", room: me.room, members: members(me.room) };
    }
    case "say":
      if (!me.room) return { type: "error", text: "join a room first" };
      toRoom(me.room, { type: "said", nick: me.nick, room: me.room, text: command.text });
      return undefined;
    case "who":
      return me.room ? { type: "members", room: me.room, members: members(me.room) } : { type: "error", text: "join a room first" };
    case "typing":
      if (me.room) toRoom(me.room, { type: "typing", nick: me.nick });
      return undefined;
  }
}

export function onClose(connection: Connection) {
  const me = connection.data as Member | null;
  index(connection.id, null);
  if (me?.room) toRoom(me.room, { type: "left", nick: me.nick, room: me.room });
}
