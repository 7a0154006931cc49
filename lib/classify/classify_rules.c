/*
 * classify_rules.c - read rules files into a rule set (bouncekit-rules(5)).
 *
 * A rules file is a sequence of stanzas.  `phrases NAME` opens a named list
 * of text patterns; `rule ID` opens a rule.  Every other line is `key value
 * ...` and belongs to the stanza above it.  '#' starts a comment outside
 * quotes.  Values are bare words or "double-quoted strings" with the escapes
 * \\ \" \t \n \r \xNN.
 *
 * Invariants: every string kept lives in cls->arena; a stanza is collected
 * in a fixed-size scratch struct and copied into exact-size arrays when the
 * next stanza starts (commit), so a half-read stanza never reaches the rule
 * set.  Every error names the file and line and stops the load.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify_int.h"

#define MAXV BK__CLASSIFY_MAX_VALUES

/* One stanza being read. */
struct stanza {
	int type;                  /* 0 none, 1 rule, 2 phrases, 3 detail,
				      4 knowledge (ktype says which) */
	const char *id;
	unsigned line;
	int has_reason, has_priority;
	bk_reason reason;
	int priority;
	unsigned kinds;
	int group;                 /* own or named group, -1 none yet */
	size_t nstatus, nnot_status;
	size_t nreply, nnot_reply;
	size_t ncommand, nnot_command;
	size_t nhost;
	size_t ndiagtype;
	size_t naction;
	size_t ndecoder;
	size_t nmatch, nunless;
	const char *category, *cause, *provider, *provider_code, *blocklist;
	bk_responsible responsible;
	bk_retry retry;
	int confidence;
	size_t nseen;
	/* knowledge stanzas (type 4) */
	int ktype;                 /* BK__KNOW_* */
	const char *name, *about, *kind, *lookup, *delist, *retry_text, *who;
	int retry_after;
	uint64_t reasons;
	size_t ncheck, nfix, nlink, nrelated, nzone;
	size_t nmust, nmustnot;
	/* the lists, read only below their counts above: not zeroed
	 * per stanza (open_stanza zeroes up to here) */
	const char *status[MAXV], *not_status[MAXV];
	struct bk__classify_range reply[MAXV], not_reply[MAXV];
	const char *command[MAXV], *not_command[MAXV];
	const char *host[MAXV];
	const char *diagtype[MAXV];
	const char *action[MAXV];
	const char *decoder[MAXV];
	const char *match[MAXV], *unless[MAXV];
	const char *seen[MAXV];
	const char *check[MAXV], *fix[MAXV], *link[MAXV], *related[MAXV];
	const char *zone[MAXV];
	struct bk__classify_sample must[BK__CLASSIFY_MAX_SAMPLES];
	struct bk__classify_sample mustnot[BK__CLASSIFY_MAX_SAMPLES];
};

/* The reader's state for one file. */
struct reader {
	bk_classifier *cls;
	const char *file;
	unsigned line;
	char **errmsg_out;
	struct stanza st;
	/* the values of the current line */
	const char *val[MAXV + 8];
	size_t vlen[MAXV + 8];
	int quoted[MAXV + 8];
	size_t nval;
};

/* bk__classify_errmsg - format "file:line: message" for the caller */
int
bk__classify_errmsg(char **errmsg_out, const char *file, unsigned line,
    const char *fmt, ...)
{
	char msg[512], *out;
	va_list ap;
	int n;

	if (errmsg_out == NULL)
		return BK_ESYNTAX;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(NULL, 0, "%s:%u: %s", file ? file : "rules", line, msg);
	if (n < 0)
		return BK_ESYNTAX;
	out = malloc((size_t)n + 1);
	if (out != NULL)
		snprintf(out, (size_t)n + 1, "%s:%u: %s", file ? file : "rules",
		    line, msg);
	free(*errmsg_out);
	*errmsg_out = out;
	return BK_ESYNTAX;
}

#define FAIL(rd, ...)                                                      \
	bk__classify_errmsg((rd)->errmsg_out, (rd)->file, (rd)->line,      \
	    __VA_ARGS__)

