/*
 * report.c - counts across many records, written as text, JSON or HTML
 * (bouncekit/report.h).
 *
 * Every dimension is a small open-addressing hash table of counted
 * values.  A table takes at most BK_LIMIT_REPORT_KEYS distinct values;
 * a record whose value does not fit is counted as "other", so memory is
 * bounded and no record is lost from the totals.  Values and examples
 * live in one arena, freed with the report.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bouncekit/limits.h"
#include "bouncekit/report.h"
#include "util/util_int.h"

/* The dimensions, in the order they are written.  X(enum, key, title) */
#define DIM_LIST(X)                                                        \
	X(D_RESPONSIBLE, "responsible", "Whose move")                      \
	X(D_REASON, "reason", "Reasons")                                   \
	X(D_CAUSE, "cause", "Causes")                                      \
	X(D_CATEGORY, "category", "Categories")                            \
	X(D_PROVIDER, "provider", "Receiving providers")                   \
	X(D_BLOCKLIST, "blocklist", "Blocklists")                          \
	X(D_DOMAIN, "domain", "Recipient domains")                         \
	X(D_STATUS, "status", "Status codes")                              \
	X(D_FEEDBACK, "feedback_type", "Complaint types")

enum dim {
#define DIM_ENUM(e, key, title) e,
	DIM_LIST(DIM_ENUM)
#undef DIM_ENUM
	D_COUNT
};

static const char *const dim_key[] = {
#define DIM_KEY(e, key, title) key,
	DIM_LIST(DIM_KEY)
#undef DIM_KEY
};

static const char *const dim_title[] = {
#define DIM_TITLE(e, key, title) title,
	DIM_LIST(DIM_TITLE)
#undef DIM_TITLE
};

/* One counted value of a dimension. */
struct tally {
	const char *key;           /* arena, NUL-terminated; NULL: free slot */
	size_t len;
	uint64_t n;                /* records with this value */
	uint64_t hard;             /* of them, bounces whose address is bad */
	uint64_t sender;           /* of them, the sender's move */
	const char *example;       /* first reply text seen, bounded */
	size_t exlen;
};

struct table {
	struct tally *slot;        /* cap slots, cap a power of two */
	size_t cap, used;
	uint64_t other;            /* records whose value did not fit */
	uint64_t none;             /* records without a value */
};

/* One day of the timeline: records per kind, and hard bounces. */
struct day {
	int64_t day;               /* days since 1970-01-01 (UTC) */
	int used;
	uint64_t kind[BK_KIND_COUNT_];
	uint64_t hard;
};

struct bk_report {
	bk__arena *a;
	struct table t[D_COUNT];
	struct day *days;          /* open addressing, DAY_SLOTS slots */
	size_t ndays;
	uint64_t undrawn;          /* records of days past the limit */
	size_t top;                /* values shown per dimension */
	bk_report_totals tot;
};

/* Values shown per dimension in text and HTML by default (JSON has them
 * all); bk_report_set_top changes it. */
#define TOP_DEFAULT 10

/* Slots of the day table: a power of two above BK_LIMIT_REPORT_DAYS. */
#define DAY_SLOTS 8192

_Static_assert(DAY_SLOTS > 2 * BK_LIMIT_REPORT_DAYS,
    "the day table stays under half full");

/* FNV-1a over the bytes of a value */
static uint64_t
hash(const char *p, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* bk_report_new - see report.h */
int
bk_report_new(bk_report **out)
{
	bk_report *r;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return BK_ENOMEM;
	r->days = calloc(DAY_SLOTS, sizeof(*r->days));
	if (r->days == NULL || bk__arena_new(&r->a, 16384) != 0) {
		free(r->days);
		free(r);
		return BK_ENOMEM;
	}
	r->top = TOP_DEFAULT;
	*out = r;
	return 0;
}

/* bk_report_set_top - see report.h */
void
bk_report_set_top(bk_report *r, size_t n)
{
	r->top = n > 0 ? n : TOP_DEFAULT;
}

/* bk_report_free - see report.h */
void
bk_report_free(bk_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < D_COUNT; i++)
		free(r->t[i].slot);
	free(r->days);
	bk__arena_free(r->a);
	free(r);
}

