/*
 * classify_verdict.c - the public classifier: facts in, verdict out.
 *
 * Decision procedure (bouncekit-rules(5) and docs/internals/classify.md):
 *   1. Normalise the facts: a missing status or reply code is looked for in
 *      the diagnostic text (RFC 3463 / RFC 5321 codes).
 *   2. Scan the diagnostic once; walk the rules by priority; the first rule
 *      whose conditions all hold is the candidate.
 *   3. A decoder's reason hint wins over any rule below the "kind" band,
 *      except for the weak hints (userunknown, hostunknown, expired,
 *      systemerror, securityerror, networkerror), which only win over rules
 *      below the "text" band, as Sisimai re-checks those reasons.
 *   4. Without a rule or hint: onhold when there is diagnostic text,
 *      undefined otherwise.  A record whose diagnostic the decoder found
 *      to be about another recipient (other_reply) is onhold whatever
 *      the text says (rule "other-recipient").
 *   5. Derive what the record lacks: a status from the reason (Sisimai's
 *      pseudo codes 5.0.9xx / 4.0.9xx), permanent from the status or reply
 *      class, hard (the address itself is bad: userunknown, hostunknown,
 *      hasmoved, and notaccept when permanent).
 *
 * Scan state lives in the classifier, so one classifier serves one thread.
 * No allocation happens per record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify_int.h"

/* A string literal as a slice: its length is known when compiling. */
#define LIT_STR(s) bk__str((s), sizeof(s) - 1)

/*
 * Sisimai's pseudo status detail per reason, used when a record has no
 * status at all: "5.0.<detail>" (permanent) or "4.0.<detail>" (temporary),
 * indexed by reason.  NULL: no pseudo status (success, feedback,
 * auto-reply; and userunknown, hostunknown and hasmoved have no temporary
 * form).
 */
static const struct {
	const char *perm, *temp;
} pseudo[BK_REASON_COUNT_] = {
	[BK_REASON_AUTHFAILURE] = { "5.0.926", "4.0.926" },
	[BK_REASON_BADREPUTATION] = { "5.0.975", "4.0.975" },
	[BK_REASON_BLOCKED] = { "5.0.971", "4.0.971" },
	[BK_REASON_CONTENTERROR] = { "5.0.960", "4.0.960" },
	[BK_REASON_EXCEEDLIMIT] = { "5.0.923", "4.0.923" },
	[BK_REASON_EXPIRED] = { "5.0.947", "4.0.947" },
	[BK_REASON_FAILEDSTARTTLS] = { "5.0.976", "4.0.976" },
	[BK_REASON_FILTERED] = { "5.0.910", "4.0.924" },
	[BK_REASON_HASMOVED] = { "5.0.916", NULL },
	[BK_REASON_HOSTUNKNOWN] = { "5.0.912", NULL },
	[BK_REASON_MAILBOXFULL] = { "5.0.922", "4.0.922" },
	[BK_REASON_MAILERERROR] = { "5.0.939", "4.0.939" },
	[BK_REASON_MESGTOOBIG] = { "5.0.934", "4.0.934" },
	[BK_REASON_NETWORKERROR] = { "5.0.944", "4.0.944" },
	[BK_REASON_NORELAYING] = { "5.0.909", "4.0.909" },
	[BK_REASON_NOTACCEPT] = { "5.0.932", "4.0.932" },
	[BK_REASON_NOTCOMPLIANTRFC] = { "5.0.974", "4.0.974" },
	[BK_REASON_ONHOLD] = { "5.0.901", "4.0.901" },
	[BK_REASON_POLICYVIOLATION] = { "5.0.972", "4.0.972" },
	[BK_REASON_REJECTED] = { "5.0.918", "4.0.918" },
	[BK_REASON_REQUIREPTR] = { "5.0.973", "4.0.973" },
	[BK_REASON_SECURITYERROR] = { "5.0.970", "4.0.970" },
	[BK_REASON_SPAMDETECTED] = { "5.0.980", "4.0.980" },
	[BK_REASON_SPEEDING] = { "5.0.946", "4.0.946" },
	[BK_REASON_SUPPRESSED] = { "5.0.903", "4.0.903" },
	[BK_REASON_SUSPEND] = { "5.0.921", "4.0.921" },
	[BK_REASON_SYSTEMERROR] = { "5.0.930", "4.0.930" },
	[BK_REASON_SYSTEMFULL] = { "5.0.931", "4.0.931" },
	[BK_REASON_SYNTAXERROR] = { "5.0.902", "4.0.902" },
	[BK_REASON_TOOMANYCONN] = { "5.0.945", "4.0.945" },
	[BK_REASON_USERUNKNOWN] = { "5.0.911", NULL },
	[BK_REASON_UNDEFINED] = { "5.0.900", "4.0.900" },
	[BK_REASON_VIRUSDETECTED] = { "5.0.981", "4.0.981" },
};

