/*
 * util_names.c - names of error codes, kinds, reasons and verdict enums,
 * generated from the X-macro lists of the public headers.
 */
#include "util/util_int.h"

/* bk_strerror - the message of an error code */
const char *
bk_strerror(int code)
{
	switch (code) {
#define BK_ERROR_MSG(c, name, msg) case c: return msg;
	BK_ERROR_LIST(BK_ERROR_MSG)
#undef BK_ERROR_MSG
	}
	return "unknown error";
}

/* bk_error_name - the symbolic name of an error code */
const char *
bk_error_name(int code)
{
	switch (code) {
#define BK_ERROR_NAME(c, name, msg) case c: return #name;
	BK_ERROR_LIST(BK_ERROR_NAME)
#undef BK_ERROR_NAME
	}
	return "BK_EUNKNOWN";
}

static const char *const kind_names[] = {
#define BK_KIND_NAME(e, name) name,
	BK_KIND_LIST(BK_KIND_NAME)
#undef BK_KIND_NAME
};

static const char *const reason_names[] = {
#define BK_REASON_NAME(e, name) name,
	BK_REASON_LIST(BK_REASON_NAME)
#undef BK_REASON_NAME
};

/* bk_kind_name - name of a kind */
const char *
bk_kind_name(bk_kind kind)
{
	if ((unsigned)kind >= BK_KIND_COUNT_)
		return NULL;
	return kind_names[kind];
}

/* bk_kind_lookup - kind of a name */
int
bk_kind_lookup(bk_kind *out, const char *name, size_t len)
{
	unsigned i;

	for (i = 0; i < BK_KIND_COUNT_; i++) {
		if (bk__ieq(name, len, kind_names[i])) {
			*out = (bk_kind)i;
			return 0;
		}
	}
	return BK_ENOTFOUND;
}

/* bk_reason_name - name of a reason */
const char *
bk_reason_name(bk_reason reason)
{
	if ((unsigned)reason >= BK_REASON_COUNT_)
		return NULL;
	return reason_names[reason];
}

/* bk_reason_lookup - reason of a name */
int
bk_reason_lookup(bk_reason *out, const char *name, size_t len)
{
	unsigned i;

	for (i = 0; i < BK_REASON_COUNT_; i++) {
		if (bk__ieq(name, len, reason_names[i])) {
			*out = (bk_reason)i;
			return 0;
		}
	}
	return BK_ENOTFOUND;
}

/* bk_responsible_name - whose move it is */
const char *
bk_responsible_name(bk_responsible r)
{
	switch (r) {
	case BK_RESP_SENDER:
		return "sender";
	case BK_RESP_RECIPIENT:
		return "recipient";
	case BK_RESP_NETWORK:
		return "network";
	default:
		return "unknown";
	}
}

/* bk_retry_name - retry advice */
const char *
bk_retry_name(bk_retry r)
{
	switch (r) {
	case BK_RETRY_NO:
		return "no";
	case BK_RETRY_AFTER_FIX:
		return "after-fix";
	case BK_RETRY_LATER:
		return "later";
	default:
		return NULL;
	}
}

/* bk_responsible_lookup - see record.h */
int
bk_responsible_lookup(bk_responsible *out, const char *name, size_t len)
{
	static const bk_responsible all[] = { BK_RESP_UNKNOWN,
		BK_RESP_SENDER, BK_RESP_RECIPIENT, BK_RESP_NETWORK };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (bk__ieq(name, len, bk_responsible_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return BK_ENOTFOUND;
}

/* bk_retry_lookup - see record.h */
int
bk_retry_lookup(bk_retry *out, const char *name, size_t len)
{
	static const bk_retry all[] = { BK_RETRY_NO, BK_RETRY_AFTER_FIX,
		BK_RETRY_LATER };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (bk__ieq(name, len, bk_retry_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return BK_ENOTFOUND;
}
