/*
 * bouncekit/classify.h - from decoded facts to a verdict.
 *
 * A classifier holds a compiled rule set: the rules built into the
 * library, optionally extended or overridden by a user's rules file.  All
 * text patterns of all rules are matched in one linear-time pass.
 *
 * Thread safety: a bk_classifier is used by one thread at a time (it owns
 * the match scratch space).  Create one per thread.
 */
#ifndef BOUNCEKIT_CLASSIFY_H
#define BOUNCEKIT_CLASSIFY_H

#include <stddef.h>

#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bk_classifier bk_classifier;

#define BK_CLASSIFY_OPTIONS_VERSION 1

typedef struct bk_classify_options {
	unsigned version;          /* BK_CLASSIFY_OPTIONS_VERSION */
	const char *rules_path;    /* extra rules file, or NULL */
	int no_builtin;            /* 1: only the rules from rules_path */
} bk_classify_options;

#define BK_CLASSIFY_OPTIONS_INIT { BK_CLASSIFY_OPTIONS_VERSION, NULL, 0 }

/**
 * bk_classifier_new - compile the rule set.
 * @param out   receives the classifier; free with bk_classifier_free().
 * @param opts  options, or NULL for the built-in rules only.
 * @return 0; BK_ESYNTAX when a rules file does not validate (the detail,
 *         with file and line, is in *errmsg_out when it is not NULL and
 *         must be released with free()); BK_ENOMEM.
 */
int bk_classifier_new(bk_classifier **out, const bk_classify_options *opts,
    char **errmsg_out);

/** bk_classifier_free - release a classifier; NULL is accepted. */
void bk_classifier_free(bk_classifier *cls);

/**
 * bk_classify - fill the verdict fields of a decoded record.
 *
 * Reads the facts (kind, status, reply code, command, diagnostic, remote
 * MTA, reason_hint) and sets reason, permanent, hard and the rule and
 * evidence that decided.  When the record has no status, one derived from
 * the text or the reply code is stored.  Strings set here point either
 * into the record's own facts or into the classifier, which must outlive
 * the record's use.
 * @return 0, or BK_ENOMEM.
 */
int bk_classify(bk_classifier *cls, bk_record *rec);

/**
 * bk_classify_reply - classify one bare SMTP reply or log line.
 *
 * Parses the reply code, enhanced status code and text out of @line into
 * a fresh record (whose strings point into @line) and classifies it.
 * @return 0, BK_EINVAL for an empty line, or BK_ENOMEM.
 */
int bk_classify_reply(bk_classifier *cls, bk_record *out, const char *line,
    size_t len);

/**
 * bk_log_reader - what a log file said before the line being read:
 * PowerMTA's accounting files (CSV) name their columns in a header line,
 * and their rows are read by those names.
 */
typedef struct bk_log_reader bk_log_reader;

/** bk_log_reader_new - a reader for one file.  @return 0 or BK_ENOMEM. */
int bk_log_reader_new(bk_log_reader **out);

/** bk_log_reader_free - release @lr (NULL is fine). */
void bk_log_reader_free(bk_log_reader *lr);

/**
 * bk_classify_log_line - bk_classify_reply() for the lines of one log
 * file, read in order with @lr: a PowerMTA accounting header line
 * ("type,timeLogged,...,rcpt,...") gives a record of kind unknown that
 * says so and sets the columns of the rows after it; each such row gives
 * its record (decoder "pmta-acct": d delivered, b and rb bounces, t and
 * tq delays, f complaints); any other line is read as bk_classify_reply()
 * reads it.  The record's strings point into @line or into @lr, valid
 * until the next call.  @lr NULL is bk_classify_reply().
 * @return 0, BK_EINVAL for an empty line, or BK_ENOMEM.
 */
int bk_classify_log_line(bk_classifier *cls, bk_log_reader *lr,
    bk_record *out, const char *line, size_t len);

/** bk_classifier_rule_count - number of rules loaded. */
size_t bk_classifier_rule_count(const bk_classifier *cls);

/* Kinds of knowledge the rule set carries (bouncekit-rules(5), define). */
typedef enum bk_know_type {
	BK_KNOW_CAUSE = 1,         /* a cause id: user.unknown, auth.dmarc */
	BK_KNOW_CATEGORY,          /* a group of causes with checks and fixes */
	BK_KNOW_PROVIDER,          /* a receiving provider or gateway */
	BK_KNOW_BLOCKLIST          /* a DNS blocklist */
} bk_know_type;

/*
 * One knowledge entry.  Every pointer is borrowed from the classifier and
 * valid until bk_classifier_free(); a field an entry does not have is NULL
 * (lists: count 0).
 */
typedef struct bk_knowledge {
	bk_know_type type;
	const char *id;
	const char *name;          /* display name or title */
	const char *about;         /* what it means */
	const char *category;      /* cause: its category id */
	const char *cause;         /* blocklist: the cause a listing is */
	const char *kind;          /* provider: mailbox, gateway or relay */
	const char *lookup;        /* blocklist: where to look an IP up */
	const char *delist;        /* blocklist: how to get off it */
	const char *retry_advice;  /* category */
	const char *who;           /* category: who acts */
	bk_responsible responsible;/* cause, category */
	bk_retry retry;            /* cause, category */
	int retry_after;           /* cause: seconds, 0 when none */
	const char *const *checks; /* category: what to check */
	size_t nchecks;
	const char *const *fixes;  /* category: the fix steps */
	size_t nfixes;
	const char *const *links;
	size_t nlinks;
	const char *const *related;/* category: related category ids */
	size_t nrelated;
	const char *const *hosts;  /* provider: host suffixes */
	size_t nhosts;
	const char *const *zones;  /* blocklist: DNS zones */
	size_t nzones;
} bk_knowledge;

/**
 * bk_classifier_lookup - the knowledge entry (@type, @id).
 * @return 0 with *out filled; BK_ENOTFOUND when there is none.
 */
int bk_classifier_lookup(bk_knowledge *out, const bk_classifier *cls,
    bk_know_type type, const char *id, size_t len);

/**
 * bk_classifier_knowledge - the @index'th knowledge entry in load order
 * (entries replaced by a later file are skipped), for listing them all.
 * @return 0; BK_ENOTFOUND past the last one.
 */
int bk_classifier_knowledge(bk_knowledge *out, const bk_classifier *cls,
    size_t index);

/**
 * bk_classifier_check_samples - run every must / mustnot sample of every
 * rule, detail, phrase list and knowledge entry.  Each failure is passed to
 * @report (may be NULL) as one printable "file:line: ..." message.
 * @return the number of failures.
 */
size_t bk_classifier_check_samples(bk_classifier *cls,
    void (*report)(void *ctx, const char *msg), void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_CLASSIFY_H */
