/** What a script service's response may hold, checked by the guest (for a clear error) and by the host. */

/** An HTTP header name (RFC 9110 token). */
export const HTTP_HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers one response may set at most. */
export const MAX_RESPONSE_HEADERS = 100;
