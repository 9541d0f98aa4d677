import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

describe("what onMessage returns", () => {
  it("goes back as text, JSON text for other values, a binary frame for bytes, and nothing for undefined or null", async () => {
    const { url } = await startProject({
      "p/h.js": `const values = { text: "plain", object: { a: [1, 2] }, number: 42, boolean: false, bytes: new Uint8Array([1, 2, 3]), none: undefined, nil: null };
        exports.onMessage = (m) => (m === "later" ? Promise.resolve({ later: true }) : values[m]);`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("text")).toBe("plain");
    expect(await c.ask("object")).toBe('{"a":[1,2]}');
    expect(await c.ask("number")).toBe("42");
    expect(await c.ask("boolean")).toBe("false");
    expect(await c.ask("later")).toBe('{"later":true}');
    // undefined and null send nothing: the next answer is the bytes'.
    c.send("none");
    c.send("nil");
    expect([...new Uint8Array((await c.ask("bytes")) as Buffer)]).toEqual([1, 2, 3]);
  });

  it("goes back as one binary frame with exactly the bytes of an ArrayBuffer, a typed array's window or a DataView, also from a Promise", async () => {
    const { url } = await startProject({
      "p/h.js": `const all = new Uint8Array(256).map((_, i) => i);
        const values = {
          buffer: () => all.buffer,
          window: () => new Uint8Array(all.buffer, 10, 3),
          view: () => new DataView(all.buffer, 254, 2),
          floats: () => new Float32Array([1.5]),
          later: () => Promise.resolve(new Uint8Array([9, 8]).buffer),
        };
        exports.onMessage = (m) => values[m]();`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    const bytes = async (m: string) => {
      const reply = await c.ask(m);
      expect(Buffer.isBuffer(reply)).toBe(true);
      return [...(reply as Buffer)];
    };
    expect(await bytes("buffer")).toEqual(Array.from({ length: 256 }, (_, i) => i));
    expect(await bytes("window")).toEqual([10, 11, 12]);
    expect(await bytes("view")).toEqual([254, 255]);
    expect(await bytes("floats")).toEqual([...Buffer.from(new Float32Array([1.5]).buffer)]);
    expect(await bytes("later")).toEqual([9, 8]);
  });
});
