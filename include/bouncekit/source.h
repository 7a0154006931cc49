/*
 * bouncekit/source.h - where messages come from: a file, a directory
 * tree (Maildir cur/ and new/ or any folder, walked in sorted order), an
 * mbox (mboxo or mboxrd, recognised from its content), or stdin.
 *
 * A source is read as a stream: one message is in memory at a time, so
 * memory stays flat however large the mailbox.
 */
#ifndef BOUNCEKIT_SOURCE_H
#define BOUNCEKIT_SOURCE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bk_source bk_source;

/**
 * bk_source_new - open a path ("-" is standard input).
 * @return 0, BK_EIO when the path cannot be opened (detail in
 *         *errmsg_out, to be released with free()), BK_ENOMEM.
 */
int bk_source_new(bk_source **out, const char *path, char **errmsg_out);

/**
 * bk_source_next - the next message.
 * @param data    receives the message bytes (owned by the source, valid
 *                until the next call).
 * @param len     receives their number.
 * @param origin  receives "path" or "path:N" for the Nth message of an
 *                mbox (owned by the source, valid until the next call).
 * @return 0 with a message; BK_EEOF at the end; BK_EIO when one file
 *         could not be read (bk_source_errmsg() says which and why; the
 *         next call moves on to the following file); BK_ETOOBIG when a
 *         message was cut at the size limit (data holds what was kept).
 */
int bk_source_next(bk_source *src, const char **data, size_t *len,
    const char **origin);

/** bk_source_errmsg - description of the last BK_EIO, or "". */
const char *bk_source_errmsg(const bk_source *src);

/** bk_source_free - close everything; NULL is accepted. */
void bk_source_free(bk_source *src);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_SOURCE_H */
