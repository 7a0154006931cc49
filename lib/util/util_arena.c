/*
 * util_arena.c - region allocator: one per message, freed as a whole.
 *
 * Blocks are chained; a request larger than the default block gets a
 * block of its own.  Nothing is freed piecemeal.  Allocations are aligned
 * to max_align_t.
 */
#include <stdalign.h>
#include <stdlib.h>

#include "util/util_int.h"

struct block {
	struct block *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct bk__arena {
	struct block *head;
	size_t block_size;
	size_t total;
};

#define ALIGN_UP(n) (((n) + (alignof(max_align_t) - 1)) & \
    ~(size_t)(alignof(max_align_t) - 1))

/*
 * One freed arena with a single block of its usual size is kept per
 * thread: a program that decodes message after message (an mbox, a
 * folder) reuses it instead of allocating and freeing its first block
 * every time.  At most one block per thread is held this way.
 */
static _Thread_local bk__arena *spare;

/* bk__arena_new - create an arena whose blocks start at @first_block bytes */
int
bk__arena_new(bk__arena **out, size_t first_block)
{
	bk__arena *a;
	size_t bs = first_block ? first_block : 64 * 1024;

	if (spare != NULL && spare->block_size == bs) {
		*out = spare;
		spare = NULL;
		return 0;
	}
	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return BK_ENOMEM;
	a->block_size = first_block ? first_block : 64 * 1024;
	*out = a;
	return 0;
}

/* bk__arena_reset - release all blocks but the first, keep the arena */
void
bk__arena_reset(bk__arena *a)
{
	struct block *b, *next;

	if (a == NULL || a->head == NULL)
		return;
	/* keep the oldest block (the last in the chain) for reuse */
	for (b = a->head; b->next != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = b;
	b->used = 0;
	a->total = b->size;
}

/* bk__arena_free - release the arena and everything allocated in it */
void
bk__arena_free(bk__arena *a)
{
	struct block *b, *next;

	if (a == NULL)
		return;
	if (spare == NULL && a->head != NULL) {
		bk__arena_reset(a);
		if (a->head->size == a->block_size) {
			spare = a;
			return;
		}
	}
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

/* bk__arena_alloc - uninitialised memory, NULL when out of memory */
void *
bk__arena_alloc(bk__arena *a, size_t size)
{
	struct block *b = a->head;
	size_t need, bsize;
	void *p;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX / 2)
		return NULL;
	need = ALIGN_UP(size);
	if (b == NULL || b->size - b->used < need) {
		bsize = a->block_size;
		if (need > bsize / 4)
			bsize = need;  /* big object: a block of its own */
		b = malloc(sizeof(*b) + bsize);
		if (b == NULL)
			return NULL;
		b->size = bsize;
		b->used = 0;
		if (need == bsize && a->head != NULL) {
			/* keep the current block as the allocation target */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
		a->total += bsize;
	}
	p = b->data + b->used;
	b->used += need;
	return p;
}

/* bk__arena_zalloc - zeroed memory */
void *
bk__arena_zalloc(bk__arena *a, size_t size)
{
	void *p = bk__arena_alloc(a, size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

/* bk__arena_memdup - copy @len bytes and add a NUL */
char *
bk__arena_memdup(bk__arena *a, const void *p, size_t len)
{
	char *q;

	if (len == SIZE_MAX)
		return NULL;
	q = bk__arena_alloc(a, len + 1);
	if (q == NULL)
		return NULL;
	if (len)
		memcpy(q, p, len);
	q[len] = '\0';
	return q;
}

/* bk__arena_used - bytes reserved by the arena's blocks */
size_t
bk__arena_used(const bk__arena *a)
{
	return a->total;
}
