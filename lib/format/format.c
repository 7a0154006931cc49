/*
 * format.c - JSON Lines, CSV (RFC 4180) and text output of records.
 *
 * JSON: keys in a fixed order, null for unknown, strings valid UTF-8
 * (RFC 8259): invalid sequences become U+FFFD, control characters and
 * DEL are escaped.  Text output escapes non-printable bytes as \xNN.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "bouncekit/format.h"
#include "util/util_int.h"

/* utf8_len - length of a valid UTF-8 sequence at @p, 0 if invalid */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n, k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	for (k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	}
	if (c == 0xe0 && p[1] < 0xa0)
		return 0;
	if (c == 0xed && p[1] >= 0xa0)
		return 0;   /* surrogates */
	if (c == 0xf0 && p[1] < 0x90)
		return 0;
	if (c == 0xf4 && p[1] >= 0x90)
		return 0;
	return n;
}

/* json_str - a JSON string, or null for an absent slice */
static void
json_str(FILE *fp, bk_str s)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0, n;

	if (s.ptr == NULL) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	while (i < s.len) {
		unsigned c = p[i];
		size_t run = i;

		/* copy a run of plain printable ASCII in one call */
		while (run < s.len && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			fwrite(p + i, 1, run - i, fp);
			i = run;
			continue;
		}
		if (c >= 0x80) {
			n = utf8_len(p + i, s.len - i);
			if (n == 0) {
				fputs("\\ufffd", fp);
				i++;
			} else {
				fwrite(p + i, 1, n, fp);
				i += n;
			}
			continue;
		}
		switch (c) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(fp, "\\u%04x", c);
			else
				fputc((int)c, fp);
		}
		i++;
	}
	fputc('"', fp);
}

static void
json_cstr(FILE *fp, const char *s)
{
	json_str(fp, bk__cstr(s));
}

/* rfc3339 - the timestamp in the zone it was written in */
static void
rfc3339(char *buf, size_t size, int64_t t, int tz)
{
	time_t local = (time_t)(t + (int64_t)tz * 60);
	struct tm tm;
	int a = tz < 0 ? -tz : tz;

	gmtime_r(&local, &tm);
	if (tz == 0)
		snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	else
		snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, tz < 0 ? '-' : '+', a / 60, a % 60);
}

/* empty_null - treat empty slices as absent */
static bk_str
nz(bk_str s)
{
	if (s.ptr != NULL && s.len == 0)
		return BK_STR_NULL;
	return s;
}

/* bk_format_header - see format.h */
int
bk_format_header(FILE *fp, bk_format fmt)
{
	if (fmt == BK_FORMAT_CSV)
		fputs("origin,kind,recipient,status,reply_code,reason,hard,"
		    "permanent,command,remote_mta,diagnostic,sender,"
		    "message_id,timestamp,rule\r\n", fp);
	return ferror(fp) ? BK_EIO : 0;
}

/* csv_field - RFC 4180 quoting; control bytes become spaces */
static void
csv_field(FILE *fp, bk_str s, int last)
{
	size_t i;

	if (s.ptr != NULL) {
		fputc('"', fp);
		for (i = 0; i < s.len; i++) {
			unsigned char c = (unsigned char)s.ptr[i];

			if (c == '"')
				fputs("\"\"", fp);
			else if (c < 0x20 || c == 0x7f)
				fputc(' ', fp);
			else
				fputc(c, fp);
		}
		fputc('"', fp);
	}
	fputs(last ? "\r\n" : ",", fp);
}

/* text_str - printable text, other bytes as \xNN (valid UTF-8 kept) */
static void
text_str(FILE *fp, bk_str s)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0, n;

	if (s.ptr == NULL) {
		fputs("-", fp);
		return;
	}
	while (i < s.len) {
		if (p[i] >= 0x80 && (n = utf8_len(p + i, s.len - i)) > 0 &&
		    !(n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			fwrite(p + i, 1, n, fp);
			i += n;
			continue;
		}
		if (p[i] < 0x20 || p[i] >= 0x7f)
			fprintf(fp, "\\x%02x", p[i]);
		else
			fputc(p[i], fp);
		i++;
	}
}