/* bk_classifier_new - compile the built-in and/or user rules */
int
bk_classifier_new(bk_classifier **out, const bk_classify_options *opts,
    char **errmsg_out)
{
	bk_classifier *cls;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (errmsg_out != NULL)
		*errmsg_out = NULL;
	if (opts != NULL && opts->version != BK_CLASSIFY_OPTIONS_VERSION)
		return BK_EINVAL;
	cls = calloc(1, sizeof(*cls));
	if (cls == NULL)
		return BK_ENOMEM;
	/* the kept host answers: none (no string has this length); set
	 * again once the rules are complete (bk__classify_finish) */
	cls->fm.memo_hlen = cls->fm.memo_dlen = BK__CLASSIFY_HOST_MEMO + 1;
	cls->fm.pmemo[0].len = cls->fm.pmemo[1].len =
	    BK__CLASSIFY_HOST_MEMO + 1;
	rc = bk__arena_new(&cls->arena, 64 * 1024);
	if (rc != 0) {
		free(cls);
		return rc;
	}
	if (opts == NULL || !opts->no_builtin) {
		for (i = 0; rc == 0 && bk__rules_embedded[i].name != NULL; i++)
			rc = bk__classify_load(cls, bk__rules_embedded[i].name,
			    bk__rules_embedded[i].text,
			    bk__rules_embedded[i].len, errmsg_out);
		cls->builtin = 1;
		cls->nbuiltin = cls->npatterns;
	}
	if (rc == 0 && opts != NULL && opts->rules_path != NULL) {
		FILE *fp = fopen(opts->rules_path, "rb");
		char *buf = NULL;
		size_t len = 0, cap = 0, n;

		if (fp == NULL) {
			rc = BK_EIO;
			(void)bk__classify_errmsg(errmsg_out, opts->rules_path,
			    0, "cannot open rules file");
		}
		/* invariant: len <= cap <= BK_LIMIT_RULES_FILE_BYTES */
		while (rc == 0) {
			if (len == cap) {
				char *nb;

				if (cap >= BK_LIMIT_RULES_FILE_BYTES) {
					char more;

					/* exactly the limit is allowed: only
					 * a byte past it is refused */
					if (fread(&more, 1, 1, fp) == 0 &&
					    !ferror(fp))
						break;
					rc = bk__classify_errmsg(errmsg_out,
					    opts->rules_path, 0,
					    "rules file larger than 16 MB");
					break;
				}
				cap = cap ? cap * 2 : 64 * 1024;
				nb = realloc(buf, cap);
				if (nb == NULL) {
					rc = BK_ENOMEM;
					break;
				}
				buf = nb;
			}
			n = fread(buf + len, 1, cap - len, fp);
			len += n;
			if (n == 0) {
				if (ferror(fp)) {
					rc = BK_EIO;
					(void)bk__classify_errmsg(errmsg_out,
					    opts->rules_path, 0, "read error");
				}
				break;
			}
		}
		if (fp != NULL)
			fclose(fp);
		if (rc == 0)
			rc = bk__classify_load(cls, opts->rules_path, buf, len,
			    errmsg_out);
		free(buf);
	}
	if (rc == 0)
		rc = bk__classify_finish(cls, errmsg_out);
	if (rc != 0) {
		bk_classifier_free(cls);
		return rc;
	}
	*out = cls;
	return 0;
}

/* bk_classifier_free - release everything the classifier holds */
void
bk_classifier_free(bk_classifier *cls)
{
	size_t i;

	if (cls == NULL)
		return;
	hs_free_scratch(cls->scratch);
	hs_free_database(cls->db);
	hs_free_database(cls->db_user);
	hs_free_database(cls->db_all);
	hs_free_database(cls->db_user_all);
	for (i = 0; i < cls->ngated; i++)
		hs_free_database(cls->gated[i].db);
	bk__classify_lm_free(&cls->lm[0]);
	bk__classify_lm_free(&cls->lm[1]);
	free(cls->gated);
	free(cls->gate_mask);
	free(cls->touched);
	free(cls->gate_head);
	free(cls->gtargets);
	bk__classify_index_free(cls);
	free(cls->pkeys);
	free(cls->know_of_group);
	free(cls->kfind);
	free(cls->rules);
	free(cls->know);
	free(cls->groups);
	free(cls->patterns);
	free(cls->hit);
	free(cls->hit_gated);
	free(cls->hit_from);
	free(cls->hit_to);
	free(cls->amb);
	bk__arena_free(cls->arena);
	free(cls);
}

/* bk_classifier_rule_count - rules loaded */
size_t
bk_classifier_rule_count(const bk_classifier *cls)
{
	return cls ? cls->nrules : 0;
}

/*
 * bk__classify_facts_init - normalised facts of a record.  @known says
 * what the caller already searched the diagnostic for in vain
 * (BK__CLASSIFY_NO_TEXT_STATUS, BK__CLASSIFY_NO_TEXT_REPLY), so that no
 * text is searched twice for the same code.
 */
