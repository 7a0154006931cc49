/*
 * vendor_p_google.c - Google Groups' refusal of a post.
 *
 * When a message to a Google Group cannot be posted (no such group, or
 * the sender may not post), mailer-daemon@googlemail.com answers with a
 * localised plain-text letter, the group address in X-Failed-Recipients
 * and no SMTP code:
 *
 *   X-Failed-Recipients: group@googlegroups.com
 *   ...
 *   Hello user@example.com,
 *   We're writing to let you know that the group you tried to contact
 *   (group) may not exist, or you may not have permission to post ...
 *   ----- Original message -----
 *
 * The refusal is the group's: the post was rejected, the address of the
 * group is not known to be bad.
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

int bk__vp_googlegroups(bk__dctx *ctx);

static const char *const gg_stops[] = {
	"----- original message -----", "the response was:", NULL
};

/* bk__vp_googlegroups - see file comment */
int
bk__vp_googlegroups(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk_str fr, t = ctx->text, a, diag;
	const char *p, *end;
	bk_record *r;
	int added = 0, k;

	fr = bk__vp_header(ctx, "x-failed-recipients");
	if (fr.ptr == NULL || bk__vp_from_has(ctx,
	    "mailer-daemon@googlemail.com") == NULL)
		return 0;
	if (ctx->dsn != NULL) {
		/* a real report (a group's mailbox refused it) is not ours */
		bk_str d = bk__part_text(msg, ctx->dsn);

		if (d.ptr != NULL && bk__istr(d.ptr, d.len,
		    "final-recipient") != NULL)
			return 0;
	}
	/*
	 * The group's own refusal, or the newer layout ("** Message not
	 * delivered **") sent with an empty report part: no recipient
	 * block, so nothing but X-Failed-Recipients names the address.
	 */
	if (bk__istr(fr.ptr, fr.len, "@googlegroups.com") == NULL &&
	    (t.ptr == NULL || bk__istr(t.ptr, t.len,
	    "groups.google.com") == NULL) && (ctx->dsn == NULL ||
	    t.ptr == NULL || bk__istr(t.ptr, t.len,
	    "** message not delivered **") == NULL))
		return 0;
	diag = bk__squeeze(msg, bk__vp_between(t, NULL, gg_stops));
	p = fr.ptr;
	end = bk__str_end(fr);
	/* loop: p moves past each address found */
	while (p < end) {
		a = bk__addr_find(p, (size_t)(end - p));
		if (a.ptr == NULL)
			break;
		p = bk__str_end(a);
		if ((k = bk__vp_failed(ctx, "googlegroups", a, &r)) == 0)
			continue;
		if (k < 0)
			return ctx->oom ? BK_ENOMEM : added;
		r->diagnostic = diag.len > 0 ? diag : BK_STR_NULL;
		r->reason_hint = BK_REASON_REJECTED;
		added++;
	}
	if (added > 0 && !ctx->has_orig && t.ptr != NULL) {
		const char *m = bk__vp_find_line(t,
		    "----- original message -----");

		if (m != NULL)
			bk__dctx_orig_from_text(ctx, m,
			    (size_t)(bk__str_end(t) - m));
	}
	return added;
}
