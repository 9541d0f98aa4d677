// aerostat evQueue client: evQueue's evQueueWS and evQueueCluster classes,
// with their method names and argument orders, written from the wire
// protocol. Served at /websockets/v4/evqueue.js (an ES module that imports
// the files of ./evqueue/ beside it); also importable from Node >= 22 as
// "aerostat/evqueue" (give it a DOMParser: evQueueWS.DOMParser).
// Types: evqueue.d.ts beside this file.
export { evQueueCluster } from "./evqueue/cluster.js";
export { evQueueWS } from "./evqueue/ws.js";
export { States } from "./evqueue/errors.js";
