import { XMLParser, XMLValidator } from "fast-xml-parser";

/**
 * evQueue's XML frames as plain trees, both ways. A frame is one element;
 * its tree is a `XmlNode` (name, attributes as strings, children, text): the
 * shape scripts see as net/v4/evqueue's `Node`. Parsing refuses DOCTYPE and
 * entity declarations (no entity expansion of any kind); only XML's five
 * predefined entities and numeric character references are decoded.
 */

/** One element: its name, its attributes, its child elements and its text (the concatenated character data). */
export interface XmlNode {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
  readonly text: string;
}

/** A frame that is not one well-formed element; `message` says what is wrong and where. */
export class XmlError extends Error {
  override readonly name = "XmlError";
}

/** Most characters of a frame the parser reads, whoever sent it (the descriptor's maxPayload bounds it first; callers pass less). */
export const MAX_XML_CHARS = 4 * 1024 * 1024;
/** Most tags ("<") of a frame the parser reads by default: a frame of many small elements costs far more than its characters say. */
export const MAX_XML_TAGS = 100_000;
/** Deepest nesting of elements a frame may have. */
export const MAX_XML_DEPTH = 64;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const FORBIDDEN = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i;
const PREDEFINED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  preserveOrder: true,
  processEntities: false,
  htmlEntities: false,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  allowBooleanAttributes: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
  maxNestedTags: MAX_XML_DEPTH,
});

/** Decodes `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#N;` and `&#xN;`; any other reference is an error. */
export function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&([^;&\s]{0,12});/g, (whole, ref: string) => {
    const named = PREDEFINED[ref];
    if (named !== undefined) return named;
    const code = ref.startsWith("#x") || ref.startsWith("#X") ? Number.parseInt(ref.slice(2), 16) : ref.startsWith("#") ? Number.parseInt(ref.slice(1), 10) : NaN;
    if (Number.isInteger(code) && code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) return String.fromCodePoint(code);
    throw new XmlError(`unknown entity reference ${whole}: only &amp; &lt; &gt; &quot; &apos; and numeric references are read`);
  });
}

/**
 * Parses one frame into its root element; throws an XmlError that says what
 * is wrong (with the line where the parser knows it), and never anything else
 * for any text. `maxChars` (the caller's own bound, such as a client's for
 * answers) and `maxTags` bound the work: a longer frame, or
 * one with more tags ("<" counted before anything is parsed), is refused at
 * once.
 */
export function parseXml(text: string, maxChars: number = MAX_XML_CHARS, maxTags: number = MAX_XML_TAGS): XmlNode {
  if (text.length > maxChars) throw new XmlError(`the frame is ${text.length} characters; at most ${maxChars} are read`);
  if (tagsOver(text, maxTags)) throw new XmlError(`the frame has more than ${maxTags} tags; send fewer elements`);
  if (FORBIDDEN.test(text)) throw new XmlError("DOCTYPE and entity declarations are not accepted; send the element alone");
  let roots: Raw[];
  try {
    const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
    if (valid !== true) throw new XmlError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
    roots = elementsOf(parser.parse(text) as unknown[]);
  } catch (error) {
    throw asXmlError(error);
  }
  if (roots.length !== 1) throw new XmlError(`a frame is exactly one element; this one has ${roots.length}`);
  return toNode(roots[0]!, 1);
}

/** Whether `text` has more than `max` "<" (a scan, no allocation). */
function tagsOver(text: string, max: number): boolean {
  let n = 0;
  for (let i = text.indexOf("<"); i !== -1; i = text.indexOf("<", i + 1)) if (++n > max) return true;
  return false;
}

/** What the parser threw, as an XmlError: its own errors are plain Errors (a reserved name, nesting too deep). */
function asXmlError(error: unknown): XmlError {
  if (error instanceof XmlError) return error;
  const message = String((error as Error)?.message ?? error);
  const reserved = /Invalid name: "([^"]{0,64})"/.exec(message);
  if (reserved) return new XmlError(`the name "${reserved[1]}" cannot be read (__proto__, constructor and prototype are refused); rename that element or attribute`);
  if (message.includes("Maximum nested tags")) return new XmlError(`elements are nested more than ${MAX_XML_DEPTH} deep`);
  return new XmlError(`not well-formed XML: ${message.slice(0, 200)}`);
}

