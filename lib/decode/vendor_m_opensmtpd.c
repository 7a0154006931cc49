/*
 * vendor_m_opensmtpd.c - OpenSMTPD's delivery notices (smtpd/bounce.c).
 * Every notice opens with the same greeting, then one of three intros,
 * then "address: reason" lines:
 *
 *	    Hi!
 *
 *	    This is the MAILER-DAEMON, please DO NOT REPLY to this email.
 *
 *	    An error has occurred while attempting to deliver a message for
 *	    the following list of recipients:
 *
 *	who@example.org: 550 5.1.1 <who@example.org>: User unknown
 *
 *	    Below is a copy of the original message:
 *
 * "A message is delayed for more than 4 hours for the following list of
 * recipients:" opens a delay warning, "Your message was successfully
 * delivered to these recipients." (or "was relayed to") a success
 * notice.  Since OpenSMTPD 6.x a message/delivery-status part follows
 * the text; its Status is often a bare "5.0.0" / "4.0.0" whatever went
 * wrong, which is why the records carry the name "opensmtpd": the
 * classifier replaces that placeholder with the reason's own code.
 *
 * "Envelope expired" is what OpenSMTPD writes when a message has waited
 * longer than the queue's lifetime: the envelope is then deleted, no
 * attempt follows.  OpenSMTPD 6.x sends that notice as a delay ("A
 * message is delayed ...", "Please note that this is only a temporary
 * failure report", Action: delayed, Status: 4.4.7; seen with 6.8.0p2 in
 * tests/mta/opensmtpd_e2e.sh), older ones as an error.  Either way the
 * message will not be delivered, so such a recipient is a bounce.
 *
 * Markers: the greeting, together with a Received field stamped
 * "(OpenSMTPD)" or the Subject "Delivery status notification: ...".
 */
#include "decode/decode_int.h"

/* the intros of the three notices, with the kind and action of each */
static const struct {
	const char *intro;
	bk_kind kind;
	const char *action;
} intros[] = {
	{ "an error has occurred while attempting to deliver",
	  BK_KIND_BOUNCE, "failed" },
	{ "a message is delayed for more than", BK_KIND_DELAY, "delayed" },
	{ "successfully delivered to these recipients", BK_KIND_DELIVERED,
	  "delivered" },
	{ "was relayed to these recipients", BK_KIND_DELIVERED, "relayed" },
};

/*
 * is_opensmtpd - the notice carries OpenSMTPD's greeting and stamp.
 * Without the greeting this is 0 at once: vendor_mta.c's gate.
 */
static int
is_opensmtpd(bk__dctx *ctx)
{
	bk_str subj;

	if (!bk__dctx_mark(ctx, BK__MARK_OPENSMTPD))
		return 0;
	if (bk__dctx_stamp(ctx, BK__STAMP_OPENSMTPD))
		return 1;
	subj = bk__trim(ctx->subject);
	return subj.ptr != NULL && bk__istarts(subj.ptr, subj.len,
	    "delivery status notification:");
}

/*
 * expired - the last @n records: a recipient whose envelope expired was
 * dropped from the queue, whatever the notice calls it (file comment)
 */
static void
expired(bk__dctx *ctx, int n)
{
	size_t i;

	for (i = ctx->nrec - (size_t)n; i < ctx->nrec; i++) {
		bk_str d = bk__trim(ctx->rec[i].diagnostic);

		if (ctx->rec[i].kind == BK_KIND_DELAY && d.ptr != NULL &&
		    bk__istarts(d.ptr, d.len, "envelope expired"))
			ctx->rec[i].kind = BK_KIND_BOUNCE;
	}
}

/* bk__decode_opensmtpd - see file comment */
int
bk__decode_opensmtpd(bk__dctx *ctx)
{
	bk_str t = ctx->text;
	bk__tblock *blk;
	size_t nblk, i, k;
	int added = 0;
	bk_record *r;

	if (!is_opensmtpd(ctx))
		return 0;
	if (ctx->dsn != NULL) {
		added = bk__decode_dsn_text(ctx, bk__part_text(ctx->msg,
		    ctx->dsn), "opensmtpd");
		if (added > 0) {
			bk__vendor_enrich(ctx);
			expired(ctx, added);
		}
		if (added != 0)
			return added;
	}
	for (k = 0; k < sizeof(intros) / sizeof(intros[0]); k++) {
		if (bk__istr(t.ptr, t.len, intros[k].intro) != NULL)
			break;
	}
	if (k == sizeof(intros) / sizeof(intros[0]))
		return 0;
	if (!ctx->has_orig)
		bk__dctx_orig_from_text(ctx, t.ptr + bk__dctx_cut(ctx),
		    t.len - bk__dctx_cut(ctx));
	if (bk__dctx_blocks(ctx, &blk, &nblk) != 0)
		return BK_ENOMEM;
	for (i = 0; i < nblk; i++) {
		r = bk__dctx_add(ctx, "opensmtpd");
		if (r == NULL)
			return ctx->oom ? BK_ENOMEM : added;
		r->kind = intros[k].kind;
		r->action = bk__cstr(intros[k].action);
		r->recipient = blk[i].addr;
		r->diagnostic = blk[i].diag;
		r->command = bk__command_in(blk[i].raw);
		bk__fill_from_diagnostic(r);
		added++;
	}
	if (added > 0) {
		bk__vendor_enrich(ctx);
		expired(ctx, added);
	}
	return added;
}
