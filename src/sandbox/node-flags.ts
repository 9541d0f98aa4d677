import { AerostatError, SystemErrorCodes } from "../errors/codes.js";

/** The Node flag isolated-vm needs on Node 20 and later. */
export const NODE_SNAPSHOT_FLAG = "--no-node-snapshot";

/** Whether this Node runs with NODE_SNAPSHOT_FLAG (on its command line or in NODE_OPTIONS). */
export function snapshotOff(): boolean {
  return process.execArgv.includes(NODE_SNAPSHOT_FLAG) || (process.env.NODE_OPTIONS ?? "").includes(NODE_SNAPSHOT_FLAG);
}

/** isolated-vm requires Node to run with --no-node-snapshot on Node 20 and later. */
export function assertNodeFlags(): void {
  if (snapshotOff()) return;
  const flag = NODE_SNAPSHOT_FLAG;
  throw new AerostatError(
    SystemErrorCodes.NODE_FLAGS,
    `start Node with ${flag} (e.g. "node ${flag} app.js" or NODE_OPTIONS=${flag}); the sandbox needs it`,
  );
}
