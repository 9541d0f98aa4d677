/** Edit distance between two names (insertions, deletions, substitutions), case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[y.length]!;
}

/** The known name a mistyped one most likely meant ("dashbord" → "dashboard", "idleTimeout" → "idleTimeoutMs"), if any is close. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const lower = candidate.toLowerCase();
    const prefixed = name.length >= 4 && (lower.startsWith(name.toLowerCase()) || name.toLowerCase().startsWith(lower));
    const score = prefixed ? 0.5 : distance(name, candidate);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return bestScore <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** "did you mean "x"?" or the list of known names. */
export function unknownNameHint(name: string, known: readonly string[]): string {
  const close = closestName(name, known);
  return close ? `did you mean "${close}"?` : `known: ${known.join(", ")}`;
}
