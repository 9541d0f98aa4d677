import { AerostatError, SystemErrorCodes } from "../errors/codes.js";

/** isolated-vm requires Node to run with --no-node-snapshot on Node 20 and later. */
export function assertNodeFlags(): void {
  const flag = "--no-node-snapshot";
  if (process.execArgv.includes(flag) || (process.env.NODE_OPTIONS ?? "").includes(flag)) return;
  throw new AerostatError(
    SystemErrorCodes.NODE_FLAGS,
    `start Node with ${flag} (e.g. "node ${flag} app.js" or NODE_OPTIONS=${flag}); the sandbox needs it`,
  );
}
