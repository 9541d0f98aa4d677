/** The operations the web platform globals call (shared by the guest code and ops.ts), and their limits. */
export const WebOps = {
  /** [input, base | null] → URL components, or null when it does not parse (Node's WHATWG URL). */
  urlParse: "web.urlParse",
  /** [href, component, value] → the components after setting one (the WHATWG setters). */
  urlSet: "web.urlSet",
  /** [byteCount] → that many random bytes, base64. */
  random: "web.random",
  /** [hash, dataBase64] → the digest, base64 (deferred). */
  digest: "web.digest",
  /** [hash, keyBase64, dataBase64] → the HMAC, base64 (deferred). */
  hmacSign: "web.hmacSign",
  /** [hash, keyBase64, signatureBase64, dataBase64] → whether it matches, compared in constant time (deferred). */
  hmacVerify: "web.hmacVerify",
  /** [FetchRequest] → FetchAnswer (deferred). */
  fetch: "web.fetch",
} as const;

/** Limits of the web platform globals (README, Web platform APIs). */
export const WebLimits = {
  /** Bytes crypto.getRandomValues fills at most, as in browsers. */
  maxRandomBytes: 65536,
  /** Bytes of one input to crypto.subtle (data, key, signature). */
  maxCryptoInputBytes: 1024 * 1024,
  /** Bytes of one fetch request body. */
  maxFetchRequestBytes: 1024 * 1024,
  /** Bytes of one fetch response body; a larger one rejects. */
  maxFetchResponseBytes: 5 * 1024 * 1024,
  /** ms a fetch may take by default, redirects included; init.timeout may ask for less or more, up to maxFetchTimeoutMs. */
  fetchTimeoutMs: 10_000,
  maxFetchTimeoutMs: 60_000,
  /** Redirects one fetch follows at most. */
  maxRedirects: 5,
  /** fetches one handler module may have in flight. */
  maxFetchesInFlight: 16,
  /** Headers of one fetch request. */
  maxFetchHeaders: 100,
} as const;

/** The hashes crypto.subtle supports, by their WebCrypto names. */
export const WEB_HASHES = ["SHA-1", "SHA-256", "SHA-384", "SHA-512"] as const;

/** What the guest's fetch sends the host. */
export interface FetchRequest {
  url: string;
  method: string;
  headers: [string, string][];
  /** The body, base64, or null. */
  body: string | null;
  timeoutMs: number;
  /** "follow" (the default), "manual" (a redirect answer is returned as it is) or "error". */
  redirect: string;
}

/** What the host answers a fetch with. */
export interface FetchAnswer {
  status: number;
  statusText: string;
  url: string;
  redirected: boolean;
  headers: [string, string][];
  /** The body as text when it is valid UTF-8, else null (see base64). */
  text: string | null;
  base64: string | null;
}

/** A parsed URL's components, as Node's URL has them. */
export interface UrlParts {
  href: string;
  origin: string;
  protocol: string;
  username: string;
  password: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
}
