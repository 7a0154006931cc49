/*
 * bouncekit/limits.h - every bound on untrusted input, in one place.
 *
 * Each limit has a default and the reason for it.  Options structs accept
 * 0 for "use the default".  Reaching a limit never ends parsing: the part
 * is flagged, a diagnostic is recorded and decoding continues with what
 * was read.
 */
#ifndef BOUNCEKIT_LIMITS_H
#define BOUNCEKIT_LIMITS_H

/*
 * Largest message read whole.  Bounces are small; a returned message with
 * a big attachment may reach tens of megabytes.  Past this the rest of the
 * message is not read and the record says so.
 */
#define BK_LIMIT_MESSAGE_BYTES ((size_t)256 * 1024 * 1024)

/* Header fields per entity: real mail has well under a few hundred. */
#define BK_LIMIT_HEADER_COUNT 2000

/* Bytes of one unfolded header field kept for decoding. */
#define BK_LIMIT_HEADER_BYTES ((size_t)64 * 1024)

/* MIME entities per message (every part and nested message counts). */
#define BK_LIMIT_MIME_PARTS 4096

/*
 * Nesting of multiparts and message/rfc822 entities.  A bounce of a
 * forwarded bounce is a handful of levels; deeper structure is read as an
 * opaque leaf.
 */
#define BK_LIMIT_MIME_DEPTH 32

/* RFC 2046 section 5.1.1 caps a boundary at 70 characters. */
#define BK_LIMIT_BOUNDARY_BYTES 200

/*
 * Decoded text kept per part.  Notification text is short; decoding stops
 * at this size and the part is flagged as truncated.
 */
#define BK_LIMIT_DECODED_BYTES ((size_t)4 * 1024 * 1024)

/* Per-recipient blocks in one delivery-status report. */
#define BK_LIMIT_DSN_RECIPIENTS 10000

/* Recipients reported for one message by all decoders together. */
#define BK_LIMIT_RECIPIENTS 10000

/* Diagnostic text kept per recipient. */
#define BK_LIMIT_DIAGNOSTIC_BYTES ((size_t)16 * 1024)

/* Bytes of one input line given to `classify` or the log reader. */
#define BK_LIMIT_LINE_BYTES ((size_t)1024 * 1024)

/* Rule hits considered per classification; the rest are ignored. */
#define BK_LIMIT_RULE_HITS 256

#endif /* BOUNCEKIT_LIMITS_H */
