/*
 * message_int.h - the parsed message as the decoders see it.
 *
 * All pointers point into the message's normalised copy (LF line ends)
 * or into its arena.  Parts form a tree (first_child/next); msg->parts
 * lists them in document order.
 */
#ifndef BK_MESSAGE_INT_H
#define BK_MESSAGE_INT_H

#include <stdint.h>
#include <string.h>

#include "bouncekit/message.h"
#include "bouncekit/limits.h"
#include "util/util_int.h"

typedef struct bk__header {
	bk_str name;
	bk_str value;              /* raw, may be folded */
} bk__header;

typedef struct bk__headers {
	bk__header *v;
	size_t n;
	/* the filter of the field names: bk__header_name_bit of each, so a
	 * field the block lacks is mostly ruled out by one bit test */
	uint64_t names;
} bk__headers;

/*
 * bk__header_name_bit - a field name's bit in bk__headers.names: from
 * its length, first and last byte with bit 0x20 set (the two cases of a
 * letter differ in that bit alone), so names equal but for case have
 * the same bit; for a literal name it is known when compiling (@len > 0)
 */
static inline uint64_t
bk__header_name_bit(const char *p, size_t len)
{
	unsigned k = (unsigned)len * 7u +
	    ((unsigned)(unsigned char)p[0] | 0x20u) * 3u +
	    ((unsigned)(unsigned char)p[len - 1] | 0x20u);

	return (uint64_t)1 << (k & 63u);
}

typedef struct bk__part {
	struct bk__part *parent;
	struct bk__part *first_child;
	struct bk__part *last_child;
	struct bk__part *next;
	unsigned index;
	unsigned depth;
	bk__headers headers;
	char type[64];             /* "text/plain", lower case */
	bk_str boundary;
	bk_str charset;
	bk_str cte;                /* transfer encoding, raw */
	bk_str report_type;
	const char *body;
	size_t body_len;
	int is_multipart;
	int is_message;            /* message/rfc822 or message/global */
	int text_done;
	bk_str text;               /* decoded UTF-8 text, once asked for */
} bk__part;

struct bk_message {
	bk__arena *arena;
	const char *data;          /* normalised copy */
	size_t len;
	bk__part *root;
	bk__part **parts;
	size_t nparts;
	size_t parts_cap;
	int truncated;             /* input was longer than the limit */
	bk_severity worst;
	const char *diag_text;
	bk_record *records;
	size_t nrecords;
	int decoded;
	/* the returned message as the decoders found it (set by
	 * bk_message_decode(); see bk_message_returned()) */
	bk_str returned;
	bk_returned_kind returned_kind;
};

/* record damage; the first description of the worst band is kept */
void bk__message_damage(bk_message *msg, bk_severity sev, const char *text);

/* parse a header block; *pp advances past the blank line ending it */
int bk__headers_parse(bk_message *msg, bk__headers *out, const char **pp,
    const char *end);

/* raw value of the first header called @name (@len bytes, lower case or
 * not), BK_STR_NULL if none; the block's name filter answers first */
bk_str bk__headers_getn(const bk__headers *h, const char *name, size_t len);

/* bk__headers_getn of a C string; inline, so a literal name's length
 * and filter bit are known when compiling */
static inline bk_str
bk__headers_get(const bk__headers *h, const char *name)
{
	size_t n = strlen(name);

	if (h == NULL || n == 0 ||
	    (h->names & bk__header_name_bit(name, n)) == 0)
		return BK_STR_NULL;
	return bk__headers_getn(h, name, n);
}

/* unfolded value with RFC 2047 words decoded to UTF-8 */
bk_str bk__header_decode(bk_message *msg, bk_str raw);

/* decoded value of the first field called @name; inline, so a literal
 * name's length and filter bit are known when compiling (most blocks
 * lack most names asked for) */
static inline bk_str
bk__headers_value(bk_message *msg, const bk__headers *h, const char *name)
{
	bk_str raw = bk__headers_get(h, name);

	if (raw.ptr == NULL)
		return raw;
	return bk__header_decode(msg, raw);
}

/* the decoded UTF-8 text of a leaf part (cached) */
bk_str bk__part_text(bk_message *msg, bk__part *p);

/* decode a body given transfer encoding and charset */
bk_str bk__decode_body(bk_message *msg, const char *body, size_t len,
    bk_str cte, bk_str charset);

/* convert @len bytes in @charset to UTF-8 in the arena (best effort) */
bk_str bk__to_utf8(bk_message *msg, const char *p, size_t len,
    bk_str charset);

/* parse "type/sub; k=v; ..." and return parameter @name (RFC 2231 aware) */
bk_str bk__ct_param(bk_message *msg, bk_str ct, const char *name);

#endif /* BK_MESSAGE_INT_H */
