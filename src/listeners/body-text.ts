/** A strict UTF-8 decoder: a body that is not UTF-8 text fails, and goes base64-encoded instead. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A message body as the handler gets it: text, or base64 with encoding "base64" when it is not UTF-8. */
export function bodyText(bytes: Uint8Array): { text: string; encoding?: "base64" } {
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"), encoding: "base64" };
  }
}

/** An error's message for logs and onError, one line. */
export function reasonOf(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0]!;
}
