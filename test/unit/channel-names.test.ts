import { describe, expect, it } from "vitest";
import { channelName } from "../../src/bus/message-bus.js";
import { RedisKeys } from "../../src/bus/redis-keys.js";

describe("engine channel and key names", () => {
  it("keep each project inside its own hash tag, whatever its folder is called", () => {
    expect(channelName({ project: "chat", kind: "ws", name: "broadcast" })).toBe("aerostat:{chat}:ws:broadcast");
    // A folder name cannot close the tag and land on another project's names.
    const sly = channelName({ project: "a}:ws:broadcast", kind: "ws", name: "x" });
    expect(sly).toBe("aerostat:{a%7D%3Aws%3Abroadcast}:ws:x");
    expect(RedisKeys.presence("a}:presence:sessions:x", "sessions")).toBe("aerostat:{a%7D%3Apresence%3Asessions%3Ax}:presence:sessions");
    // The root project gets a tag Redis does not ignore.
    expect(channelName({ project: "", kind: "ev", name: "events" })).toBe("aerostat:{/}:ev:events");
  });
});