/* bk_format_record - see format.h */
int
bk_format_record(FILE *fp, bk_format fmt, const bk_record *r,
    const char *origin)
{
	char ts[96] = "", code[16] = "";
	bk_str tss = BK_STR_NULL, codes = BK_STR_NULL;

	if (r->has_timestamp) {
		rfc3339(ts, sizeof(ts), r->timestamp, r->tz_offset);
		tss = bk__cstr(ts);
	}
	if (r->reply_code > 0) {
		snprintf(code, sizeof(code), "%d", r->reply_code);
		codes = bk__cstr(code);
	}
	if (fmt == BK_FORMAT_CSV) {
		csv_field(fp, bk__cstr(origin), 0);
		csv_field(fp, bk__cstr(bk_kind_name(r->kind)), 0);
		csv_field(fp, r->recipient, 0);
		csv_field(fp, r->status, 0);
		csv_field(fp, codes, 0);
		csv_field(fp, bk__cstr(bk_reason_name(r->reason)), 0);
		csv_field(fp, bk__cstr(r->hard ? "true" : "false"), 0);
		csv_field(fp, bk__cstr(r->permanent < 0 ? NULL :
		    r->permanent ? "true" : "false"), 0);
		csv_field(fp, r->command, 0);
		csv_field(fp, r->remote_mta, 0);
		csv_field(fp, r->diagnostic, 0);
		csv_field(fp, r->sender, 0);
		csv_field(fp, r->message_id, 0);
		csv_field(fp, tss, 0);
		csv_field(fp, r->rule, 1);
		return ferror(fp) ? BK_EIO : 0;
	}
	if (fmt == BK_FORMAT_TEXT) {
		fputs(origin, fp);
		fputs(": ", fp);
		text_str(fp, r->recipient);
		fprintf(fp, "\n  kind %s, reason %s%s, status ",
		    bk_kind_name(r->kind), bk_reason_name(r->reason),
		    r->hard ? " (address is bad)" : "");
		text_str(fp, r->status);
		fprintf(fp, ", reply %s\n", code[0] ? code : "-");
		if (r->cause.ptr != NULL || r->category.ptr != NULL) {
			fputs("  cause ", fp);
			text_str(fp, r->cause);
			fputs(" (", fp);
			text_str(fp, r->category);
			fputs(")", fp);
			if (r->provider.ptr != NULL) {
				fputs(", provider ", fp);
				text_str(fp, r->provider);
				if (r->provider_code.ptr != NULL) {
					fputc(' ', fp);
					text_str(fp, r->provider_code);
				}
			}
			if (r->blocklist.ptr != NULL) {
				fputs(", blocklist ", fp);
				text_str(fp, r->blocklist);
			}
			fputc('\n', fp);
		}
		if (r->kind != BK_KIND_UNKNOWN)
			fprintf(fp, "  whose move: %s, retry: %s\n",
			    bk_responsible_name(r->responsible),
			    bk_retry_name(r->retry) ? bk_retry_name(r->retry) :
			    "-");
		if (r->diagnostic.ptr != NULL) {
			fputs("  said: ", fp);
			text_str(fp, r->diagnostic);
			fputc('\n', fp);
		}
		if (r->error.ptr != NULL) {
			fputs("  error: ", fp);
			text_str(fp, r->error);
			fputc('\n', fp);
		}
		return ferror(fp) ? BK_EIO : 0;
	}
	fprintf(fp, "{\"format_version\":%d,\"origin\":", BK_FORMAT_VERSION);
	json_cstr(fp, origin);
	fputs(",\"kind\":", fp);
	json_cstr(fp, bk_kind_name(r->kind));
	fputs(",\"decoder\":", fp);
	json_cstr(fp, r->decoder);
	fputs(",\"recipient\":", fp);
	json_str(fp, nz(r->recipient));
	fputs(",\"original_recipient\":", fp);
	json_str(fp, nz(r->original_recipient));
	fputs(",\"sender\":", fp);
	json_str(fp, nz(r->sender));
	fputs(",\"action\":", fp);
	json_str(fp, nz(r->action));
	fputs(",\"status\":", fp);
	json_str(fp, nz(r->status));
	fputs(",\"reply_code\":", fp);
	if (r->reply_code > 0)
		fprintf(fp, "%d", r->reply_code);
	else
		fputs("null", fp);
	fputs(",\"command\":", fp);
	json_str(fp, nz(r->command));
	fputs(",\"diagnostic\":", fp);
	json_str(fp, nz(r->diagnostic));
	fputs(",\"diagnostic_type\":", fp);
	json_str(fp, nz(r->diagnostic_type));
	fputs(",\"remote_mta\":", fp);
	json_str(fp, nz(r->remote_mta));
	fputs(",\"reporting_mta\":", fp);
	json_str(fp, nz(r->reporting_mta));
	fputs(",\"timestamp\":", fp);
	json_str(fp, tss);
	fputs(",\"timestamp_unix\":", fp);
	if (r->has_timestamp)
		fprintf(fp, "%" PRId64, r->timestamp);
	else
		fputs("null", fp);
	fputs(",\"message_id\":", fp);
	json_str(fp, nz(r->message_id));
	fputs(",\"subject\":", fp);
	json_str(fp, r->subject);
	fputs(",\"list_id\":", fp);
	json_str(fp, nz(r->list_id));
	fputs(",\"from\":", fp);
	json_str(fp, nz(r->from));
	fputs(",\"feedback_type\":", fp);
	json_str(fp, nz(r->feedback_type));
	fputs(",\"reason\":", fp);
	json_cstr(fp, bk_reason_name(r->reason));
	fputs(",\"category\":", fp);
	json_str(fp, r->category);
	fputs(",\"cause\":", fp);
	json_str(fp, r->cause);
	fputs(",\"provider\":", fp);
	json_str(fp, r->provider);
	fputs(",\"provider_code\":", fp);
	json_str(fp, r->provider_code);
	fputs(",\"blocklist\":", fp);
	json_str(fp, r->blocklist);
	fprintf(fp, ",\"permanent\":%s,\"hard\":%s,\"responsible\":",
	    r->permanent < 0 ? "null" : r->permanent ? "true" : "false",
	    r->hard ? "true" : "false");
	json_cstr(fp, bk_responsible_name(r->responsible));
	fputs(",\"retry\":", fp);
	json_cstr(fp, bk_retry_name(r->retry));
	fputs(",\"retry_after\":", fp);
	if (r->retry_after > 0)
		fprintf(fp, "%d", r->retry_after);
	else
		fputs("null", fp);
	fprintf(fp, ",\"confidence\":%d,\"rule\":", r->confidence);
	json_str(fp, r->rule);
	fputs(",\"evidence\":", fp);
	json_str(fp, r->evidence);
	fputs(",\"error\":", fp);
	json_str(fp, r->error);
	fputs("}\n", fp);
	return ferror(fp) ? BK_EIO : 0;
}