void
bk__classify_facts_init(struct bk__classify_facts *f, const bk_record *rec,
    unsigned known)
{
	size_t at, n;
	const char *p;

	/* every field set below; these only sometimes (an inlined clear
	 * of the whole struct cost more than the rest of this function) */
	f->status_from_text = 0;
	f->rcpt_domain = BK_STR_NULL;
	f->provider = 0;
	f->blocklist = 0;
	f->kind = (unsigned)rec->kind < BK_KIND_COUNT_ ? rec->kind :
	    BK_KIND_UNKNOWN;
	f->text = rec->diagnostic;
	if (f->text.ptr == NULL)
		f->text.len = 0;
	if (f->text.len > BK_LIMIT_LINE_BYTES)
		f->text.len = BK_LIMIT_LINE_BYTES;
	f->status = rec->status;
	if (f->status.ptr == NULL || f->status.len == 0) {
		f->status = BK_STR_NULL;
		n = known & BK__CLASSIFY_NO_TEXT_STATUS ? 0 :
		    bk__classify_find_status(f->text.ptr, f->text.len, &at);
		if (n > 0) {
			f->status = bk__str(f->text.ptr + at, n);
			f->status_from_text = 1;
		}
	}
	f->reply = rec->reply_code;
	if (f->reply <= 0 || f->reply > 599) {
		f->reply = known & BK__CLASSIFY_NO_TEXT_REPLY ? 0 :
		    bk__classify_find_reply(f->text.ptr, f->text.len,
		    f->status.ptr ? f->status.ptr[0] : 0);
	}
	f->command = rec->command;
	f->host = rec->remote_mta;
	while (f->host.len > 0 && (f->host.ptr[f->host.len - 1] == '.' ||
	    f->host.ptr[f->host.len - 1] == ']'))
		f->host.len--;
	if (f->host.len > 0 && f->host.ptr[0] == '[') {
		f->host.ptr++;
		f->host.len--;
	}
	p = rec->recipient.ptr ? memchr(rec->recipient.ptr, '@',
	    rec->recipient.len) : NULL;
	if (p != NULL) {
		/* the last '@' of the address */
		const char *q = p, *e = rec->recipient.ptr + rec->recipient.len;

		while ((q = memchr(q + 1, '@', (size_t)(e - q - 1))) != NULL)
			p = q;
		f->rcpt_domain = bk__str(p + 1, (size_t)(e - p - 1));
		while (f->rcpt_domain.len > 0 &&
		    (f->rcpt_domain.ptr[f->rcpt_domain.len - 1] == '>' ||
		    f->rcpt_domain.ptr[f->rcpt_domain.len - 1] == '.'))
			f->rcpt_domain.len--;
	}
	f->diagtype = rec->diagnostic_type;
	f->action = rec->action;
	f->decoder = rec->decoder;
	f->decoder_len = f->decoder != NULL ? strlen(f->decoder) : 0;
}

/* is_weak_hint - hints Sisimai re-checks against the text (see above) */
static int
is_weak_hint(bk_reason r)
{
	switch (r) {
	case BK_REASON_USERUNKNOWN:
	case BK_REASON_HOSTUNKNOWN:
	case BK_REASON_EXPIRED:
	case BK_REASON_SYSTEMERROR:
	case BK_REASON_SECURITYERROR:
	case BK_REASON_NETWORKERROR:
		return 1;
	default:
		return 0;
	}
}

/* lc_at - do the @n bytes at @p equal lower-case @lit, ASCII case aside */
static int
lc_at(const char *p, const char *lit, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (bk__lower((unsigned char)p[i]) != (unsigned char)lit[i])
			return 0;
	return 1;
}

/*
 * says_temporary - does the text say " temporar..." or " persistent":
 * one pass from space to space (memchr), both words tried at each.
 */
static int
says_temporary(bk_str text)
{
	const char *p = text.ptr, *end, *sp;

	if (p == NULL)
		return 0;
	end = p + text.len;
	/* invariant: no phrase starts before p; p grows every turn */
	while ((sp = memchr(p, ' ', (size_t)(end - p))) != NULL) {
		size_t left = (size_t)(end - sp) - 1;

		if ((left >= 8 && lc_at(sp + 1, "temporar", 8)) ||
		    (left >= 10 && lc_at(sp + 1, "persistent", 10)))
			return 1;
		p = sp + 1;
	}
	return 0;
}

/* is_temporary - does the text speak of a temporary failure */
static int
is_temporary(int reply, bk_str text)
{
	size_t at;
	int c = 0;

	if (bk__classify_find_status(text.ptr, text.len, &at) > 0)
		c = text.ptr[at];
	else if (reply > 0)
		c = '0' + reply / 100;
	else {
		int r = bk__classify_find_reply(text.ptr, text.len, 0);

		if (r > 0)
			c = '0' + r / 100;
	}
	if (c == '4')
		return 1;
	return says_temporary(text);
}

/*
 * gave_up_retrying - Exim's "retry timeout exceeded": the failures were
 * temporary until Exim stopped trying, so a stand-in status is of class 4
 * (as Sisimai reports it), although the action is "failed".
 */
static int
gave_up_retrying(const bk_record *rec)
{
	if (rec->decoder == NULL || strcmp(rec->decoder, "exim") != 0)
		return 0;
	if (rec->action.ptr == NULL ||
	    !bk__ieq(rec->action.ptr, rec->action.len, "failed"))
		return 0;
	return rec->reason_hint == BK_REASON_EXPIRED ||
	    (rec->diagnostic.ptr != NULL && bk__istr(rec->diagnostic.ptr,
	    rec->diagnostic.len, "retry timeout exceeded") != NULL);
}

