/*
 * vendor_p_aol.c - AOL's own notice ("Mail Delivery Problem" from
 * MAILER-DAEMON@aol.com), as AOL sent it before its mail moved to Yahoo:
 * the recipients are AOL screen names, one per indented line under the
 * sentence that says why they refused the message:
 *
 *   Your mail to the following recipients could not be delivered
 *   because they are not accepting mail from sender@example.org:
 *   	screenname
 *
 * A screen name is the local part of its aol.com address, so the record
 * names screenname@aol.com; a line that holds a whole address keeps it.
 * The sentence, the recipients' own mail controls refusing the sender or
 * attachments, is every record's diagnostic.
 */
#include "decode/decode_int.h"

bk_str bk__vp_line(const char **pp, const char *end);

int bk__vp_aol(bk__dctx *ctx);

/* screen_name - a line that is one AOL screen name (or address) */
static int
screen_name(bk_str l)
{
	size_t i;

	if (l.len == 0 || l.len > 64)
		return 0;
	for (i = 0; i < l.len; i++)
		if (!bk__is(l.ptr[i], BK_C_ATEXT) && l.ptr[i] != '@')
			return 0;
	return 1;
}

/* bk__vp_aol - see file comment */
int
bk__vp_aol(bk__dctx *ctx)
{
	static const char lead[] = "recipients could not be delivered";
	static const char domain[] = "@aol.com";
	bk_str t = ctx->text, line, why, a;
	const char *p, *end, *m, *start, *colon = NULL;
	bk_record *r;
	bk__buf b;
	int added = 0, k;

	if (t.ptr == NULL || bk__vp_from_has(ctx, "mailer-daemon@aol.com") ==
	    NULL)
		return 0;
	m = bk__istr(t.ptr, t.len > 2000 ? 2000 : t.len, lead);
	if (m == NULL)
		return 0;
	/* the sentence: from its line's start to the ':' that ends it */
	start = m;
	while (start > t.ptr && start[-1] != '\n')
		start--;
	end = bk__str_end(t);
	for (p = m; p < end && p - m < 400; p++) {
		if (*p == ':' && (p + 1 == end || p[1] == '\n' ||
		    p[1] == ' ' || p[1] == '\t')) {
			colon = p;
			break;
		}
	}
	if (colon == NULL)
		return 0;
	why = bk__squeeze(ctx->msg, bk__str(start,
	    (size_t)(colon + 1 - start)));
	p = colon + 1;
	(void)bk__vp_line(&p, end);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		const char *ls = p;

		line = bk__vp_line(&p, end);
		if (line.len == 0 || (*ls != '\t' && *ls != ' '))
			break;
		line = bk__trim(line);
		if (!screen_name(line))
			break;
		if (memchr(line.ptr, '@', line.len) != NULL) {
			a = bk__addr_find(line.ptr, line.len);
		} else {
			bk__buf_init(&b, ctx->msg->arena, 128);
			bk__buf_append(&b, line.ptr, line.len);
			bk__buf_append(&b, domain, sizeof(domain) - 1);
			a = b.ptr != NULL ? bk__str(b.ptr, b.len) : BK_STR_NULL;
		}
		if ((k = bk__vp_failed(ctx, "aol", a, &r)) == 0)
			continue;
		if (k < 0)
			return ctx->oom ? BK_ENOMEM : added;
		r->diagnostic = why;
		added++;
	}
	return added;
}
