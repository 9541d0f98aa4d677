/**
 * STOMP 1.2 frames (https://stomp.github.io/stomp-specification-1.2.html):
 * a command line, header lines, a blank line, the body, then a NUL. A lone
 * end-of-line between frames is a heart-beat.
 */
export interface Frame {
  readonly command: string;
  /** The first value of each header (STOMP: a repeated header's first occurrence wins). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What went wrong reading the stream; the session answers with an ERROR frame and closes. */
export class FrameError extends Error {}

/** Characters a frame may have at most, headers and body together. */
export const MAX_FRAME_CHARS = 1024 * 1024;
const MAX_HEADERS = 64;

/** CONNECT and CONNECTED headers are not escaped (1.2 keeps 1.0 compatibility there). */
const RAW_HEADER_COMMANDS = new Set(["CONNECT", "CONNECTED"]);

const UNESCAPES: Record<string, string> = { "\\r": "\r", "\\n": "\n", "\\c": ":", "\\\\": "\\" };

function unescape(text: string): string {
  return text.replace(/\\(.?)/g, (all) => {
    const out = UNESCAPES[all];
    if (out === undefined) throw new FrameError(`the header text "${text.slice(0, 60)}" has an undefined escape ${JSON.stringify(all)}`);
    return out;
  });
}

function escape(text: string): string {
  return text.replace(/[\\\r\n:]/g, (c) => (c === "\\" ? "\\\\" : c === "\r" ? "\\r" : c === "\n" ? "\\n" : "\\c"));
}

/** Writes a frame; `content-length` is added for a body. */
export function writeFrame(command: string, headers: Record<string, string>, body = ""): string {
  const raw = RAW_HEADER_COMMANDS.has(command);
  let text = command + "\n";
  for (const [name, value] of Object.entries(headers)) text += (raw ? name : escape(name)) + ":" + (raw ? value : escape(value)) + "\n";
  if (body !== "") text += `content-length:${Buffer.byteLength(body)}\n`;
  return text + "\n" + body + "\0";
}

/**
 * Reads frames from text as it arrives (one transport message may hold part
 * of a frame, one frame or several). Heart-beats count as traffic and
 * yield nothing.
 */
export class FrameReader {
  private buffer = "";

  /** Adds text; returns the frames it completed. Throws FrameError on a malformed or oversized frame. */
  push(text: string): Frame[] {
    this.buffer += text;
    const frames: Frame[] = [];
    for (;;) {
      // Heart-beats (EOLs) between frames.
      const start = this.buffer.search(/[^\r\n]/);
      if (start === -1) {
        this.buffer = "";
        break;
      }
      if (start > 0) this.buffer = this.buffer.slice(start);
      const frame = this.readOne();
      if (!frame) break;
      frames.push(frame);
    }
    if (this.buffer.length > MAX_FRAME_CHARS) throw new FrameError(`a frame is over ${MAX_FRAME_CHARS} characters`);
    return frames;
  }

  private readOne(): Frame | undefined {
    const blank = /\r?\n\r?\n/.exec(this.buffer);
    if (!blank) return undefined;
    const lines = this.buffer.slice(0, blank.index).split(/\r?\n/);
    const bodyStart = blank.index + blank[0].length;
    const command = lines[0]!;
    if (!/^[A-Z]+$/.test(command)) throw new FrameError(`"${command.slice(0, 40)}" is not a STOMP command`);
    if (lines.length - 1 > MAX_HEADERS) throw new FrameError(`a frame has more than ${MAX_HEADERS} headers`);
    const raw = RAW_HEADER_COMMANDS.has(command);
    const headers: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon <= 0) throw new FrameError(`the header line "${line.slice(0, 60)}" has no name`);
      const name = raw ? line.slice(0, colon) : unescape(line.slice(0, colon));
      if (!(name in headers)) headers[name] = raw ? line.slice(colon + 1) : unescape(line.slice(colon + 1));
    }
    let bodyEnd: number;
    const length = headers["content-length"];
    if (length !== undefined) {
      if (!/^\d{1,8}$/.test(length)) throw new FrameError(`content-length "${length.slice(0, 20)}" is not a number`);
      // content-length counts bytes: take characters until that many bytes are covered.
      bodyEnd = charsForBytes(this.buffer, bodyStart, Number(length));
      if (bodyEnd === -1 || bodyEnd >= this.buffer.length) return undefined;
      if (this.buffer[bodyEnd] !== "\0") throw new FrameError("a frame's body does not end with NUL after its content-length");
    } else {
      bodyEnd = this.buffer.indexOf("\0", bodyStart);
      if (bodyEnd === -1) return undefined;
    }
    const body = this.buffer.slice(bodyStart, bodyEnd);
    this.buffer = this.buffer.slice(bodyEnd + 1);
    return { command, headers: { ...headers }, body };
  }
}

/** The index after `bytes` UTF-8 bytes of `text` from `start`, or -1 when the text is shorter. */
function charsForBytes(text: string, start: number, bytes: number): number {
  let i = start;
  let n = 0;
  while (n < bytes) {
    if (i >= text.length) return -1;
    const code = text.codePointAt(i)!;
    n += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    i += code >= 0x10000 ? 2 : 1;
  }
  return i;
}
