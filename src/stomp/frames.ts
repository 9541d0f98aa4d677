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
/** Characters of a frame's command and headers at most. */
const MAX_HEAD_CHARS = 64 * 1024;

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

/** A frame whose headers have been read, waiting for the rest of its body. */
interface Head {
  readonly command: string;
  readonly headers: Record<string, string>;
  /** Bytes the body has (content-length), or undefined: it ends at the first NUL. */
  readonly length: number | undefined;
}

/**
 * Reads frames from text as it arrives (one transport message may hold part
 * of a frame, one frame or several). Heart-beats count as traffic and yield
 * nothing. Only the new text is scanned on each push (the pieces of a frame
 * are joined once, when it is whole), so a frame sent a character at a time
 * costs about what it costs whole.
 */
export class FrameReader {
  /** The text of the frame being read: its command and headers, then its body. */
  private parts: string[] = [];
  private size = 0;
  private head: Head | undefined;
  /** The last characters of the head so far: the blank line that ends it may straddle two pieces. */
  private tail = "";
  /** Body bytes read so far (frames with content-length). */
  private bodyBytes = 0;

  /** Characters waiting to complete a frame. */
  get pending(): number {
    return this.size;
  }

  /** Adds text; returns the frames it completed. Throws FrameError on a malformed or oversized frame. */
  push(text: string): Frame[] {
    const frames: Frame[] = [];
    let pos = 0;
    while (pos < text.length) {
      if (!this.head) {
        // Heart-beats (EOLs) between frames.
        if (this.size === 0) {
          while (pos < text.length && (text[pos] === "\n" || text[pos] === "\r")) pos++;
          if (pos === text.length) break;
        }
        pos = this.readHead(text, pos);
        continue;
      }
      const at = this.readBody(text, pos, frames);
      if (at === -1) break;
      pos = at;
    }
    if (this.size > MAX_FRAME_CHARS) throw new FrameError(`a frame is over ${MAX_FRAME_CHARS} characters`);
    return frames;
  }

  private keep(piece: string): void {
    if (piece === "") return;
    this.parts.push(piece);
    this.size += piece.length;
  }

  private take(): string {
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join("");
    this.parts = [];
    this.size = 0;
    return text;
  }

  /** Reads head text from `pos`; returns where it stopped (the end of `text`, or the body's start). */
  private readHead(text: string, pos: number): number {
    const window = this.tail + text.slice(pos);
    const blank = /\r?\n\r?\n/.exec(window);
    if (!blank) {
      this.keep(text.slice(pos));
      this.tail = window.slice(-3);
      if (this.size > MAX_HEAD_CHARS) throw new FrameError(`a frame's command and headers are over ${MAX_HEAD_CHARS} characters`);
      return text.length;
    }
    const end = pos + blank.index + blank[0].length - this.tail.length;
    this.keep(text.slice(pos, end));
    this.tail = "";
    this.head = parseHead(this.take().replace(/\r?\n\r?\n$/, ""));
    this.bodyBytes = 0;
    return end;
  }

  /** Reads body text from `pos`; returns where the next frame starts, or -1 when `text` ran out first. */
  private readBody(text: string, pos: number, frames: Frame[]): number {
    const head = this.head!;
    let end: number;
    if (head.length !== undefined) {
      // content-length counts bytes: take characters until that many bytes are covered, then a NUL.
      let i = pos;
      while (this.bodyBytes < head.length && i < text.length) {
        const code = text.codePointAt(i)!;
        this.bodyBytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
        i += code >= 0x10000 ? 2 : 1;
      }
      this.keep(text.slice(pos, i));
      if (i >= text.length) return -1;
      if (text[i] !== "\0") throw new FrameError("a frame's body does not end with NUL after its content-length");
      end = i;
    } else {
      end = text.indexOf("\0", pos);
      if (end === -1) {
        this.keep(text.slice(pos));
        return -1;
      }
      this.keep(text.slice(pos, end));
    }
    frames.push({ command: head.command, headers: { ...head.headers }, body: this.take() });
    this.head = undefined;
    return end + 1;
  }
}

/** A frame's command and header lines. */
function parseHead(text: string): Head {
  const lines = text.split(/\r?\n/);
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
  const length = headers["content-length"];
  if (length !== undefined && !/^\d{1,8}$/.test(length)) throw new FrameError(`content-length "${length.slice(0, 20)}" is not a number`);
  return { command, headers, length: length === undefined ? undefined : Number(length) };
}
