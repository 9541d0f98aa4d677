import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject } from "../helpers/runtime.js";

describe("the log says what happens to endpoints and their sessions", () => {
  it("logs an endpoint recovering: after a handler that did not load, a descriptor mistake, and a new handler that takes over once fixed", async () => {
    const { url, runtime, project, logs } = await startProject({
      "p/a.js": `exports.onMessage = (m) => "a:" + m;`,
      "p/bad.js": `exports.onMessage = (m) => ;`,
      "p/e.websocket": descriptor("e", "p/a"),
      "p/f.websocket": descriptor("f", "p/bad"),
      "p/h.websocket": descriptor("h", "p/a"),
    });
    await logs.waitFor((l) => l.file === "p/bad.js" || String(l.msg).startsWith("p/bad.js:"));
    const fixed = nextReload(runtime, (e) => e.kind === "handler" && e.ok && e.file === "p/bad.js");
    await project.write("p/bad.js", `exports.onMessage = (m) => "fixed:" + m;`);
    await fixed;
    await logs.waitFor((l) => l.msg === "endpoint f recovered: handler p/bad.js loads again");
    expect(await (await TestClient.connect(url("f"))).ask("x")).toBe("fixed:x");

    await project.write("p/e.websocket", descriptor("e", "p/typo"));
    await logs.waitFor((l) => /handler "p\/typo" was not found/.test(l.msg));
    await project.write("p/e.websocket", descriptor("e", "p/a"));
    await logs.waitFor((l) => l.msg === "endpoint e recovered: handler p/a.js loads again");

    // A new handler that does not load: the old one keeps serving until the new one is fixed, then takes over.
    // (Endpoint h's descriptor is written once here: no second look at it by the watcher re-applies it.)
    const c = await TestClient.connect(url("h"));
    await project.write("p/next.js", `exports.onMessage = (m) => ;`);
    await project.write("p/h.websocket", descriptor("h", "p/next"));
    await logs.waitFor((l) => /h keeps serving p\/a\.js, because its new handler p\/next\.js did not load/.test(l.msg));
    expect(await c.ask("y")).toBe("a:y");
    await project.write("p/next.js", `exports.onMessage = (m) => "next:" + m;`);
    expect((await c.closed).code).toBe(1012);
    await logs.waitFor((l) => l.msg === "endpoint h repointed by p/h.websocket: handler p/a.js → p/next.js");
    await logs.waitFor((l) => l.msg === "endpoint h recovered: handler p/next.js loads again");
    expect(await (await TestClient.connect(url("h"))).ask("z")).toBe("next:z");
    // An endpoint that never had a problem logs no recovery.
    expect(logs.messages().filter((m) => m.includes("recovered"))).toHaveLength(3);
  });

  it("logs a repointed handler, and sessions closed in bulk as one line with their count", async () => {
    const { url, runtime, project, logs } = await startProject({
      "p/a.js": `exports.onMessage = (m) => "a:" + m;`,
      "p/b.js": `exports.onMessage = (m) => "b:" + m;`,
      "p/e.websocket": descriptor("e", "p/a"),
      "p/g.websocket": descriptor("g", "p/a"),
    });
    const e = await Promise.all([1, 2].map(() => TestClient.connect(url("e"))));
    for (const c of e) expect(await c.ask("x")).toBe("a:x");
    await project.write("p/e.websocket", descriptor("e", "p/b"));
    for (const c of e) expect((await c.closed).code).toBe(1012);
    await logs.waitFor((l) => l.msg === "endpoint e repointed by p/e.websocket: handler p/a.js → p/b.js");
    const closed = logs.lines.filter((l) => l.msg.startsWith("closed "));
    expect(closed.map((l) => l.msg)).toEqual(["closed 2 sessions of e: 1012 endpoint handler changed; reconnect"]);
    expect(closed[0]).toMatchObject({ endpoint: "e", sessions: 2, code: 1012 });

    const g = await Promise.all([1, 2, 3].map(() => TestClient.connect(url("g"))));
    await project.remove("p/g.websocket");
    for (const c of g) expect((await c.closed).code).toBe(1001);
    await logs.waitFor((l) => l.msg === "closed 3 sessions of g: 1001 endpoint removed");

    const last = await TestClient.connect(url("e"));
    expect(await last.ask("y")).toBe("b:y");
    await runtime.close(500);
    expect(logs.messages()).toContain("closed 1 session of every endpoint: 1001 server shutting down");
    // Nothing open, nothing to say.
    expect(logs.messages().filter((m) => m.startsWith("closed "))).toHaveLength(3);
  });
});
