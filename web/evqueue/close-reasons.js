// What a node means by closing the connection before <ready>: aerostat and
// evQueue refuse a sign-in, and aerostat refuses an address for a while after
// too many failed ones, each with a reason of its own; any other close is a
// lost connection (worth another attempt).

/** The reason a node closes with when it refuses the sign-in: aerostat with 1008, evQueue with 1011. */
const INVALID_AUTH = "Invalid authentication";
/** aerostat refusing an address that failed to sign in too often (1008, before or after the challenge): the seconds to wait. */
const RATE_LIMITED = /^too many (?:failed sign-ins from this address|sign-ins from this address at once); try again in (\d+) s$/;

/** What a close before <ready> means: a refused sign-in, a wait the node asks for (waitMs), or a lost connection. */
export function closeMeaning(code, reason) {
  if ((code === 1008 || code === 1011) && reason === INVALID_AUTH) return { kind: "AUTHENTICATION" };
  const limited = code === 1008 ? RATE_LIMITED.exec(reason) : null;
  if (limited) return { kind: "RATE_LIMITED", waitMs: Number(limited[1]) * 1000 };
  // Anything else, "no authentication answer" (the sign-in took too long) among them, is worth another attempt.
  return { kind: "CONNECTION" };
}