type Raw = Record<string, unknown>;

/** The element entries of a preserveOrder list (text, comments and declarations aside). */
function elementsOf(list: unknown[]): Raw[] {
  return list.filter((e): e is Raw => !!e && typeof e === "object" && elementName(e as Raw) !== undefined);
}

function elementName(entry: Raw): string | undefined {
  return Object.keys(entry).find((k) => k !== ":@" && k !== "#text" && !k.startsWith("?"));
}

function toNode(entry: Raw, depth: number): XmlNode {
  if (depth > MAX_XML_DEPTH) throw new XmlError(`elements are nested more than ${MAX_XML_DEPTH} deep`);
  const name = elementName(entry)!;
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
  const rawAttributes = (entry[":@"] ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(rawAttributes)) attributes[key] = decodeEntities(String(value));
  const content = (entry[name] ?? []) as Raw[];
  const children: XmlNode[] = [];
  let text = "";
  for (const item of content) {
    if ("#text" in item) text += decodeEntities(String(item["#text"]));
    else if (elementName(item) !== undefined) children.push(toNode(item, depth + 1));
  }
  return { name, attributes: { ...attributes }, children, text };
}

/** Escapes text for an attribute value or character data. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      default:
        return ""; // characters XML 1.0 cannot carry at all
    }
  });
}

/** Escapes an attribute value: as escapeXml, and line breaks and tabs as references, which parsers would turn into spaces. */
export function escapeAttribute(value: string): string {
  return escapeXml(value).replace(/[\n\r\t]/g, (c) => (c === "\n" ? "&#10;" : c === "\r" ? "&#13;" : "&#9;"));
}

/** Whether `name` can be an element or attribute name in a frame. */
export function isXmlName(name: string): boolean {
  return NAME.test(name) && name.length <= 256;
}

/** A tree as a script may give it: attribute values may be numbers or booleans, children and text optional. */
export interface NodeInput {
  readonly name: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly children?: readonly NodeInput[];
  readonly text?: string;
}

/** Writes an element; throws a TypeError naming the bad part (`where` says which node, as "response.children[2]"). */
export function writeXml(node: NodeInput, where = "node", depth = 1): string {
  if (depth > MAX_XML_DEPTH) throw new TypeError(`${where}: elements are nested more than ${MAX_XML_DEPTH} deep`);
  if (!node || typeof node !== "object") throw new TypeError(`${where} must be an object such as { name: "instance", attributes: { id: 1 } }`);
  if (typeof node.name !== "string" || !isXmlName(node.name)) throw new TypeError(`${where}.name must be an XML name (letters, digits, "_", "-", "."), not ${JSON.stringify(node.name)}`);
  let out = `<${node.name}${writeAttributes(node.attributes, where)}`;
  const children = node.children ?? [];
  if (!Array.isArray(children)) throw new TypeError(`${where}.children must be an array of nodes`);
  const text = node.text ?? "";
  if (typeof text !== "string") throw new TypeError(`${where}.text must be a string`);
  if (children.length === 0 && text === "") return `${out}/>`;
  out += `>${escapeXml(text)}`;
  children.forEach((child, i) => {
    out += writeXml(child, `${where}.children[${i}]`, depth + 1);
  });
  return `${out}</${node.name}>`;
}

/** ` a="1" b="x"` from an attribute object; null and undefined values are left out. */
export function writeAttributes(attributes: Readonly<Record<string, unknown>> | undefined, where = "node"): string {
  if (attributes === undefined || attributes === null) return "";
  if (typeof attributes !== "object" || Array.isArray(attributes)) throw new TypeError(`${where}.attributes must be an object of names to strings or numbers`);
  let out = "";
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (!isXmlName(key)) throw new TypeError(`${where}.attributes: ${JSON.stringify(key)} is not an XML attribute name`);
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new TypeError(`${where}.attributes.${key} must be a string, number or boolean`);
    }
    out += ` ${key}="${escapeAttribute(String(value))}"`;
  }
  return out;
}
