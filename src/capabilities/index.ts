import type { Capability } from "../ops/capability.js";
import { channels } from "./channels/index.js";
import { configurations } from "./configurations/index.js";
import { events } from "./events/index.js";
import { evqueue } from "./evqueue/index.js";
import { http } from "./http/index.js";
import { monorail } from "./monorail/index.js";
import { web } from "./web/index.js";
import { websockets } from "./websockets/index.js";

/** The capabilities every runtime has; a new one is a folder beside these and a line here. */
export const BUILT_IN_CAPABILITIES: readonly Capability[] = [websockets, http, web, configurations, events, channels, monorail, evqueue];
