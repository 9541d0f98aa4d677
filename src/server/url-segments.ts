/** The decoded path segments of a URL path, or undefined for a dotfile, "..", a backslash or a NUL. */
export function urlSegments(urlPath: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const segments = decoded.split("/").filter((s) => s !== "");
  const bad = segments.some((s) => s.startsWith(".") || s.includes("\\") || s.includes("\0"));
  return bad ? undefined : segments;
}
