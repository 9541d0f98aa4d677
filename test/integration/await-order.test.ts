import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

describe("output before and after an await", () => {
  it("reaches the client in the order the handler produced it", async () => {
    const { url } = await startProject({
      "p/h.js": `exports.onMessage = async (m, c) => {
        c.send(m + ":a");
        await null;
        c.send(m + ":b");
        await Promise.resolve();
        c.send(m + ":c");
        return m + ":d";
      };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    for (const m of ["1", "2", "3"]) c.send(m);
    const got = (await c.received(12)).map(String);
    for (const m of ["1", "2", "3"]) expect(got.filter((x) => x.startsWith(m + ":"))).toEqual([m + ":a", m + ":b", m + ":c", m + ":d"]);
    expect(got.slice(0, 4)).toEqual(["1:a", "1:b", "1:c", "1:d"]);
  });
});
