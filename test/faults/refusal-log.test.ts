import { describe, expect, it } from "vitest";
import { refusal } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

describe("refused handshakes in the log", () => {
  it("cannot be used to flood the log by knocking at made-up endpoint names", async () => {
    const { url, logs } = await startProject({
      "p/h.js": "exports.onMessage = (m) => m;",
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const knocks = 200;
    for (let i = 0; i < knocks; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, j) => refusal(url(`made-up-${i + j}`))));
    }
    const refused = () => logs.lines.filter((l) => /^refused a handshake/.test(l.msg));
    const dropped = () => logs.lines.filter((l) => /more refused handshakes \(\(no such endpoint\)\) were not logged/.test(l.msg));
    // Every knock is logged or counted, in a handful of lines.
    await waitUntil(() => refused().length + dropped().reduce((n, l) => n + Number(l.dropped), 0) === knocks, 5000, "every knock logged or counted");
    expect(refused().length + dropped().length).toBeLessThan(30);
  });

  it("cannot be flooded by requests to script services that are refused", async () => {
    const { runtime, logs } = await startProject({ "p/s.js": `require("http/v4/response").print("ran");` });
    const knocks = 200;
    for (let i = 0; i < knocks; i += 20) {
      await Promise.all(Array.from({ length: 20 }, () => fetch(`${runtime.url}/services/js/p/missing-${i}.js`).then((r) => r.text())));
    }
    const refused = () => logs.lines.filter((l) => /^script service request refused/.test(l.msg));
    const dropped = () => logs.lines.filter((l) => /more refused script service requests \(404\) were not logged/.test(l.msg));
    await waitUntil(() => refused().length + dropped().reduce((n, l) => n + Number(l.dropped), 0) === knocks, 5000, "every refusal logged or counted");
    expect(refused().length + dropped().length).toBeLessThan(30);
  });
});
