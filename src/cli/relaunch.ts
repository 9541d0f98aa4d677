import { NODE_SNAPSHOT_FLAG, snapshotOff } from "../sandbox/node-flags.js";

/**
 * `node dist/cli/main.js …` (without --no-node-snapshot, which isolated-vm
 * needs) replaces itself with the same command plus the flag: same process,
 * same id, same arguments and environment. Returns when the flag is on.
 */
export function relaunchWithSnapshotOff(): void {
  if (snapshotOff()) return;
  const execve = process.execve;
  if (typeof execve !== "function") return; // Runtime's own check then says how to start Node
  execve.call(process, process.execPath, [process.execPath, NODE_SNAPSHOT_FLAG, ...process.execArgv, ...process.argv.slice(1)], process.env);
}
