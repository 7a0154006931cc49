/*
 * bktest.h - the smallest table-test harness that does the job.
 *
 * A test file defines cases as functions named test_<module>__<case> and
 * lists them in a BK_TEST_MAIN table.  Running the binary with a case name
 * runs that case alone.  Failures print the row, got and want.
 */
#ifndef BKTEST_H
#define BKTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int bkt_failures;
static const char *bkt_case;

#define BKT_FAIL(...)                                                      \
	do {                                                               \
		fprintf(stderr, "FAIL %s (%s:%d): ", bkt_case, __FILE__,   \
		    __LINE__);                                             \
		fprintf(stderr, __VA_ARGS__);                              \
		fputc('\n', stderr);                                       \
		bkt_failures++;                                            \
	} while (0)

#define BKT_CHECK(cond)                                                    \
	do {                                                               \
		if (!(cond))                                               \
			BKT_FAIL("%s", #cond);                             \
	} while (0)

#define BKT_EQ_INT(row, got, want)                                         \
	do {                                                               \
		long long g_ = (long long)(got), w_ = (long long)(want);   \
		if (g_ != w_)                                              \
			BKT_FAIL("[%s] %s: got %lld, want %lld", (row),    \
			    #got, g_, w_);                                 \
	} while (0)

/* Compare a (ptr, len) slice with a C string; NULL want means absent. */
#define BKT_EQ_STR(row, gptr, glen, want)                                  \
	do {                                                               \
		const char *gp_ = (gptr);                                  \
		size_t gl_ = (glen);                                       \
		const char *w_ = (want);                                   \
		if ((gp_ == NULL) != (w_ == NULL) ||                       \
		    (w_ != NULL && (gl_ != strlen(w_) ||                   \
			memcmp(gp_, w_, gl_) != 0)))                       \
			BKT_FAIL("[%s] %s: got \"%.*s\", want \"%s\"",     \
			    (row), #gptr, gp_ ? (int)gl_ : 4,              \
			    gp_ ? gp_ : "NULL", w_ ? w_ : "NULL");         \
	} while (0)

/* bkt_valid_utf8 - the whole NUL-terminated string is valid UTF-8 (the
 * shape of each sequence; output writers are checked against it) */
static inline int
bkt_valid_utf8(const unsigned char *p)
{
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p >> 5) == 6 ? 1 : (*p >> 4) == 14 ?
		    2 : (*p >> 3) == 30 ? 3 : -1;

		if (n < 0)
			return 0;
		p++;
		while (n-- > 0) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			p++;
		}
	}
	return 1;
}

struct bkt_entry {
	const char *name;
	void (*fn)(void);
};

/*
 * bkt_tz_set - run in the zone @tz (a POSIX TZ rule needs no zone files);
 * returns the old TZ for bkt_tz_restore (NULL: it was unset)
 */
static inline char *
bkt_tz_set(const char *tz)
{
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	setenv("TZ", tz, 1);
	tzset();
	return old;
}

/* bkt_tz_restore - back to the zone bkt_tz_set returned (and free it) */
static inline void
bkt_tz_restore(char *old)
{
	if (old != NULL) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

#define BK_TEST_MAIN(...)                                                  \
	int main(int argc, char **argv)                                    \
	{                                                                  \
		static const struct bkt_entry t_[] = { __VA_ARGS__ };      \
		size_t n_ = sizeof(t_) / sizeof(t_[0]), i_, ran_ = 0;      \
		for (i_ = 0; i_ < n_; i_++) {                              \
			if (argc > 1 && strcmp(argv[1], t_[i_].name) != 0) \
				continue;                                  \
			bkt_case = t_[i_].name;                            \
			t_[i_].fn();                                       \
			ran_++;                                            \
		}                                                          \
		printf("%zu cases, %d failures\n", ran_, bkt_failures);    \
		return (bkt_failures || ran_ == 0) ? 1 : 0;                \
	}

#define BKT(fn) { #fn, fn }

#endif /* BKTEST_H */
