// evQueue's XML frames on the client: the text of a command (BuildAPI), the
// subscribe/ack/unsubscribe frames, UTF-8-safe base64, and reading what a
// node sends as a DOM Document or as a plain Node tree.

/** An XML name: what a command's group, action and attribute names must be. */
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Escapes text for a double-quoted attribute value (line breaks and tabs too, so they survive attribute normalisation). */
export function escapeAttribute(value) {
  return String(value).replace(/[&<>"\t\n\r]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;" })[c]);
}

function checkName(name, what) {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new TypeError(`${what} must be an XML name (a letter or _, then letters, digits, _ . -), got ${JSON.stringify(name)}`);
  }
  return name;
}

/** ` name="value"` for each entry whose value is not undefined or null. */
function attributeText(attributes, what) {
  let out = "";
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null) continue;
    out += ` ${checkName(name, `${what} name`)}="${escapeAttribute(value)}"`;
  }
  return out;
}

/**
 * The XML text of an API command: `<group action="…" attr="…"><parameter
 * name="…" value="…"/></group>`. `node` and `required_modules` are routing,
 * not part of the command.
 */
export function buildApi(api) {
  if (!api || typeof api !== "object") throw new TypeError("an API command must be an object: { group, action, attributes?, parameters? }");
  const group = checkName(api.group, "the command's group");
  const action = api.action === undefined ? "" : ` action="${escapeAttribute(api.action)}"`;
  const attrs = attributeText(api.attributes, "an attribute");
  const params = Object.entries(api.parameters ?? {})
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([name, value]) => `<parameter name="${escapeAttribute(name)}" value="${escapeAttribute(value)}"/>`)
    .join("");
  return params ? `<${group}${action}${attrs}>${params}</${group}>` : `<${group}${action}${attrs}/>`;
}

/** A one-element frame: `<name a="…"/>`. */
export function frame(name, attributes) {
  return `<${name}${attributeText(attributes, "an attribute")}/>`;
}

/** Base64 of a text's UTF-8 bytes (btoa alone throws on characters past Latin-1). */
export function base64Utf8(text) {
  const bytes = new TextEncoder().encode(String(text));
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The DOMParser to use: the one given, the page's, or an Error that says how to give one. */
export function domParserClass(given) {
  const Parser = given ?? globalThis.DOMParser;
  if (typeof Parser !== "function") {
    throw new Error(
      "evQueue client: no DOMParser here. In Node, give one: " +
        'import { DOMParser } from "@xmldom/xmldom"; evQueueWS.DOMParser = DOMParser (or the DOMParser option).',
    );
  }
  return Parser;
}

/** Parses one frame; throws an Error saying what is wrong when it is not well-formed XML. */
export function parseFrame(Parser, text) {
  let doc;
  try {
    doc = new Parser().parseFromString(text, "text/xml");
  } catch (error) {
    throw new Error(`evQueue client: a frame is not well-formed XML (${error?.message ?? error}): ${String(text).slice(0, 120)}`);
  }
  const root = doc?.documentElement;
  if (!root || root.nodeName === "parsererror" || doc.getElementsByTagName("parsererror").length > 0) {
    throw new Error(`evQueue client: a frame is not well-formed XML: ${String(text).slice(0, 120)}`);
  }
  return doc;
}

/** An element as a plain tree: { name, attributes, children, text } (text: the element's own character data). */
export function toNode(element) {
  const attributes = {};
  for (let i = 0; i < element.attributes.length; i++) {
    const a = element.attributes[i];
    attributes[a.name] = a.value;
  }
  const children = [];
  let text = "";
  for (let child = element.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 1) children.push(toNode(child));
    else if (child.nodeType === 3 || child.nodeType === 4) text += child.nodeValue;
  }
  return { name: element.nodeName, attributes, children, text };
}