/*
 * stand_in_reason - the reason a stand-in (x.0.9NN) status is derived
 * from.  Exim's notices name the stage of a failure ("SMTP error from
 * remote mail server after MAIL FROM:"); a failure after MAIL FROM is
 * read as "on hold" (the sender was refused, why is for the text to say)
 * before the reason is decided, and the stand-in status comes from that
 * stage: x.0.901 whatever reason the text gives later (as Sisimai reports
 * it: lhost-exim-36, -38, -40, -41, -54).  Elsewhere it is the reason.
 */
static bk_reason
stand_in_reason(const bk_record *rec, const struct bk__classify_facts *f)
{
	if (rec->decoder != NULL && strcmp(rec->decoder, "exim") == 0 &&
	    f->command.ptr != NULL &&
	    bk__ieq(f->command.ptr, f->command.len, "MAIL"))
		return BK_REASON_ONHOLD;
	return rec->reason;
}

/* is_generic_status - "5.0.0" or "4.0.0": a class and nothing else */
static int
is_generic_status(bk_str st)
{
	return st.ptr != NULL && st.len == 5 &&
	    (st.ptr[0] == '4' || st.ptr[0] == '5') &&
	    memcmp(st.ptr + 1, ".0.0", 4) == 0;
}

/* pseudo_status - Sisimai's stand-in status for a reason */
static const char *
pseudo_status(bk_reason reason, int temporary)
{
	if ((unsigned)reason >= BK_REASON_COUNT_)
		return NULL;
	return temporary ? pseudo[reason].temp : pseudo[reason].perm;
}

/* is_hard - the address itself is bad (Sisimai's hardbounce) */
static int
is_hard(bk_reason reason, const bk_record *rec)
{
	size_t at;
	int c = 0;

	switch (reason) {
	case BK_REASON_USERUNKNOWN:
	case BK_REASON_HOSTUNKNOWN:
	case BK_REASON_HASMOVED:
		return 1;
	case BK_REASON_NOTACCEPT:
		break;
	default:
		return 0;
	}
	/* null MX and the like: hard unless the failure is temporary */
	if (rec->status.ptr != NULL && rec->status.len > 0)
		c = rec->status.ptr[0];
	else if (bk__classify_find_status(rec->diagnostic.ptr,
	    rec->diagnostic.len, &at) > 0)
		c = rec->diagnostic.ptr[at];
	else if (rec->reply_code > 0)
		c = '0' + rec->reply_code / 100;
	if (c == '5')
		return 1;
	if (c == '4')
		return 0;
	return !is_temporary(rec->reply_code, rec->diagnostic);
}

/*
 * undecodable - the verdict of a record of kind unknown: the message could
 * not be decoded, so nothing is known about the failure.  No status is
 * invented, permanence is unknown, the reason undefined, and the rule says
 * why.  A status or reply code the decoder did find is kept as it is.
 */
static int
undecodable(bk_record *rec)
{
	rec->reason = BK_REASON_UNDEFINED;
	rec->rule = LIT_STR("undecodable");
	rec->evidence = BK_STR_NULL;
	rec->category = rec->cause = rec->provider = BK_STR_NULL;
	rec->provider_code = rec->blocklist = BK_STR_NULL;
	rec->responsible = BK_RESP_UNKNOWN;
	rec->retry = BK_RETRY_UNKNOWN;
	rec->retry_after = 0;
	rec->confidence = 0;
	rec->permanent = -1;
	rec->hard = 0;
	return 0;
}

/* group_evidence - the first match of phrase list @g, or absent */
static bk_str
group_evidence(bk_classifier *cls, uint32_t g,
    const struct bk__classify_facts *f)
{
	size_t from, to;

	if (!bk__classify_group_hit(cls, g))
		return BK_STR_NULL;
	from = bk__classify_hit_from(cls, g, f->text.ptr, f->text.len);
	to = cls->hit_to[g];
	if (to > f->text.len || from > to)
		return BK_STR_NULL;
	return bk__str(f->text.ptr + from, to - from);
}

/* rule_evidence - what the first matched list of @r matched */
static bk_str
rule_evidence(bk_classifier *cls, const struct bk__classify_rule *r,
    const struct bk__classify_facts *f)
{
	size_t i;

	for (i = 0; i < r->nmatch; i++)
		if (bk__classify_group_hit(cls, r->match[i]))
			return group_evidence(cls, r->match[i], f);
	return BK_STR_NULL;
}

/* know_at - knowledge entry @i, or NULL */
static const struct bk__classify_know *
know_at(const bk_classifier *cls, int i)
{
	return i >= 0 && (size_t)i < cls->nknow ? &cls->know[i] : NULL;
}

