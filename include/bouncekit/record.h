/*
 * bouncekit/record.h - the decoded result: one record per recipient.
 *
 * A record is plain data.  Its strings are slices (pointer and length,
 * not NUL-terminated) owned by the message they were decoded from; they
 * stay valid until bk_message_free() of that message.  A slice with a NULL
 * pointer means "unknown" and is printed as JSON null.
 */
#ifndef BOUNCEKIT_RECORD_H
#define BOUNCEKIT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A borrowed byte string.  ptr == NULL means absent. */
typedef struct bk_str {
	const char *ptr;
	size_t len;
} bk_str;

/* What a record reports.  X(enum, name) */
#define BK_KIND_LIST(X)                                                    \
	X(BK_KIND_UNKNOWN, "unknown")                                      \
	X(BK_KIND_BOUNCE, "bounce")                                        \
	X(BK_KIND_DELAY, "delay")                                          \
	X(BK_KIND_DELIVERED, "delivered")                                  \
	X(BK_KIND_FEEDBACK, "feedback")                                    \
	X(BK_KIND_AUTOREPLY, "autoreply")

typedef enum bk_kind {
#define BK_KIND_ENUM(e, name) e,
	BK_KIND_LIST(BK_KIND_ENUM)
#undef BK_KIND_ENUM
	BK_KIND_COUNT_
} bk_kind;

/*
 * Reasons, with Sisimai's names so that results compare directly.
 * X(enum, name, hard-by-default)
 */
#define BK_REASON_LIST(X)                                                  \
	X(BK_REASON_UNDEFINED, "undefined")                                \
	X(BK_REASON_AUTHFAILURE, "authfailure")                            \
	X(BK_REASON_BADREPUTATION, "badreputation")                        \
	X(BK_REASON_BLOCKED, "blocked")                                    \
	X(BK_REASON_CONTENTERROR, "contenterror")                          \
	X(BK_REASON_DELIVERED, "delivered")                                \
	X(BK_REASON_EXCEEDLIMIT, "exceedlimit")                            \
	X(BK_REASON_EXPIRED, "expired")                                    \
	X(BK_REASON_FAILEDSTARTTLS, "failedstarttls")                      \
	X(BK_REASON_FEEDBACK, "feedback")                                  \
	X(BK_REASON_FILTERED, "filtered")                                  \
	X(BK_REASON_HASMOVED, "hasmoved")                                  \
	X(BK_REASON_HOSTUNKNOWN, "hostunknown")                            \
	X(BK_REASON_MAILBOXFULL, "mailboxfull")                            \
	X(BK_REASON_MAILERERROR, "mailererror")                            \
	X(BK_REASON_MESGTOOBIG, "mesgtoobig")                              \
	X(BK_REASON_NETWORKERROR, "networkerror")                          \
	X(BK_REASON_NORELAYING, "norelaying")                              \
	X(BK_REASON_NOTACCEPT, "notaccept")                                \
	X(BK_REASON_NOTCOMPLIANTRFC, "notcompliantrfc")                    \
	X(BK_REASON_ONHOLD, "onhold")                                      \
	X(BK_REASON_POLICYVIOLATION, "policyviolation")                    \
	X(BK_REASON_REJECTED, "rejected")                                  \
	X(BK_REASON_REQUIREPTR, "requireptr")                              \
	X(BK_REASON_SECURITYERROR, "securityerror")                        \
	X(BK_REASON_SPAMDETECTED, "spamdetected")                          \
	X(BK_REASON_SPEEDING, "speeding")                                  \
	X(BK_REASON_SUPPRESSED, "suppressed")                              \
	X(BK_REASON_SUSPEND, "suspend")                                    \
	X(BK_REASON_SYNTAXERROR, "syntaxerror")                            \
	X(BK_REASON_SYSTEMERROR, "systemerror")                            \
	X(BK_REASON_SYSTEMFULL, "systemfull")                              \
	X(BK_REASON_TOOMANYCONN, "toomanyconn")                            \
	X(BK_REASON_USERUNKNOWN, "userunknown")                            \
	X(BK_REASON_VACATION, "vacation")                                  \
	X(BK_REASON_VIRUSDETECTED, "virusdetected")

