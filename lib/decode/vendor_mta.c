/*
 * vendor_mta.c - readers for the non-standard formats of MTA software.
 * Each reader is in vendor_m_<family>.c.
 */
#include "decode/decode_int.h"

/* the gates: see each reader's first tests */
const bk__vendor_reader bk__vendor_mta[] = {
	/* first: its greeting is its own; other MTAs may relay it */
	{ "opensmtpd", bk__decode_opensmtpd, BK__VR_MARK(OPENSMTPD), 0 },
	{ "exim", bk__decode_exim, BK__VR_MARK(EXIM_SOME) |
	    BK__VR_MARK(EXIM_ALL) | BK__VR_MARK(EXIM_DELAY) |
	    BK__VR_MARK(EXIM_SYNTAX), BK__VR_NO_DSN },
	{ "sendmail", bk__decode_sendmail, BK__VR_MARK(TRANSCRIPT),
	    BK__VR_NO_DSN },
	{ "postfix", bk__decode_postfix, BK__VR_MARK(TRANSCRIPT),
	    BK__VR_NO_DSN },
	{ "mfilter", bk__decode_mfilter, BK__VR_MARK(MFILTER), BK__VR_NO_DSN },
	{ "mdaemon", bk__decode_mdaemon, BK__VR_MARK(MDAEMON), 0 },
	{ NULL, NULL, 0, 0 }
};
