/*
 * bouncekit/message.h - one email message: MIME structure and decoding.
 *
 * bk_message_new() reads a message (RFC 5322 + MIME, any line ending) into
 * an arena that holds everything derived from it: headers, parts, decoded
 * text and the records.  Parsing is a single linear pass with explicit
 * stacks; malformed structure is recorded as a diagnostic, never an error.
 *
 * Thread safety: a message is used by one thread at a time.
 */
#ifndef BOUNCEKIT_MESSAGE_H
#define BOUNCEKIT_MESSAGE_H

#include <stddef.h>

#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bk_message bk_message;

#define BK_MESSAGE_OPTIONS_VERSION 1

typedef struct bk_message_options {
	unsigned version;          /* BK_MESSAGE_OPTIONS_VERSION */
	size_t max_bytes;          /* 0: BK_LIMIT_MESSAGE_BYTES */
	unsigned max_parts;        /* 0: BK_LIMIT_MIME_PARTS */
	unsigned max_depth;        /* 0: BK_LIMIT_MIME_DEPTH */
} bk_message_options;

#define BK_MESSAGE_OPTIONS_INIT { BK_MESSAGE_OPTIONS_VERSION, 0, 0, 0 }

/**
 * bk_message_new - parse a message.
 * @param out   receives the message; release with bk_message_free().
 * @param data  the raw bytes; copied (line endings normalised), so the
 *              caller may release them after the call.
 * @param len   number of bytes.
 * @param opts  options or NULL for the defaults.
 * @return 0 (also for damaged input: see bk_message_diagnostic()),
 *         BK_ENOMEM.
 */
int bk_message_new(bk_message **out, const char *data, size_t len,
    const bk_message_options *opts);

/** bk_message_free - release the message and all it owns; NULL is fine. */
void bk_message_free(bk_message *msg);

/**
 * bk_message_header - the first header field called @name at the top
 * level, unfolded and with RFC 2047 words decoded to UTF-8.
 * @param out  receives a slice owned by the message.
 * @return 0 or BK_ENOTFOUND.
 */
int bk_message_header(bk_message *msg, bk_str *out, const char *name);

/** bk_message_part_count - number of MIME entities parsed. */
size_t bk_message_part_count(const bk_message *msg);

/**
 * bk_message_decode - run the decoders and produce the records.
 *
 * Every message yields at least one record: when no decoder understands
 * it, one record of kind BK_KIND_UNKNOWN whose error field says why.
 * Records are owned by the message.  Verdict fields are left empty: see
 * bk_classify().
 * @param out  receives the array of records.
 * @param n    receives their number (at least 1 on success).
 * @return 0 or BK_ENOMEM.
 */
int bk_message_decode(bk_message *msg, bk_record **out, size_t *n);

/* How the original message came back with a bounce. */
typedef enum bk_returned_kind {
	BK_MESSAGE_RETURNED_NONE = 0,  /* not at all */
	BK_MESSAGE_RETURNED_HEADERS,   /* its header block only
					* (text/rfc822-headers) */
	BK_MESSAGE_RETURNED_INLINE,    /* a copy in the notification text,
					* after a marker line */
	BK_MESSAGE_RETURNED_WHOLE      /* a message/rfc822 (message/global)
					* part */
} bk_returned_kind;

/**
 * bk_message_returned - the original message that came back with the
 * bounce, as the decoders found it: a message/rfc822 or message/global
 * part (whole), a text/rfc822-headers part (headers only), or a copy
 * pasted into the notification text after a marker line such as Exim's
 * "------ This is a copy of the message, including all the headers."
 * (inline).  Decodes the message first when bk_message_decode() has not
 * run yet.
 *
 * The slice starts at the returned header block.  Whole: the part's
 * content (decoded when the MTA transfer-encoded it), header block and
 * body.  Headers only: the part's decoded text.  Inline: from the first
 * header line of the copy to the end of the notification text (which
 * may go on after the copy).  Line ends are LF.  The bytes are untrusted
 * bounce content.
 * @param out       receives the slice, owned by @msg (valid until
 *                  bk_message_free()); {NULL, 0} when not found.
 * @param kind_out  receives how it came back (BK_MESSAGE_RETURNED_NONE
 *                  when not found); may be NULL.
 * @param msg       the bounce.
 * @return 0; BK_ENOTFOUND when the original message did not come back;
 *         BK_ENOMEM when decoding ran out of memory.
 */
int bk_message_returned(bk_str *out, bk_returned_kind *kind_out,
    bk_message *msg);

/**
 * bk_message_diagnostic - the worst damage seen while parsing and a short
 * description of its first occurrence (owned by the message).
 */
bk_severity bk_message_diagnostic(const bk_message *msg, const char **text);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_MESSAGE_H */
