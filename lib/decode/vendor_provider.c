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
int bk__vp_office365_text(bk__dctx *ctx);
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
int bk__vp_aol(bk__dctx *ctx);
int bk__vp_claim(bk__dctx *ctx);

/* the gates (bk__vendor_reader): see each reader's first tests */
const bk__vendor_reader bk__vendor_provider[] = {
	{ "dragonfly", bk__vp_dragonfly, BK__VR_MARK(DRAGONFLY), 0 },
	{ "googlegroups", bk__vp_googlegroups, BK__VR_ANY, 0 },
	{ "zoho", bk__vp_zoho, BK__VR_ANY, 0 },
	{ "amazonses", bk__vp_amazonses, BK__VR_ANY, 0 },
	{ "amazonses-json", bk__vp_amazonses_json, BK__VR_ANY, 0 },
	{ "exchange2003", bk__vp_exchange2003, BK__VR_MARK(EXCH_REACH) |
	    BK__VR_MARK(EXCH_REACHED), 0 },
	{ "office365-text", bk__vp_office365_text, BK__VR_MARK(O365_DETAILS),
	    BK__VR_NO_DSN },
	{ "imailserver", bk__vp_imail, BK__VR_ANY, 0 },
	{ "x1", bk__vp_x1, BK__VR_ANY, 0 },
	{ "x3", bk__vp_x3, BK__VR_ANY, 0 },
	{ "x6", bk__vp_x6, BK__VR_ANY, 0 },
	{ "gmail", bk__vp_gmail, BK__VR_MARK(GMAIL), 0 },
	{ "gmail-now", bk__vp_gmail_now, BK__VR_ANY, BK__VR_NO_DSN },
	{ "yahoo", bk__vp_yahoo, BK__VR_MARK(YAHOO) |
	    BK__VR_MARK(YAHOO_AFRAID), 0 },
	{ "activehunter", bk__vp_activehunter, BK__VR_ANY, 0 },
	{ "ezweb", bk__vp_ezweb, BK__VR_ANY, 0 },
	{ "gmx", bk__vp_gmx, BK__VR_MARK(GMX), BK__VR_NO_DSN },
	{ "interscanmss", bk__vp_interscanmss, BK__VR_ANY, BK__VR_NO_DSN },
	{ "verizon", bk__vp_verizon, BK__VR_ANY, BK__VR_NO_DSN },
	{ "fml", bk__vp_fml, BK__VR_ANY, BK__VR_NO_DSN },
	{ "notes", bk__vp_notes, BK__VR_MARK(NOTES), BK__VR_NO_DSN },
	{ "aol", bk__vp_aol, BK__VR_ANY, BK__VR_NO_DSN },
	/* last: plain reports claimed by the product that wrote them */
	{ "claim", bk__vp_claim, BK__VR_ANY, BK__VR_DSN },
	{ NULL, NULL, 0, 0 }
};
