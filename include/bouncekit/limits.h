/*
 * bouncekit/limits.h - every bound on untrusted input, in one place.
 *
 * Each limit has a default and the reason for it.  Options structs accept
 * 0 for "use the default".  Reaching a limit never ends parsing: the part
 * is flagged, a diagnostic is recorded and decoding continues with what
 * was read.
 */
#ifndef BOUNCEKIT_LIMITS_H
#define BOUNCEKIT_LIMITS_H

/*
 * Largest message read whole.  Bounces are small; a returned message with
 * a big attachment may reach tens of megabytes.  Past this the rest of the
 * message is not read and the record says so.
 */
#define BK_LIMIT_MESSAGE_BYTES ((size_t)256 * 1024 * 1024)

/* Header fields per entity: real mail has well under a few hundred. */
#define BK_LIMIT_HEADER_COUNT 2000

/* Bytes of one unfolded header field kept for decoding. */
#define BK_LIMIT_HEADER_BYTES ((size_t)64 * 1024)

/* MIME entities per message (every part and nested message counts). */
#define BK_LIMIT_MIME_PARTS 4096

/*
 * Nesting of multiparts and message/rfc822 entities.  A bounce of a
 * forwarded bounce is a handful of levels; deeper structure is read as an
 * opaque leaf.
 */
#define BK_LIMIT_MIME_DEPTH 32

/* RFC 2046 section 5.1.1 caps a boundary at 70 characters. */
#define BK_LIMIT_BOUNDARY_BYTES 200

/*
 * Decoded text kept per part.  Notification text is short; decoding stops
 * at this size and the part is flagged as truncated.
 */
#define BK_LIMIT_DECODED_BYTES ((size_t)4 * 1024 * 1024)

/* Per-recipient blocks in one delivery-status report. */
#define BK_LIMIT_DSN_RECIPIENTS 10000

/* Recipients reported for one message by all decoders together. */
#define BK_LIMIT_RECIPIENTS 10000

/* Diagnostic text kept per recipient. */
#define BK_LIMIT_DIAGNOSTIC_BYTES ((size_t)16 * 1024)

/* Bytes of one input line given to `classify` or the log reader. */
#define BK_LIMIT_LINE_BYTES ((size_t)1024 * 1024)

/* Rule hits considered per classification; the rest are ignored. */
#define BK_LIMIT_RULE_HITS 256

/*
 * DNS (lib/dns).  CNAME links followed from the query name: RFC 1034
 * chains are short, and a loop must end.
 */
#define BK_LIMIT_DNS_CNAME_CHAIN 8

/*
 * Bytes of one TXT record after joining its character-strings.  One
 * RDATA holds at most 65535 octets, one length octet per 255, so no DNS
 * message carries more than about 65270: a 64 KiB bound could never be
 * reached.  63 KiB is reachable (tested at, under and over against knot
 * over TCP) and above the 60 KB records tests serve.  Over it, the answer
 * is BK_DNS_TOOBIG (the record is never cut and used).
 */
#define BK_LIMIT_DNS_TXT_BYTES ((size_t)63 * 1024)

/* Resource records kept per answer; the rest are ignored (truncated). */
#define BK_LIMIT_DNS_RRS 512

/* Queries one resolver keeps in flight or queued at once. */
#define BK_LIMIT_DNS_QUERIES 4096

/*
 * SPF (RFC 7208 4.6.4): at most 10 mechanisms and modifiers that query
 * DNS (include, a, mx, ptr, exists, redirect), and at most 2 of them may
 * return no answer ("void lookups"); past either, permerror.
 */
#define BK_LIMIT_SPF_DNS_TERMS 10
#define BK_LIMIT_SPF_VOID_LOOKUPS 2

/* RFC 7208 4.6.4: address lookups per mx mechanism (past: permerror) and
 * names used from a PTR answer (the rest are ignored). */
#define BK_LIMIT_SPF_MX_NAMES 10
#define BK_LIMIT_SPF_PTR_NAMES 10

/* A macro expansion longer than this is an error (RFC 7208 7.3 truncates
 * domain names to 253 octets; explanations are cut here). */
#define BK_LIMIT_SPF_EXPAND_BYTES 2048

/* SPF records fetched for one include tree by `check domain`. */
#define BK_LIMIT_SPF_TREE_NODES 64

/* DNS blocklists in one set, and return codes described for one list
 * (or for every list, '*'): a definition past either is refused
 * (BK_ETOOBIG, "line N: ..."). */
#define BK_LIMIT_DNSBL_LISTS 64
#define BK_LIMIT_DNSBL_CODES 64

/* Domains `diagnose` asks the domain blocklists about: the sending
 * domains and the link domains of the returned message, first found
 * first; the rest are named as not checked. */
