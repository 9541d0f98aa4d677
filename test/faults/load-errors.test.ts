import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

describe("load errors", () => {
  it("name the real throw, whatever the module's top-level code logged first", async () => {
    const { runtime } = await startProject({
      "p/h.js": "console.log('a\\u0000b\\u0000c'); throw new TypeError('nope');",
      "p/h.websocket": descriptor("h", "p/h"),
    });
    expect(runtime.handlerStats()[0]?.error).toMatch(/^p\/h\.js:1:\d+: top-level code threw TypeError: nope\./);
  });
});