/* is_sender_block - a reason a named blocklist explains */
static int
is_sender_block(bk_reason r)
{
	switch (r) {
	case BK_REASON_BLOCKED:
	case BK_REASON_BADREPUTATION:
	case BK_REASON_REJECTED:
	case BK_REASON_POLICYVIOLATION:
	case BK_REASON_SPAMDETECTED:
	case BK_REASON_SECURITYERROR:
	case BK_REASON_ONHOLD:
	case BK_REASON_UNDEFINED:
		return 1;
	default:
		return 0;
	}
}

/*
 * explain_verdict - the second layer: cause, category, provider, provider
 * code, blocklist, whose move and retry, after the reason is decided.
 * Precedence, highest first:
 *   1. a detail rule (provider codes and wording) at or above the priority
 *      of the rule that decided the reason, or when that rule named no
 *      cause: a provider's own code says more than the generic code;
 *   2. the deciding rule's own verdict keys;
 *   3. a blocklist named in the text, when the failure is of a kind a
 *      listing explains (blocked, reputation, policy, or no reason);
 *   4. the provider recognised from the remote host, the text's markers or
 *      the recipient's domain;
 *   5. the default cause of the reason; the cause's category, whose move
 *      and retry advice fill what is still unknown.
 */
static void
explain_verdict(bk_classifier *cls, bk_record *rec,
    const struct bk__classify_rule *r, const struct bk__classify_facts *f)
{
	/* the entry of rec->cause, worked out at load (cause_know) */
	int ck = r != NULL && rec->cause.ptr != NULL ? r->cause_know : -1;
	const struct bk__classify_rule *d = cls->detail;
	const struct bk__classify_know *k, *c;

	if (d != NULL && (r == NULL || d->priority >= r->priority ||
	    rec->cause.ptr == NULL)) {
		bk_str ev = rule_evidence(cls, d, f);

		if (d->cause != NULL) {
			rec->cause = d->str.cause;
			ck = d->cause_know;
		}
		if (d->category != NULL)
			rec->category = d->str.category;
		else if (d->cause != NULL)
			rec->category = BK_STR_NULL;
		if (d->provider != NULL)
			rec->provider = d->str.provider;
		if (d->provider_code != NULL)
			rec->provider_code = d->str.provider_code;
		if (d->blocklist != NULL)
			rec->blocklist = d->str.blocklist;
		if (d->responsible != BK_RESP_UNKNOWN || d->cause != NULL)
			rec->responsible = d->responsible;
		if (d->retry != BK_RETRY_UNKNOWN || d->cause != NULL)
			rec->retry = d->retry;
		if (ev.ptr != NULL && d->cause != NULL)
			rec->evidence = ev;
		if (d->confidence > rec->confidence)
			rec->confidence = d->confidence;
	}
	k = know_at(cls, f->blocklist);
	if (k != NULL && rec->blocklist.ptr == NULL)
		rec->blocklist = k->str.id;
	if (k != NULL && is_sender_block(rec->reason)) {
		c = know_at(cls, ck);
		if (c == NULL || strcmp(c->category, "blocklist") == 0 ||
		    strcmp(c->category, "reputation") == 0) {
			rec->cause = k->str.cause;
			ck = k->cause_know;
			rec->category = BK_STR_NULL;
			rec->responsible = BK_RESP_UNKNOWN;
			rec->retry = BK_RETRY_UNKNOWN;
			if (k->group >= 0 && (rec->evidence.ptr == NULL ||
			    rec->rule.ptr == NULL))
				rec->evidence = group_evidence(cls,
				    (uint32_t)k->group, f);
		}
	}
	k = know_at(cls, f->provider);
	if (k != NULL && rec->provider.ptr == NULL)
		rec->provider = k->str.id;
	if (rec->cause.ptr == NULL) {
		k = know_at(cls, cls->reason_cause[rec->reason]);
		if (k != NULL) {
			rec->cause = k->str.id;
			ck = k->cause_know;
		}
	}
	c = know_at(cls, ck);
	if (c == NULL)
		return;
	if (rec->category.ptr == NULL)
		rec->category = c->str.category;
	if (rec->responsible == BK_RESP_UNKNOWN)
		rec->responsible = c->responsible;
	if (rec->retry == BK_RETRY_UNKNOWN)
		rec->retry = c->retry;
	if (rec->retry == BK_RETRY_LATER && rec->retry_after == 0)
		rec->retry_after = c->retry_after;
}

/*
 * abandoned - the cause of a record whose reply was about another
 * recipient (other_reply): delivery.abandoned with its category, whose
 * move and retry, in place of what the quoted reply would have given
 */
static void
abandoned(bk_classifier *cls, bk_record *rec)
{
	static const char id[] = "delivery.abandoned";
	const struct bk__classify_know *c = know_at(cls,
	    bk__classify_know_lookup(cls, BK__KNOW_CAUSE, id, sizeof(id) - 1));

	if (c == NULL)
		return;
	rec->cause = c->str.id;
	rec->category = c->str.category;
	rec->responsible = c->responsible;
	rec->retry = c->retry;
	rec->retry_after = c->retry == BK_RETRY_LATER ? c->retry_after : 0;
	rec->blocklist = BK_STR_NULL;
	rec->provider_code = BK_STR_NULL;
	rec->evidence = BK_STR_NULL;
}

