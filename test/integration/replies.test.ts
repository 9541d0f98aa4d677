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
});
