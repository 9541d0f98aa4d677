/**
 * net/v4/evqueue inside the sandbox. The client role (createCluster) is
 * installed by cluster-guest.ts; types and docs: evqueue.d.ts.
 */
import type { Kernel } from "../../guest/kernel.js";
import { installCluster } from "./cluster-guest.js";

export default function evqueue(exports: Record<string, unknown>, kernel: Kernel): void {
  installCluster(exports, kernel);
  kernel.builtins.freeze(exports);
}
