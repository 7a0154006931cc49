/*
 * vendor_mta.c - readers for the non-standard formats of MTA software.
 * Each reader is in vendor_m_<family>.c.
 */
#include "decode/decode_int.h"

const bk__decoder bk__vendor_mta[] = {
	/* first: its greeting is its own; other MTAs may relay it */
	{ "opensmtpd", bk__decode_opensmtpd },
	{ "exim", bk__decode_exim },
	{ "sendmail", bk__decode_sendmail },
	{ "postfix", bk__decode_postfix },
	{ "mfilter", bk__decode_mfilter },
	{ "mdaemon", bk__decode_mdaemon },
	{ NULL, NULL }
};
