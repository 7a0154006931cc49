/*
 * store_policy.c - what a classified record does to an address.
 *
 * Two pure steps, kept apart from the database so they can be tested as
 * tables: bk_store_decide() reads one record (kind, reason, hard,
 * responsible) into an effect; bk__store_transition() applies an effect
 * to an address's state.  The policy file reader is here as well.
 *
 * Invariant: a sender-side reason never suppresses the recipient, even
 * when a classifier marked the record hard; the sender is the one to fix.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define DAY 86400

static const char *const effect_names[] = {
#define BK_STORE_EFFECT_NAME(e, name) name,
	BK_STORE_EFFECT_LIST(BK_STORE_EFFECT_NAME)
#undef BK_STORE_EFFECT_NAME
};

/* bk_store_effect_name - name of an effect */
const char *
bk_store_effect_name(bk_store_effect e)
{
	if ((unsigned)e >= BK_STORE_EFFECT_COUNT_)
		return NULL;
	return effect_names[e];
}

/* bk_store_is_sender_reason - causes that are the sender's to fix */
int
bk_store_is_sender_reason(bk_reason reason)
{
	switch (reason) {
	case BK_REASON_AUTHFAILURE:
	case BK_REASON_BADREPUTATION:
	case BK_REASON_BLOCKED:
	case BK_REASON_CONTENTERROR:
	case BK_REASON_FAILEDSTARTTLS:
	case BK_REASON_NORELAYING:
	case BK_REASON_NOTCOMPLIANTRFC:
	case BK_REASON_POLICYVIOLATION:
	case BK_REASON_REQUIREPTR:
	case BK_REASON_SECURITYERROR:
	case BK_REASON_SPAMDETECTED:
	case BK_REASON_SPEEDING:
	case BK_REASON_TOOMANYCONN:
	case BK_REASON_VIRUSDETECTED:
		return 1;
	default:
		return 0;
	}
}

/* bk_store_decide - the effect of one record, state aside */
bk_store_effect
bk_store_decide(const bk_record *rec)
{
	switch (rec->kind) {
	case BK_KIND_DELIVERED:
		return BK_STORE_DELIVERED;
	case BK_KIND_FEEDBACK:
		return BK_STORE_COMPLAINT;
	case BK_KIND_DELAY:
	case BK_KIND_AUTOREPLY:
		return BK_STORE_IGNORE;
	case BK_KIND_BOUNCE:
		break;
	case BK_KIND_UNKNOWN:
	default:
		return BK_STORE_REVIEW;
	}
	if (bk_store_is_sender_reason(rec->reason))
		return BK_STORE_SENDER;
	switch (rec->reason) {
	case BK_REASON_VACATION:
	case BK_REASON_DELIVERED:
		return BK_STORE_IGNORE;
	case BK_REASON_FEEDBACK:
		return BK_STORE_COMPLAINT;
	default:
		break;
	}
	/*
	 * Any other reason is the sender's when the classifier says so
	 * (responsible): "rejected" for the sender's address, a message
	 * too large, a recipient not tried after another's refusal
	 * (delivery.abandoned).  Nothing there is against the address.
	 */
	if (rec->responsible == BK_RESP_SENDER)
		return BK_STORE_SENDER;
	return rec->hard ? BK_STORE_HARD : BK_STORE_SOFT;
}

/* bk__store_policy_fill - defaults for the fields where 0 means default */
void
bk__store_policy_fill(bk_store_policy *p)
{
	if (p->soft_limit == 0)
		p->soft_limit = 3;
	if (p->soft_window_days == 0)
		p->soft_window_days = 7;
}

/* expiry - the end of a suppression that starts at @at, 0 for never */
static int64_t
expiry(unsigned days, int64_t at)
{
	return days == 0 ? 0 : at + (int64_t)days * DAY;
}

/* suppress - put @row into the suppressed state with @cause */
static void
suppress(bk__store_row *row, const char *cause, int64_t expires_at)
{
	row->e.suppressed = 1;
	snprintf(row->e.cause, sizeof(row->e.cause), "%s", cause);
	row->e.expires_at = expires_at;
}

/* set_reason - keep the reason on record */
static void
set_reason(bk__store_row *row, bk_reason reason)
{
	const char *name = bk_reason_name(reason);

	snprintf(row->e.reason, sizeof(row->e.reason), "%s",
	    name ? name : "undefined");
}

/* bounced - first and last bounce times */
static void
bounced(bk__store_row *row, int64_t at)
{
	if (row->e.first_bounce == 0 || at < row->e.first_bounce)
		row->e.first_bounce = at;
	if (at > row->e.last_bounce)
		row->e.last_bounce = at;
}