#define BK_LIMIT_DIAG_DOMAINS 8

/* DKIM selectors looked up by one `check domain`. */
#define BK_LIMIT_DKIM_SELECTORS 32

/*
 * DKIM (RFC 6376).  Signatures verified per message: each costs a key
 * lookup and a public-key operation; real mail carries one to three.
 * The rest are reported as not checked.
 */
#define BK_LIMIT_DKIM_SIGNATURES 16

/* Names in one signature's h= tag; past this the signature is a
 * permerror (over-signing doubles a typical list of about 20). */
#define BK_LIMIT_DKIM_SIGNED_HEADERS 128

/* RFC 8301 3.2: RSA keys under 1024 bits must not be considered valid. */
#define BK_LIMIT_DKIM_RSA_MIN_BITS 1024

/* Largest RSA key accepted (RFC 8301 3.2: verifiers must handle up to
 * 4096); bigger keys only cost time. */
#define BK_LIMIT_DKIM_RSA_MAX_BITS 8192

/*
 * DMARC policy discovery under RFC 9989 (DNS tree walk, 4.10): TXT
 * queries for one name's walk.  The RFC's own bound: _dmarc.<name>, then
 * at most seven parents (a name of 8 or more labels jumps to its
 * rightmost 7, then one label less each step down to the TLD), so
 * a.b.c.d.e.f.g.h.example.com costs 8 queries, not 10.  It keeps a
 * long, attacker-chosen From domain from buying many lookups per message.
 */
#define BK_LIMIT_DMARC_WALK_QUERIES 8

/*
 * DMARC reports (bk_dmarc_report_parse).  Largest report read, before
 * and after decompression: the biggest aggregate reports of large
 * receivers are a few MB of XML (about 600 bytes per record); 64 MiB
 * leaves room and stops a gzip or zip bomb (deflate reaches 1000:1) from
 * taking the machine's memory.  Past it the report is an error that
 * names this limit, never a truncated report.
 */
#define BK_LIMIT_DMARC_REPORT_BYTES ((size_t)64 * 1024 * 1024)

/* <record> elements per aggregate report: 64 MiB of short records
 * (about 330 bytes each) is some 200,000; each costs about 200 bytes of
 * arena.  Past it: an error. */
#define BK_LIMIT_DMARC_REPORT_RECORDS 200000

/* <auth_results> entries per record (real reports: one to four). */
#define BK_LIMIT_DMARC_REPORT_AUTH 64

/* XML element nesting: a report is 6 deep (feedback, record, row,
 * policy_evaluated, reason, type), a wrapper or two more; deeper input
 * is an error. */
#define BK_LIMIT_DMARC_REPORT_XML_DEPTH 32

/* Text of one XML element (a domain, an <error> or <comment> text,
 * human_result); longer text is an error. */
#define BK_LIMIT_DMARC_REPORT_TEXT_BYTES ((size_t)16 * 1024)

/*
 * A user's rules file (--rules, $BOUNCEKIT_RULES): trusted to run the
 * tool, not to exhaust it.  Past any of these the file is refused with a
 * line-numbered error, never truncated.
 */
#define BK_LIMIT_RULES_FILE_BYTES ((size_t)16 * 1024 * 1024)
#define BK_LIMIT_RULES_LINE_BYTES 4096   /* one line of a rules file */
#define BK_LIMIT_RULES 10000             /* rules and knowledge entries */
#define BK_LIMIT_RULE_PATTERNS 20000     /* patterns of all rules */
#define BK_LIMIT_RULE_VALUES 128         /* values of one list key */
#define BK_LIMIT_RULE_SAMPLES 64         /* must + mustnot lines per rule */

/*
 * Suppression store: bytes kept of an address (RFC 5321 4.5.3.1.3: a
 * path is 256 with its brackets) and of a reason or note per address and
 * audit row.
 */
#define BK_LIMIT_STORE_ADDRESS_BYTES 254
#define BK_LIMIT_STORE_NOTE_BYTES 255

/*
 * Report (bk_report): distinct values counted per dimension (providers,
 * causes, recipient domains, status codes, ...; further values are
 * counted together as "other"), bytes kept of one value and of its
 * example reply, and distinct days on the timeline (records of further
 * days are counted, but not drawn).  Memory stays bounded however many
 * records are added.
 */
#define BK_LIMIT_REPORT_KEYS 4096
#define BK_LIMIT_REPORT_KEY_BYTES 255
#define BK_LIMIT_REPORT_EXAMPLE_BYTES 200
#define BK_LIMIT_REPORT_DAYS 3660

#endif /* BOUNCEKIT_LIMITS_H */
