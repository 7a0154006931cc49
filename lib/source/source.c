/*
 * source.c - message sources: files, directory trees, mboxes, stdin.
 *
 * Directories are walked with an explicit stack of pending paths (no
 * recursion), entries sorted by name so the order is stable; dot files
 * and a Maildir's tmp/ are skipped.  Every regular file is read as a
 * stream of lines: if its first line is an mbox "From " separator, the
 * file is an mbox and each later separator (a "From " line after a blank
 * line, carrying a time of day) starts a new message; ">From " quoting
 * is undone the mboxrd way, which also reads mboxo correctly for the
 * headers and notification text that decoding needs.  Inside a message,
 * runs of lines that can be neither a separator nor quoted are found
 * with one memchr per line and copied in one piece (plain_lines); only
 * lines starting with '>', or with "From " after a blank line, are
 * looked at one by one.  The origin ("path:N") is written without
 * snprintf into a buffer made once per file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bouncekit/source.h"
#include "bouncekit/limits.h"
#include "util/util_int.h"

#define READ_CHUNK (64 * 1024)

struct bk_source {
	char **stack;              /* pending paths, last is next */
	unsigned char *isreg;      /* per path: 1 known to be a regular file
				    * (readdir said so: no stat needed) */
	size_t nstack, capstack;
	int fd;                    /* current file, -1 if none */
	int regular;               /* the current file is a regular file: a
				    * short read is its end */
	char *path;                /* current file path */
	int is_stdin;
	int is_mbox;
	int first_line;
	unsigned index;            /* message number inside an mbox */
	char *rbuf;                /* read buffer */
	size_t rlen, rpos;
	int eof;
	char *msg;                 /* current message bytes */
	size_t mlen, mcap;
	int mtrunc;
	char *pending;             /* a separator line read ahead */
	int has_pending;
	char *origin;              /* path, then ":<index>" for an mbox */
	size_t plen;               /* bytes of the path in origin */
	char err[512];
};

/* push - add a path to the pending stack (takes ownership); @isreg: a
 * directory entry of type DT_REG */
static int
push(bk_source *s, char *path, int isreg)
{
	if (s->nstack == s->capstack) {
		size_t ncap = s->capstack ? s->capstack * 2 : 16;
		char **n = realloc(s->stack, ncap * sizeof(*n));
		unsigned char *k;

		if (n == NULL) {
			free(path);
			return BK_ENOMEM;
		}
		s->stack = n;
		k = realloc(s->isreg, ncap);
		if (k == NULL) {
			free(path);
			return BK_ENOMEM;
		}
		s->isreg = k;
		s->capstack = ncap;
	}
	s->isreg[s->nstack] = (unsigned char)isreg;
	s->stack[s->nstack++] = path;
	return 0;
}

/* bk_source_new - see source.h */
int
bk_source_new(bk_source **out, const char *path, char **errmsg_out)
{
	bk_source *s;
	struct stat st;
	char *p;

	*out = NULL;
	if (errmsg_out)
		*errmsg_out = NULL;
	if (strcmp(path, "-") != 0 && stat(path, &st) != 0) {
		if (errmsg_out != NULL) {
			size_t n = strlen(path) + strlen(strerror(errno)) + 4;

			*errmsg_out = malloc(n);
			if (*errmsg_out)
				snprintf(*errmsg_out, n, "%s: %s", path,
				    strerror(errno));
		}
		return BK_EIO;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return BK_ENOMEM;
	s->fd = -1;
	s->rbuf = malloc(READ_CHUNK);
	p = strdup(path);
	if (s->rbuf == NULL || p == NULL || push(s, p, 0) != 0) {
		free(p);
		bk_source_free(s);
		return BK_ENOMEM;
	}
	*out = s;
	return 0;
}

/* bk_source_free - see source.h */
void
bk_source_free(bk_source *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->fd >= 0 && !s->is_stdin)
		close(s->fd);
	for (i = 0; i < s->nstack; i++)
		free(s->stack[i]);
	free(s->stack);
	free(s->isreg);
	free(s->path);
	free(s->rbuf);
	free(s->msg);
	free(s->pending);
	free(s->origin);
	free(s);
}

/* bk_source_errmsg - see source.h */
const char *
bk_source_errmsg(const bk_source *s)
{
	return s->err;
}

