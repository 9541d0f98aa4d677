import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

describe("a mistake in a serving endpoint's descriptor", () => {
  it("keeps the old handler serving and its sessions open when the new handler path leads nowhere or does not load", async () => {
    const { url, runtime, project, logs } = await startProject({
      "p/h.js": `exports.onMessage = (m) => "old:" + m;`,
      "p/broken.js": `exports.onMessage = (m) => ;`,
      "p/good.js": `exports.onMessage = (m) => "new:" + m;`,
      "p/e.websocket": descriptor("e", "p/h"),
    });
    const c = await TestClient.connect(url("e"));
    expect(await c.ask("1")).toBe("old:1");

    const changed = nextReload(runtime, (e) => e.kind === "descriptor" && e.ok);
    await project.write("p/e.websocket", descriptor("e", "p/typo"));
    await changed;
    const kept = await logs.waitFor((l) => /handler "p\/typo" was not found/.test(l.msg));
    expect(kept.msg).toContain("The endpoint keeps serving p/h.js meanwhile; its sessions stay open.");
    expect(await c.ask("2")).toBe("old:2");
    expect(c.isOpen).toBe(true);
    expect(runtime.endpoints().find((e) => e.endpoint === "e")?.problem).toMatch(/p\/typo/);

    await project.write("p/e.websocket", descriptor("e", "p/broken"));
    await logs.waitFor((l) => /e keeps serving p\/h\.js, because its new handler p\/broken\.js did not load/.test(l.msg));
    expect(await c.ask("3")).toBe("old:3");
    expect(c.isOpen).toBe(true);

    // A good handler takes over: sessions are told to reconnect to the new code (1012).
    await project.write("p/e.websocket", descriptor("e", "p/good"));
    expect(await c.closed).toMatchObject({ code: 1012 });
    await waitUntil(async () => (await (await TestClient.connect(url("e"))).ask("4")) === "new:4");
  });
});

describe("names that are not what aerostat expects", () => {
  it("refuses an unknown descriptor field, suggesting the right name, and accepts the fields Dirigible writes", async () => {
    const { url, logs } = await startProject({
      "p/h.js": `exports.onMessage = (m) => m;`,
      "p/typo.websocket": JSON.stringify({ handler: "p/h", endpoint: "typo", idleTimeout: 5000 }, null, 2),
      "p/odd.websocket": JSON.stringify({ handler: "p/h", endpoint: "odd", colour: "blue" }),
      "p/dirigible.websocket": JSON.stringify({ handler: "/p/h.js", endpoint: "dirigible", location: "/p/dirigible.websocket", createdBy: "admin", createdAt: 1 }),
    });
    const typo = await logs.waitFor((l) => String(l.file).startsWith("p/typo.websocket"));
    expect(typo).toMatchObject({ code: "AEROSTAT_DESCRIPTOR_FIELD", field: "idleTimeout" });
    expect(typo.msg).toBe('p/typo.websocket:4:3: field "idleTimeout" is not a descriptor field; did you mean "idleTimeoutMs"?');
    const odd = await logs.waitFor((l) => String(l.file).startsWith("p/odd.websocket"));
    expect(odd.msg).toMatch(/field "colour" is not a descriptor field; known: handler, endpoint, description, engine, isolate, protocol, socketcluster, maxPayload/);
    expect(await (await TestClient.connect(url("dirigible"))).ask("hi")).toBe("hi");
  });

  it("refuses a handler path that names two files, naming both", async () => {
    const { logs } = await startProject({
      "p/h.js": `exports.onMessage = (m) => "js";`,
      "p/h.ts": `export function onMessage(m: string) { return "ts"; }`,
      "p/e.websocket": descriptor("e", "p/h"),
    });
    const problem = await logs.waitFor((l) => l.file === "p/e.websocket");
    expect(problem.msg).toContain('handler "p/h" is ambiguous: p/h.js and p/h.ts both exist. Write the extension of the one you mean, or remove the others.');
  });

  it("refuses an unknown runtime option, suggesting the right name", async () => {
    const { createRuntime } = await import("../../src/index.js");
    expect(() => createRuntime({ projectRoot: ".", dashbord: "off" } as never)).toThrow('option "dashbord" is not an option of createRuntime(); did you mean "dashboard"?');
  });
});
