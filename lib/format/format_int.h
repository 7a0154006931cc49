/*
 * format_int.h - the JSON record written into a memory buffer, for the
 * store (events.record) and for bk_format_record itself.
 */
#ifndef BK_FORMAT_INT_H
#define BK_FORMAT_INT_H

#include <stddef.h>

#include "bouncekit/record.h"

/*
 * A growable byte buffer.  p may start as the caller's own storage
 * (owned = 0); it moves to the heap when it must grow.  After an
 * allocation failure oom is set and later writes are dropped.
 */
typedef struct bk__fbuf {
	char *p;
	size_t len, cap;
	int owned;                     /* p is malloc'd: free() it */
	int oom;
} bk__fbuf;

/* bk__fbuf_init - start on @stack (may be NULL with @cap 0) */
void bk__fbuf_init(bk__fbuf *b, char *stack, size_t cap);
/* bk__fbuf_free - release heap storage; the buffer is empty again */
void bk__fbuf_free(bk__fbuf *b);

/* Leave out members whose value is null (the store's compact form). */
#define BK__JSON_OMIT_NULL 1

/*
 * bk__format_json - append the record as one JSON object, without the
 * newline, NUL-terminated (the NUL not counted in len).  Without flags
 * the bytes are exactly those of bk_format_record(BK_FORMAT_JSON) minus
 * its "\n".  @return 0, or BK_ENOMEM (b->oom).
 */
int bk__format_json(bk__fbuf *b, const bk_record *r, const char *origin,
    int flags);

#endif /* BK_FORMAT_INT_H */
