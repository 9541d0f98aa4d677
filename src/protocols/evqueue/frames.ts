import { escapeXml, parseXml, writeAttributes, writeXml, XmlError, type NodeInput, type XmlNode } from "./xml.js";

/**
 * The frames an evQueue server sends, and what it reads out of a client's:
 * every root the server sends carries `node` and `status` (evQueue's
 * QueryResponse); a command becomes the Query onApi gets.
 */

/** A command as onApi gets it (net/v4/evqueue's Query). */
export interface Query {
  readonly group: string;
  readonly action: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly parameters: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}

/** Attributes the server adds to a reply: an event's `external-id`, `object-id` and `event-id`, or a refused subscribe's `external-id`. */
export type ReplyExtras = Readonly<Record<string, string | number>>;

/** Root attributes the server owns: a script's answer cannot set them. */
const OWN_ATTRIBUTES = new Set(["node", "status", "error", "error-code", "external-id", "object-id", "event-id"]);

/** evQueue's time format, in UTC: "YYYY-MM-DD hh:mm:ss". */
export function evqTime(date = new Date()): string {
  return date.toISOString().slice(0, 19).replace("T", " ");
}

/** `<auth challenge="…" node="…" status="OK"/>`: sign in with the HMAC of this challenge. */
export function challengeFrame(challenge: string, node: string): string {
  return writeXml({ name: "auth", attributes: { challenge, node, status: "OK" } });
}

/** `<ready profile version node time status><modules><module name version/>…</modules></ready>`. */
export function readyFrame(profile: string, version: string, node: string, modules: Readonly<Record<string, string>>): string {
  return writeXml({
    name: "ready",
    attributes: { profile, version, node, time: evqTime(), status: "OK" },
    children: [{ name: "modules", children: Object.entries(modules).map(([name, v]) => ({ name: "module", attributes: { name, version: v } })) }],
  });
}

/** `<response node status="KO" error error-code …/>`. */
export function koFrame(node: string, code: string, message: string, extras: ReplyExtras = {}): string {
  return writeXml({ name: "response", attributes: { node, status: "KO", error: message, "error-code": code, ...extras } });
}

/** What a reply's root gets from onApi's answer: root attributes, children (each with where it came from) and text. */
interface AnswerParts {
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly children: readonly NodeInput[];
  readonly text: string;
  /** How a child is named in an error: "onApi's answer[2]". */
  readonly childName: (i: number) => string;
}

function answerParts(answer: unknown): AnswerParts {
  const none: AnswerParts = { attributes: {}, children: [], text: "", childName: () => "onApi's answer" };
  if (answer === undefined || answer === null) return none;
  if (Array.isArray(answer)) return { ...none, children: answer as NodeInput[], childName: (i) => `onApi's answer[${i}]` };
  if (typeof answer !== "object") {
    throw new TypeError(`onApi must return a Node ({ name, attributes?, children?, text? }), an array of them, or nothing; it returned a ${typeof answer}`);
  }
  const node = answer as NodeInput;
  if (node.name !== "response") return { ...none, children: [node] };
  const where = "onApi's answer (the response node)";
  const own = node.attributes ?? {};
  if (typeof own !== "object" || Array.isArray(own)) throw new TypeError(`${where}.attributes must be an object of names to strings or numbers`);
  if (!Array.isArray(node.children ?? [])) throw new TypeError(`${where}.children must be an array of nodes`);
  if (typeof (node.text ?? "") !== "string") throw new TypeError(`${where}.text must be a string`);
  return {
    attributes: Object.fromEntries(Object.entries(own).filter(([k]) => !OWN_ATTRIBUTES.has(k))),
    children: node.children ?? [],
    text: node.text ?? "",
    childName: (i) => `${where}.children[${i}]`,
  };
}

/**
 * `<response node status="OK" …>…</response>` from what onApi returned (its
 * JSON value): nothing, a Node, an array of Nodes, or a Node named "response"
 * whose attributes (but the server's own) and children go to the root.
 * Throws a TypeError naming the part that cannot be written.
 */
export function okFrame(node: string, answer: unknown, extras: ReplyExtras = {}): string {
  const parts = answerParts(answer);
  const head = `<response${writeAttributes({ node, status: "OK", ...parts.attributes, ...extras }, "onApi's answer")}`;
  const body = escapeXml(parts.text) + parts.children.map((child, i) => writeXml(child, parts.childName(i), 2)).join("");
  return body === "" ? `${head}/>` : `${head}>${body}</response>`;
}

/** The command a client sent, as onApi gets it: the root's name, its action, its other attributes, its parameters and its other children. */
export function queryOf(command: XmlNode): Query {
  const { action, ...attributes } = command.attributes;
  const parameters: Record<string, string> = {};
  const children: XmlNode[] = [];
  for (const child of command.children) {
    const name = child.name === "parameter" ? child.attributes["name"] : undefined;
    if (name !== undefined) parameters[name] = child.attributes["value"] ?? child.text;
    else children.push(child);
  }
  return { group: command.name, action: action ?? "", attributes, parameters, children };
}

/**
 * Characters of answers one connection may hold while they wait for an
 * earlier, slower one (replies in api mode, event frames in events mode):
 * past it the connection is closed (1013), as it would make the server hold
 * its frames without bound.
 */
export const MAX_HELD_FRAME_CHARS = 8 * 1024 * 1024;

/** Tags ("<") of a signed-in client's frame, or of an api_cmd, read at most: many small elements cost far more to parse than their characters say. */
export const MAX_FRAME_TAGS = 10_000;

/** Bytes of a frame before sign-in: `<auth response="…" user="…"/>` needs far less; a longer one is refused unread. */
export const MAX_SIGN_IN_BYTES = 1024;

/** The user and response of a sign-in frame: exactly `<auth response="…" user="…"/>` (no other attribute, no content); undefined for anything else. */
export function readAuth(text: string): { user: string; response: string } | undefined {
  let auth: XmlNode;
  try {
    // One element: two tags at most (<auth …></auth>).
    auth = parseXml(text, MAX_SIGN_IN_BYTES, 2);
  } catch (error) {
    if (error instanceof XmlError) return undefined;
    throw error;
  }
  const { user, response, ...others } = auth.attributes;
  if (auth.name !== "auth" || user === undefined || response === undefined || Object.keys(others).length > 0) return undefined;
  if (auth.children.length > 0 || auth.text.trim() !== "") return undefined;
  return { user, response };
}

/** Characters of an api_cmd, base64-decoded, that a subscribe may carry. */
export const MAX_API_CMD_CHARS = 64 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The XML text of a subscribe's base64 (UTF-8) api_cmd; throws an XmlError saying what is wrong with it. */
export function decodeApiCmd(base64: string | undefined): string {
  if (base64 === undefined || base64 === "") throw new XmlError("api_cmd is missing: send the command to run for each event, base64-encoded, such as btoa('<instances action=\"list\"/>')");
  if (base64.length > (MAX_API_CMD_CHARS * 4) / 3 + 4) throw new XmlError(`api_cmd is over ${MAX_API_CMD_CHARS} characters`);
  if (!BASE64.test(base64)) throw new XmlError("api_cmd is not base64 (A-Z, a-z, 0-9, + and /, padded with =)");
  try {
    return utf8.decode(Buffer.from(base64, "base64"));
  } catch {
    throw new XmlError("api_cmd is not base64 of UTF-8 text");
  }
}
