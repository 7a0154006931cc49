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

/*
 * Markers, each a case-insensitive literal of at least 15 bytes (id,
 * text, is it a cut marker).  The notification text is searched once
 * for all of them (decode_marks.c): a reader whose phrase is absent
 * returns without searching, and the cut before the returned message is
 * the earliest cut marker.  At most 64.
 *
 * Cut markers introduce the returned message or its headers.
 * "----- transcript of session follows" and "the original message was
 * received" also precede such a copy but stay in: the transcript and
 * the "received at" line belong to the notification.
 */
#define BK__MARKS(X)                                                        \
	X(OPENSMTPD, "this is the mailer-daemon, please do not reply", 0)  \
	X(EXIM, "created automatically by mail delivery software", 0)       \
	X(TRANSCRIPT, "transcript of session", 0)                           \
	X(TALKING, "while talking to", 0)                                   \
	X(MFILTER, "-------server message", 0)                              \
	X(MDAEMON, "--- session transcript ---", 0)                         \
	X(DRAGONFLY, "dragonfly mail agent", 0)                             \
	X(EXCH_REACH, "did not reach the following recipient(s)", 0)        \
	X(EXCH_REACHED, "the following recipient(s) could not be reached", 0) \
	X(O365_DETAILS, "original message details", 0)                     \
	X(GMX, "the following address", 0)                                  \
	X(INTERSCAN, "message from interscan messaging security", 0)        \
	X(VERIZON, "message details:", 0)                                   \
	X(NOTES, "------- failure reasons", 0)                              \
	X(EXCH_ADMIN, "diagnostic information for administrators", 0)       \
	X(REJECTED, "was automatically rejected:", 0)                       \
	X(EXIM_SOME, "could not be delivered to one or more of its", 0)     \
	X(EXIM_ALL, "could not be delivered to all of its", 0)              \
	X(EXIM_DELAY, "has not yet been delivered to one or more of its", 0) \
	X(EXIM_SYNTAX, "recipient addresses that were", 0)                  \
	X(GMAIL, "delivery to the following recipient", 0)                  \
	X(GMAIL_TECH, "technical details of ", 0)                           \
	X(YAHOO, "sorry, we were unable to deliver your message to the "    \
	    "following address", 0)                                         \
	X(YAHOO_AFRAID,                                                     \
	    "i'm afraid i wasn't able to deliver the following message", 0) \
	X(WARN_CONTINUE, "delivery attempts will continue", 0)              \
	X(WARN_JUST, "this is just a warning", 0)                           \
	X(WARN_ONLY, "this is a warning message only", 0)                   \
	X(WARN_ATTEMPT, "will continue to attempt delivery", 0)             \
	X(WARN_RETRIED, "still being retried", 0)                           \
	X(WARN_NOTYET, "message has not yet been delivered", 0)             \
	X(CUT_BELOW, "below this line is a copy of the message", 1)         \
	X(CUT_COPY, "this is a copy of the message", 1)                     \
	X(CUT_FOLLOWS, "original message follows", 1)                       \
	X(CUT_ORIG5, "----- original message -----", 1)                     \
	X(CUT_ORIG, "-----original message-----", 1)                        \
	X(CUT_HEADERS, "original message headers", 1)                       \
	X(CUT_EXIM, "------ this is a copy of", 1)                          \
	X(CUT_UNDELIVERED, "undelivered message headers", 1)                \
	X(CUT_FOLLOWING,                                                    \
	    "--- the header of the original message is following", 1)      \
	X(CUT_HFOLLOW, "message headers follow", 1)                         \
	X(CUT_THEHEADERS, "the headers of the original message", 1)         \
	X(CUT_RETURNED, "------- returned message --------", 1)             \
	X(CUT_MAIL, "returned mail follows", 1)                             \
	X(CUT_ORIGINAL, "original message:", 1)                             \
	X(CUT_UNSENT, "unsent message below", 1)                            \
	X(CUT_READS, "your message reads", 1)                               \
	X(CUT_TEXT, "message text follows:", 1)                             \
	X(CUT_UNSENT5, "----- unsent message follows", 1)                   \
	X(CUT_START, "---- start of returned message ----", 1)            \
	X(CUT_OSMTPD_TEMP,                                                  \
	    "please note that this is only a temporary failure report", 1)