typedef enum bk_reason {
#define BK_REASON_ENUM(e, name) e,
	BK_REASON_LIST(BK_REASON_ENUM)
#undef BK_REASON_ENUM
	BK_REASON_COUNT_
} bk_reason;

/* Severity of a diagnostic about damaged input. */
typedef enum bk_severity {
	BK_SEV_NONE = 0,
	BK_SEV_STYLE,
	BK_SEV_WARNING,
	BK_SEV_DAMAGED,
	BK_SEV_UNSUPPORTED
} bk_severity;

/* Whose move it is after this bounce. */
typedef enum bk_responsible {
	BK_RESP_UNKNOWN = 0,
	BK_RESP_SENDER,
	BK_RESP_RECIPIENT,
	BK_RESP_NETWORK
} bk_responsible;

/* Whether and when to try again. */
typedef enum bk_retry {
	BK_RETRY_UNKNOWN = 0,
	BK_RETRY_NO,
	BK_RETRY_AFTER_FIX,
	BK_RETRY_LATER
} bk_retry;

/*
 * One recipient of one message.  Decoders fill the first block (facts),
 * the classifier the second (verdict).
 */
typedef struct bk_record {
	/* facts */
	bk_kind kind;
	const char *decoder;       /* static name of the decoder */
	bk_str recipient;
	bk_str original_recipient;
	bk_str sender;
	bk_str action;
	bk_str status;             /* enhanced status code, "5.1.1" */
	int reply_code;            /* 0 when unknown */
	bk_str command;            /* RCPT, DATA, MAIL, CONN, HELO, ... */
	bk_str diagnostic;         /* unfolded remote text */
	bk_str diagnostic_type;    /* "SMTP", "X-Unix", ... */
	bk_str remote_mta;
	bk_str reporting_mta;
	int64_t timestamp;         /* Unix seconds; valid if has_timestamp */
	int has_timestamp;
	int tz_offset;             /* minutes east of UTC of the source */
	bk_str message_id;         /* of the returned message */
	bk_str subject;
	bk_str list_id;
	bk_str from;
	bk_str feedback_type;      /* ARF Feedback-Type */
	bk_str error;              /* why an unknown record could not decode */
	bk_reason reason_hint;     /* set by a decoder that knows better */
	int other_reply;           /* the diagnostic is a reply about another
				    * recipient of the notice: nothing about
				    * this address (the verdict is onhold) */

	/* verdict */
	bk_reason reason;
	int permanent;             /* -1 unknown, 0 temporary, 1 permanent */
	int hard;                  /* the address itself is bad */
	bk_str category;
	bk_str cause;
	bk_str provider;
	bk_str provider_code;
	bk_str blocklist;
	bk_responsible responsible;
	bk_retry retry;
	int retry_after;           /* seconds; 0 when not applicable */
	int confidence;            /* 0..100 */
	bk_str rule;               /* id of the deciding rule */
	bk_str evidence;           /* the matched text */
} bk_record;

/** bk_kind_name - "bounce", "delay", ...; NULL for a value out of range. */
const char *bk_kind_name(bk_kind kind);

/** bk_kind_lookup - the kind of a name; BK_ENOTFOUND when unknown. */
int bk_kind_lookup(bk_kind *out, const char *name, size_t len);

/** bk_reason_name - Sisimai-compatible reason name; NULL out of range. */
const char *bk_reason_name(bk_reason reason);

/** bk_reason_lookup - the reason of a name; BK_ENOTFOUND when unknown. */
int bk_reason_lookup(bk_reason *out, const char *name, size_t len);

/** bk_responsible_name - "sender", "recipient", "network", "unknown". */
const char *bk_responsible_name(bk_responsible r);

/** bk_retry_name - "no", "after-fix", "later"; NULL for unknown. */
const char *bk_retry_name(bk_retry r);

/** bk_responsible_lookup - the value of a bk_responsible_name();
 * BK_ENOTFOUND for another name. */
int bk_responsible_lookup(bk_responsible *out, const char *name,
    size_t len);

/** bk_retry_lookup - the value of a bk_retry_name(); BK_ENOTFOUND for
 * another name. */
int bk_retry_lookup(bk_retry *out, const char *name, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_RECORD_H */
