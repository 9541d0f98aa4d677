import { isUtf8 } from "node:buffer";

/** A message body as the handler gets it: text, or base64 when the bytes are not UTF-8. */
export interface BodyText {
  readonly text: string;
  readonly encoding?: "base64";
}

/** The bytes as UTF-8 text when they are valid UTF-8, base64 (encoding "base64") otherwise. */
export function bytesAsText(bytes: Uint8Array): BodyText {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buffer) ? { text: buffer.toString("utf8") } : { text: buffer.toString("base64"), encoding: "base64" };
}