/*
 * classify - bk_classify() with what the caller knows the diagnostic lacks
 * (see bk__classify_facts_init).
 */
static int
classify(bk_classifier *cls, bk_record *rec, unsigned known)
{
	struct bk__classify_facts f;
	const struct bk__classify_rule *r;
	bk_reason hint;
	int use_hint = 0;
	size_t i;

	if (cls == NULL || rec == NULL)
		return BK_EINVAL;
	bk__classify_facts_init(&f, rec, known);
	if (f.kind == BK_KIND_UNKNOWN)
		return undecodable(rec);
	r = bk__classify_decide(cls, &f);

	hint = rec->reason_hint;
	if ((unsigned)hint >= BK_REASON_COUNT_)
		hint = BK_REASON_UNDEFINED;
	if (hint != BK_REASON_UNDEFINED &&
	    (r == NULL || r->priority < BK__CLASSIFY_PRIO_KIND)) {
		if (hint == BK_REASON_ONHOLD)
			use_hint = r == NULL;
		else if (!is_weak_hint(hint))
			use_hint = 1;
		else
			use_hint = r == NULL ||
			    r->priority <= cls->hint_priority[hint];
	}

	rec->rule = BK_STR_NULL;
	rec->evidence = BK_STR_NULL;
	rec->category = rec->cause = rec->provider = BK_STR_NULL;
	rec->provider_code = rec->blocklist = BK_STR_NULL;
	rec->responsible = BK_RESP_UNKNOWN;
	rec->retry = BK_RETRY_UNKNOWN;
	rec->retry_after = 0;
	rec->confidence = 0;
	if (rec->other_reply) {
		/* the reply was about another recipient (decode.c) */
		rec->reason = BK_REASON_ONHOLD;
		rec->rule = LIT_STR("other-recipient");
		rec->confidence = 80;
	} else if (use_hint) {
		rec->reason = hint;
		rec->rule = LIT_STR("decoder");
		rec->confidence = 80;
	} else if (r != NULL) {
		rec->reason = r->reason;
		rec->rule = r->str.id;
		for (i = 0; i < r->nmatch; i++) {
			uint32_t g = r->match[i];

			if (bk__classify_group_hit(cls, g)) {
				size_t from = bk__classify_hit_from(cls, g,
				    f.text.ptr, f.text.len);
				size_t to = cls->hit_to[g];

				if (to <= f.text.len && from <= to)
					rec->evidence = bk__str(
					    f.text.ptr + from, to - from);
				break;
			}
		}
		rec->category = r->str.category;
		rec->cause = r->str.cause;
		rec->provider = r->str.provider;
		rec->provider_code = r->str.provider_code;
		rec->blocklist = r->str.blocklist;
		rec->responsible = r->responsible;
		rec->retry = r->retry;
		rec->confidence = r->confidence >= 0 ? r->confidence :
		    r->nmatch ? 90 : 60;
	} else {
		rec->reason = f.text.len > 0 ? BK_REASON_ONHOLD :
		    BK_REASON_UNDEFINED;
		rec->rule = f.text.len > 0 ? LIT_STR("default.onhold") :
		    LIT_STR("default.undefined");
		rec->confidence = 10;
	}

	/* facts the record lacked */
	if (rec->status.ptr == NULL || rec->status.len == 0) {
		rec->status = f.status;
		if (rec->status.ptr == NULL) {
			/*
			 * is_temporary() on facts already known: the text has
			 * no status (f.status would hold it), and f.reply is
			 * its first reply code when the record had none.
			 */
			int rc = rec->reply_code > 0 ? rec->reply_code :
			    f.reply;
			int temp = (rc > 0 && rc / 100 == 4) ||
			    rec->kind == BK_KIND_DELAY ||
			    says_temporary(rec->diagnostic) ||
			    gave_up_retrying(rec);
			/* an automatic answer is no SMTP failure: it gets
			 * no stand-in (a challenge is onhold, not 5.0.901) */
			const char *ps = rec->kind == BK_KIND_AUTOREPLY ?
			    NULL : pseudo_status(stand_in_reason(rec, &f),
			    temp);

			rec->status = ps ? bk__cstr(ps) : BK_STR_NULL;
		}
	} else if (is_generic_status(rec->status) && !use_hint &&
	    r != NULL && rec->reason != BK_REASON_ONHOLD &&
	    rec->decoder != NULL && strcmp(rec->decoder, "opensmtpd") == 0) {
		/*
		 * OpenSMTPD writes "5.0.0" / "4.0.0" in its reports whatever
		 * the failure: a placeholder, so a reason the rules found
		 * gives the reason's pseudo code, as Sisimai reports it.
		 * Elsewhere x.0.0 is kept (Sisimai keeps it: courier, gsuite,
		 * postfix, ... rows of the corpus).
		 */
		const char *ps = pseudo_status(rec->reason,
		    rec->status.ptr[0] == '4');

		if (ps != NULL)
			rec->status = bk__cstr(ps);
	}
	if (rec->reason == BK_REASON_FEEDBACK ||
	    rec->reason == BK_REASON_VACATION)
		rec->reply_code = 0;
	else if (rec->reply_code <= 0 && f.reply > 0 &&
	    (rec->status.ptr == NULL ||
	    rec->status.ptr[0] == '0' + f.reply / 100))
		rec->reply_code = f.reply;

	rec->permanent = -1;
	if (rec->status.ptr != NULL && rec->status.len > 0 &&
	    (rec->status.ptr[0] == '5' || rec->status.ptr[0] == '4'))
		rec->permanent = rec->status.ptr[0] == '5';
	else if (rec->reply_code >= 400 && rec->reply_code < 600)
		rec->permanent = rec->reply_code >= 500;
	if (rec->reason == BK_REASON_DELIVERED ||
	    rec->reason == BK_REASON_FEEDBACK ||
	    rec->reason == BK_REASON_VACATION ||
	    rec->kind == BK_KIND_AUTOREPLY)
		rec->permanent = -1;
	rec->hard = is_hard(rec->reason, rec);
	explain_verdict(cls, rec, use_hint || rec->other_reply ? NULL : r, &f);
	if (rec->other_reply)
		abandoned(cls, rec);
	return 0;
}

