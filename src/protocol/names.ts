/** A node's name (`--node-name`): it prefixes peer ids ("n1.s12") and names the node's channel. */
export const NODE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** An endpoint's name, as a descriptor's "endpoint" and the service URL take it. */
export const ENDPOINT_PATTERN = /^[A-Za-z0-9._-]+$/;

/** Peer ids are short ("n1.s12"); a longer one names no peer. */
export const MAX_ID_CHARS = 200;