static int
cmp_names(const void *a, const void *b)
{
	/* the first byte of each is its type mark (expand_dir) */
	return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

/* expand_dir - push the sorted entries of a directory (reverse order) */
static int
expand_dir(bk_source *s, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, **nn;
	size_t n = 0, cap = 0, i, len;
	int rc = 0, has_cur = 0, has_new = 0;

	if (d == NULL) {
		snprintf(s->err, sizeof(s->err), "%s: %s", dir,
		    strerror(errno));
		return BK_EIO;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (strcmp(e->d_name, "cur") == 0)
			has_cur = 1;
		if (strcmp(e->d_name, "new") == 0)
			has_new = 1;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*nn));
			if (nn == NULL) {
				rc = BK_ENOMEM;
				break;
			}
			names = nn;
		}
		/* one byte ahead of the name says whether readdir knew it
		 * for a regular file (then no stat is needed) */
		len = strlen(e->d_name);
		names[n] = malloc(len + 2);
		if (names[n] == NULL) {
			rc = BK_ENOMEM;
			break;
		}
		names[n][0] = e->d_type == DT_REG ? 'f' : '?';
		memcpy(names[n] + 1, e->d_name, len + 1);
		n++;
	}
	closedir(d);
	if (rc == 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = n; rc == 0 && i-- > 0;) {
		char *full;

		const char *name = names[i] + 1;

		if (has_cur && has_new && strcmp(name, "tmp") == 0)
			continue;  /* Maildir: messages still being written */
		len = strlen(dir) + strlen(name) + 2;
		full = malloc(len);
		if (full == NULL) {
			rc = BK_ENOMEM;
			break;
		}
		snprintf(full, len, "%s%s%s", dir,
		    dir[strlen(dir) - 1] == '/' ? "" : "/", name);
		rc = push(s, full, names[i][0] == 'f');
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/*
 * set_origin - the origin buffer of the current file: its path, with room
 * for ":" and a message number (UINT_MAX has 10 digits)
 */
static int
set_origin(bk_source *s)
{
	size_t len = strlen(s->path), cap;
	char *o;

	if (bk__size_add(&cap, len, 16) != 0)
		return BK_ENOMEM;
	o = malloc(cap);
	if (o == NULL)
		return BK_ENOMEM;
	memcpy(o, s->path, len + 1);
	free(s->origin);
	s->origin = o;
	s->plen = len;
	return 0;
}

/* origin_index - "path:N" for message @n of an mbox, without snprintf */
static void
origin_index(bk_source *s, unsigned n)
{
	char tmp[16], *o = s->origin + s->plen;
	size_t i = sizeof(tmp);

	/* loop: one digit per pass, at most 10 */
	do {
		tmp[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0);
	*o++ = ':';
	memcpy(o, tmp + i, sizeof(tmp) - i);
	o[sizeof(tmp) - i] = '\0';
}

/*
 * open_next - pop paths until a regular file is open.
 * Returns 0, BK_EEOF, BK_EIO (with s->err) or BK_ENOMEM.
 */
static int
open_next(bk_source *s)
{
	struct stat st;
	char *path;
	int rc;

	while (s->nstack > 0) {
		int isreg = s->isreg[--s->nstack];

		path = s->stack[s->nstack];
		s->regular = 0;
		if (strcmp(path, "-") == 0) {
			s->fd = 0;
			s->is_stdin = 1;
		} else {
			if (isreg) {
				st.st_mode = S_IFREG;
			} else if (stat(path, &st) != 0) {
				snprintf(s->err, sizeof(s->err), "%s: %s",
				    path, strerror(errno));
				free(path);
				return BK_EIO;
			}
			if (S_ISDIR(st.st_mode)) {
				rc = expand_dir(s, path);
				free(path);
				if (rc != 0)
					return rc;
				continue;
			}
			s->regular = S_ISREG(st.st_mode);
			s->fd = open(path, O_RDONLY);
			if (s->fd < 0) {
				snprintf(s->err, sizeof(s->err), "%s: %s",
				    path, strerror(errno));
				free(path);
				return BK_EIO;
			}
			s->is_stdin = 0;
		}
		free(s->path);
		s->path = path;
		rc = set_origin(s);
		if (rc != 0)
			return rc;
		s->rlen = s->rpos = 0;
		s->eof = 0;
		s->is_mbox = 0;
		s->first_line = 1;
		s->index = 0;
		s->has_pending = 0;
		return 0;
	}
	return BK_EEOF;
}

/* close_cur - done with the current file */
static void
close_cur(bk_source *s)
{
	if (s->fd >= 0 && !s->is_stdin)
		close(s->fd);
	s->fd = -1;
}

/* append - add bytes to the current message, up to the limit */
static int
append(bk_source *s, const char *p, size_t len)
{
	/* nothing to add: s->msg may still be NULL (NULL + 0 is undefined) */
	if (len == 0)
		return 0;
	if (s->mlen + len > BK_LIMIT_MESSAGE_BYTES) {
		s->mtrunc = 1;
		len = BK_LIMIT_MESSAGE_BYTES - s->mlen;
		if (len == 0)
			return 0;
	}
	if (s->mlen + len > s->mcap) {
		size_t ncap = s->mcap ? s->mcap : 64 * 1024;
		char *n;

		while (ncap < s->mlen + len)
			ncap *= 2;
		n = realloc(s->msg, ncap);
		if (n == NULL)
			return BK_ENOMEM;
		s->msg = n;
		s->mcap = ncap;
	}
	memcpy(s->msg + s->mlen, p, len);
	s->mlen += len;
	return 0;
}

/*
 * read_line - the next line (with its LF) as a slice of the read buffer,
 * or of an assembled copy when it spans reads.  Returns 0, BK_EEOF, BK_EIO.
 * Lines longer than the buffer are returned in pieces; *whole says
 * whether the piece starts a line.
 */
static int
read_line(bk_source *s, const char **line, size_t *len, int *starts)
{
	static const int dummy = 0;
	const char *nl;
	ssize_t r;

	(void)dummy;
	for (;;) {
		if (s->rpos < s->rlen) {
			nl = memchr(s->rbuf + s->rpos, '\n', s->rlen - s->rpos);
			if (nl != NULL || s->eof || s->rpos > 0 ||
			    s->rlen == READ_CHUNK) {
				size_t end = nl ? (size_t)(nl - s->rbuf) + 1 :
				    s->rlen;

				if (nl == NULL && !s->eof && s->rpos > 0) {
					/* move the partial line to the front */
					memmove(s->rbuf, s->rbuf + s->rpos,
					    s->rlen - s->rpos);
					s->rlen -= s->rpos;
					s->rpos = 0;
					goto fill;
				}
				*line = s->rbuf + s->rpos;
				*len = end - s->rpos;
				*starts = s->first_line;
				s->first_line = nl != NULL;
				s->rpos = end;
				return 0;
			}
		} else if (s->eof) {
			return BK_EEOF;
		} else {
			s->rpos = s->rlen = 0;
		}
fill:
		r = read(s->fd, s->rbuf + s->rlen, READ_CHUNK - s->rlen);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(s->err, sizeof(s->err), "%s: %s", s->path,
			    strerror(errno));
			return BK_EIO;
		}
		if (r == 0)
			s->eof = 1;
		s->rlen += (size_t)r;
	}
}

/* is_separator - an mbox "From " line: "From <addr> ... hh:mm" */
static int
is_separator(const char *p, size_t len)
{
	const char *q = p + 5, *end = p + len, *c;

	if (len < 6 || memcmp(p, "From ", 5) != 0)
		return 0;
	/* loop: q moves past each ':' of the line (memchr finds them) */
	while (end - q > 2 && (c = memchr(q, ':', (size_t)(end - q - 2)))
	    != NULL) {
		if (bk__is(c[-1], BK_C_DIGIT) && bk__is(c[1], BK_C_DIGIT))
			return 1;
		q = c + 1;
	}
	return 0;
}

/*
 * plain_lines - inside an mbox message, the bytes of the whole lines at
 * the start of @p (@n bytes, @p at a line start) that are copied as they
 * are: every line up to one that starts with '>' (maybe a quoted "From "),
 * one that starts with "From " after a blank line (maybe a separator), or
 * one not ended within @p.  *@blank is updated to whether the last line
 * taken was blank.  One memchr per line, no other pass over its bytes.
 */
static size_t
plain_lines(const char *p, size_t n, int *blank)
{
	size_t i = 0, len;
	const char *nl;

	/* invariant: i is a line start; each pass takes one whole line */
	while (i < n) {
		if (p[i] == '>' || (*blank && p[i] == 'F' && n - i >= 5 &&
		    memcmp(p + i, "From ", 5) == 0))
			break;
		nl = memchr(p + i, '\n', n - i);
		if (nl == NULL)
			break;
		len = (size_t)(nl - (p + i)) + 1;
		*blank = len == 1 || (len == 2 && p[i] == '\r');
		i += len;
	}
	return i;
}

/*
 * slurp_single - a file that does not start with an mbox separator is one
 * message: read it whole, without splitting lines.  Returns 1 when the
 * message was read (the file is closed), 0 for an mbox (nothing consumed
 * beyond the read buffer), or BK_EIO / BK_ENOMEM.
 */
static int
slurp_single(bk_source *s)
{
	ssize_t r;

	/* loop: fill the read buffer until it holds 5 bytes or EOF */
	while (s->rlen < 5 && !s->eof) {
		r = read(s->fd, s->rbuf + s->rlen, READ_CHUNK - s->rlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(s->err, sizeof(s->err), "%s: %s", s->path,
			    strerror(errno));
			return BK_EIO;
		}
		/* a regular file gives all it has: a short read is its end,
		 * and saves the read that would return 0 */
		if (r == 0 || (s->regular &&
		    (size_t)r < READ_CHUNK - s->rlen))
			s->eof = 1;
		s->rlen += (size_t)r;
	}
	if (s->rlen >= 5 && memcmp(s->rbuf, "From ", 5) == 0)
		return 0;
	if (append(s, s->rbuf, s->rlen) != 0)
		return BK_ENOMEM;
	s->rpos = s->rlen;
	/* loop: each read moves forward until EOF */
	while (!s->eof) {
		r = read(s->fd, s->rbuf, READ_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(s->err, sizeof(s->err), "%s: %s", s->path,
			    strerror(errno));
			return BK_EIO;
		}
		if (r == 0)
			s->eof = 1;
		else if (append(s, s->rbuf, (size_t)r) != 0)
			return BK_ENOMEM;
	}
	close_cur(s);
	return 1;
}

/* bk_source_next - see source.h */
int
bk_source_next(bk_source *s, const char **data, size_t *len,
    const char **origin)
{
	const char *line;
	size_t llen;
	int rc, starts, prev_blank = 1, have = 0;

	for (;;) {
		if (s->fd < 0) {
			rc = open_next(s);
			if (rc != 0)
				return rc;
		}
		s->mlen = 0;
		s->mtrunc = 0;
		if (s->index == 0 && !s->has_pending) {
			rc = slurp_single(s);
			if (rc == 1) {
				have = 1;
				goto done;
			}
			if (rc < 0) {
				close_cur(s);
				return rc;
			}
		}
		if (s->has_pending) {
			s->has_pending = 0;
			have = 1;
		}
		/* loop: every pass consumes at least one line of the file */
		for (;;) {
			/* lines that need no look: taken in one append */
			if (s->is_mbox && have && s->first_line &&
			    s->rpos < s->rlen) {
				size_t n = plain_lines(s->rbuf + s->rpos,
				    s->rlen - s->rpos, &prev_blank);

				rc = append(s, s->rbuf + s->rpos, n);
				if (rc != 0)
					return rc;
				s->rpos += n;
				if (n > 0)
					continue;
			}
			rc = read_line(s, &line, &llen, &starts);
			if (rc == BK_EEOF)
				break;
			if (rc != 0) {
				close_cur(s);
				return rc;
			}
			if (starts && llen >= 5 && line[0] == 'F' &&
			    is_separator(line, llen)) {
				if (s->index == 0 && !have && s->mlen == 0) {
					s->is_mbox = 1;
					have = 1;
					prev_blank = 1;
					continue;
				}
				if (s->is_mbox && prev_blank) {
					s->has_pending = 1;
					break;
				}
			}
			if (s->is_mbox && starts && line[0] == '>') {
				size_t k = 0;

				while (k < llen && line[k] == '>')
					k++;
				if (llen - k >= 5 && memcmp(line + k,
				    "From ", 5) == 0) {
					line++;
					llen--;
				}
			}
			prev_blank = starts && (llen == 1 || (llen == 2 &&
			    line[0] == '\r'));
			if (append(s, line, llen) != 0)
				return BK_ENOMEM;
			have = 1;
		}
		if (!s->has_pending)
			close_cur(s);
done:
		if (!have && !s->is_mbox && s->index == 0) {
			/* an empty file is still a message: report it */
			have = 1;
		}
		if (!have)
			continue;
		s->index++;
		if (s->is_mbox)
			origin_index(s, s->index);
		else
			s->origin[s->plen] = '\0';
		if (s->is_mbox && s->mlen > 0 && s->msg[s->mlen - 1] == '\n' &&
		    s->has_pending)
			s->mlen--;   /* the blank line before "From " */
		*data = s->msg ? s->msg : "";
		*len = s->mlen;
		*origin = s->origin;
		return s->mtrunc ? BK_ETOOBIG : 0;
	}
}
