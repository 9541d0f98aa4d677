import path from "node:path";
import { build } from "esbuild";
import ivm from "isolated-vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeBatch } from "../../src/protocol/batch-codec.js";
import { EVENT_STRIDE, EventKind, PeerKind } from "../../src/protocol/events.js";
import { OUTBOX_FIELDS, OutboxOp } from "../../src/protocol/outbox.js";
import { decodeOutbox } from "../../src/protocol/outbox-codec.js";

/**
 * Each wire format is written by one side and read by the other. Here the
 * guest's own reader and writer (src/guest/batch.ts, src/guest/outbox.ts,
 * bundled as the build bundles them) run in a bare isolate against the host's
 * encoder and decoder, with awkward text: separators, digits, NULs, astral
 * characters, lone surrogates, empty fields.
 */
const root = path.resolve(import.meta.dirname, "../..");
let isolate: ivm.Isolate;
let context: ivm.Context;

const ENTRY = `
import { BatchReader } from "./src/guest/batch.ts";
import { host } from "./src/guest/host.ts";
import { beginDispatch, beginEvent, emit, emitBinary, endDispatch, take } from "./src/guest/outbox.ts";
export function readBatch(text, binaries) {
  const reader = new BatchReader(text, binaries);
  const out = [];
  while (!reader.done) {
    const e = reader.next();
    out.push([e.kind, e.peerKind, e.peerId, e.where, typeof e.payload === "string" ? e.payload : "bytes:" + new Uint8Array(e.payload).join(","), e.code]);
  }
  return JSON.stringify(out);
}
export function writeOutbox(settingsJson, entriesJson) {
  host.settings = JSON.parse(settingsJson);
  host.limits = host.settings.limits;
  let deposited = [];
  host.call = (op, args, binaries) => { if (op === "outbox.binaries") deposited = binaries; return "null"; };
  beginDispatch();
  beginEvent();
  for (const [op, ...fields] of JSON.parse(entriesJson)) {
    if (op === host.settings.outbox.sendBinary) emitBinary(fields[0], new Uint8Array(fields[1]));
    else emit(op, ...fields);
  }
  endDispatch();
  const text = take();
  return [text, ...deposited];
}
`;

beforeAll(async () => {
  const bundle = await build({
    stdin: { contents: ENTRY, resolveDir: root, loader: "ts", sourcefile: "round-trip-entry.ts" },
    bundle: true,
    format: "iife",
    globalName: "codecs",
    platform: "neutral",
    write: false,
    logLevel: "silent",
  });
  isolate = new ivm.Isolate({ memoryLimit: 64 });
  context = await isolate.createContext();
  await context.eval(bundle.outputFiles[0]!.text, { timeout: 1000 });
});
afterAll(() => isolate?.dispose());

const AWKWARD = ["", "plain", "12:34", "5:x", "a\u0000b", ":::", "😀 astral", "lone \ud800 surrogate", "x".repeat(70_000), "9999999999"];

describe("wire formats, host ↔ guest", () => {
  it("the guest reads every batch the host writes, field for field", async () => {
    const batch: unknown[] = [];
    let i = 0;
    for (const text of AWKWARD) {
      batch.push(EventKind.message, PeerKind.session, `s${i}:${text.slice(0, 5)}`, `end:${i}`, text, i);
      batch.push("a:custom:kind", PeerKind.client, text.slice(0, 20), "ws://h/p?q=1:2", "", 0);
      batch.push(EventKind.timer, PeerKind.none, "", "", "", 4_000_000 + i);
      i++;
    }
    batch.push(EventKind.message, PeerKind.session, "s9", "e", new Uint8Array([0, 1, 255]).buffer, 0);
    const { text, binaries } = encodeBatch(batch);
    const read = await context.evalClosure(`return codecs.readBatch($0, $1)`, [text, binaries], { arguments: { copy: true }, timeout: 1000 });
    const expected: unknown[] = [];
    for (let j = 0; j < batch.length; j += EVENT_STRIDE) {
      const e = batch.slice(j, j + EVENT_STRIDE);
      expected.push([String(e[0]), e[1], e[2], e[3], e[4] instanceof ArrayBuffer ? "bytes:0,1,255" : e[4], e[5]]);
    }
    expect(JSON.parse(read as string)).toEqual(expected);
  });

  it("the host reads every outbox the guest writes, field for field, with its binaries", async () => {
    const entries: unknown[][] = [];
    for (const text of AWKWARD) {
      entries.push([OutboxOp.send, `s:${text.slice(0, 3)}`, text]);
      entries.push([OutboxOp.log, "warn", text, PeerKind.client, "c1", `ws://x/${text.slice(0, 4)}`]);
      entries.push([OutboxOp.fault, "onMessage", PeerKind.session, "s1", "chat", `Error: ${text}`, text]);
      entries.push([OutboxOp.post, "websockets.broadcast", JSON.stringify(["", [], text])]);
      entries.push([OutboxOp.reply, 7, "1", JSON.stringify(text)]);
    }
    entries.push([OutboxOp.sendBinary, "s2", [9, 8, 7]]);
    const settings = {
      outbox: OutboxOp,
      limits: { maxOutboxEntries: 10_000, maxOutboxChars: 32 * 1024 * 1024 },
    };
    const answer = (await context.evalClosure(`return codecs.writeOutbox($0, $1)`, [JSON.stringify(settings), JSON.stringify(entries)], {
      timeout: 1000,
      result: { copy: true },
    })) as string | (string | ArrayBuffer)[];
    const [text, ...binaries] = Array.isArray(answer) ? answer : [answer];
    const read: unknown[][] = [];
    const count = decodeOutbox(text as string, (op, fields) => void read.push([op, ...fields.filter((_, k) => k < OUTBOX_FIELDS[op])]));
    expect(count).toBe(entries.length);
    const expected = entries.map((e) => (e[0] === OutboxOp.sendBinary ? [e[0], e[1], "0"] : e.map(String)));
    expect(read).toEqual(expected);
    expect([...new Uint8Array(binaries[0] as ArrayBuffer)]).toEqual([9, 8, 7]);
  });
});