/* grow - make room for one more element in a heap array */
static int
grow(void **arr, size_t *cap, size_t n, size_t elsize, size_t max)
{
	size_t ncap, bytes;
	void *p;

	if (n < *cap)
		return 0;
	if (n >= max)
		return BK_ETOOBIG;
	ncap = *cap ? *cap * 2 : 64;
	if (ncap > max)
		ncap = max;
	if (bk__size_mul(&bytes, ncap, elsize) != 0)
		return BK_ETOOBIG;
	p = realloc(*arr, bytes);
	if (p == NULL)
		return BK_ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* dup - copy a value into the arena, NUL-terminated */
static const char *
dup(struct reader *rd, const char *p, size_t len)
{
	return bk__arena_memdup(rd->cls->arena, p, len);
}

/* lowerdup - copy a value into the arena in lower case */
static const char *
lowerdup(struct reader *rd, const char *p, size_t len)
{
	char *q = bk__arena_memdup(rd->cls->arena, p, len);
	size_t i;

	if (q != NULL)
		for (i = 0; i < len; i++)
			q[i] = (char)bk__lower(q[i]);
	return q;
}

/* upperdup - copy a value into the arena in upper case */
static const char *
upperdup(struct reader *rd, const char *p, size_t len)
{
	char *q = bk__arena_memdup(rd->cls->arena, p, len);
	size_t i;

	if (q != NULL)
		for (i = 0; i < len; i++)
			if (q[i] >= 'a' && q[i] <= 'z')
				q[i] = (char)(q[i] - 32);
	return q;
}

/*
 * tokenize - split one line into key and values.
 * Quoted values are unescaped into @buf (at least as long as the line).
 * Returns 0, or BK_ESYNTAX with the message set.
 */
static int
tokenize(struct reader *rd, const char *p, size_t len, char *buf)
{
	size_t i = 0, o = 0;

	rd->nval = 0;
	/* invariant: i only grows, and every branch consumes >= 1 byte */
	while (i < len) {
		const char *start;
		int h1, h2;

		if (p[i] == ' ' || p[i] == '\t') {
			i++;
			continue;
		}
		if (p[i] == '#')
			break;
		if (rd->nval == sizeof(rd->val) / sizeof(rd->val[0]))
			return FAIL(rd, "too many values on one line (max %zu)",
			    sizeof(rd->val) / sizeof(rd->val[0]));
		if (p[i] != '"') {
			start = p + i;
			while (i < len && p[i] != ' ' && p[i] != '\t')
				i++;
			rd->val[rd->nval] = start;
			rd->vlen[rd->nval] = (size_t)(p + i - start);
			rd->quoted[rd->nval++] = 0;
			continue;
		}
		i++;
		start = buf + o;
		for (;;) {
			if (i >= len)
				return FAIL(rd, "unterminated quoted string");
			if (p[i] == '"') {
				i++;
				break;
			}
			if (p[i] != '\\') {
				buf[o++] = p[i++];
				continue;
			}
			if (i + 1 >= len)
				return FAIL(rd, "unterminated quoted string");
			switch (p[i + 1]) {
			case '\\':
			case '"':
				buf[o++] = p[i + 1];
				i += 2;
				break;
			case 't':
				buf[o++] = '\t';
				i += 2;
				break;
			case 'n':
				buf[o++] = '\n';
				i += 2;
				break;
			case 'r':
				buf[o++] = '\r';
				i += 2;
				break;
			case 'x':
				h1 = i + 2 < len ?
				    bk__hexval((unsigned char)p[i + 2]) : -1;
				h2 = i + 3 < len ?
				    bk__hexval((unsigned char)p[i + 3]) : -1;
				if (h1 < 0 || h2 < 0)
					return FAIL(rd, "bad \\x escape");
				buf[o++] = (char)(h1 * 16 + h2);
				i += 4;
				break;
			default:
				return FAIL(rd, "unknown escape '\\%c'",
				    p[i + 1]);
			}
		}
		if (i < len && p[i] != ' ' && p[i] != '\t' && p[i] != '#')
			return FAIL(rd, "text after closing quote");
		rd->val[rd->nval] = start;
		rd->vlen[rd->nval] = (size_t)(buf + o - start);
		rd->quoted[rd->nval++] = 1;
	}
	return 0;
}

/* veq - does value @i equal the C string @s */
static int
veq(const struct reader *rd, size_t i, const char *s)
{
	return rd->vlen[i] == strlen(s) &&
	    memcmp(rd->val[i], s, rd->vlen[i]) == 0;
}

/* find_group - index of the phrase list @name, -1 if none */
static int
find_group(const bk_classifier *cls, const char *name, size_t len)
{
	size_t i;

	for (i = cls->ngroups; i-- > 0;) {
		const struct bk__classify_group *g = &cls->groups[i];

		if (g->anonymous || g->name == NULL)
			continue;
		if (strlen(g->name) == len && memcmp(g->name, name, len) == 0)
			return (int)i;
	}
	return -1;
}

/* new_group - append a phrase list */
static int
new_group(struct reader *rd, const char *name, int anonymous)
{
	bk_classifier *cls = rd->cls;
	struct bk__classify_group *g;
	int rc;

	rc = grow((void **)&cls->groups, &cls->capgroups, cls->ngroups,
	    sizeof(*cls->groups), BK__CLASSIFY_MAX_PATTERNS);
	if (rc == BK_ETOOBIG)
		return FAIL(rd, "too many phrase lists");
	if (rc != 0)
		return rc;
	g = &cls->groups[cls->ngroups];
	memset(g, 0, sizeof(*g));
	g->name = name;
	g->file = rd->file;
	g->line = rd->line;
	g->anonymous = anonymous;
	g->except = -1;
	return (int)cls->ngroups++;
}

/* is_word - a rule id / list name: [A-Za-z0-9._-]+ */
static int
is_word(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len > 128)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!bk__is(c, BK_C_ALPHA | BK_C_DIGIT) && c != '.' &&
		    c != '_' && c != '-')
			return 0;
	}
	return 1;
}

/* valid_status - "5.1.1", "5.7.*", "4.*", "*" or "none" */
static int
valid_status(const char *p, size_t len)
{
	size_t i = 0, parts = 0, digits;

	if ((len == 1 && p[0] == '*') ||
	    (len == 4 && memcmp(p, "none", 4) == 0))
		return 1;
	if (len < 1 || (p[0] != '2' && p[0] != '4' && p[0] != '5'))
		return 0;
	i = 1;
	parts = 1;
	/* invariant: p[0..i) is a valid code prefix of `parts` parts */
	while (i < len) {
		if (p[i] != '.')
			return 0;
		i++;
		if (i < len && p[i] == '*')
			return i + 1 == len;
		digits = 0;
		while (i < len && bk__is(p[i], BK_C_DIGIT) && digits < 4) {
			i++;
			digits++;
		}
		if (digits == 0 || digits > 3)
			return 0;
		parts++;
	}
	return parts == 3;
}

/* parse_reply - "550", "5xx", "55x", "501-507", "*", "none" */
static int
parse_reply(const char *p, size_t len, struct bk__classify_range *r)
{
	long a, b;

	if (len == 4 && memcmp(p, "none", 4) == 0) {
		r->lo = r->hi = 0;
		return 0;
	}
	if (len == 1 && p[0] == '*') {
		r->lo = 200;
		r->hi = 599;
		return 0;
	}
	if (len == 3 && p[1] == 'x' && p[2] == 'x' && p[0] >= '2' &&
	    p[0] <= '5') {
		r->lo = (p[0] - '0') * 100;
		r->hi = r->lo + 99;
		return 0;
	}
	if (len == 3 && p[2] == 'x' && bk__digits(p, 2, 20, 59, &a) == 2) {
		r->lo = (int)a * 10;
		r->hi = r->lo + 9;
		return 0;
	}
	if (len == 3 && bk__digits(p, 3, 200, 599, &a) == 3) {
		r->lo = r->hi = (int)a;
		return 0;
	}
	if (len == 7 && p[3] == '-' && bk__digits(p, 3, 200, 599, &a) == 3 &&
	    bk__digits(p + 4, 3, 200, 599, &b) == 3 && a <= b) {
		r->lo = (int)a;
		r->hi = (int)b;
		return 0;
	}
	return -1;
}

