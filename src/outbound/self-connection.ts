import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { networkInterfaces } from "node:os";

/**
 * An address of this machine: loopback, unspecified (0.0.0.0 and :: reach
 * this machine), or one of its interfaces' addresses.
 */
export function isLocalAddress(address: string): boolean {
  const a = unmapIPv4(address.toLowerCase());
  if (a.startsWith("127.") || a === "::1" || a === "0.0.0.0" || a === "::" || a.startsWith("0.")) return true;
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (i.address.toLowerCase() === a) return true;
  }
  return false;
}

/** "::ffff:127.0.0.1" and "::ffff:7f00:1" as "127.0.0.1"; other addresses unchanged. */
function unmapIPv4(address: string): string {
  if (!address.startsWith("::ffff:")) return address;
  const rest = address.slice(7);
  if (isIP(rest) === 4) return rest;
  const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(rest);
  if (!m) return address;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** A host name that means this machine without asking DNS: localhost, *.localhost, or a local IP literal. */
export function isLocalName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || (isIP(host) !== 0 && isLocalAddress(host));
}

/**
 * A `lookup` for an outgoing connection (net.connect calls it for names, not
 * for IP literals): fails when any address the name resolves to is refused by
 * `refuse`, which returns why.
 */
export function guardedLookup(refuse: (address: string) => string | undefined): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: (...args: never[]) => void) => {
    const done = callback as unknown as (
      err: NodeJS.ErrnoException | null,
      address?: string | LookupAddress[],
      family?: number,
    ) => void;
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return done(err);
      for (const { address } of addresses) {
        const why = refuse(address);
        if (why) return done(Object.assign(new Error(why), { code: "EAEROSTATREFUSED" }));
      }
      if (options.all) return done(null, addresses);
      const first = addresses[0]!;
      done(null, first.address, first.family);
    });
  };
}
