/*
 * dns_int.h - helpers shared inside lib/dns and with lib/check.
 */
#ifndef BK_DNS_INT_H
#define BK_DNS_INT_H

#include <stddef.h>

#include "bouncekit/dns.h"

/* Longest presentation form of a name we produce (escapes included). */
#define BK__DNS_NAME_TEXT 1024

/*
 * bk__dns_name_valid - is @name (len bytes, final dot allowed) usable as
 * a query name: 1..253 octets, labels 1..63 octets.
 */
int bk__dns_name_valid(const char *name, size_t len);

/* bk__dns_name_eq - case-insensitive comparison, final dots ignored */
int bk__dns_name_eq(const char *a, size_t alen, const char *b, size_t blen);

/*
 * bk__dns_answer_status - an answer with no records and the given
 * status (heap, bk_dns_answer_free()).  NULL on out of memory.
 */
bk_dns_answer *bk__dns_answer_status(const char *qname, bk_dns_type type,
    bk_dns_status st);

/*
 * bk__dns_answer_parse - bk_dns_answer_parse() for a reply to @qname
 * that is reported as the answer to @asked (after CNAME re-queries).
 */
int bk__dns_answer_parse(bk_dns_answer **out, const char *asked,
    const char *qname, bk_dns_type type, const unsigned char *m, size_t len);

#endif /* BK_DNS_INT_H */
