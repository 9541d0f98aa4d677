import { describe, expect, it } from "vitest";
import { DEFAULT_OUTBOUND_HOSTS, outboundAllowed, outboundEntryProblem } from "../../src/outbound/outbound-policy.js";

describe("outboundAllowed", () => {
  it("allows nothing by default, loopback included", () => {
    expect(DEFAULT_OUTBOUND_HOSTS).toEqual([]);
    for (const uri of ["ws://localhost:9000/x", "ws://127.0.0.1/", "ws://[::1]:80/", "wss://example.com/", "ws://10.0.0.1/"]) {
      expect(outboundAllowed(uri, DEFAULT_OUTBOUND_HOSTS)).toBe(false);
    }
  });

  it("matches exact hosts, subdomain wildcards and '*'", () => {
    const list = ["api.example.com", "*.feeds.example.org"];
    expect(outboundAllowed("wss://API.example.com/x", list)).toBe(true);
    expect(outboundAllowed("wss://a.feeds.example.org/", list)).toBe(true);
    expect(outboundAllowed("wss://feeds.example.org.evil.com/", list)).toBe(false);
    expect(outboundAllowed("wss://example.com/", list)).toBe(false);
    expect(outboundAllowed("wss://anything.net/", ["*"])).toBe(true);
    expect(outboundAllowed("not a url", ["*"])).toBe(false);
    // http(s) too, for fetch; nothing else.
    expect(outboundAllowed("http://example.com/", ["*"])).toBe(true);
    expect(outboundAllowed("file:///etc/passwd", ["*"])).toBe(false);
  });

  it("limits an entry with a port to that port; without one, any port (80 and 443 by default for ws and wss)", () => {
    expect(outboundAllowed("ws://127.0.0.1:9000/", ["127.0.0.1:9000"])).toBe(true);
    expect(outboundAllowed("ws://127.0.0.1:9001/", ["127.0.0.1:9000"])).toBe(false);
    expect(outboundAllowed("ws://127.0.0.1/", ["127.0.0.1:80"])).toBe(true);
    expect(outboundAllowed("wss://api.example.com/", ["api.example.com:443"])).toBe(true);
    expect(outboundAllowed("ws://[::1]:9000/", ["[::1]:9000"])).toBe(true);
    expect(outboundAllowed("ws://[::1]:9001/", ["[::1]:9000"])).toBe(false);
    expect(outboundAllowed("ws://[::1]:9001/", ["::1"])).toBe(true);
    expect(outboundAllowed("ws://a.example.com:7000/", ["*.example.com:7000"])).toBe(true);
    expect(outboundAllowed("ws://api.example.com:1/", ["api.example.com"])).toBe(true);
  });

  it("names a malformed entry", () => {
    for (const good of ["api.example.com", "*.example.com", "127.0.0.1:9000", "[::1]:9000", "::1", "*"]) {
      expect(outboundEntryProblem(good)).toBeUndefined();
    }
    for (const bad of ["ws://example.com", "example.com:0", "example.com:70000", "[::1", "a b", ""]) {
      expect(outboundEntryProblem(bad)).toMatch(/is not host\[:port\]/);
    }
  });
});