/* bk_classify - decide reason, permanent and hard for a decoded record */
int
bk_classify(bk_classifier *cls, bk_record *rec)
{
	return classify(cls, rec, 0);
}

/* bk_classify_reply - parse a reply/log line and classify it */
int
bk_classify_reply(bk_classifier *cls, bk_record *out, const char *line,
    size_t len)
{
	int rc;

	if (cls == NULL || out == NULL)
		return BK_EINVAL;
	rc = bk__classify_parse_reply(out, line, len);
	if (rc != 0)
		return rc;
	/* the parser searched the whole diagnostic for both codes */
	return classify(cls, out, (out->status.ptr == NULL ?
	    BK__CLASSIFY_NO_TEXT_STATUS : 0) | (out->reply_code == 0 ?
	    BK__CLASSIFY_NO_TEXT_REPLY : 0));
}

/* sample_record - the record a sample line with its facts stands for */
static void
sample_record(bk_record *rec, const struct bk__classify_sample *s)
{
	(void)bk__classify_parse_reply(rec, s->text, s->len);
	if (s->command)
		rec->command = bk__cstr(s->command);
	if (s->host)
		rec->remote_mta = bk__cstr(s->host);
	if (s->status)
		rec->status = bk__cstr(s->status);
	if (s->diagtype)
		rec->diagnostic_type = bk__cstr(s->diagtype);
	if (s->action)
		rec->action = bk__cstr(s->action);
	if (s->decoder)
		rec->decoder = s->decoder;
	if (s->reply >= 0)
		rec->reply_code = s->reply;
	if (s->kind >= 0)
		rec->kind = (bk_kind)s->kind;
}

/* report - format one sample failure */
static void
report(void (*fn)(void *, const char *), void *ctx, const char *file,
    unsigned line, const char *fmt, const char *a, const char *b,
    const char *c)
{
	char msg[1024], head[512];

	if (fn == NULL)
		return;
	snprintf(head, sizeof(head), fmt, a, b, c);
	snprintf(msg, sizeof(msg), "%s:%u: %s", file, line, head);
	fn(ctx, msg);
}

/*
 * check_know_samples - a provider's or blocklist's samples must (not) be
 * recognised as it; a cause's samples must (not) be explained as it.
 */
static size_t
check_know_samples(bk_classifier *cls, void (*fn)(void *ctx, const char *),
    void *ctx)
{
	struct bk__classify_facts f;
	bk_record rec;
	size_t i, j, fails = 0;

	for (i = 0; i < cls->nknow; i++) {
		const struct bk__classify_know *k = &cls->know[i];

		if (k->id == NULL)
			continue;
		for (j = 0; j < k->nmust + k->nmustnot; j++) {
			int must = j < k->nmust, got;
			const struct bk__classify_sample *s = must ?
			    &k->must[j] : &k->mustnot[j - k->nmust];

			sample_record(&rec, s);
			if (k->type == BK__KNOW_CAUSE) {
				(void)bk_classify(cls, &rec);
				got = rec.cause.ptr != NULL &&
				    bk__ieq(rec.cause.ptr, rec.cause.len,
				    k->id);
			} else {
				bk__classify_facts_init(&f, &rec, 0);
				bk__classify_scan(cls, f.text.ptr, f.text.len);
				bk__classify_recognise(cls, &f);
				got = (k->type == BK__KNOW_PROVIDER ?
				    f.provider : f.blocklist) == (int)i;
			}
			if (got != must) {
				fails++;
				report(fn, ctx, k->file, s->line,
				    "%s %s: %s", k->type ==
				    BK__KNOW_CAUSE ? "cause" : k->type ==
				    BK__KNOW_PROVIDER ? "provider" :
				    "blocklist", k->id, must ?
				    "is not recognised in its sample" :
				    "is recognised in its mustnot sample");
			}
		}
	}
	return fails;
}

