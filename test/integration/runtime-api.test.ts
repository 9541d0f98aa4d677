import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

describe("net/v4/websockets", () => {
  it("exports exactly the functions its types declare", async () => {
    const { url } = await startProject({
      "p/h.js": `exports.onMessage = () => JSON.stringify(Object.keys(require("net/v4/websockets")).sort());`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const names = JSON.parse(String(await (await TestClient.connect(url("h"))).ask("x")));
    const types = readFileSync(new URL("../../src/capabilities/websockets/websockets.d.ts", import.meta.url), "utf8");
    const declared = [...types.matchAll(/^ {2}export function (\w+)/gm)].map((m) => m[1]);
    expect(declared.length).toBeGreaterThan(10);
    expect(names).toEqual([...new Set(declared)].sort());
  });

  it("returns null/false outside any event, as Dirigible does", async () => {
    const { url, logs } = await startProject({
      "p/h.js": `
        const ws = require("net/v4/websockets");
        let seen = "";
        setTimeout(() => { seen = [ws.getMethod(), ws.getMessage(), ws.isOnMessage()].join(","); console.log("timer ran"); }, 1);
        exports.onMessage = () => seen;`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    await logs.waitFor((l) => l.msg === "timer ran");
    expect(await c.ask("x")).toBe(",,false");
  });
});