typedef enum {
#define X(id, s, cut) BK__MARK_##id,
	BK__MARKS(X)
#undef X
	BK__MARK_N
} bk__mark_id;

/* what one scan of a text found */
typedef struct bk__marks {
	uint64_t seen;             /* bit id: the text holds marker id */
	int all;                   /* no scan: every marker may be there */
	const char *at[BK__MARK_N]; /* first occurrence of each seen one */
} bk__marks;

/* scan @t for every marker */
void bk__marks_scan(bk__marks *m, bk_str t);

/* the first occurrence of marker @id in @t (scanned into @m), or NULL:
 * what bk__istr(t.ptr, t.len, <its text>) returns */
const char *bk__marks_at(const bk__marks *m, bk_str t, bk__mark_id id);

/* length of @t (scanned into @m) before the returned copy: the start of
 * the line holding the earliest cut marker, else t.len */
size_t bk__marks_cut(const bk__marks *m, bk_str t);

/* how many of the bounce's own From and To addresses a reader compares
 * with */
#define BK__OWN_MAX 16

typedef struct bk__dctx {
	bk_message *msg;
	bk__part *dsn;             /* message/(global-)delivery-status */
	bk__part *arf;             /* message/feedback-report */
	bk__part *mdn;             /* message/disposition-notification */
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
	int auto_words;            /* an auto-reply in a bounce's words: the
				    * late look (bk__decode_autoreply_late) */
	int dsn_named;             /* dsn names a recipient (find_parts) */
	size_t cut;                /* bk__dctx_cut's memo of the text cut */
	int cut_done;
	struct bk__tblock *blk;    /* bk__dctx_blocks's memo */
	size_t nblk;
	int blk_done;
	uint32_t *blk_slot;        /* its address index (many blocks only): */
	size_t blk_mask;           /* open addressing, index + 1 a slot */
	uint32_t *rix_slot;        /* bk__dctx_find's index of records */
	size_t rix_mask, rix_n;    /* (many records only): rix_n indexed */
	bk_str from_addr;          /* bk__dctx_from_addr's memo */
	int from_addr_done;
	/* the bounce's own addresses (From's, then To's), memo of
	 * is_own_address in decode_text.c */
	bk_str own[BK__OWN_MAX];
	size_t nown;
	int own_done;
	uint64_t from_bytes;       /* bk__vp_from_has's filter of From */
	int from_bytes_done;
	int marks_done;
	unsigned stamps;           /* bk__dctx_stamp's memo, one bit each */
	int stamps_done;
	/* bk__dctx_mark's memo; last, as bk_message_decode zeroes the
	 * context but for marks.at, which is read only where seen has the
	 * marker's bit (set with it) */
	struct bk__marks marks;
} bk__dctx;

typedef struct bk__decoder {
	const char *name;
	/* returns the number of records added, or a negative BK_E* code */
	int (*decode)(bk__dctx *ctx);
} bk__decoder;

/*
 * A vendor reader and what a message must have for it to add records:
 * bk__decode_vendor calls it only then, so a message of no vendor's
 * format costs a bit test per reader instead of a call.  A gate is set
 * only where the reader provably returns 0, before any work that could
 * change the context other than its memos, whenever the gate is closed.
 * @marks: BK__VR_ANY (no gate), or markers (BK__VR_MARK) of which the
 * notification text must hold at least one; @need: 0 or one of
 * BK__VR_DSN (a delivery-status part), BK__VR_NO_DSN (none).
 */
typedef struct bk__vendor_reader {
	const char *name;
	int (*decode)(bk__dctx *ctx);
	uint64_t marks;
	unsigned need;
} bk__vendor_reader;

#define BK__VR_DSN 1u
#define BK__VR_NO_DSN 2u

/* the gate bit of marker @id, for bk__vendor_reader.marks; BK__VR_ANY
 * is a bit no marker has and every message passes */
#define BK__VR_MARK(id) ((uint64_t)1 << BK__MARK_##id)
#define BK__VR_ANY ((uint64_t)1 << 63)

