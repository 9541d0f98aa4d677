#!/usr/bin/env -S node --no-node-snapshot
// The bin. It checks the Node version first (require-node.ts exits with one sentence on Node < 24), then
// makes sure isolated-vm's --no-node-snapshot is on, and only then loads the program and isolated-vm.
import "../platform/require-node.js";
import { relaunchWithSnapshotOff } from "./relaunch.js";

relaunchWithSnapshotOff();
await import("./program.js");