/* parse_int - optional '-' then digits, within [lo, hi] */
static int
parse_int(const char *p, size_t len, long lo, long hi, int *out)
{
	long v;
	int neg = 0;

	if (len > 0 && p[0] == '-') {
		neg = 1;
		p++;
		len--;
	}
	if (len == 0 || len > 9 || bk__digits(p, len, 0, 999999999, &v) != len)
		return -1;
	if (neg)
		v = -v;
	if (v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* add_one - append one pattern to phrase list @target */
static int
add_one(struct reader *rd, int target, const char *p, size_t len, int regex)
{
	bk_classifier *cls = rd->cls;
	struct bk__classify_pattern *pt;
	int rc;

	if (len == 0)
		return FAIL(rd, "empty pattern");
	rc = grow((void **)&cls->patterns, &cls->cappatterns, cls->npatterns,
	    sizeof(*cls->patterns), BK__CLASSIFY_MAX_PATTERNS);
	if (rc == BK_ETOOBIG)
		return FAIL(rd, "too many patterns (max %d)",
		    BK__CLASSIFY_MAX_PATTERNS);
	if (rc != 0)
		return rc;
	pt = &cls->patterns[cls->npatterns];
	pt->expr = dup(rd, p, len);
	if (pt->expr == NULL)
		return BK_ENOMEM;
	pt->len = len;
	pt->regex = regex;
	pt->group = (uint32_t)target;
	pt->file = rd->file;
	pt->line = rd->line;
	cls->npatterns++;
	cls->groups[target].npatterns++;
	return 0;
}

/* own_group - the current stanza's own (anonymous) phrase list */
static int
own_group(struct reader *rd)
{
	int rc;

	if (rd->st.group < 0) {
		rc = new_group(rd, rd->st.id, 1);
		if (rc < 0)
			return rc;
		rd->st.group = rc;
	}
	return 0;
}

/*
 * add_pattern - append a text or regex line of the current stanza; with
 * @except, to the list's exception list (`except` lines of a phrases
 * stanza: a list does not count as matched when its exceptions match).
 */
static int
add_pattern(struct reader *rd, int regex, int except)
{
	bk_classifier *cls = rd->cls;
	size_t i;
	int rc, target;

	if (rd->nval < 2)
		return FAIL(rd, "'%s' needs at least one quoted value",
		    except ? "except" : regex ? "regex" : "text");
	rc = own_group(rd);
	if (rc != 0)
		return rc;
	target = rd->st.group;
	if (except) {
		if (cls->groups[target].except < 0) {
			rc = new_group(rd, rd->st.id, 1);
			if (rc < 0)
				return rc;
			cls->groups[target].except = rc;
		}
		target = cls->groups[target].except;
	}
	for (i = 1; i < rd->nval; i++) {
		if (!rd->quoted[i])
			return FAIL(rd, "patterns must be quoted");
		rc = add_one(rd, target, rd->val[i], rd->vlen[i], regex);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* add_sample - a must / mustnot line: "text" [key=value ...] */
static int
add_sample(struct reader *rd, int must)
{
	struct bk__classify_sample *s;
	size_t i, *n = must ? &rd->st.nmust : &rd->st.nmustnot;

	if (rd->nval < 2 || !rd->quoted[1])
		return FAIL(rd, "'%s' needs a quoted sample line",
		    must ? "must" : "mustnot");
	/* must and mustnot lines together (limits.h) */
	if (rd->st.nmust + rd->st.nmustnot >= BK__CLASSIFY_MAX_SAMPLES)
		return FAIL(rd, "too many samples (max %d must and mustnot "
		    "lines together)", BK__CLASSIFY_MAX_SAMPLES);
	s = must ? &rd->st.must[*n] : &rd->st.mustnot[*n];
	memset(s, 0, sizeof(*s));
	s->reply = -1;
	s->kind = -1;
	s->line = rd->line;
	s->text = dup(rd, rd->val[1], rd->vlen[1]);
	if (s->text == NULL)
		return BK_ENOMEM;
	s->len = rd->vlen[1];
	for (i = 2; i < rd->nval; i++) {
		const char *v = rd->val[i], *eq;
		size_t klen, vlen;

		eq = memchr(v, '=', rd->vlen[i]);
		if (eq == NULL || rd->quoted[i])
			return FAIL(rd, "sample facts are key=value");
		klen = (size_t)(eq - v);
		vlen = rd->vlen[i] - klen - 1;
		eq++;
		if (klen == 7 && memcmp(v, "command", 7) == 0)
			s->command = upperdup(rd, eq, vlen);
		else if (klen == 4 && memcmp(v, "host", 4) == 0)
			s->host = lowerdup(rd, eq, vlen);
		else if (klen == 6 && memcmp(v, "status", 6) == 0)
			s->status = dup(rd, eq, vlen);
		else if (klen == 8 && memcmp(v, "diagtype", 8) == 0)
			s->diagtype = dup(rd, eq, vlen);
		else if (klen == 6 && memcmp(v, "action", 6) == 0)
			s->action = dup(rd, eq, vlen);
		else if (klen == 7 && memcmp(v, "decoder", 7) == 0)
			s->decoder = lowerdup(rd, eq, vlen);
		else if (klen == 5 && memcmp(v, "reply", 5) == 0) {
			if (parse_int(eq, vlen, 0, 599, &s->reply) != 0)
				return FAIL(rd, "bad reply code in sample");
		} else if (klen == 4 && memcmp(v, "kind", 4) == 0) {
			bk_kind k;

			if (bk_kind_lookup(&k, eq, vlen) != 0)
				return FAIL(rd, "unknown kind '%.*s'",
				    (int)vlen, eq);
			s->kind = (int)k;
		} else
			return FAIL(rd, "unknown sample fact '%.*s'",
			    (int)klen, v);
		if ((s->command == NULL && v[0] == 'c') ||
		    (s->host == NULL && v[0] == 'h') ||
		    (s->status == NULL && v[0] == 's') ||
		    (s->diagtype == NULL && v[0] == 'd' && v[1] == 'i') ||
		    (s->decoder == NULL && v[0] == 'd' && v[1] == 'e') ||
		    (s->action == NULL && v[0] == 'a'))
			return BK_ENOMEM;
	}
	(*n)++;
	return 0;
}

/* list_key - append the values of a list key (status, command, ...) */
static int
list_key(struct reader *rd, const char *key, const char **arr, size_t *n,
    int fold)
{
	size_t i;

	if (rd->nval < 2)
		return FAIL(rd, "'%s' needs a value", key);
	for (i = 1; i < rd->nval; i++) {
		const char *v;

		if (*n >= MAXV)
			return FAIL(rd, "too many values for '%s' (max %d)",
			    key, MAXV);
		if (fold > 0)
			v = upperdup(rd, rd->val[i], rd->vlen[i]);
		else if (fold < 0)
			v = lowerdup(rd, rd->val[i], rd->vlen[i]);
		else
			v = dup(rd, rd->val[i], rd->vlen[i]);
		if (v == NULL)
			return BK_ENOMEM;
		arr[(*n)++] = v;
	}
	return 0;
}

/* one_value - a key that takes exactly one bare value */
static int
one_value(struct reader *rd, const char *key, const char **out)
{
	if (rd->nval != 2)
		return FAIL(rd, "'%s' takes exactly one value", key);
	if (*out != NULL)
		return FAIL(rd, "'%s' given twice", key);
	*out = dup(rd, rd->val[1], rd->vlen[1]);
	return *out == NULL ? BK_ENOMEM : 0;
}

/* copy_list - exact-size arena copy of a scratch list */
static int
copy_list(bk_classifier *cls, const char ***dst, size_t *dn,
    const char *const *src, size_t n)
{
	*dn = n;
	*dst = NULL;
	if (n == 0)
		return 0;
	*dst = bk__arena_alloc(cls->arena, n * sizeof(**dst));
	if (*dst == NULL)
		return BK_ENOMEM;
	memcpy(*dst, src, n * sizeof(**dst));
	return 0;
}

/* copy_mem - exact-size arena copy of an array */
static int
copy_mem(bk_classifier *cls, void **dst, const void *src, size_t n,
    size_t elsize)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	*dst = bk__arena_alloc(cls->arena, n * elsize);
	if (*dst == NULL)
		return BK_ENOMEM;
	memcpy(*dst, src, n * elsize);
	return 0;
}

/* bk__classify_know_find - index of the entry (@type, @id), -1 if none */
int
bk__classify_know_find(const bk_classifier *cls, int type, const char *id,
    size_t len)
{
	size_t i;

	/* after bk__classify_finish(): the index (classify_match.c) */
	if (cls->kfind != NULL)
		return bk__classify_know_lookup(cls, type, id, len);
	for (i = cls->nknow; i-- > 0;) {
		const struct bk__classify_know *k = &cls->know[i];

		if (k->type == type && k->id != NULL && strlen(k->id) == len &&
		    memcmp(k->id, id, len) == 0)
			return (int)i;
	}
	return -1;
}

static const char *const know_names[] = { "", "cause", "category",
	"provider", "blocklist" };

/* commit_know - move a finished knowledge stanza into the set */
static int
commit_know(struct reader *rd)
{
	bk_classifier *cls = rd->cls;
	struct stanza *st = &rd->st;
	struct bk__classify_know *k;
	const char *what = know_names[st->ktype];
	int old, rc;

	if (st->name == NULL)
		return FAIL(rd, "%s '%s' has no name", what, st->id);
	if (st->about == NULL)
		return FAIL(rd, "%s '%s' has no 'about' text", what, st->id);
	if (st->ktype == BK__KNOW_CAUSE && st->category == NULL)
		return FAIL(rd, "cause '%s' has no category", st->id);
	if (st->ktype == BK__KNOW_BLOCKLIST && st->cause == NULL)
		return FAIL(rd, "blocklist '%s' has no cause", st->id);
	if (st->ktype == BK__KNOW_CATEGORY && (st->nfix == 0 ||
	    st->retry_text == NULL))
		return FAIL(rd, "category '%s' needs 'fix' and 'retry-advice' "
		    "lines", st->id);
	old = bk__classify_know_find(cls, st->ktype, st->id, strlen(st->id));
	if (old >= 0) {
		if (cls->know[old].file == rd->file)
			return FAIL(rd, "duplicate %s '%s' (line %u)", what,
			    st->id, cls->know[old].line);
		cls->know[old].id = NULL;   /* replaced by this file's */
	}
	rc = grow((void **)&cls->know, &cls->capknow, cls->nknow,
	    sizeof(*cls->know), BK__CLASSIFY_MAX_RULES);
	if (rc == BK_ETOOBIG)
		return FAIL(rd, "too many knowledge entries (max %d)",
		    BK__CLASSIFY_MAX_RULES);
	if (rc != 0)
		return rc;
	k = &cls->know[cls->nknow];
	memset(k, 0, sizeof(*k));
	k->type = st->ktype;
	k->id = st->id;
	k->file = rd->file;
	k->line = st->line;
	k->name = st->name;
	k->about = st->about;
	k->category = st->category;
	k->cause = st->cause;
	k->kind = st->kind;
	k->lookup = st->lookup;
	k->delist = st->delist;
	k->retry_text = st->retry_text;
	k->who = st->who;
	k->responsible = st->responsible;
	k->retry = st->retry;
	k->retry_after = st->retry_after;
	k->reasons = st->reasons;
	k->group = st->group;
	rc = copy_list(cls, &k->host, &k->nhost, st->host, st->nhost);
	if (rc == 0)
		rc = copy_list(cls, &k->check, &k->ncheck, st->check,
		    st->ncheck);
	if (rc == 0)
		rc = copy_list(cls, &k->fix, &k->nfix, st->fix, st->nfix);
	if (rc == 0)
		rc = copy_list(cls, &k->link, &k->nlink, st->link, st->nlink);
	if (rc == 0)
		rc = copy_list(cls, &k->related, &k->nrelated, st->related,
		    st->nrelated);
	if (rc == 0)
		rc = copy_list(cls, &k->zone, &k->nzone, st->zone, st->nzone);
	if (rc == 0)
		rc = copy_mem(cls, (void **)&k->must, st->must, st->nmust,
		    sizeof(*st->must));
	if (rc == 0)
		rc = copy_mem(cls, (void **)&k->mustnot, st->mustnot,
		    st->nmustnot, sizeof(*st->mustnot));
	k->nmust = st->nmust;
	k->nmustnot = st->nmustnot;
	cls->nknow++;
	st->type = 0;
	return rc;
}

/* commit_body - move the finished stanza into the rule set */
static int
commit_body(struct reader *rd)
{
	bk_classifier *cls = rd->cls;
	struct stanza *st = &rd->st;
	struct bk__classify_rule *r;
	struct bk__classify_group *g;
	size_t i;
	int rc;

	if (st->type == 0)
		return 0;
	if (st->type == 2) {
		g = &cls->groups[st->group];
		if (g->npatterns == 0)
			return FAIL(rd, "phrase list '%s' has no patterns",
			    st->id);
		rc = copy_mem(cls, (void **)&g->must, st->must, st->nmust,
		    sizeof(*st->must));
		if (rc == 0)
			rc = copy_mem(cls, (void **)&g->mustnot, st->mustnot,
			    st->nmustnot, sizeof(*st->mustnot));
		g->nmust = st->nmust;
		g->nmustnot = st->nmustnot;
		st->type = 0;
		return rc;
	}

	if (st->type == 4)
		return commit_know(rd);
	if (st->type == 1 && !st->has_reason)
		return FAIL(rd, "rule '%s' has no reason", st->id);
	if (st->type == 3 && st->has_reason)
		return FAIL(rd, "detail '%s': a detail never sets the reason "
		    "(use a rule)", st->id);
	if (st->type == 3 && st->cause == NULL && st->category == NULL &&
	    st->provider == NULL && st->provider_code == NULL &&
	    st->blocklist == NULL)
		return FAIL(rd, "detail '%s' sets none of cause, category, "
		    "provider, provider-code, blocklist", st->id);
	if (!st->has_priority)
		return FAIL(rd, "rule '%s' has no priority", st->id);
	if (st->group < 0 && st->nmatch == 0 && st->nunless == 0 &&
	    st->nseen == 0 &&
	    st->nstatus == 0 && st->nnot_status == 0 && st->nreply == 0 &&
	    st->nnot_reply == 0 && st->ncommand == 0 &&
	    st->nnot_command == 0 && st->nhost == 0 && st->kinds == 0 &&
	    st->ndiagtype == 0 && st->naction == 0 && st->ndecoder == 0)
		return FAIL(rd, "rule '%s' has no condition", st->id);

	/* a rule of the same id from an earlier file is replaced */
	r = NULL;
	for (i = 0; i < cls->nrules; i++) {
		if (strcmp(cls->rules[i].id, st->id) != 0)
			continue;
		if (cls->rules[i].file == rd->file)
			return FAIL(rd, "duplicate rule id '%s' (line %u)",
			    st->id, cls->rules[i].line);
		r = &cls->rules[i];
		break;
	}
	if (r == NULL) {
		rc = grow((void **)&cls->rules, &cls->caprules, cls->nrules,
		    sizeof(*cls->rules), BK__CLASSIFY_MAX_RULES);
		if (rc == BK_ETOOBIG)
			return FAIL(rd, "too many rules (max %d)",
			    BK__CLASSIFY_MAX_RULES);
		if (rc != 0)
			return rc;
		r = &cls->rules[cls->nrules];
		memset(r, 0, sizeof(*r));
		r->order = cls->nrules++;
	}
	r->id = st->id;
	r->file = rd->file;
	r->line = st->line;
	r->detail = st->type == 3;
	r->reason = r->detail ? BK_REASON_UNDEFINED : st->reason;
	r->priority = st->priority;
	r->kinds = st->kinds;
	rc = copy_list(cls, &r->status, &r->nstatus, st->status, st->nstatus);
	if (rc == 0)
		rc = copy_list(cls, &r->not_status, &r->nnot_status,
		    st->not_status, st->nnot_status);
	if (rc == 0)
		rc = copy_mem(cls, (void **)&r->reply, st->reply, st->nreply,
		    sizeof(*st->reply));
	if (rc == 0)
		rc = copy_mem(cls, (void **)&r->not_reply, st->not_reply,
		    st->nnot_reply, sizeof(*st->not_reply));
	r->nreply = st->nreply;
	r->nnot_reply = st->nnot_reply;
	if (rc == 0)
		rc = copy_list(cls, &r->command, &r->ncommand, st->command,
		    st->ncommand);
	if (rc == 0)
		rc = copy_list(cls, &r->not_command, &r->nnot_command,
		    st->not_command, st->nnot_command);
	if (rc == 0)
		rc = copy_list(cls, &r->host, &r->nhost, st->host, st->nhost);
	if (rc == 0)
		rc = copy_list(cls, &r->diagtype, &r->ndiagtype, st->diagtype,
		    st->ndiagtype);
	if (rc == 0)
		rc = copy_list(cls, &r->action, &r->naction, st->action,
		    st->naction);
	if (rc == 0)
		rc = copy_list(cls, &r->decoder, &r->ndecoder, st->decoder,
		    st->ndecoder);
	if (rc != 0)
		return rc;

	/* group references: names now, indexes at finish time */
	r->nmatch = st->nmatch + (st->group >= 0);
	r->nunless = st->nunless;
	r->match = NULL;
	r->unless = NULL;
	if (r->nmatch) {
		r->match = bk__arena_alloc(cls->arena,
		    r->nmatch * sizeof(*r->match));
		if (r->match == NULL)
			return BK_ENOMEM;
	}
	if (r->nunless) {
		r->unless = bk__arena_alloc(cls->arena,
		    r->nunless * sizeof(*r->unless));
		if (r->unless == NULL)
			return BK_ENOMEM;
	}
	for (i = 0; i < st->nmatch; i++) {
		int gi = find_group(cls, st->match[i], strlen(st->match[i]));

		if (gi < 0)
			return FAIL(rd, "rule '%s': unknown phrase list '%s' "
			    "(define it before use)", st->id, st->match[i]);
		r->match[i] = (uint32_t)gi;
	}
	if (st->group >= 0)
		r->match[st->nmatch] = (uint32_t)st->group;
	for (i = 0; i < st->nunless; i++) {
		int gi = find_group(cls, st->unless[i], strlen(st->unless[i]));

		if (gi < 0)
			return FAIL(rd, "rule '%s': unknown phrase list '%s' "
			    "(define it before use)", st->id, st->unless[i]);
		r->unless[i] = (uint32_t)gi;
	}

	r->nseen = st->nseen;
	r->seen = NULL;
	if (r->nseen) {
		r->seen = bk__arena_alloc(cls->arena,
		    r->nseen * sizeof(*r->seen));
		if (r->seen == NULL)
			return BK_ENOMEM;
	}
	for (i = 0; i < st->nseen; i++) {
		int k = bk__classify_know_find(cls, BK__KNOW_PROVIDER,
		    st->seen[i], strlen(st->seen[i]));

		if (k < 0)
			return FAIL(rd, "rule '%s': unknown provider '%s' "
			    "(define it before use)", st->id, st->seen[i]);
		r->seen[i] = (uint32_t)k;
	}

	r->category = st->category;
	r->cause = st->cause;
	r->provider = st->provider;
	r->provider_code = st->provider_code;
	r->blocklist = st->blocklist;
	r->responsible = st->responsible;
	r->retry = st->retry;
	r->confidence = st->confidence;
	rc = copy_mem(cls, (void **)&r->must, st->must, st->nmust,
	    sizeof(*st->must));
	if (rc == 0)
		rc = copy_mem(cls, (void **)&r->mustnot, st->mustnot,
		    st->nmustnot, sizeof(*st->mustnot));
	r->nmust = st->nmust;
	r->nmustnot = st->nmustnot;
	st->type = 0;
	return rc;
}

/* commit - commit_body, with errors reported at the stanza's first line */
static int
commit(struct reader *rd)
{
	unsigned cur = rd->line;
	int rc;

	rd->line = rd->st.line;
	rc = commit_body(rd);
	rd->line = cur;
	return rc;
}

/* open_stanza - `rule ID` or `phrases NAME` */
static int
open_stanza(struct reader *rd, int type)
{
	struct stanza *st = &rd->st;
	int rc;

	rc = commit(rd);
	if (rc != 0)
		return rc;
	if (rd->nval != 2 || rd->quoted[1] || !is_word(rd->val[1], rd->vlen[1]))
		return FAIL(rd, "'%.*s' takes one name of [A-Za-z0-9._-]",
		    (int)rd->vlen[0], rd->val[0]);
	memset(st, 0, offsetof(struct stanza, status));
	st->type = type >= 4 ? 4 : type;
	st->ktype = type >= 4 ? type - 3 : 0;
	st->line = rd->line;
	st->group = -1;
	st->confidence = -1;
	st->id = dup(rd, rd->val[1], rd->vlen[1]);
	if (st->id == NULL)
		return BK_ENOMEM;
	if (type == 2) {
		int old = find_group(rd->cls, rd->val[1], rd->vlen[1]);

		if (old >= 0) {
			if (rd->cls->groups[old].file == rd->file)
				return FAIL(rd, "duplicate phrase list '%s' "
				    "(line %u)", st->id,
				    rd->cls->groups[old].line);
			/* a later file replaces the list: hide the old one */
			rd->cls->groups[old].name = NULL;
		}
		rc = new_group(rd, st->id, 0);
		if (rc < 0)
			return rc;
		st->group = rc;
	}
	return 0;
}

/* rule_key - one `key value...` line inside a rule */
static int
rule_key(struct reader *rd)
{
	struct stanza *st = &rd->st;
	size_t i;

	if (veq(rd, 0, "reason")) {
		if (rd->nval != 2 || st->has_reason ||
		    bk_reason_lookup(&st->reason, rd->val[1], rd->vlen[1]) != 0)
			return FAIL(rd, "'reason' takes one reason name "
			    "(see bouncekit-rules(5))");
		st->has_reason = 1;
		return 0;
	}
	if (veq(rd, 0, "priority")) {
		if (rd->nval != 2 || st->has_priority ||
		    parse_int(rd->val[1], rd->vlen[1], -100000, 100000,
		    &st->priority) != 0)
			return FAIL(rd, "'priority' takes one integer in "
			    "-100000..100000");
		st->has_priority = 1;
		return 0;
	}
	if (veq(rd, 0, "status") || veq(rd, 0, "not-status")) {
		for (i = 1; i < rd->nval; i++)
			if (!valid_status(rd->val[i], rd->vlen[i]))
				return FAIL(rd, "bad status code '%.*s'",
				    (int)rd->vlen[i], rd->val[i]);
		if (rd->val[0][0] == 's')
			return list_key(rd, "status", st->status,
			    &st->nstatus, 0);
		return list_key(rd, "not-status", st->not_status,
		    &st->nnot_status, 0);
	}
	if (veq(rd, 0, "reply") || veq(rd, 0, "not-reply")) {
		int neg = rd->val[0][0] == 'n';
		size_t *n = neg ? &st->nnot_reply : &st->nreply;
		struct bk__classify_range *arr = neg ? st->not_reply :
		    st->reply;

		if (rd->nval < 2)
			return FAIL(rd, "'reply' needs a value");
		for (i = 1; i < rd->nval; i++) {
			if (*n >= MAXV)
				return FAIL(rd, "too many reply values");
			if (parse_reply(rd->val[i], rd->vlen[i], &arr[*n]) != 0)
				return FAIL(rd, "bad reply code '%.*s'",
				    (int)rd->vlen[i], rd->val[i]);
			(*n)++;
		}
		return 0;
	}
	if (veq(rd, 0, "command"))
		return list_key(rd, "command", st->command, &st->ncommand, 1);
	if (veq(rd, 0, "not-command"))
		return list_key(rd, "not-command", st->not_command,
		    &st->nnot_command, 1);
	if (veq(rd, 0, "host"))
		return list_key(rd, "host", st->host, &st->nhost, -1);
	if (veq(rd, 0, "diagtype"))
		return list_key(rd, "diagtype", st->diagtype, &st->ndiagtype,
		    -1);
	if (veq(rd, 0, "action"))
		return list_key(rd, "action", st->action, &st->naction, -1);
	if (veq(rd, 0, "decoder"))
		return list_key(rd, "decoder", st->decoder, &st->ndecoder, -1);
	if (veq(rd, 0, "match") || veq(rd, 0, "unless")) {
		int neg = rd->val[0][0] == 'u';

		for (i = 1; i < rd->nval; i++)
			if (rd->quoted[i] || !is_word(rd->val[i], rd->vlen[i]))
				return FAIL(rd, "'%s' takes phrase list names",
				    neg ? "unless" : "match");
		if (neg)
			return list_key(rd, "unless", st->unless, &st->nunless,
			    0);
		return list_key(rd, "match", st->match, &st->nmatch, 0);
	}
	if (veq(rd, 0, "kind")) {
		for (i = 1; i < rd->nval; i++) {
			bk_kind k;

			if (bk_kind_lookup(&k, rd->val[i], rd->vlen[i]) != 0)
				return FAIL(rd, "unknown kind '%.*s'",
				    (int)rd->vlen[i], rd->val[i]);
			st->kinds |= 1u << k;
		}
		return rd->nval < 2 ? FAIL(rd, "'kind' needs a value") : 0;
	}
	if (veq(rd, 0, "seen")) {
		for (i = 1; i < rd->nval; i++)
			if (rd->quoted[i] || !is_word(rd->val[i], rd->vlen[i]))
				return FAIL(rd, "'seen' takes provider ids");
		return list_key(rd, "seen", st->seen, &st->nseen, 0);
	}
	if (veq(rd, 0, "category"))
		return one_value(rd, "category", &st->category);
	if (veq(rd, 0, "cause"))
		return one_value(rd, "cause", &st->cause);
	if (veq(rd, 0, "provider"))
		return one_value(rd, "provider", &st->provider);
	if (veq(rd, 0, "provider-code"))
		return one_value(rd, "provider-code", &st->provider_code);
	if (veq(rd, 0, "blocklist"))
		return one_value(rd, "blocklist", &st->blocklist);
	if (veq(rd, 0, "responsible")) {
		static const char *const names[] = { "unknown", "sender",
			"recipient", "network" };

		for (i = 0; rd->nval == 2 && i < 4; i++)
			if (veq(rd, 1, names[i])) {
				st->responsible = (bk_responsible)i;
				return 0;
			}
		return FAIL(rd, "'responsible' is one of sender, recipient, "
		    "network, unknown");
	}
	if (veq(rd, 0, "retry")) {
		static const char *const names[] = { "unknown", "no",
			"after-fix", "later" };

		for (i = 0; rd->nval == 2 && i < 4; i++)
			if (veq(rd, 1, names[i])) {
				st->retry = (bk_retry)i;
				return 0;
			}
		return FAIL(rd, "'retry' is one of no, after-fix, later");
	}
	if (veq(rd, 0, "confidence")) {
		if (rd->nval != 2 || parse_int(rd->val[1], rd->vlen[1], 0, 100,
		    &st->confidence) != 0)
			return FAIL(rd,
			    "'confidence' takes one integer 0..100");
		return 0;
	}
	return FAIL(rd, "unknown key '%.*s'", (int)rd->vlen[0], rd->val[0]);
}

/* text_value - a key that takes one quoted text */
static int
text_value(struct reader *rd, const char *key, const char **out)
{
	if (rd->nval != 2 || !rd->quoted[1])
		return FAIL(rd, "'%s' takes one quoted text", key);
	if (*out != NULL)
		return FAIL(rd, "'%s' given twice", key);
	*out = dup(rd, rd->val[1], rd->vlen[1]);
	return *out == NULL ? BK_ENOMEM : 0;
}

/* text_list - a key that adds quoted texts to a list */
static int
text_list(struct reader *rd, const char *key, const char **arr, size_t *n)
{
	size_t i;

	if (rd->nval < 2)
		return FAIL(rd, "'%s' needs a quoted text", key);
	for (i = 1; i < rd->nval; i++)
		if (!rd->quoted[i])
			return FAIL(rd, "'%s' takes quoted texts", key);
	return list_key(rd, key, arr, n, 0);
}

/* know_key - one `key value...` line of a knowledge stanza */
static int
know_key(struct reader *rd)
{
	struct stanza *st = &rd->st;
	int t = st->ktype;
	size_t i;
	int rc;

	if (veq(rd, 0, "name"))
		return text_value(rd, "name", &st->name);
	if (veq(rd, 0, "about"))
		return text_value(rd, "about", &st->about);
	if (veq(rd, 0, "link"))
		return text_list(rd, "link", st->link, &st->nlink);
	if (t == BK__KNOW_CAUSE && veq(rd, 0, "category")) {
		if (rd->nval != 2 || rd->quoted[1] ||
		    !is_word(rd->val[1], rd->vlen[1]))
			return FAIL(rd, "'category' takes one category id");
		return one_value(rd, "category", &st->category);
	}
	if (t == BK__KNOW_CAUSE && veq(rd, 0, "reasons")) {
		for (i = 1; i < rd->nval; i++) {
			bk_reason r;

			if (bk_reason_lookup(&r, rd->val[i], rd->vlen[i]) != 0)
				return FAIL(rd, "unknown reason '%.*s'",
				    (int)rd->vlen[i], rd->val[i]);
			st->reasons |= (uint64_t)1 << r;
		}
		return rd->nval < 2 ? FAIL(rd, "'reasons' needs a value") : 0;
	}
	if ((t == BK__KNOW_CAUSE || t == BK__KNOW_CATEGORY) &&
	    (veq(rd, 0, "responsible") || veq(rd, 0, "retry")))
		return rule_key(rd);
	if (t == BK__KNOW_CAUSE && veq(rd, 0, "retry-after")) {
		if (rd->nval != 2 || parse_int(rd->val[1], rd->vlen[1], 0,
		    30 * 86400, &st->retry_after) != 0)
			return FAIL(rd, "'retry-after' takes seconds, 0 to "
			    "2592000");
		return 0;
	}
	if (t == BK__KNOW_CATEGORY && veq(rd, 0, "check"))
		return text_list(rd, "check", st->check, &st->ncheck);
	if (t == BK__KNOW_CATEGORY && veq(rd, 0, "fix"))
		return text_list(rd, "fix", st->fix, &st->nfix);
	if (t == BK__KNOW_CATEGORY && veq(rd, 0, "retry-advice"))
		return text_value(rd, "retry-advice", &st->retry_text);
	if (t == BK__KNOW_CATEGORY && veq(rd, 0, "who"))
		return text_value(rd, "who", &st->who);
	if (t == BK__KNOW_CATEGORY && veq(rd, 0, "related")) {
		for (i = 1; i < rd->nval; i++)
			if (rd->quoted[i] || !is_word(rd->val[i], rd->vlen[i]))
				return FAIL(rd, "'related' takes category ids");
		return list_key(rd, "related", st->related, &st->nrelated, 0);
	}
	if (t == BK__KNOW_PROVIDER && veq(rd, 0, "kind")) {
		if (rd->nval != 2 || !(veq(rd, 1, "mailbox") ||
		    veq(rd, 1, "gateway") || veq(rd, 1, "relay")))
			return FAIL(rd, "'kind' is mailbox, gateway or relay");
		return one_value(rd, "kind", &st->kind);
	}
	if (t == BK__KNOW_PROVIDER && veq(rd, 0, "host")) {
		for (i = 1; i < rd->nval; i++)
			if (rd->quoted[i])
				return FAIL(rd, "'host' takes bare suffixes");
		return list_key(rd, "host", st->host, &st->nhost, -1);
	}
	if (t == BK__KNOW_BLOCKLIST && veq(rd, 0, "zone")) {
		/* a zone named in a text names the list */
		rc = own_group(rd);
		for (i = 1; rc == 0 && i < rd->nval; i++)
			rc = add_one(rd, st->group, rd->val[i], rd->vlen[i],
			    0);
		if (rc != 0)
			return rc;
		return list_key(rd, "zone", st->zone, &st->nzone, -1);
	}
	if (t == BK__KNOW_BLOCKLIST && veq(rd, 0, "cause")) {
		if (rd->nval != 2 || rd->quoted[1] ||
		    !is_word(rd->val[1], rd->vlen[1]))
			return FAIL(rd, "'cause' takes one cause id");
		return one_value(rd, "cause", &st->cause);
	}
	if (t == BK__KNOW_BLOCKLIST && veq(rd, 0, "lookup"))
		return text_value(rd, "lookup", &st->lookup);
	if (t == BK__KNOW_BLOCKLIST && veq(rd, 0, "delist"))
		return text_value(rd, "delist", &st->delist);
	return FAIL(rd, "unknown key '%.*s' in a %s stanza",
	    (int)rd->vlen[0], rd->val[0], know_names[t]);
}

/* line - handle one tokenized line */
static int
line(struct reader *rd)
{
	struct stanza *st = &rd->st;

	if (rd->nval == 0)
		return 0;
	if (rd->quoted[0])
		return FAIL(rd,
		    "a line starts with a key, not a quoted string");
	if (veq(rd, 0, "rule"))
		return open_stanza(rd, 1);
	if (veq(rd, 0, "phrases"))
		return open_stanza(rd, 2);
	if (veq(rd, 0, "detail"))
		return open_stanza(rd, 3);
	if (veq(rd, 0, "define")) {
		int t;

		for (t = BK__KNOW_CAUSE; t <= BK__KNOW_BLOCKLIST; t++)
			if (rd->nval == 3 && veq(rd, 1, know_names[t])) {
				/* "define cause ID": shift to "cause ID" */
				rd->val[0] = rd->val[1];
				rd->vlen[0] = rd->vlen[1];
				rd->val[1] = rd->val[2];
				rd->vlen[1] = rd->vlen[2];
				rd->quoted[1] = rd->quoted[2];
				rd->nval = 2;
				return open_stanza(rd, 3 + t);
			}
		return FAIL(rd, "'define' takes cause, category, provider or "
		    "blocklist and a name");
	}
	if (veq(rd, 0, "version")) {
		if (st->type != 0 || rd->nval != 2 || !veq(rd, 1, "1"))
			return FAIL(rd, "'version 1' is the only version and "
			    "comes before the first stanza");
		return 0;
	}
	if (st->type == 0)
		return FAIL(rd, "key '%.*s' outside a rule or phrases stanza",
		    (int)rd->vlen[0], rd->val[0]);
	if (veq(rd, 0, "note"))
		return 0;
	if ((veq(rd, 0, "text") || veq(rd, 0, "regex")) && st->type == 4 &&
	    st->ktype != BK__KNOW_PROVIDER && st->ktype != BK__KNOW_BLOCKLIST)
		return FAIL(rd, "patterns belong to rules, details, phrases, "
		    "providers and blocklists");
	if (veq(rd, 0, "text"))
		return add_pattern(rd, 0, 0);
	if (veq(rd, 0, "regex"))
		return add_pattern(rd, 1, 0);
	if (veq(rd, 0, "except") || veq(rd, 0, "except-regex")) {
		if (st->type != 2)
			return FAIL(rd, "'except' belongs to a phrases stanza");
		return add_pattern(rd, rd->vlen[0] > 6, 1);
	}
	if (veq(rd, 0, "must"))
		return add_sample(rd, 1);
	if (veq(rd, 0, "mustnot"))
		return add_sample(rd, 0);
	if (st->type == 2)
		return FAIL(rd, "unknown key '%.*s' in a phrases stanza",
		    (int)rd->vlen[0], rd->val[0]);
	if (st->type == 4)
		return know_key(rd);
	return rule_key(rd);
}

/* bk__classify_load - read one rules file from memory into @cls */
int
bk__classify_load(bk_classifier *cls, const char *name, const char *text,
    size_t len, char **errmsg_out)
{
	struct reader *rd;
	size_t pos = 0;
	char *buf;
	int rc = 0;

	rd = calloc(1, sizeof(*rd));
	buf = malloc(BK__CLASSIFY_MAX_LINE + 1);
	if (rd == NULL || buf == NULL) {
		free(rd);
		free(buf);
		return BK_ENOMEM;
	}
	rd->cls = cls;
	rd->file = bk__arena_memdup(cls->arena, name, strlen(name));
	rd->errmsg_out = errmsg_out;
	if (rd->file == NULL)
		rc = BK_ENOMEM;

	/* invariant: pos is the start of the next unread line */
	while (rc == 0 && pos < len) {
		const char *p = text + pos, *nl;
		size_t n;

		nl = memchr(p, '\n', len - pos);
		n = nl ? (size_t)(nl - p) : len - pos;
		pos += n + (nl != NULL);
		rd->line++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > BK__CLASSIFY_MAX_LINE) {
			rc = FAIL(rd, "line longer than %d bytes",
			    BK__CLASSIFY_MAX_LINE);
			break;
		}
		if (memchr(p, '\0', n) != NULL) {
			rc = FAIL(rd, "NUL byte in rules file");
			break;
		}
		rc = tokenize(rd, p, n, buf);
		if (rc == 0)
			rc = line(rd);
	}
	if (rc == 0)
		rc = commit(rd);
	free(buf);
	free(rd);
	return rc;
}
