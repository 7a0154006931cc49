/*
 * decode_int.h - what every decoder sees and the helpers they share.
 *
 * bk_message_decode() builds one bk__dctx: the message's notable parts
 * (delivery-status, feedback report, returned message, notification
 * text) found once, then runs the decoders in order.  A decoder adds
 * records with bk__dctx_add() and returns how many it added; the first
 * decoder that adds any wins, and later steps only fill gaps.
 */
#ifndef BK_DECODE_INT_H
#define BK_DECODE_INT_H

#include "message/message_int.h"

typedef struct bk__dctx {
	bk_message *msg;
	bk__part *dsn;             /* message/(global-)delivery-status */
	bk__part *arf;             /* message/feedback-report */
	bk__part *orig;            /* message/rfc822 or text/rfc822-headers */
	bk__part *text_part;       /* the human-readable notification */
	bk_str text;               /* its decoded text (UTF-8, LF) */
	bk_str subject;            /* decoded Subject of the bounce */
	bk_str from;               /* decoded From of the bounce */
	bk__headers orig_headers;  /* headers of the returned message */
	int has_orig;
	bk_str orig_body;          /* text after the returned headers */
	bk_record *rec;
	size_t nrec;
	size_t cap;
	int oom;
	uint64_t hnames;           /* bk__vp_header's filter of root names */
	int hnames_done;
	size_t cut;                /* bk__dctx_cut's memo of the text cut */
	int cut_done;
	struct bk__tblock *blk;    /* bk__dctx_blocks's memo */
	size_t nblk;
	int blk_done;
	bk_str from_addr;          /* bk__dctx_from_addr's memo */
	int from_addr_done;
} bk__dctx;

typedef struct bk__decoder {
	const char *name;
	/* returns the number of records added, or a negative BK_E* code */
	int (*decode)(bk__dctx *ctx);
} bk__decoder;

/* a new zeroed record (kind bounce, decoder @name), NULL on OOM/limit */
bk_record *bk__dctx_add(bk__dctx *ctx, const char *decoder);

/* the address of the bounce's From (memo of bk__addr_find), or NULL */
bk_str bk__dctx_from_addr(bk__dctx *ctx);

/* find a record by recipient (case-insensitive), NULL if none */
bk_record *bk__dctx_find(bk__dctx *ctx, bk_str addr);

/*
 * bk__addr_find - the first email address in a slice: returns the slice
 * of the bare address (no brackets, no "rfc822;" prefix), or BK_STR_NULL.
 */
bk_str bk__addr_find(const char *p, size_t len);

/* bk__addr_is - is the whole (trimmed) slice one address, <> allowed */
bk_str bk__addr_only(bk_str s);

/* unfold a slice: line breaks plus following blanks become one space */
bk_str bk__unfold(bk_message *msg, bk_str s);

/* squeeze runs of white space to one space and trim */
bk_str bk__squeeze(bk_message *msg, bk_str s);

/* RFC 5322 date-time to Unix seconds; 0 on failure */
int bk__parse_date(bk_str s, int64_t *out, int *tz);

/* the enhanced status code (class.subject.detail) in a slice */
bk_str bk__find_status(bk_str s);

/* the first 3-digit SMTP reply code [245]xx at a token boundary */
int bk__find_reply_code(bk_str s);

/* the first defined SMTP reply code of a failure text whose class
 * agrees with @status (NULL: 4xx or 5xx); 0 if none */
int bk__reply_code_for(bk_str s, bk_str status);

/* set returned-message fields (message_id, subject, ...) on all records */
void bk__dctx_fill_original(bk__dctx *ctx);

/* the returned message's header block found inline in @text after a
 * marker line; sets ctx->orig_headers and ctx->has_orig */
void bk__dctx_orig_from_text(bk__dctx *ctx, const char *p, size_t len);

/* decoders */
int bk__decode_arf(bk__dctx *ctx);
int bk__decode_dsn(bk__dctx *ctx);
int bk__decode_dsn_bare(bk__dctx *ctx);
int bk__decode_autoreply(bk__dctx *ctx);
int bk__decode_vendor(bk__dctx *ctx);
int bk__decode_text(bk__dctx *ctx);

/*
 * Vendor reader tables, each ended by { NULL, NULL }: MTA software
 * (vendor_mta.c: Exim, Sendmail, Postfix, qmail, ...) and providers and
 * gateways (vendor_provider.c: Google Groups, Amazon SES, KDDI, ...).
 * A reader's decoder name is what records carry in "decoder".
 */
extern const bk__decoder bk__vendor_mta[];
extern const bk__decoder bk__vendor_provider[];

/* fill gaps of DSN records from the notification text (vendor formats) */
void bk__vendor_enrich(bk__dctx *ctx);

/*
 * Shared by the generic readers and the MTA-software readers
 * (decode_text.c, decode_dsn.c, vendor_m_*.c).
 */

/* one recipient paragraph of a notification text */
typedef struct bk__tblock {
	bk_str addr;               /* the recipient heading's address */
	bk_str diag;               /* the error text after it, squeezed */
	bk_str raw;                /* the block as written, for phrases */
} bk__tblock;

/* the recipient paragraphs of @region, in the arena; 0 or BK_ENOMEM */
int bk__text_blocks(bk__dctx *ctx, bk_str region, bk__tblock **out,
    size_t *n);

/* length of the notification before the returned copy */
size_t bk__text_cut(bk_str t);

/* bk__text_cut of ctx->text, computed once per message */
size_t bk__dctx_cut(bk__dctx *ctx);

/* bk__text_blocks of ctx->text up to its cut, computed once; the
 * array is shared and must not be changed; 0 or BK_ENOMEM */
int bk__dctx_blocks(bk__dctx *ctx, bk__tblock **out, size_t *n);

/* RFC 3464 fields read from plain text; records added or BK_E* */
int bk__decode_dsn_text(bk__dctx *ctx, bk_str t, const char *decoder);

/* the SMTP command a text blames ("in reply to RCPT TO command") */
bk_str bk__command_in(bk_str t);

/* facts derived from r->diagnostic: reply code, command, status */
void bk__fill_from_diagnostic(bk_record *r);

/* the status to keep of a report field and of the remote's text */
bk_str bk__status_prefer(bk_str field, bk_str text);

/* a sendmail-style SMTP session transcript (">>> RCPT", "<<< 550") */
void bk__transcript_enrich(bk__dctx *ctx, bk_str region);

/* reason hints that the format itself states (expiry, a failing pipe) */
void bk__format_hints(bk_record *r, bk_str raw);

/* MTA-software readers (vendor_m_*.c) */
int bk__decode_exim(bk__dctx *ctx);
int bk__decode_sendmail(bk__dctx *ctx);
int bk__decode_postfix(bk__dctx *ctx);
int bk__decode_mfilter(bk__dctx *ctx);
int bk__decode_mdaemon(bk__dctx *ctx);
int bk__decode_opensmtpd(bk__dctx *ctx);

/* Exim's paragraphs filling the gaps of its report's records */
void bk__exim_enrich(bk__dctx *ctx);

#endif /* BK_DECODE_INT_H */
