/*
 * decode_challenge.c - the answers of challenge-response filters.
 *
 * Such a filter holds mail from senders it does not know and answers
 * with a challenge: the message reaches the mailbox only once someone
 * follows a link or replies.  The answer is automatic, but unlike an
 * out-of-office reply it says the message was NOT delivered, and
 * unlike a bounce it says nothing against the address.  One record,
 * kind autoreply, decoder "challenge", for the mailbox the filter
 * protects; the rules (20-kind.rules) make it onhold, cause
 * delivery.challenge.
 *
 * Each filter is known by what it always writes, never by prose alone:
 *   BoxTrapper (cPanel)  an X-Boxtrapper field; sent from the mailbox
 *   Bluebottle           X-Bluebottle-Request, the mailbox in
 *                        X-Bluebottle-Address
 *   Boxbe                sent from an address at boxbe.com about its
 *                        "Guest List", the mailbox in Reply-To (a
 *                        delivery report, Diagnostic-Code "X-Boxbe-
 *                        Notice; Sender not pre-approved", sent also
 *                        when it only says the sender is on the list)
 *   ASK                  an X-AskVersion field; sent from the mailbox
 *   TMDA                 X-Delivery-Agent: TMDA on a confirmation
 *                        request (TMDA puts the field on all its user's
 *                        mail, so the subject or the text must ask for
 *                        the confirmation too)
 *   EarthLink spamBlocker  Return-Path spamblocker-challenge@
 *                        bounce.earthlink.net
 * The reader runs before the report readers, so that Boxbe's delivery
 * report is read as the challenge it is.  A filter's answer that
 * refuses the sender for good (BoxTrapper's blacklist: "does not accept
 * mail from your address") is a bounce, read by the rules like any.
 */
#include "decode/decode_int.h"

/* domain_is - does address @a end in "@" @domain, ASCII case aside */
static int
domain_is(bk_str a, const char *domain)
{
	size_t n = strlen(domain);

	return a.ptr != NULL && a.len > n + 1 && a.ptr[a.len - n - 1] ==
	    '@' && bk__ieq(a.ptr + a.len - n, n, domain);
}

/* addr_of - the first address in the bounce's field @name */
static bk_str
addr_of(bk__dctx *ctx, const bk__headers *h, const char *name)
{
	bk_str v = bk__headers_value(ctx->msg, h, name);

	return v.ptr != NULL ? bk__addr_find(v.ptr, v.len) : BK_STR_NULL;
}

/*
 * returned_to - the one address the returned message was sent to
 * (its To), or BK_STR_NULL when there is no copy or it names several
 */
static bk_str
returned_to(bk__dctx *ctx)
{
	if (!ctx->has_orig)
		return BK_STR_NULL;
	return bk__addr_sole(bk__headers_value(ctx->msg, &ctx->orig_headers,
	    "to"));
}

/* tmda_asks - a TMDA message that asks for a confirmation */
static int
tmda_asks(bk__dctx *ctx)
{
	bk_str v = bk__trim(bk__vp_header(ctx, "x-delivery-agent"));

	if (v.ptr == NULL || !bk__istarts(v.ptr, v.len, "tmda"))
		return 0;
	return (ctx->subject.ptr != NULL && bk__istr(ctx->subject.ptr,
	    ctx->subject.len, "confirm") != NULL) ||
	    (ctx->text.ptr != NULL && bk__istr(ctx->text.ptr, ctx->text.len,
	    "is being held because the address") != NULL);
}

/* bk__decode_challenge - see decode_int.h */
int
bk__decode_challenge(bk__dctx *ctx)
{
	const bk__headers *h = &ctx->msg->root->headers;
	bk_str who, rp = bk__vp_header(ctx, "return-path");
	bk_record *r;

	/* the From address is worked out only for a filter's message: the
	 * tests before are a field-name bit or a short search each */
	if (bk__vp_header(ctx, "x-boxtrapper").ptr != NULL ||
	    bk__vp_header(ctx, "x-askversion").ptr != NULL) {
		who = bk__dctx_from_addr(ctx);
	} else if (bk__vp_header(ctx, "x-bluebottle-request").ptr != NULL) {
		who = addr_of(ctx, h, "x-bluebottle-address");
		if (who.ptr == NULL)
			who = bk__dctx_from_addr(ctx);
	} else if (bk__vp_from_has(ctx, "boxbe.com") != NULL &&
	    domain_is(bk__dctx_from_addr(ctx), "boxbe.com") &&
	    ctx->text.ptr != NULL && bk__istr(ctx->text.ptr, ctx->text.len,
	    "guest list") != NULL) {
		who = addr_of(ctx, h, "reply-to");
		if (who.ptr == NULL)
			who = returned_to(ctx);
	} else if (rp.ptr != NULL && bk__istr(rp.ptr, rp.len,
	    "spamblocker-challenge@bounce.earthlink.net") != NULL) {
		who = bk__dctx_from_addr(ctx);
		if (domain_is(who, "bounce.earthlink.net"))
			who = returned_to(ctx);
	} else if (tmda_asks(ctx)) {
		/* the request comes from a tagged address of the mailbox
		 * ("-confirm-..."): the copy says whom it was sent to */
		who = returned_to(ctx);
		if (who.ptr == NULL)
			who = bk__dctx_from_addr(ctx);
	} else {
		return 0;
	}
	r = bk__auto_record(ctx, "challenge", who);
	if (r == NULL)
		return BK_ENOMEM;
	/* a filter that refuses the sender for good (BoxTrapper's
	 * blacklist: "The user x does not accept mail from your address")
	 * holds nothing: that is a rejection */
	if (ctx->text.ptr != NULL && bk__istr(ctx->text.ptr, ctx->text.len,
	    "does not accept mail from") != NULL)
		r->kind = BK_KIND_BOUNCE;
	return 1;
}
