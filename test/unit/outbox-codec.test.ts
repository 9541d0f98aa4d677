import { describe, expect, it } from "vitest";
import { decodeOutbox } from "../../src/protocol/outbox-codec.js";
import { OUTBOX_FIELDS, type OutboxOp } from "../../src/protocol/outbox.js";

/** The entries of an outbox, each as [op, ...its fields]. */
function read(text: string): string[][] {
  const out: string[][] = [];
  decodeOutbox(text, (op, fields) => void out.push([op, ...fields].slice(0, 1 + OUTBOX_FIELDS[op as OutboxOp])));
  return out;
}

const f = (t: string) => `${t.length}:${t}`;

describe("decodeOutbox", () => {
  it("reads entries with any characters in their fields", () => {
    const text = "s" + f("s1") + f('hi:there,"x"\u0000') + "c" + f("s1") + f("4000") + f("bye!") + "T" + f("7");
    expect(read(text)).toEqual([
      ["s", "s1", 'hi:there,"x"\u0000'],
      ["c", "s1", "4000", "bye!"],
      ["T", "7"],
    ]);
  });

  it("keeps what came before a malformed entry and stops there", () => {
    expect(read("T1:7" + "s2:s199:short")).toEqual([["T", "7"]]);
    expect(read("T1:7" + "?1:x")).toEqual([["T", "7"]]);
    expect(read("T-1:7")).toEqual([]);
    expect(read("T99999999999:7")).toEqual([]);
    expect(read("T:7")).toEqual([]);
  });

  it("survives random input without throwing", () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: Math.floor(rand() * 40) }, () => "sbctTlfpCr0123456789:x"[Math.floor(rand() * 22)]).join("");
      expect(() => read(text)).not.toThrow();
    }
  });
});
