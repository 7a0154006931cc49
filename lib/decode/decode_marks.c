/*
 * decode_marks.c - one pass over the notification text for the markers
 * of every reader.
 *
 * About thirty readers each look for their own phrases in a text that
 * is almost never theirs, and the cut before the returned message looks
 * for eighteen more; searched one by one, that was much of the cost of
 * decoding a message.  All of them are case-insensitive literals of at
 * least 15 bytes, so one pass finds them all (bk__marks_scan):
 *
 *   Every occurrence of a marker of length m >= 15 holds a whole 8-byte
 *   window that starts at a multiple of 8 in the text.  So the scan
 *   reads only those windows (one 64-bit load each, letters folded by
 *   setting bit 0x20 on every byte, which may fold other bytes too but
 *   folds the marker's copy the same way) and looks each up in a hash
 *   table of all 8-byte windows of all markers.  A hit names a marker
 *   and the window's offset in it; the marker is then compared in full
 *   where it would start, 8 bytes at a time: with bit 0x20 set only
 *   where the marker has a letter, the text's bytes equal the marker's
 *   exactly when they match it ignoring ASCII case.
 *
 * The result is exact, not a filter: for each marker, whether the text
 * holds it and where its first occurrence starts, as bk__istr() would
 * say.  The cost is a few instructions per 8 bytes plus a comparison per
 * hit; hits other than real occurrences need the same 8 bytes at an
 * aligned position, and a bucket holds a bounded number of windows, so
 * the scan is linear in the text whatever it holds.
 *
 * Example: "-------server message" (21 bytes) has 14 windows,
 * "-------s" ... "message" preceded by one byte; in a text where it
 * starts at offset 13, the aligned window at offset 16 ("erver me")
 * is its window number 3, so the marker is compared at 16 - 3 = 13.
 *
 * The table is built once per process (pthread_once) and only read
 * afterwards.
 *
 * The Received stamps (bk__dctx_stamp) are found the same way, all in
 * one pass over the bounce's Received fields.
 */
#include <pthread.h>

#include "decode/decode_int.h"

/* the markers' text, and whether each is a cut marker */
static const struct {
	const char *s;
	size_t len;
	int cut;
} marks[BK__MARK_N] = {
#define X(id, s, cut) { s, sizeof(s) - 1, cut },
	BK__MARKS(X)
#undef X
};

#define WIN 8                    /* window bytes */
#define FOLD 0x2020202020202020u /* bit 0x20 of every byte */
#define HBITS 13                 /* hash table of 8192 buckets */
#define MAX_WINDOWS 2048         /* all markers' windows together */
#define MAX_WORDS 16             /* a marker is at most 128 bytes */

/* a marker shorter than 15 bytes could fall between two windows */
#define X(id, s, cut) _Static_assert(sizeof(s) - 1 >= 15 && \
    sizeof(s) - 1 <= MAX_WORDS * WIN, "marker " #id " is too short or long");
BK__MARKS(X)
#undef X
_Static_assert(BK__MARK_N <= 64, "more markers than bits in a mask");

/* all markers' windows, counted at compile time: build cannot run out */
enum {
	N_WINDOWS = 0
#define X(id, s, cut) + (sizeof(s) - WIN)
	BK__MARKS(X)
#undef X
};
_Static_assert(N_WINDOWS <= MAX_WINDOWS, "raise MAX_WINDOWS");
_Static_assert(MAX_WORDS * WIN <= UINT8_MAX, "a window offset is a byte");

/*
 * A marker as 64-bit words, for a comparison 8 bytes at a time: word j
 * holds bytes 8j..8j+7, the last word the marker's last 8 bytes (it may
 * overlap the one before); @kase has bit 0x20 set where the marker has
 * a letter, @low is the marker in lower case.  (text | kase) == low
 * is a match ignoring ASCII case.
 */
struct words {
	uint64_t low[MAX_WORDS];
	uint64_t kase[MAX_WORDS];
	size_t n;
};

/* one window of a marker: its folded bytes, marker, offset in it */
struct window {
	uint64_t w;
	uint16_t next;           /* next window of the bucket, 0: none */
	uint8_t id;
	uint8_t off;
};

/* head[h] - first window of bucket h, as an index + 1 (0: empty) */
static uint16_t head[1u << HBITS];
static struct window win[MAX_WINDOWS];
static struct words words[BK__MARK_N];

static pthread_once_t once = PTHREAD_ONCE_INIT;

/* load - 8 bytes at @p with bit 0x20 set on each */
static inline uint64_t
load(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w | FOLD;
}

/* hash - bucket of a folded window */
static inline unsigned
hash(uint64_t w)
{
	return (unsigned)((w * 0x9e3779b97f4a7c15u) >> (64 - HBITS));
}

/* to_words - @s (@len bytes, 8 to 64) as struct words */
static void
to_words(struct words *w, const char *s, size_t len)
{
	unsigned char low[WIN], kase[WIN];
	size_t j, k, off;

	w->n = (len + WIN - 1) / WIN;
	for (j = 0; j < w->n; j++) {
		off = j + 1 < w->n ? j * WIN : len - WIN;
		for (k = 0; k < WIN; k++) {
			low[k] = (unsigned char)bk__lower(s[off + k]);
			kase[k] = bk__is(s[off + k], BK_C_ALPHA) ? 0x20 : 0;
		}
		memcpy(&w->low[j], low, WIN);
		memcpy(&w->kase[j], kase, WIN);
	}
}