/* bk__store_transition - see store_int.h */
int
bk__store_transition(const bk_store_policy *p, bk__store_row *row,
    bk_store_effect eff, bk_reason reason, unsigned soft_in_window,
    int64_t at, const char **why_out)
{
	int was = row->e.suppressed;
	int weak = was && strcmp(row->e.cause, "soft") == 0;

	*why_out = NULL;
	switch (eff) {
	case BK_STORE_HARD:
		row->e.hard_count++;
		bounced(row, at);
		set_reason(row, reason);
		/* a hard bounce outranks a soft suppression */
		if (!was || weak) {
			suppress(row, "hard", expiry(p->hard_expire_days, at));
			*why_out = weak ? "hard bounce (was soft)" :
			    "hard bounce";
			return 1;
		}
		return 0;
	case BK_STORE_SOFT:
		row->e.soft_count = soft_in_window;
		bounced(row, at);
		set_reason(row, reason);
		if (!was && soft_in_window >= p->soft_limit) {
			suppress(row, "soft", expiry(p->soft_expire_days, at));
			*why_out = "soft bounce limit reached";
			return 1;
		}
		return 0;
	case BK_STORE_COMPLAINT:
		row->e.complaint_count++;
		set_reason(row, BK_REASON_FEEDBACK);
		if (!was || weak) {
			suppress(row, "complaint",
			    expiry(p->complaint_expire_days, at));
			*why_out = "complaint";
			return 1;
		}
		return 0;
	case BK_STORE_DELIVERED:
		if (at > row->reset_at)
			row->reset_at = at;
		row->e.soft_count = 0;
		if (weak) {
			row->e.suppressed = 0;
			row->e.cause[0] = '\0';
			row->e.expires_at = 0;
			*why_out = "delivered after soft bounces";
			return 1;
		}
		return 0;
	default:
		return 0;
	}
}

/* parse_uint - a decimal number 0..36500 (a century of days) */
static int
parse_uint(unsigned *out, const char *s)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 36500)
			return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* trim - strip blanks at both ends, in place */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* errf - an allocated "path:line: text" message */
static void
errf(char **errmsg_out, const char *path, unsigned long line,
    const char *what, const char *key)
{
	char buf[512];

	if (errmsg_out == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s:%lu: %s%s%s", path, line, what,
	    key ? " " : "", key ? key : "");
	*errmsg_out = strdup(buf);
}

/* bk_store_policy_parse - see store.h */
int
bk_store_policy_parse(bk_store_policy *policy, const char *path,
    char **errmsg_out)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "complaint_expire_days",
		  offsetof(bk_store_policy, complaint_expire_days) },
		{ "hard_expire_days",
		  offsetof(bk_store_policy, hard_expire_days) },
		{ "soft_expire_days",
		  offsetof(bk_store_policy, soft_expire_days) },
		{ "soft_limit", offsetof(bk_store_policy, soft_limit) },
		{ "soft_window_days",
		  offsetof(bk_store_policy, soft_window_days) },
	};
	bk_store_policy tmp = *policy;
	FILE *fp;
	char line[1024];
	unsigned long lineno = 0;
	int rc = 0;

	if (errmsg_out != NULL)
		*errmsg_out = NULL;
	fp = fopen(path, "r");
	if (fp == NULL) {
		errf(errmsg_out, path, 0, strerror(errno), NULL);
		return BK_EIO;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL) {
		char *s, *eq, *key, *val, *hash;
		size_t i;
		unsigned v;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			errf(errmsg_out, path, lineno, "line too long", NULL);
			rc = BK_ESYNTAX;
			break;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		s = trim(line);
		if (*s == '\0')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL) {
			errf(errmsg_out, path, lineno,
			    "expected \"key = value\"", NULL);
			rc = BK_ESYNTAX;
			break;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(key, keys[i].key) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			errf(errmsg_out, path, lineno, "unknown key", key);
			rc = BK_ESYNTAX;
		} else if (parse_uint(&v, val) != 0) {
			errf(errmsg_out, path, lineno,
			    "not a whole number from 0 to 36500:", val);
			rc = BK_ESYNTAX;
		} else {
			memcpy((char *)&tmp + keys[i].off, &v, sizeof(v));
		}
	}
	if (rc == 0 && ferror(fp)) {
		errf(errmsg_out, path, lineno, "read error", NULL);
		rc = BK_EIO;
	}
	fclose(fp);
	if (rc == 0) {
		bk__store_policy_fill(&tmp);
		*policy = tmp;
	}
	return rc;
}
