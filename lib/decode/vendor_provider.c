/*
 * vendor_provider.c - readers for the formats of mailbox providers,
 * ESPs and filtering gateways.
 */
#include "decode/decode_int.h"

const bk__decoder bk__vendor_provider[] = {
	{ NULL, NULL }
};
