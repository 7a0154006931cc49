/*
 * check_int.h - SPF record parsing shared by the evaluator (check_spf.c)
 * and the record analysis of `check domain` (check_domain.c).
 */
#ifndef BK_CHECK_INT_H
#define BK_CHECK_INT_H

#include <stddef.h>

#include "bouncekit/check.h"
#include "util/util_int.h"

/* RFC 7208 5: the mechanisms */
enum spf_mech {
	SPF_ALL,
	SPF_INCLUDE,
	SPF_A,
	SPF_MX,
	SPF_PTR,
	SPF_IP4,
	SPF_IP6,
	SPF_EXISTS
};

struct spf_term {
	enum spf_mech mech;
	char qual;                 /* '+', '-', '~', '?' */
	const char *spec;          /* domain-spec, NULL when absent */
	size_t speclen;
	int cidr4, cidr6;          /* prefix lengths (32 / 128 default) */
	unsigned char net[16];     /* ip4 / ip6 network */
	const char *text;          /* the term as written */
	size_t textlen;
};

struct spf_record {
	struct spf_term *terms;
	size_t n;
	const char *redirect;      /* domain-spec or NULL */
	size_t redirect_len;
	const char *exp;           /* domain-spec or NULL */
	size_t exp_len;
};

/* is a DNS-querying term (RFC 7208 4.6.4) */
#define SPF_MECH_QUERIES(m)                                                \
	((m) == SPF_INCLUDE || (m) == SPF_A || (m) == SPF_MX ||            \
	    (m) == SPF_PTR || (m) == SPF_EXISTS)

/*
 * bk__spf_is_record - does the TXT string start an SPF record: "v=spf1"
 * (any case) followed by a space or the end (RFC 7208 4.5).
 */
int bk__spf_is_record(const char *txt, size_t len);

/*
 * bk__spf_parse - parse a whole record (RFC 7208 4.6, 12).  The record
 * and its terms live in @a; strings point into @txt, which must outlive
 * the record.  Returns 0, BK_ESYNTAX (the reason in @err), BK_ENOMEM.
 */
int bk__spf_parse(struct spf_record *out, bk__arena *a, const char *txt,
    size_t len, char *err, size_t errcap);

/*
 * bk__spf_macro_valid - is [p, p+len) a valid macro-string (explain: the
 * c, r, t letters and spaces are allowed); domain_end: it must also end
 * as a domain-spec does ("." toplabel ["."] or a macro-expand).
 */
int bk__spf_macro_valid(const char *p, size_t len, int explain,
    int domain_end);

/*
 * bk__dkim_key_parse - read a DKIM key record (RFC 6376 3.6.1) into @k;
 * @want_hash: "sha256", "sha1" or NULL.  When @pkey_out is not NULL it
 * receives the decoded EVP_PKEY (the caller frees it).  Strings live in
 * @a or @txt; the reason goes to @problem.  0 usable, -1 not.
 */
int bk__dkim_key_parse(bk_dkim_key *k, bk__arena *a, const char *txt,
    size_t len, const char *want_hash, void **pkey_out, char *problem,
    size_t cap);

/*
 * bk__dmarc_parse - read a DMARC record (RFC 7489 6.3, 6.4) into @d
 * (strings in @a); findings go to @notes ("; "-separated).  Sets
 * d->usable; returns 1 when a setup checker should flag the record
 * (any invalid tag value, no v=DMARC1 first, no p=), else 0.
 */
int bk__dmarc_parse(bk_dmarc_info *d, bk__arena *a, const char *rec,
    size_t len, char *notes, size_t cap);

/*
 * A DMARC report being read (check_dmarc_report.c: containers, email,
 * failure reports; check_dmarc_report_xml.c: the aggregate XML).
 * Everything lives in @arena; rows grow by doubling (amortised linear).
 */
struct bk_dmarc_report {
	bk__arena *arena;
	bk_dmarc_report_kind kind;
	int error;                 /* BK_E* when kind is error */
	char errmsg[256];
	bk_severity worst;
	char diag[256];
	const char *container;     /* static */
	bk_dmarc_report_meta meta;
	bk_dmarc_report_row *rows;
	size_t nrows, rows_cap;
	bk_dmarc_failure_info failure;
	int strict;
	size_t max_bytes, max_records, max_text;
	unsigned max_depth;
};

/* bk__dmarc_report_fail - make @r an error (the first one is kept) */
void bk__dmarc_report_fail(struct bk_dmarc_report *r, int code,
    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* bk__dmarc_report_diag - note a repair or damage (worst one kept) */
void bk__dmarc_report_diag(struct bk_dmarc_report *r, bk_severity sev,
    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/*
 * bk__dmarc_report_xml - read an aggregate report (RFC 7489 appendix C,
 * RFC 9990) from @len bytes of XML into @r: kind aggregate, or an error
 * set with bk__dmarc_report_fail().  Returns 0 or BK_ENOMEM.
 */
int bk__dmarc_report_xml(struct bk_dmarc_report *r, const char *xml,
    size_t len);

/* the built-in blocklist definitions (check_dnsbl_data.c) */
extern const char bk__dnsbl_default[];

#endif /* BK_CHECK_INT_H */
