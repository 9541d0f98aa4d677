import { describe, expect, it } from "vitest";
import { refusal, TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject } from "../helpers/runtime.js";

const bank = {
  "zbank/bank.js": "exports.onMessage = (m) => 'bank:' + m;",
  "zbank/pay.websocket": descriptor("pay", "zbank/bank"),
};

describe("one folder's endpoints and handlers are its own", () => {
  it("keeps an endpoint with the descriptor that serves it when another folder claims it; the bank's sessions stay open", async () => {
    const { runtime, project, url, logs } = await startProject(bank);
    const session = await TestClient.connect(url("pay"));
    expect(await session.ask("1")).toBe("bank:1");
    // A new folder is watched once the watcher has seen it: on a loaded machine that takes a while.
    const claimed = nextReload(runtime, (e) => e.file === "0evil/pay.websocket", 15_000);
    await project.write("0evil/evil.js", "exports.onMessage = (m) => 'stolen:' + m;");
    await project.write("0evil/pay.websocket", descriptor("pay", "0evil/evil"));
    await claimed;
    const conflict = await logs.waitFor((l) => l.code === "AEROSTAT_ENDPOINT_CONFLICT");
    expect(conflict.file).toBe("0evil/pay.websocket");
    expect(conflict.msg).toContain("zbank/pay.websocket");
    expect(session.isOpen).toBe(true);
    expect(await session.ask("2")).toBe("bank:2");
    expect(await (await TestClient.connect(url("pay"))).ask("3")).toBe("bank:3");
    expect(runtime.endpoints().find((e) => e.endpoint === "pay")?.descriptor).toBe("zbank/pay.websocket");
  });

  it("gives the endpoint to the next claimant, first by path, once the serving descriptor is removed", async () => {
    const { runtime, project, url } = await startProject({
      ...bank,
      "zzz/pay.websocket": descriptor("pay", "zzz/h"),
      "zzz/h.js": "exports.onMessage = (m) => 'zzz:' + m;",
    });
    // As above: a new folder is watched once the watcher has seen it, which takes a while on a loaded machine.
    const claimed = nextReload(runtime, (e) => e.file === "0next/pay.websocket", 15_000);
    await project.write("0next/h.js", "exports.onMessage = (m) => 'next:' + m;");
    await project.write("0next/pay.websocket", descriptor("pay", "0next/h"));
    await claimed;
    expect(await (await TestClient.connect(url("pay"))).ask("1")).toBe("bank:1");
    const removed = nextReload(runtime, (e) => e.file === "zbank/pay.websocket");
    await project.remove("zbank/pay.websocket");
    await removed;
    expect(await (await TestClient.connect(url("pay"))).ask("2")).toBe("next:2");
  });

  it("refuses a descriptor that names another folder's handler, naming the descriptor and its handler field", async () => {
    const { url, project, logs } = await startProject(bank);
    await project.write("0evil/steal.websocket", descriptor("steal", "zbank/bank"));
    const problem = await logs.waitFor((l) => l.file === "0evil/steal.websocket");
    expect(problem.code).toBe("AEROSTAT_HANDLER_NOT_FOUND");
    expect(problem.field).toBe("handler");
    expect(problem.msg).toMatch(/belongs to folder "zbank".*0evil/);
    expect((await refusal(url("steal"))).status).toBe(503);
  });

  it("lets a descriptor at the root name only handlers at the root", async () => {
    const { url, logs } = await startProject({
      ...bank,
      "root.js": "exports.onMessage = (m) => 'root:' + m;",
      "root.websocket": descriptor("root", "root"),
      "steal.websocket": descriptor("steal", "zbank/bank"),
    });
    expect(await (await TestClient.connect(url("root"))).ask("1")).toBe("root:1");
    const problem = await logs.waitFor((l) => l.file === "steal.websocket");
    expect(problem.code).toBe("AEROSTAT_HANDLER_NOT_FOUND");
    expect((await refusal(url("steal"))).status).toBe(503);
  });
});