/* a new zeroed record (kind bounce, decoder @name), NULL on OOM/limit */
bk_record *bk__dctx_add(bk__dctx *ctx, const char *decoder);

/* room for @n records in all (at most BK_LIMIT_RECIPIENTS), so that a
 * reader that knows how many it will add grows the array once; 0 or
 * BK_ENOMEM (oom set) */
int bk__dctx_reserve(bk__dctx *ctx, size_t n);

/* the address of the bounce's From (memo of bk__addr_find), or NULL */
bk_str bk__dctx_from_addr(bk__dctx *ctx);

/* find a record by recipient (case-insensitive), NULL if none */
bk_record *bk__dctx_find(bk__dctx *ctx, bk_str addr);

/* a hash of an address with ASCII case folded (FNV-1a) */
uint32_t bk__addr_hash(bk_str a);

/* @a and @b are one address, ASCII case aside (both present) */
int bk__addr_same(bk_str a, bk_str b);

/*
 * bk__addr_find - the first email address in a slice: returns the slice
 * of the bare address (no brackets, no "rfc822;" prefix), or BK_STR_NULL.
 */
bk_str bk__addr_find(const char *p, size_t len);
/* the one address in @v (a field's value), BK_STR_NULL when it names none
 * or more than one */
bk_str bk__addr_sole(bk_str v);

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

/*
 * bk__msgid - the first message id of a Message-ID, In-Reply-To or
 * References value, without its angle brackets (the trimmed value when
 * it has none)
 */
bk_str bk__msgid(bk_str s);

/* set returned-message fields (message_id, subject, ...) on all records */
void bk__dctx_fill_original(bk__dctx *ctx);

/* the returned message's header block found inline in @text after a
 * marker line; sets ctx->orig_headers and ctx->has_orig */
void bk__dctx_orig_from_text(bk__dctx *ctx, const char *p, size_t len);

/*
 * Software that stamps its name in parentheses on the Received fields
 * it writes; bk__dctx_stamp reads all the bounce's Received fields for
 * all of them at once.
 */
#define BK__STAMPS(X)                                                       \
	X(EXIM, "(Exim ")                                                   \
	X(OPENSMTPD, "(OpenSMTPD)")                                         \
	X(POWERMTA, "(PowerMTA")                                            \
	X(EZWEB, "(EZweb Mail)")

typedef enum {
#define X(id, s) BK__STAMP_##id,
	BK__STAMPS(X)
#undef X
	BK__STAMP_N
} bk__stamp_id;

/* does a Received field of the bounce hold stamp @id (ignoring case) */
int bk__dctx_stamp(bk__dctx *ctx, bk__stamp_id id);

/* the markers of the notification text, scanned on the first call */
const bk__marks *bk__dctx_marks(bk__dctx *ctx);

/* bk__marks_at of the notification text */
const char *bk__dctx_mark_lookup(bk__dctx *ctx, bk__mark_id id);

/* bk__dctx_mark_lookup; once the text is scanned, an absent marker
 * costs a bit test here (readers ask some forty times a message) */
static inline const char *
bk__dctx_mark(bk__dctx *ctx, bk__mark_id id)
{
	if (ctx->marks_done && !((ctx->marks.seen >> id) & 1))
		return NULL;
	return bk__dctx_mark_lookup(ctx, id);
}

/* raw value of the bounce's field @name, BK_STR_NULL if none: the
 * header block's name filter rules out most fields the readers ask for
 * (most bounces lack them) in one bit test */
static inline bk_str
bk__vp_header(bk__dctx *ctx, const char *name)
{
	return bk__headers_get(&ctx->msg->root->headers, name);
}

/* a byte's bit in the filter of bk__vp_from_has: its bits 0-4 and 6 as
 * a number, so both cases of a letter have the same one */
static inline uint64_t
bk__vp_from_bit(char c)
{
	unsigned b = (unsigned char)c;

	return (uint64_t)1 << ((b & 0x1fu) | ((b >> 1) & 0x20u));
}

/*
 * bk__vp_failed - a record of reader @decoder for @addr, action failed,
 * in *@out (vendor_p_util.c): 1; 0 when @addr is absent or already has a
 * record (the reader goes on); -1 when none can be added (out of memory,
 * ctx->oom, or the limit of recipients: the reader stops)
 */