/* is_at - does marker @id start at @s (the text has room for it) */
static inline int
is_at(const char *s, unsigned id)
{
	const struct words *w = &words[id];
	size_t j;
	uint64_t v;

	/* loop: all words but the last, which ends with the marker */
	for (j = 0; j + 1 < w->n; j++) {
		memcpy(&v, s + j * WIN, sizeof(v));
		if ((v | w->kase[j]) != w->low[j])
			return 0;
	}
	memcpy(&v, s + marks[id].len - WIN, sizeof(v));
	return (v | w->kase[j]) == w->low[j];
}

/* build - the table of every window of every marker */
static void
build(void)
{
	size_t n = 0, i, off;
	unsigned h;

	for (i = 0; i < BK__MARK_N; i++) {
		to_words(&words[i], marks[i].s, marks[i].len);
		/* loop: off walks the marker's windows, up to its length */
		for (off = 0; off + WIN <= marks[i].len; off++) {
			win[n].w = load(marks[i].s + off);
			win[n].id = (uint8_t)i;
			win[n].off = (uint8_t)off;
			h = hash(win[n].w);
			win[n].next = head[h];
			head[h] = (uint16_t)(n + 1);
			n++;
		}
	}
}

/* bk__marks_scan - see decode_int.h */
void
bk__marks_scan(bk__marks *m, bk_str t)
{
	const char *p, *end, *s;
	const struct window *e;
	uint64_t w;
	unsigned k;

	m->seen = 0;
	m->all = 0;
	if (t.ptr == NULL || t.len < WIN)
		return;
	if (pthread_once(&once, build) != 0) {
		/* every marker may be there: readers search themselves */
		m->all = 1;
		m->seen = ~(uint64_t)0;
		return;
	}
	end = bk__str_end(t);
	/* loop: p moves 8 bytes a pass; a hit is compared in full */
	for (p = t.ptr; end - p >= WIN; p += WIN) {
		w = load(p);
		for (k = head[hash(w)]; k != 0; k = e->next) {
			e = &win[k - 1];
			if (e->w != w || p - t.ptr < e->off)
				continue;
			s = p - e->off;
			if (((m->seen >> e->id) & 1) && s >= m->at[e->id])
				continue;
			if ((size_t)(end - s) < marks[e->id].len ||
			    !is_at(s, e->id))
				continue;
			m->seen |= (uint64_t)1 << e->id;
			m->at[e->id] = s;
		}
	}
}

/* bk__marks_at - see decode_int.h */
const char *
bk__marks_at(const bk__marks *m, bk_str t, bk__mark_id id)
{
	if (!((m->seen >> id) & 1))
		return NULL;
	if (m->all)
		return bk__istr(t.ptr, t.len, marks[id].s);
	return m->at[id];
}

/* the cut markers as a mask of ids */
static const uint64_t cut_mask = 0
#define X(id, s, cut) | ((uint64_t)(cut) << BK__MARK_##id)
	BK__MARKS(X)
#undef X
	;

/* bk__marks_cut - see decode_int.h */
size_t
bk__marks_cut(const bk__marks *m, bk_str t)
{
	const char *first = NULL, *at;
	uint64_t todo = m->seen & cut_mask;
	unsigned i;

	/* loop: each pass clears the lowest bit of todo */
	for (; todo != 0; todo &= todo - 1) {
		i = (unsigned)__builtin_ctzll(todo);
		at = bk__marks_at(m, t, (bk__mark_id)i);
		if (at != NULL && (first == NULL || at < first))
			first = at;
	}
	if (first == NULL)
		return t.len;
	/* cut at the start of the marker's line */
	while (first > t.ptr && first[-1] != '\n')
		first--;
	return (size_t)(first - t.ptr);
}

/*
 * bk__dctx_stamp - see decode_int.h.  Every stamp starts with '(', so
 * the Received fields are read once, from '(' to '(', and each one is
 * compared with every stamp there: what bk__istr(value, stamp) would
 * find, for all stamps in one pass.
 */
int
bk__dctx_stamp(bk__dctx *ctx, bk__stamp_id id)
{
	static const char *const stamps[BK__STAMP_N] = {
#define X(id, s) s,
		BK__STAMPS(X)
#undef X
	};
	const bk__headers *h = &ctx->msg->root->headers;
	const char *p, *end;
	size_t i, k;

	if (!ctx->stamps_done) {
		ctx->stamps = 0;
		for (i = 0; i < h->n; i++) {
			if (h->v[i].name.len != 8 || !bk__ieq(h->v[i].name.ptr,
			    8, "received") || h->v[i].value.ptr == NULL)
				continue;
			p = h->v[i].value.ptr;
			end = bk__str_end(h->v[i].value);
			/* loop: p moves past each '(' */
			while (p < end && (p = memchr(p, '(', (size_t)(end -
			    p))) != NULL) {
				/* most '(' open an address or a comment
				 * that no stamp's second letter starts */
				for (k = 0; p + 1 < end && k < BK__STAMP_N;
				    k++) {
					if (bk__lower(p[1]) == bk__lower(
					    stamps[k][1]) && bk__istarts(p,
					    (size_t)(end - p), stamps[k]))
						ctx->stamps |= 1u << k;
				}
				p++;
			}
		}
		ctx->stamps_done = 1;
	}
	return (ctx->stamps >> id) & 1;
}

/* bk__dctx_marks - see decode_int.h */
const bk__marks *
bk__dctx_marks(bk__dctx *ctx)
{
	if (!ctx->marks_done) {
		bk__marks_scan(&ctx->marks, ctx->text);
		ctx->marks_done = 1;
	}
	return &ctx->marks;
}

/* bk__dctx_mark_lookup - see decode_int.h */
const char *
bk__dctx_mark_lookup(bk__dctx *ctx, bk__mark_id id)
{
	return bk__marks_at(bk__dctx_marks(ctx), ctx->text, id);
}
