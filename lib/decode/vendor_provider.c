/*
 * vendor_provider.c - readers for the formats of mailbox providers,
 * ESPs, filtering gateways and less common MTAs.  The readers live in
 * vendor_p_<family>.c; each checks its own markers and returns 0 fast
 * when the message is not its kind, so the order matters only where two
 * formats share markers (noted beside the entries).
 */
#include "decode/decode_int.h"

int bk__vp_dragonfly(bk__dctx *ctx);
int bk__vp_googlegroups(bk__dctx *ctx);
int bk__vp_zoho(bk__dctx *ctx);
int bk__vp_amazonses(bk__dctx *ctx);
int bk__vp_amazonses_json(bk__dctx *ctx);
int bk__vp_exchange2003(bk__dctx *ctx);
int bk__vp_imail(bk__dctx *ctx);
int bk__vp_x1(bk__dctx *ctx);
int bk__vp_x3(bk__dctx *ctx);
int bk__vp_x6(bk__dctx *ctx);
int bk__vp_gmail(bk__dctx *ctx);
int bk__vp_gmail_now(bk__dctx *ctx);
int bk__vp_yahoo(bk__dctx *ctx);
int bk__vp_activehunter(bk__dctx *ctx);
int bk__vp_ezweb(bk__dctx *ctx);
int bk__vp_gmx(bk__dctx *ctx);
int bk__vp_interscanmss(bk__dctx *ctx);
int bk__vp_verizon(bk__dctx *ctx);
int bk__vp_fml(bk__dctx *ctx);
int bk__vp_notes(bk__dctx *ctx);
int bk__vp_claim(bk__dctx *ctx);

const bk__decoder bk__vendor_provider[] = {
	{ "dragonfly", bk__vp_dragonfly },
	{ "googlegroups", bk__vp_googlegroups },
	{ "zoho", bk__vp_zoho },
	{ "amazonses", bk__vp_amazonses },
	{ "amazonses-json", bk__vp_amazonses_json },
	{ "exchange2003", bk__vp_exchange2003 },
	{ "imailserver", bk__vp_imail },
	{ "x1", bk__vp_x1 },
	{ "x3", bk__vp_x3 },
	{ "x6", bk__vp_x6 },
	{ "gmail", bk__vp_gmail },
	{ "gmail-now", bk__vp_gmail_now },
	{ "yahoo", bk__vp_yahoo },
	{ "activehunter", bk__vp_activehunter },
	{ "ezweb", bk__vp_ezweb },
	{ "gmx", bk__vp_gmx },
	{ "interscanmss", bk__vp_interscanmss },
	{ "verizon", bk__vp_verizon },
	{ "fml", bk__vp_fml },
	{ "notes", bk__vp_notes },
	/* last: plain reports claimed by the product that wrote them */
	{ "claim", bk__vp_claim },
	{ NULL, NULL }
};
