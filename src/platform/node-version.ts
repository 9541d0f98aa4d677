/**
 * The Node.js version aerostat runs on. This file imports nothing, so the
 * entry points can check the version before anything loads isolated-vm
 * (whose native build exists only for Node 24's ABI and later).
 */

/** The oldest Node.js major version aerostat runs on. */
export const MIN_NODE_MAJOR = 24;

/** The one sentence saying this Node is too old and how to get a newer one; undefined when `version` will do. */
export function nodeVersionProblem(version: string = process.version): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major >= MIN_NODE_MAJOR) return undefined;
  return (
    `aerostat needs Node.js ${MIN_NODE_MAJOR} or later (this is ${version}): install it ` +
    `(nvm install ${MIN_NODE_MAJOR}, or npm install node@${MIN_NODE_MAJOR} and run it from node_modules/.bin) and run again.`
  );
}

/** On a Node older than MIN_NODE_MAJOR: writes the sentence to stderr and exits with status 1, with no stack. */
export function exitUnlessNodeSupported(): void {
  const problem = nodeVersionProblem();
  if (!problem) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
