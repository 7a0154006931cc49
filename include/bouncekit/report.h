/*
 * bouncekit/report.h - what is happening across many bounces: records
 * counted by kind, reason, whose move, cause, category, receiving
 * provider, blocklist, recipient domain, status code and day, written as
 * text for a terminal, one JSON object, or a self-contained HTML page
 * with charts.
 *
 * A report keeps counts, not records: memory is bounded by the
 * BK_LIMIT_REPORT_* limits however many records are added.
 */
#ifndef BOUNCEKIT_REPORT_H
#define BOUNCEKIT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "classify.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bk_report bk_report;

/** bk_report_new - an empty report.  @return 0 or BK_ENOMEM. */
int bk_report_new(bk_report **out);

/**
 * bk_report_set_top - how many values of each dimension text and HTML
 * show, most frequent first (default 10; 0 restores it).  JSON always
 * has them all.
 */
void bk_report_set_top(bk_report *r, size_t n);

/** bk_report_free - release; NULL is accepted. */
void bk_report_free(bk_report *r);

/**
 * bk_report_add - count one input (a message, or one log line) and its
 * @n classified records.  Strings are copied as needed; the records may
 * be freed afterwards.  An input with no record, or records of kind
 * unknown only, counts as undecodable.
 * @return 0; BK_ENOMEM (then part of this input may be counted);
 * BK_EINVAL for a record whose kind is out of range.
 */
int bk_report_add(bk_report *r, const bk_record *recs, size_t n);

/**
 * bk_report_add_unreadable - count an input that could not be read at
 * all (an I/O error, a file too large): it is named in the report, not
 * lost.
 */
void bk_report_add_unreadable(bk_report *r);

/**
 * bk_report_add_quiet - count an input that says nothing of a delivery
 * and is not meant to (an MTA log line of a connection, a queue entry or
 * an arrival): shown apart, not as undecodable.
 */
void bk_report_add_quiet(bk_report *r);

/** Totals of a report (bk_report_totals_get). */
typedef struct bk_report_totals {
	uint64_t inputs;           /* messages and lines added */
	uint64_t unreadable;       /* bk_report_add_unreadable */
	uint64_t undecodable;      /* inputs with no decoded record */
	uint64_t quiet;            /* bk_report_add_quiet */
	uint64_t records;
	uint64_t kinds[BK_KIND_COUNT_];
	uint64_t hard;             /* bounces whose address is bad */
	uint64_t soft;             /* other bounces */
	uint64_t sender_side;      /* bounces and delays: the sender's move */
	int64_t first, last;       /* Unix seconds of the oldest and newest
				    * timestamp; 0 when no record had one */
} bk_report_totals;

/** bk_report_totals_get - the totals so far. */
void bk_report_totals_get(const bk_report *r, bk_report_totals *out);

typedef enum bk_report_format {
	BK_REPORT_TEXT = 0,        /* for a terminal, 80 columns */
	BK_REPORT_JSON,            /* one object, every value counted */
	BK_REPORT_HTML             /* one self-contained page with charts */
} bk_report_format;

/**
 * bk_report_write - write the report.  @cls (may be NULL) gives the
 * display names of causes, providers and blocklists and the links of
 * the causes that are the sender's to fix.  Untrusted text (domains,
 * codes, example replies) is escaped for the output's language and
 * invalid UTF-8 is replaced, so the page can be opened safely.
 * @return 0 or BK_EIO.
 */
int bk_report_write(const bk_report *r, FILE *fp, bk_report_format fmt,
    const bk_classifier *cls);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_REPORT_H */
