/*
 * decode_vendor.c - formats that need their own reader, recognised by
 * their markers before the generic readers run, and the enrichment of
 * RFC 3464 records from the notification text.
 */
#include "decode/decode_int.h"

size_t bk__text_cut(bk_str t);

/*
 * bk__decode_vendor - try the vendor readers of each family table in
 * turn; the first that adds records wins.  Each reader checks its own
 * markers first and returns 0 quickly when the message is not its kind.
 */
int
bk__decode_vendor(bk__dctx *ctx)
{
	const bk__decoder *const tables[] = {
		bk__vendor_mta, bk__vendor_provider
	};
	size_t t;
	const bk__decoder *d;
	int rc;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (d = tables[t]; d->name != NULL; d++) {
			rc = d->decode(ctx);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/*
 * bk__vendor_enrich - a DSN record without Diagnostic-Code takes the text
 * that follows its address in the notification, as many MTAs write the
 * remote reply there and not in the report.
 */
void
bk__vendor_enrich(bk__dctx *ctx)
{
	bk_str t = ctx->text;
	size_t i, cut;

	if (t.ptr == NULL || t.len == 0)
		return;
	cut = bk__text_cut(t);
	for (i = 0; i < ctx->nrec; i++) {
		bk_record *r = &ctx->rec[i];
		const char *at, *p, *end = t.ptr + cut, *eol, *start;

		if (r->diagnostic.ptr != NULL || r->recipient.ptr == NULL)
			continue;
		at = bk__imemmem(t.ptr, cut, r->recipient.ptr,
		    r->recipient.len);
		if (at == NULL)
			continue;
		p = memchr(at, '\n', (size_t)(end - at));
		if (p == NULL)
			continue;
		start = ++p;
		/* take the following non-blank lines, up to a blank one */
		while (p < end) {
			eol = memchr(p, '\n', (size_t)(end - p));
			if (eol == NULL)
				eol = end;
			if (bk__trim(bk__str(p, (size_t)(eol - p))).len == 0)
				break;
			p = eol < end ? eol + 1 : end;
		}
		if (p > start) {
			r->diagnostic = bk__squeeze(ctx->msg,
			    bk__str(start, (size_t)(p - start)));
			if (r->diagnostic.len == 0)
				r->diagnostic = BK_STR_NULL;
			else if (r->reply_code == 0)
				r->reply_code = bk__find_reply_code(
				    r->diagnostic);
		}
	}
}