/* bk__classify_check_samples - every must / mustnot sample of the set */
size_t
bk__classify_check_samples(bk_classifier *cls,
    void (*fn)(void *ctx, const char *msg), void *ctx)
{
	struct bk__classify_facts f;
	bk_record rec;
	size_t i, j, fails = 0;

	for (i = 0; i < cls->ngroups; i++) {
		const struct bk__classify_group *g = &cls->groups[i];

		if (g->anonymous || g->name == NULL)
			continue;
		for (j = 0; j < g->nmust + g->nmustnot; j++) {
			int must = j < g->nmust;
			const struct bk__classify_sample *s = must ?
			    &g->must[j] : &g->mustnot[j - g->nmust];
			int hit;

			bk__classify_scan(cls, s->text, s->len);
			hit = bk__classify_group_hit(cls, (uint32_t)i);
			if (hit != must) {
				fails++;
				report(fn, ctx, g->file, s->line,
				    "phrases %s: %s \"%s\"", g->name,
				    must ? "does not match its sample" :
				    "matches its mustnot sample", s->text);
			}
		}
	}
	for (i = 0; i < cls->nrules; i++) {
		const struct bk__classify_rule *r = &cls->rules[i];

		for (j = 0; j < r->nmust + r->nmustnot; j++) {
			int must = j < r->nmust;
			const struct bk__classify_sample *s = must ?
			    &r->must[j] : &r->mustnot[j - r->nmust];
			int holds;

			sample_record(&rec, s);
			bk__classify_facts_init(&f, &rec, 0);
			bk__classify_scan(cls, f.text.ptr, f.text.len);
			bk__classify_recognise(cls, &f);
			holds = bk__classify_rule_holds(cls, r, &f);
			if (holds != must) {
				fails++;
				report(fn, ctx, r->file, s->line,
				    "rule %s: %s \"%s\"", r->id,
				    must ? "does not hold for its sample" :
				    "holds for its mustnot sample", s->text);
				continue;
			}
			if (!must)
				continue;
			sample_record(&rec, s);
			(void)bk_classify(cls, &rec);
			if (r->detail) {
				const char *want = r->cause ? r->cause :
				    r->provider_code;
				bk_str got = r->cause ? rec.cause :
				    rec.provider_code;

				if (want != NULL && (got.ptr == NULL ||
				    !bk__ieq(got.ptr, got.len, want))) {
					fails++;
					report(fn, ctx, r->file, s->line,
					    "detail %s: sample \"%s\" is "
					    "explained as %s", r->id, s->text,
					    got.ptr ? rec.cause.ptr ?
					    "another cause" : "?" : "nothing");
				}
				continue;
			}
			if (rec.reason != r->reason) {
				fails++;
				report(fn, ctx, r->file, s->line,
				    "rule %s: sample \"%s\" is classified %s",
				    r->id, s->text, bk_reason_name(rec.reason));
			}
		}
	}
	fails += check_know_samples(cls, fn, ctx);
	return fails;
}

/* fill_know - the public view of a knowledge entry */
static void
fill_know(bk_knowledge *out, const struct bk__classify_know *k)
{
	memset(out, 0, sizeof(*out));
	out->type = (bk_know_type)k->type;
	out->id = k->id;
	out->name = k->name;
	out->about = k->about;
	out->category = k->category;
	out->cause = k->cause;
	out->kind = k->kind;
	out->lookup = k->lookup;
	out->delist = k->delist;
	out->retry_advice = k->retry_text;
	out->who = k->who;
	out->responsible = k->responsible;
	out->retry = k->retry;
	out->retry_after = k->retry_after;
	out->checks = k->check;
	out->nchecks = k->ncheck;
	out->fixes = k->fix;
	out->nfixes = k->nfix;
	out->links = k->link;
	out->nlinks = k->nlink;
	out->related = k->related;
	out->nrelated = k->nrelated;
	out->hosts = k->host;
	out->nhosts = k->nhost;
	out->zones = k->zone;
	out->nzones = k->nzone;
}

/* bk_classifier_lookup - one knowledge entry by type and id */
int
bk_classifier_lookup(bk_knowledge *out, const bk_classifier *cls,
    bk_know_type type, const char *id, size_t len)
{
	int i;

	if (out == NULL || cls == NULL || id == NULL)
		return BK_EINVAL;
	i = bk__classify_know_find(cls, (int)type, id, len);
	if (i < 0)
		return BK_ENOTFOUND;
	fill_know(out, &cls->know[i]);
	return 0;
}

/* bk_classifier_knowledge - the index'th live knowledge entry */
int
bk_classifier_knowledge(bk_knowledge *out, const bk_classifier *cls,
    size_t index)
{
	size_t i, n = 0;

	if (out == NULL || cls == NULL)
		return BK_EINVAL;
	for (i = 0; i < cls->nknow; i++) {
		if (cls->know[i].id == NULL)
			continue;
		if (n++ == index) {
			fill_know(out, &cls->know[i]);
			return 0;
		}
	}
	return BK_ENOTFOUND;
}

/* bk_classifier_check_samples - the public sample check */
size_t
bk_classifier_check_samples(bk_classifier *cls,
    void (*fn)(void *ctx, const char *msg), void *ctx)
{
	if (cls == NULL)
		return 0;
	return bk__classify_check_samples(cls, fn, ctx);
}
