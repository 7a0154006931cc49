/*
 * vendor_p_imail.c - Ipswitch IMail Server (X-Mailer: <SMTP32 vN>).
 *
 * IMail states each failure on one line, the reason then the address,
 * before "Original message follows.":
 *
 *   Unknown user: user@example.com
 *   User mailbox exceeds allowed size: user@example.com
 *   Invalid final delivery userid: user@example.com
 *   Delivery failed 20 attempts: user@example.com
 *
 * or, for a remote rejection, "undeliverable to user@example.com" and
 * then "Body of message generated response:" and the remote reply.
 * "Delivery failed N attempts" means IMail gave up retrying.
 */
#include "decode/decode_int.h"

int bk__decode_dsn_text(bk__dctx *ctx, bk_str t, const char *decoder);
bk_str bk__vp_line(const char **pp, const char *end);
const char *bk__vp_find_line(bk_str t, const char *prefix);
bk_str bk__vp_rest(bk_str t, const char *at);
bk_str bk__vp_between(bk_str t, const char *from, const char *const *stops);
bk_str bk__vp_reply(bk_message *msg, bk_str s);
bk_str bk__vp_command(bk_str s);
void bk__vp_codes(bk_record *r);
int bk__vp_received_has(bk__dctx *ctx, const char *needle);

int bk__vp_imail(bk__dctx *ctx);

static const char *const im_stops[] = {
	"original message follows", NULL
};

/* bk__vp_imail - see file comment */
int
bk__vp_imail(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk_str xm, t = ctx->text, region, line, a, why, resp;
	const char *p, *end, *colon, *g;
	bk_record *r;
	int added = 0, k;

	xm = bk__vp_header(ctx, "x-mailer");
	if (xm.ptr == NULL)
		return 0;
	xm = bk__trim(xm);
	if (!bk__istarts(xm.ptr, xm.len, "<SMTP32 v") || t.ptr == NULL)
		return 0;
	region = bk__vp_between(t, NULL, im_stops);
	g = bk__istr(region.ptr, region.len,
	    "body of message generated response:");
	resp = BK_STR_NULL;
	if (g != NULL) {
		resp = bk__vp_rest(region, g + 35);
		resp = bk__vp_reply(msg, resp);
		region.len = (size_t)(g - region.ptr);
	}
	p = region.ptr;
	end = bk__str_end(region);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (line.len == 0)
			continue;
		if (bk__istarts(line.ptr, line.len, "undeliverable to ")) {
			a = bk__addr_only(bk__str(line.ptr + 17,
			    line.len - 17));
			why = resp;
		} else {
			colon = memchr(line.ptr, ':', line.len);
			if (colon == NULL)
				continue;
			a = bk__addr_only(bk__str(colon + 1, (size_t)(
			    bk__str_end(line) - colon - 1)));
			why = bk__trim(bk__str(line.ptr,
			    (size_t)(colon - line.ptr)));
			if (bk__istarts(line.ptr, line.len, "to:") ||
			    bk__istarts(line.ptr, line.len, "cc:"))
				a = BK_STR_NULL;
		}
		if ((k = bk__vp_failed(ctx, "imailserver", a, &r)) == 0)
			continue;
		if (k < 0)
			return ctx->oom ? BK_ENOMEM : added;
		r->diagnostic = why.len ? bk__squeeze(msg, why) : BK_STR_NULL;
		bk__vp_codes(r);
		if (why.ptr != NULL && bk__istarts(why.ptr, why.len,
		    "delivery failed ") && bk__istr(why.ptr, why.len,
		    "attempts") != NULL)
			r->reason_hint = BK_REASON_EXPIRED;
		else if (why.ptr != NULL && bk__istarts(why.ptr, why.len,
		    "invalid final delivery userid"))
			r->reason_hint = BK_REASON_USERUNKNOWN;
		added++;
	}
	if (added > 0 && !ctx->has_orig) {
		const char *m = bk__vp_find_line(t, "original message follows");

		if (m != NULL)
			bk__dctx_orig_from_text(ctx, m,
			    (size_t)(bk__str_end(t) - m));
	}
	return added;
}
