import { describe, expect, it } from "vitest";
import { FrameError, FrameReader, MAX_FRAME_CHARS, writeFrame } from "../../src/stomp/frames.js";

describe("STOMP frames", () => {
  it("reads frames split anywhere, with heart-beats between them, escapes and a byte content-length", () => {
    const body = "héllo ☃ \u{1F600} with a NUL-free body";
    const text =
      "\n\r\n" +
      writeFrame("SEND", { destination: "/ws/stomp/a:b", note: "line\nbreak\\slash" }, body) +
      "\n" +
      "SUBSCRIBE\nid:1\ndestination:/user/queue/reply/x\n\n\0" +
      "\n\n";
    const whole = new FrameReader().push(text);
    expect(whole).toEqual([
      { command: "SEND", headers: { destination: "/ws/stomp/a:b", note: "line\nbreak\\slash", "content-length": String(Buffer.byteLength(body)) }, body },
      { command: "SUBSCRIBE", headers: { id: "1", destination: "/user/queue/reply/x" }, body: "" },
    ]);
    const reader = new FrameReader();
    const oneByOne = [...text].flatMap((c) => reader.push(c));
    expect(oneByOne).toEqual(whole);
    expect(reader.pending).toBe(0);
  });

  it("takes a body holding NULs when content-length says so, and the first of repeated headers", () => {
    const frames = new FrameReader().push("SEND\ndestination:/a\ndestination:/b\ncontent-length:3\n\na\0b\0");
    expect(frames).toEqual([{ command: "SEND", headers: { destination: "/a", "content-length": "3" }, body: "a\0b" }]);
  });

  it("refuses what is not STOMP, and frames over the limit", () => {
    expect(() => new FrameReader().push("GET / HTTP/1.1\n\n\0")).toThrow(FrameError);
    expect(() => new FrameReader().push("SEND\nbad header\n\n\0")).toThrow(/has no name/);
    expect(() => new FrameReader().push("SEND\nx:\\q\n\n\0")).toThrow(/undefined escape/);
    expect(() => new FrameReader().push("SEND\ncontent-length:2\n\nabc\0")).toThrow(/does not end with NUL/);
    expect(() => new FrameReader().push("SEND\n\n" + "x".repeat(MAX_FRAME_CHARS + 1))).toThrow(/over/);
  });
});
