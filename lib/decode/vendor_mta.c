/*
 * vendor_mta.c - readers for the non-standard formats of MTA software.
 */
#include "decode/decode_int.h"

const bk__decoder bk__vendor_mta[] = {
	{ NULL, NULL }
};