int bk__vp_failed(bk__dctx *ctx, const char *decoder, bk_str addr,
    bk_record **out);

/* the filter of bk__vp_from_has: the bits of all bytes of ctx->from
 * (vendor_p_util.c) */
void bk__vp_from_filter(bk__dctx *ctx);

/*
 * bk__vp_from_has - bk__istr(ctx->from.ptr, ctx->from.len, @needle).
 * The readers search the bounce's From for some twenty names that it
 * almost never holds; a needle with a byte the field lacks (ignoring
 * case) cannot occur in it, and the filter of the field's bytes, built
 * on the first call, says so in a bit test or a few:
 * "a@example.org" holds no 'v', so no "vzwpix.com".
 */
static inline const char *
bk__vp_from_has(bk__dctx *ctx, const char *needle)
{
	size_t n = strlen(needle), i;

	if (ctx->from.ptr == NULL || ctx->from.len < n)
		return NULL;
	if (!ctx->from_bytes_done)
		bk__vp_from_filter(ctx);
	/* loop: i walks the needle, n bytes */
	for (i = 0; i < n; i++) {
		if ((ctx->from_bytes & bk__vp_from_bit(needle[i])) == 0)
			return NULL;
	}
	return bk__imemmem(ctx->from.ptr, ctx->from.len, needle, n);
}

/* decoders */
int bk__decode_arf(bk__dctx *ctx);
/* RFC 8098 disposition notifications: a Sieve or LDA rejection (RFC
 * 5429, "deleted") or a read receipt ("displayed"), decode_dsn.c */
int bk__decode_mdn(bk__dctx *ctx);
/* the reason a rejection notice states ("Your message to <a@b> was
 * automatically rejected: ...") as the diagnostic of its lone record
 * (decode_vendor.c) */
void bk__rejection_notice(bk__dctx *ctx);
/* ESP web hook events (JSON, no header fields): decode_webhook.c */
int bk__decode_webhook(bk__dctx *ctx);
int bk__decode_dsn(bk__dctx *ctx);
int bk__decode_dsn_bare(bk__dctx *ctx);

/* the last resort: a failure notice naming its recipients only in its
 * sentences (decode_text.c); records added, or BK_ENOMEM */
int bk__decode_notice(bk__dctx *ctx);
/* does delivery-status part @p name a recipient (decode.c)? */
int bk__names_recipient(bk_message *msg, struct bk__part *p);
/* RFC 3834 auto-replies (decode_dsn.c); _late: the second look, after
 * every other reader found nothing */
int bk__decode_autoreply(bk__dctx *ctx);
int bk__decode_autoreply_late(bk__dctx *ctx);
/* an automatic answer's record (decode_dsn.c): kind autoreply, from
 * reader @decoder, for @recipient (the mailbox that answered), its sender
 * the answer's To, its diagnostic the start of the text, its message id
 * the answered one (In-Reply-To); NULL on OOM or at the limit */
bk_record *bk__auto_record(bk__dctx *ctx, const char *decoder,
    bk_str recipient);
/* challenge-response filters' answers (decode_challenge.c) */
int bk__decode_challenge(bk__dctx *ctx);
int bk__decode_vendor(bk__dctx *ctx);
int bk__decode_text(bk__dctx *ctx);

/*
 * Vendor reader tables, each ended by { NULL, NULL, 0, 0 }: MTA software
 * (vendor_mta.c: Exim, Sendmail, Postfix, qmail, ...) and providers and
 * gateways (vendor_provider.c: Google Groups, Amazon SES, KDDI, ...).
 * A reader's decoder name is what records carry in "decoder".
 */
extern const bk__vendor_reader bk__vendor_mta[];
extern const bk__vendor_reader bk__vendor_provider[];

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
	int coded;                 /* diag has a reply code: 1, -1 not, 0
				    * not yet asked (bk__text_blocks) */
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

/* the block of bk__dctx_blocks naming @addr (ASCII case aside): its index,
 * or -1; hashed when there are many, so that a report's records find
 * their blocks in linear time */
long bk__dctx_block_find(bk__dctx *ctx, bk_str addr);

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