/* grow - double the slots of @t (or make the first 64); 0 or BK_ENOMEM */
static int
grow(struct table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64, i, j;
	struct tally *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return BK_ENOMEM;
	/* loop: every old slot moved once */
	for (i = 0; i < t->cap; i++) {
		if (t->slot[i].key == NULL)
			continue;
		j = hash(t->slot[i].key, t->slot[i].len) & (ncap - 1);
		while (ns[j].key != NULL)
			j = (j + 1) & (ncap - 1);
		ns[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = ns;
	t->cap = ncap;
	return 0;
}

/*
 * count - add one record with value @v (a slice; absent: "none") to @t,
 * keeping the first reply text @ex seen for the value
 */
static int
count(bk_report *r, struct table *t, bk_str v, const bk_record *rec,
    bk_str ex)
{
	struct tally *s;
	size_t j;

	if (v.ptr == NULL || v.len == 0) {
		t->none++;
		return 0;
	}
	if (v.len > BK_LIMIT_REPORT_KEY_BYTES)
		v.len = BK_LIMIT_REPORT_KEY_BYTES;
	if (t->cap == 0 && grow(t) != 0)
		return BK_ENOMEM;
	j = hash(v.ptr, v.len) & (t->cap - 1);
	/* loop: the table is at most half full, so a free slot ends it */
	while (t->slot[j].key != NULL) {
		if (t->slot[j].len == v.len &&
		    memcmp(t->slot[j].key, v.ptr, v.len) == 0)
			goto found;
		j = (j + 1) & (t->cap - 1);
	}
	if (t->used == BK_LIMIT_REPORT_KEYS) {
		t->other++;
		return 0;
	}
	if ((t->used + 1) * 2 > t->cap) {
		if (grow(t) != 0)
			return BK_ENOMEM;
		return count(r, t, v, rec, ex);
	}
	t->slot[j].key = bk__arena_memdup(r->a, v.ptr, v.len);
	if (t->slot[j].key == NULL)
		return BK_ENOMEM;
	t->slot[j].len = v.len;
	t->used++;
found:
	s = &t->slot[j];
	s->n++;
	if (rec->kind == BK_KIND_BOUNCE && rec->hard)
		s->hard++;
	if (rec->responsible == BK_RESP_SENDER)
		s->sender++;
	if (s->example == NULL && ex.ptr != NULL && ex.len > 0) {
		if (ex.len > BK_LIMIT_REPORT_EXAMPLE_BYTES)
			ex.len = BK_LIMIT_REPORT_EXAMPLE_BYTES;
		s->example = bk__arena_memdup(r->a, ex.ptr, ex.len);
		if (s->example == NULL)
			return BK_ENOMEM;
		s->exlen = ex.len;
	}
	return 0;
}

/* cstr - a slice over a static C string (NULL stays absent) */
static bk_str
cstr(const char *s)
{
	return bk__str(s, s != NULL ? strlen(s) : 0);
}

/* floor division of Unix seconds into days */
static int64_t
day_of(int64_t t)
{
	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

/* count_day - the record on the timeline */
static void
count_day(bk_report *r, const bk_record *rec)
{
	int64_t d = day_of(rec->timestamp);
	size_t j = (size_t)(hash((const char *)&d, sizeof(d)) &
	    (DAY_SLOTS - 1));

	/* loop: under half full (static assertion), a free slot ends it */
	while (r->days[j].used && r->days[j].day != d)
		j = (j + 1) & (DAY_SLOTS - 1);
	if (!r->days[j].used) {
		if (r->ndays == BK_LIMIT_REPORT_DAYS) {
			r->undrawn++;
			return;
		}
		r->days[j].used = 1;
		r->days[j].day = d;
		r->ndays++;
	}
	r->days[j].kind[rec->kind]++;
	if (rec->kind == BK_KIND_BOUNCE && rec->hard)
		r->days[j].hard++;
}

/* domain - the recipient's domain, or an absent slice */
static bk_str
domain(const bk_record *rec)
{
	const char *p = rec->recipient.ptr;
	size_t i = rec->recipient.len;

	if (p == NULL)
		return BK_STR_NULL;
	while (i > 0 && p[i - 1] != '@')
		i--;
	if (i == 0)
		return BK_STR_NULL;
	return bk__str(p + i, rec->recipient.len - i);
}

/* add_one - count one classified record */
static int
add_one(bk_report *r, const bk_record *rec)
{
	bk_report_totals *t = &r->tot;
	bk_str ex = rec->diagnostic;
	int rc = 0;

	if ((unsigned)rec->kind >= BK_KIND_COUNT_)
		return BK_EINVAL;
	t->records++;
	t->kinds[rec->kind]++;
	if (rec->has_timestamp) {
		if (t->first == 0 && t->last == 0) {
			t->first = t->last = rec->timestamp;
		} else {
			if (rec->timestamp < t->first)
				t->first = rec->timestamp;
			if (rec->timestamp > t->last)
				t->last = rec->timestamp;
		}
		count_day(r, rec);
	}
	if (rec->kind == BK_KIND_FEEDBACK)
		return count(r, &r->t[D_FEEDBACK], rec->feedback_type, rec,
		    BK_STR_NULL);
	if (rec->kind != BK_KIND_BOUNCE && rec->kind != BK_KIND_DELAY)
		return 0;
	if (rec->kind == BK_KIND_BOUNCE) {
		if (rec->hard)
			t->hard++;
		else
			t->soft++;
	}
	if (rec->responsible == BK_RESP_SENDER)
		t->sender_side++;
	/* every dimension is tried, so that one failure counts no less */
	rc |= count(r, &r->t[D_RESPONSIBLE],
	    cstr(bk_responsible_name(rec->responsible)), rec, BK_STR_NULL);
	rc |= count(r, &r->t[D_REASON], cstr(bk_reason_name(rec->reason)),
	    rec, ex);
	rc |= count(r, &r->t[D_CAUSE], rec->cause, rec, ex);
	rc |= count(r, &r->t[D_CATEGORY], rec->category, rec, ex);
	rc |= count(r, &r->t[D_PROVIDER], rec->provider, rec, ex);
	rc |= count(r, &r->t[D_BLOCKLIST], rec->blocklist, rec, ex);
	rc |= count(r, &r->t[D_DOMAIN], domain(rec), rec, ex);
	rc |= count(r, &r->t[D_STATUS], rec->status, rec, ex);
	return rc != 0 ? BK_ENOMEM : 0;
}

/* bk_report_add - see report.h */
int
bk_report_add(bk_report *r, const bk_record *recs, size_t n)
{
	size_t i, known = 0;
	int rc;

	r->tot.inputs++;
	for (i = 0; i < n; i++) {
		rc = add_one(r, &recs[i]);
		if (rc != 0)
			return rc;
		if (recs[i].kind != BK_KIND_UNKNOWN)
			known++;
	}
	if (known == 0)
		r->tot.undecodable++;
	return 0;
}

/* bk_report_add_unreadable - see report.h */
void
bk_report_add_unreadable(bk_report *r)
{
	r->tot.inputs++;
	r->tot.unreadable++;
}

/* bk_report_add_quiet - see report.h */
void
bk_report_add_quiet(bk_report *r)
{
	r->tot.inputs++;
	r->tot.quiet++;
}

/* bk_report_totals_get - see report.h */
void
bk_report_totals_get(const bk_report *r, bk_report_totals *out)
{
	*out = r->tot;
}

/*
 * Writing.  Each format walks the same sorted views: a table's values by
 * count (most first, then by value, so that the output is stable).
 */

static int
by_count(const void *pa, const void *pb)
{
	const struct tally *a = *(const struct tally *const *)pa;
	const struct tally *b = *(const struct tally *const *)pb;
	size_t n;
	int c;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	n = a->len < b->len ? a->len : b->len;
	c = memcmp(a->key, b->key, n);
	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* sorted - the used slots of @t, most counted first; NULL when empty */
static const struct tally **
sorted(const struct table *t, int *oom)
{
	const struct tally **v;
	size_t i, k = 0;

	if (t->used == 0)
		return NULL;
	v = malloc(t->used * sizeof(*v));
	if (v == NULL) {
		*oom = 1;
		return NULL;
	}
	for (i = 0; i < t->cap; i++)
		if (t->slot[i].key != NULL)
			v[k++] = &t->slot[i];
	qsort(v, k, sizeof(*v), by_count);
	return v;
}

static int
by_day(const void *pa, const void *pb)
{
	const struct day *a = *(const struct day *const *)pa;
	const struct day *b = *(const struct day *const *)pb;

	return a->day < b->day ? -1 : a->day > b->day;
}

/* sorted_days - the used days, oldest first; NULL when none */
static const struct day **
sorted_days(const bk_report *r, int *oom)
{
	const struct day **v;
	size_t i, k = 0;

	if (r->ndays == 0)
		return NULL;
	v = malloc(r->ndays * sizeof(*v));
	if (v == NULL) {
		*oom = 1;
		return NULL;
	}
	for (i = 0; i < DAY_SLOTS; i++)
		if (r->days[i].used)
			v[k++] = &r->days[i];
	qsort(v, k, sizeof(*v), by_day);
	return v;
}

/* iso_day - "YYYY-MM-DD" of day number @d (proleptic Gregorian, UTC) */
static void
iso_day(char *buf, size_t size, int64_t d)
{
	time_t t = (time_t)(d * 86400);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		snprintf(buf, size, "?");
	else
		strftime(buf, size, "%Y-%m-%d", &tm);
}

/* pct - @n of @of as a percentage */
static double
pct(uint64_t n, uint64_t of)
{
	return of ? 100.0 * (double)n / (double)of : 0.0;
}

/* the failures (bounces and delays) a table's records are part of */
static uint64_t
failures(const bk_report *r)
{
	return r->tot.kinds[BK_KIND_BOUNCE] + r->tot.kinds[BK_KIND_DELAY];
}

/*
 * safe_char - the length of the printable UTF-8 character at @p, or 0
 * for a byte that must be escaped or replaced (control characters,
 * DEL, C1 controls, bytes that are not UTF-8)
 */
static size_t
safe_char(const unsigned char *p, size_t left)
{
	size_t n = bk__utf8_len(p, left);

	if (n == 1 && (p[0] < 0x20 || p[0] == 0x7f))
		return 0;
	if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
		return 0;
	return n;
}

/* char_cols - columns the character at @p takes in text_put, and its
 * length in *@n (an unsafe byte: 4 columns, "\xNN") */
static size_t
char_cols(const unsigned char *p, size_t left, size_t *n)
{
	*n = safe_char(p, left);
	if (*n == 0) {
		*n = 1;
		return 4;
	}
	return 1;
}

/*
 * text_put - @s for a terminal in at most @max columns (unsafe bytes as
 * \xNN; "..." ends a value that is cut); returns the columns written
 */
static size_t
text_put(FILE *fp, const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n, w, cols = 0, limit = max;

	for (i = 0; i < len; i += n) {
		cols += char_cols(p + i, len - i, &n);
		if (cols > max) {
			limit = max - 3;
			break;
		}
	}
	cols = 0;
	for (i = 0; i < len; i += n) {
		w = char_cols(p + i, len - i, &n);
		if (cols + w > limit)
			break;
		if (w == 4)
			fprintf(fp, "\\x%02x", p[i]);
		else
			fwrite(p + i, 1, n, fp);
		cols += w;
	}
	if (limit < max) {
		fputs("...", fp);
		cols += 3;
	}
	return cols;
}

/* html_put - @s as HTML text or attribute value (quotes escaped),
 * unsafe characters as U+FFFD */
static void
html_put(FILE *fp, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		switch (p[i]) {
		case '<':
			fputs("&lt;", fp);
			i++;
			continue;
		case '>':
			fputs("&gt;", fp);
			i++;
			continue;
		case '&':
			fputs("&amp;", fp);
			i++;
			continue;
		case '"':
			fputs("&quot;", fp);
			i++;
			continue;
		case '\'':
			fputs("&#39;", fp);
			i++;
			continue;
		default:
			break;
		}
		n = safe_char(p + i, len - i);
		if (n == 0) {
			fputs("\xef\xbf\xbd", fp);
			i++;
		} else {
			fwrite(p + i, 1, n, fp);
			i += n;
		}
	}
}

static void
html_cstr(FILE *fp, const char *s)
{
	html_put(fp, s, strlen(s));
}

/* web_link - @url when it is an http(s) address, else NULL */
static const char *
web_link(const char *url)
{
	if (url != NULL && (strncmp(url, "https://", 8) == 0 ||
	    strncmp(url, "http://", 7) == 0))
		return url;
	return NULL;
}

/*
 * What the knowledge says of a value, when the classifier knows it: its
 * display name, a link (its own first link, else its category's; a
 * blocklist's lookup page) and the first fix step (a cause's category's,
 * a blocklist's delisting advice).
 */
struct about {
	const char *name;
	const char *link;
	const char *fix;
};

static struct about
about(const bk_classifier *cls, enum dim d, const struct tally *v)
{
	struct about ab = { NULL, NULL, NULL };
	bk_knowledge k, c;
	bk_know_type type;

	switch (d) {
	case D_CAUSE:
		type = BK_KNOW_CAUSE;
		break;
	case D_CATEGORY:
		type = BK_KNOW_CATEGORY;
		break;
	case D_PROVIDER:
		type = BK_KNOW_PROVIDER;
		break;
	case D_BLOCKLIST:
		type = BK_KNOW_BLOCKLIST;
		break;
	default:
		return ab;
	}
	if (cls == NULL || bk_classifier_lookup(&k, cls, type, v->key,
	    v->len) != 0)
		return ab;
	ab.name = k.name;
	if (k.nlinks > 0)
		ab.link = web_link(k.links[0]);
	if (d == D_BLOCKLIST) {
		/* where to look the address up and ask for removal */
		if (web_link(k.lookup) != NULL)
			ab.link = k.lookup;
		ab.fix = k.delist;
	}
	if (d == D_CAUSE && k.category != NULL &&
	    bk_classifier_lookup(&c, cls, BK_KNOW_CATEGORY, k.category,
	    strlen(k.category)) == 0) {
		if (c.nfixes > 0)
			ab.fix = c.fixes[0];
		if (ab.link == NULL && c.nlinks > 0)
			ab.link = web_link(c.links[0]);
	}
	if (d == D_CATEGORY && k.nfixes > 0)
		ab.fix = k.fixes[0];
	return ab;
}


static void
text_time(FILE *fp, int64_t t)
{
	char buf[32];

	iso_day(buf, sizeof(buf), day_of(t));
	fputs(buf, fp);
}

static int
write_text(const bk_report *r, FILE *fp, const bk_classifier *cls)
{
	const bk_report_totals *t = &r->tot;
	uint64_t fail = failures(r);
	size_t d, i;
	int oom = 0;

	fprintf(fp, "bouncekit report: %" PRIu64 " records from %" PRIu64
	    " inputs", t->records, t->inputs);
	if (t->first != 0 || t->last != 0) {
		fputs(", ", fp);
		text_time(fp, t->first);
		fputs(" to ", fp);
		text_time(fp, t->last);
	}
	fputs("\n", fp);
	if (t->unreadable || t->undecodable)
		fprintf(fp, "  not decoded: %" PRIu64 " unreadable, %" PRIu64
		    " with no report recognised\n", t->unreadable,
		    t->undecodable);
	if (t->quiet)
		fprintf(fp, "  log lines of no delivery (connections, queue "
		    "entries): %" PRIu64 "\n", t->quiet);
	fprintf(fp, "\n  bounces       %8" PRIu64 "   hard %" PRIu64
	    " (the address is bad: suppress it),\n%27ssoft %" PRIu64 "\n",
	    t->kinds[BK_KIND_BOUNCE], t->hard, "", t->soft);
	fprintf(fp, "  delays        %8" PRIu64 "\n",
	    t->kinds[BK_KIND_DELAY]);
	fprintf(fp, "  complaints    %8" PRIu64 "\n",
	    t->kinds[BK_KIND_FEEDBACK]);
	fprintf(fp, "  auto-replies  %8" PRIu64 "\n",
	    t->kinds[BK_KIND_AUTOREPLY]);
	fprintf(fp, "  delivered     %8" PRIu64 "\n",
	    t->kinds[BK_KIND_DELIVERED]);
	if (fail > 0)
		fprintf(fp, "  sender's move %8" PRIu64 "   %.1f%% of bounces "
		    "and delays:\n%27sfix the sending side, keep the "
		    "addresses\n", t->sender_side, pct(t->sender_side, fail),
		    "");
	/* loop: one section a dimension */
	for (d = 0; d < D_COUNT; d++) {
		const struct table *tb = &r->t[d];
		const struct tally **v = sorted(tb, &oom);
		uint64_t of = d == D_FEEDBACK ? t->kinds[BK_KIND_FEEDBACK] :
		    fail;

		if (oom)
			return BK_ENOMEM;
		if (v == NULL)
			continue;
		fprintf(fp, "\n%s", dim_title[d]);
		if (tb->used > r->top)
			fprintf(fp, " (top %zu of %zu)", r->top, tb->used);
		fputs("\n", fp);
		for (i = 0; i < tb->used && i < r->top; i++) {
			struct about ab = about(cls, (enum dim)d, v[i]);
			size_t w, k, bar;

			/* a bar of 10 columns is 100%; a share shows at
			 * least one '#'; 80 columns in all */
			bar = (size_t)(pct(v[i]->n, of) / 10.0 + 0.5);
			if (bar == 0 && v[i]->n > 0)
				bar = 1;
			fputs("  ", fp);
			w = text_put(fp, v[i]->key, v[i]->len, 24);
			fprintf(fp, "%*s %7" PRIu64 " %5.1f%% ",
			    (int)(24 - (w < 24 ? w : 24)), "", v[i]->n,
			    pct(v[i]->n, of));
			for (k = 0; k < bar; k++)
				fputc('#', fp);
			if (ab.name != NULL) {
				fprintf(fp, "%*s ", (int)(10 - bar), "");
				text_put(fp, ab.name, strlen(ab.name), 26);
			}
			fputs("\n", fp);
		}
		if (tb->other > 0)
			fprintf(fp, "  (other values) %" PRIu64 "\n",
			    tb->other);
		free(v);
	}
	return 0;
}

static void
json_u64(FILE *fp, const char *key, uint64_t v, int comma)
{
	fprintf(fp, "%s\"%s\":%" PRIu64, comma ? "," : "", key, v);
}

static void
json_day(FILE *fp, const char *key, int64_t t, int have)
{
	char buf[32];

	if (!have) {
		fprintf(fp, ",\"%s\":null", key);
		return;
	}
	iso_day(buf, sizeof(buf), day_of(t));
	fprintf(fp, ",\"%s\":\"%s\"", key, buf);
}

static int
write_json(const bk_report *r, FILE *fp, const bk_classifier *cls)
{
	const bk_report_totals *t = &r->tot;
	const struct day **days;
	int have = t->first != 0 || t->last != 0, oom = 0;
	size_t d, i, k;

	fputs("{\"format\":1,\"totals\":{", fp);
	json_u64(fp, "inputs", t->inputs, 0);
	json_u64(fp, "unreadable", t->unreadable, 1);
	json_u64(fp, "undecodable", t->undecodable, 1);
	json_u64(fp, "quiet", t->quiet, 1);
	json_u64(fp, "records", t->records, 1);
	for (k = 0; k < BK_KIND_COUNT_; k++)
		json_u64(fp, bk_kind_name((bk_kind)k), t->kinds[k], 1);
	json_u64(fp, "hard", t->hard, 1);
	json_u64(fp, "soft", t->soft, 1);
	json_u64(fp, "sender_side", t->sender_side, 1);
	json_day(fp, "first_day", t->first, have);
	json_day(fp, "last_day", t->last, have);
	fputs("}", fp);
	/* loop: one member a dimension */
	for (d = 0; d < D_COUNT; d++) {
		const struct table *tb = &r->t[d];
		const struct tally **v = sorted(tb, &oom);

		if (oom)
			return BK_ENOMEM;
		fprintf(fp, ",\"%s\":{\"values\":[", dim_key[d]);
		for (i = 0; i < tb->used; i++) {
			struct about ab = about(cls, (enum dim)d, v[i]);

			fputs(i ? ",{\"value\":" : "{\"value\":", fp);
			bk__json_fput(fp, v[i]->key, v[i]->len);
			json_u64(fp, "count", v[i]->n, 1);
			json_u64(fp, "hard", v[i]->hard, 1);
			json_u64(fp, "sender_side", v[i]->sender, 1);
			if (ab.name != NULL) {
				fputs(",\"name\":", fp);
				bk__json_fput(fp, ab.name, strlen(ab.name));
			}
			if (ab.link != NULL) {
				fputs(",\"link\":", fp);
				bk__json_fput(fp, ab.link, strlen(ab.link));
			}
			if (v[i]->example != NULL) {
				fputs(",\"example\":", fp);
				bk__json_fput(fp, v[i]->example, v[i]->exlen);
			}
			fputs("}", fp);
		}
		fputs("]", fp);
		json_u64(fp, "other", tb->other, 1);
		json_u64(fp, "none", tb->none, 1);
		fputs("}", fp);
		free(v);
	}
	days = sorted_days(r, &oom);
	if (oom)
		return BK_ENOMEM;
	fputs(",\"days\":[", fp);
	for (i = 0; i < r->ndays; i++) {
		char buf[32];

		iso_day(buf, sizeof(buf), days[i]->day);
		fprintf(fp, "%s{\"day\":\"%s\"", i ? "," : "", buf);
		for (k = 0; k < BK_KIND_COUNT_; k++)
			json_u64(fp, bk_kind_name((bk_kind)k),
			    days[i]->kind[k], 1);
		json_u64(fp, "hard", days[i]->hard, 1);
		fputs("}", fp);
	}
	fputs("]", fp);
	json_u64(fp, "days_not_drawn", r->undrawn, 1);
	fputs("}\n", fp);
	free(days);
	return 0;
}

/*
 * The HTML page: one file, no scripts, no outside resources.  Bars are
 * CSS widths; the timeline is inline SVG with one stacked column per
 * bucket of days (at most TIMELINE_BARS columns).
 */
#define TIMELINE_BARS 120

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">\n"
    "<title>bouncekit report</title>\n<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;"
    "max-width:1000px;color:#222;padding:0 1em}\n"
    "h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:.8em}\n"
    ".card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;"
    "min-width:9em}\n.card b{display:block;font-size:1.6em}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "td,th{text-align:left;padding:.2em .5em;border-bottom:1px solid #eee;"
    "vertical-align:top}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}\n"
    ".bar{background:#4a78c2;height:.9em;min-width:1px}\n"
    ".ex{color:#666;font-size:.85em;word-break:break-word}\n"
    ".k0{fill:#999}.k1{fill:#d9534f}.k1s{fill:#f0ad4e}.k2{fill:#f7dc6f}"
    ".k3{fill:#5cb85c}.k4{fill:#8e44ad}.k5{fill:#5bc0de}\n"
    ".legend span{margin-right:1em}.legend i{display:inline-block;"
    "width:.8em;height:.8em;margin-right:.3em}\n"
    "</style>\n</head>\n<body>\n";

/* Stacked layers of the timeline, bottom first: class, label. */
static const struct {
	const char *cls, *label;
} layers[] = {
	{ "k1", "hard bounces" }, { "k1s", "soft bounces" },
	{ "k2", "delays" }, { "k4", "complaints" },
	{ "k5", "auto-replies" }, { "k3", "delivered" },
	{ "k0", "not decoded" },
};

/* layer_count - records of layer @l in day @dy */
static uint64_t
layer_count(const struct day *dy, size_t l)
{
	switch (l) {
	case 0:
		return dy->hard;
	case 1:
		return dy->kind[BK_KIND_BOUNCE] - dy->hard;
	case 2:
		return dy->kind[BK_KIND_DELAY];
	case 3:
		return dy->kind[BK_KIND_FEEDBACK];
	case 4:
		return dy->kind[BK_KIND_AUTOREPLY];
	case 5:
		return dy->kind[BK_KIND_DELIVERED];
	default:
		return dy->kind[BK_KIND_UNKNOWN];
	}
}

#define NLAYERS (sizeof(layers) / sizeof(layers[0]))

static int
html_timeline(const bk_report *r, FILE *fp)
{
	const struct day **days;
	uint64_t (*bucket)[NLAYERS], top = 0;
	int64_t first, span, per;
	size_t nb, i, l;
	int oom = 0;
	char a[32], b[32];

	days = sorted_days(r, &oom);
	if (days == NULL)
		return oom ? BK_ENOMEM : 0;
	first = days[0]->day;
	span = days[r->ndays - 1]->day - first + 1;
	per = (span + TIMELINE_BARS - 1) / TIMELINE_BARS;
	nb = (size_t)((span + per - 1) / per);
	bucket = calloc(nb, sizeof(*bucket));
	if (bucket == NULL) {
		free(days);
		return BK_ENOMEM;
	}
	for (i = 0; i < r->ndays; i++)
		for (l = 0; l < NLAYERS; l++)
			bucket[(days[i]->day - first) / per][l] +=
			    layer_count(days[i], l);
	for (i = 0; i < nb; i++) {
		uint64_t s = 0;

		for (l = 0; l < NLAYERS; l++)
			s += bucket[i][l];
		if (s > top)
			top = s;
	}
	iso_day(a, sizeof(a), first);
	iso_day(b, sizeof(b), days[r->ndays - 1]->day);
	fputs("<h2>Over time</h2>\n<p>Records per ", fp);
	if (per == 1)
		fputs("day", fp);
	else
		fprintf(fp, "%" PRId64 " days", per);
	fprintf(fp, ", %s to %s (UTC); the tallest column is %" PRIu64
	    ".</p>\n", a, b, top);
	fprintf(fp, "<svg role=\"img\" aria-label=\"records over time\" "
	    "viewBox=\"0 0 %zu 200\" width=\"100%%\" height=\"200\" "
	    "preserveAspectRatio=\"none\">\n", nb * 10);
	for (i = 0; i < nb; i++) {
		double y = 200.0;

		for (l = 0; l < NLAYERS; l++) {
			double h;

			if (bucket[i][l] == 0)
				continue;
			h = 200.0 * (double)bucket[i][l] / (double)top;
			y -= h;
			fprintf(fp, "<rect class=\"%s\" x=\"%zu\" y=\"%.2f\" "
			    "width=\"8\" height=\"%.2f\"><title>%" PRIu64
			    " %s</title></rect>\n", layers[l].cls, i * 10 + 1,
			    y, h, bucket[i][l], layers[l].label);
		}
	}
	fputs("</svg>\n<p class=\"legend\">", fp);
	for (l = 0; l < NLAYERS; l++)
		fprintf(fp, "<span><svg width=\"12\" height=\"12\"><rect "
		    "class=\"%s\" width=\"12\" height=\"12\"/></svg> %s</span>",
		    layers[l].cls, layers[l].label);
	fputs("</p>\n", fp);
	if (r->undrawn > 0)
		fprintf(fp, "<p>%" PRIu64 " records of further days are "
		    "counted above but not drawn.</p>\n", r->undrawn);
	free(bucket);
	free(days);
	return 0;
}

static void
html_card(FILE *fp, const char *label, uint64_t n, const char *note)
{
	fprintf(fp, "<div class=\"card\"><b>%" PRIu64 "</b>%s", n, label);
	if (note != NULL)
		fprintf(fp, "<br><small>%s</small>", note);
	fputs("</div>\n", fp);
}

static int
html_table(const bk_report *r, FILE *fp, const bk_classifier *cls,
    enum dim d)
{
	const struct table *tb = &r->t[d];
	uint64_t of = d == D_FEEDBACK ? r->tot.kinds[BK_KIND_FEEDBACK] :
	    failures(r);
	const struct tally **v;
	size_t i;
	int oom = 0;

	v = sorted(tb, &oom);
	if (v == NULL)
		return oom ? BK_ENOMEM : 0;
	fprintf(fp, "<h2>%s</h2>\n", dim_title[d]);
	if (tb->used > r->top)
		fprintf(fp, "<p>The %zu most frequent of %zu.</p>\n", r->top,
		    tb->used);
	fputs("<table>\n<tr><th>value</th><th>records</th><th>hard</th>"
	    "<th>sender's move</th><th style=\"width:30%\">share</th></tr>\n",
	    fp);
	for (i = 0; i < tb->used && i < r->top; i++) {
		struct about ab = about(cls, d, v[i]);

		fputs("<tr><td>", fp);
		if (ab.link != NULL) {
			fputs("<a href=\"", fp);
			html_cstr(fp, ab.link);
			fputs("\">", fp);
		}
		fputs("<code>", fp);
		html_put(fp, v[i]->key, v[i]->len);
		fputs("</code>", fp);
		if (ab.link != NULL)
			fputs("</a>", fp);
		if (ab.name != NULL) {
			fputs(" ", fp);
			html_cstr(fp, ab.name);
		}
		if (ab.fix != NULL && v[i]->sender > 0) {
			fputs("<br><small>fix: ", fp);
			html_cstr(fp, ab.fix);
			fputs("</small>", fp);
		}
		if (v[i]->example != NULL) {
			fputs("<div class=\"ex\">", fp);
			html_put(fp, v[i]->example, v[i]->exlen);
			fputs("</div>", fp);
		}
		fprintf(fp, "</td><td class=\"n\">%" PRIu64 "</td>"
		    "<td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
		    "</td><td><div class=\"bar\" style=\"width:%.1f%%\">"
		    "</div><small>%.1f%%</small></td></tr>\n", v[i]->n,
		    v[i]->hard, v[i]->sender, pct(v[i]->n, of),
		    pct(v[i]->n, of));
	}
	if (tb->other > 0)
		fprintf(fp, "<tr><td>(other values)</td><td class=\"n\">%"
		    PRIu64 "</td><td></td><td></td><td></td></tr>\n",
		    tb->other);
	fputs("</table>\n", fp);
	free(v);
	return 0;
}

static int
write_html(const bk_report *r, FILE *fp, const bk_classifier *cls)
{
	const bk_report_totals *t = &r->tot;
	uint64_t fail = failures(r);
	char note[96];
	size_t d;
	int rc;

	fputs(html_head, fp);
	fprintf(fp, "<h1>bouncekit report</h1>\n<p>%" PRIu64 " records "
	    "from %" PRIu64 " inputs", t->records, t->inputs);
	if (t->first != 0 || t->last != 0) {
		char a[32], b[32];

		iso_day(a, sizeof(a), day_of(t->first));
		iso_day(b, sizeof(b), day_of(t->last));
		fprintf(fp, ", %s to %s", a, b);
	}
	fputs(".</p>\n<div class=\"cards\">\n", fp);
	snprintf(note, sizeof(note), "hard %" PRIu64 ", soft %" PRIu64,
	    t->hard, t->soft);
	html_card(fp, "bounces", t->kinds[BK_KIND_BOUNCE], note);
	html_card(fp, "addresses to suppress", t->hard,
	    "the address itself is bad");
	snprintf(note, sizeof(note), "%.1f%% of bounces and delays: fix the "
	    "sending side", pct(t->sender_side, fail));
	html_card(fp, "sender's move", t->sender_side, note);
	html_card(fp, "delays", t->kinds[BK_KIND_DELAY], NULL);
	html_card(fp, "complaints", t->kinds[BK_KIND_FEEDBACK], NULL);
	html_card(fp, "auto-replies", t->kinds[BK_KIND_AUTOREPLY], NULL);
	html_card(fp, "delivered", t->kinds[BK_KIND_DELIVERED], NULL);
	if (t->unreadable || t->undecodable) {
		snprintf(note, sizeof(note), "%" PRIu64 " unreadable, %"
		    PRIu64 " with no report", t->unreadable, t->undecodable);
		html_card(fp, "not decoded", t->unreadable + t->undecodable,
		    note);
	}
	if (t->quiet)
		html_card(fp, "log lines of no delivery", t->quiet,
		    "connections, queue entries, arrivals");
	fputs("</div>\n", fp);
	rc = html_timeline(r, fp);
	for (d = 0; rc == 0 && d < D_COUNT; d++)
		rc = html_table(r, fp, cls, (enum dim)d);
	fputs("<p><small>Made by bouncekit. Shares are of bounces and "
	    "delays (complaint types: of complaints).</small></p>\n"
	    "</body>\n</html>\n", fp);
	return rc;
}

/* bk_report_write - see report.h */
int
bk_report_write(const bk_report *r, FILE *fp, bk_report_format fmt,
    const bk_classifier *cls)
{
	int rc;

	switch (fmt) {
	case BK_REPORT_JSON:
		rc = write_json(r, fp, cls);
		break;
	case BK_REPORT_HTML:
		rc = write_html(r, fp, cls);
		break;
	default:
		rc = write_text(r, fp, cls);
		break;
	}
	if (rc != 0)
		return rc;
	return ferror(fp) ? BK_EIO : 0;
}
