import { describe, expect, it } from "vitest";
import { DEFAULT_OUTBOUND_HOSTS, outboundAllowed } from "../../src/endpoints/outbound-policy.js";

describe("outboundAllowed", () => {
  it("allows loopback by default and nothing else", () => {
    expect(outboundAllowed("ws://localhost:9000/x", DEFAULT_OUTBOUND_HOSTS)).toBe(true);
    expect(outboundAllowed("ws://127.0.0.1/", DEFAULT_OUTBOUND_HOSTS)).toBe(true);
    expect(outboundAllowed("ws://[::1]:80/", DEFAULT_OUTBOUND_HOSTS)).toBe(true);
    expect(outboundAllowed("wss://example.com/", DEFAULT_OUTBOUND_HOSTS)).toBe(false);
    expect(outboundAllowed("ws://10.0.0.1/", DEFAULT_OUTBOUND_HOSTS)).toBe(false);
  });

  it("matches exact hosts, subdomain wildcards and '*'", () => {
    const list = ["api.example.com", "*.feeds.example.org"];
    expect(outboundAllowed("wss://API.example.com/x", list)).toBe(true);
    expect(outboundAllowed("wss://a.feeds.example.org/", list)).toBe(true);
    expect(outboundAllowed("wss://feeds.example.org.evil.com/", list)).toBe(false);
    expect(outboundAllowed("wss://example.com/", list)).toBe(false);
    expect(outboundAllowed("wss://anything.net/", ["*"])).toBe(true);
    expect(outboundAllowed("not a url", ["*"])).toBe(false);
  });
});
