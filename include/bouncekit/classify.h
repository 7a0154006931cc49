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

/** bk_classifier_rule_count - number of rules loaded. */
size_t bk_classifier_rule_count(const bk_classifier *cls);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_CLASSIFY_H */
