/*
 * fuzz_util.h - helpers shared by the fuzz targets (tests only).
 *
 * fz_tmpfile: one private temporary file per process, rewritten with
 * each input, for entry points that read a path (sources, rules files).
 * fz_reply: a DNS reply message with the question and one TXT answer
 * made of the given bytes (split into character-strings of 255), or an
 * NXDOMAIN reply, for resolver backends that answer from fuzz input.
 * fz_split: the input cut at the first "\n--\n" (a DNS answer or key
 * record before, a message after).
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fz_path[64];

/* fz_unlink - remove the temporary file at exit */
static inline void
fz_unlink(void)
{
	if (fz_path[0] != '\0')
		unlink(fz_path);
}

/* fz_tmpfile - write @size bytes to this process's temporary file */
static inline const char *
fz_tmpfile(const uint8_t *data, size_t size)
{
	const char *path = fz_path;
	FILE *fp;

	if (fz_path[0] == '\0') {
		int fd;

		snprintf(fz_path, sizeof(fz_path), "/tmp/bk-fuzz-XXXXXX");
		fd = mkstemp(fz_path);
		if (fd < 0) {
			fz_path[0] = '\0';
			return NULL;
		}
		close(fd);
		atexit(fz_unlink);
	}
	fp = fopen(path, "wb");
	if (fp == NULL)
		return NULL;
	if (size > 0 && fwrite(data, 1, size, fp) != size) {
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	return path;
}

/* fz_split - cut at the first "\n--\n"; *rest is empty when absent */
static inline void
fz_split(const uint8_t *data, size_t size, size_t *head_len,
    const uint8_t **rest, size_t *rest_len)
{
	size_t i;

	for (i = 0; i + 4 <= size; i++) {
		if (memcmp(data + i, "\n--\n", 4) == 0) {
			*head_len = i;
			*rest = data + i + 4;
			*rest_len = size - i - 4;
			return;
		}
	}
	*head_len = size;
	*rest = data + size;
	*rest_len = 0;
}

/* fz_name - append @name in wire form; 0 or -1 when it does not fit */
static inline int
fz_name(unsigned char *buf, size_t cap, size_t *at, const char *name)
{
	const char *p = name;

	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63 || *at + 1 + l >= cap)
			return -1;
		buf[(*at)++] = (unsigned char)l;
		memcpy(buf + *at, p, l);
		*at += l;
		p += l;
		if (*p == '.')
			p++;
	}
	if (*at + 1 > cap)
		return -1;
	buf[(*at)++] = 0;
	return 0;
}

/*
 * fz_reply - a reply to (@name, @type): one TXT answer of @txt when
 * @txt is not NULL and @type is TXT, NXDOMAIN otherwise.  Returns the
 * length, 0 when it does not fit.
 */
static inline size_t
fz_reply(unsigned char *buf, size_t cap, const char *name, int type,
    const uint8_t *txt, size_t txtlen)
{
	size_t at = 12, rdlen_at, i;
	int answer = txt != NULL && type == 16;

	if (cap < 512)
		return 0;
	memset(buf, 0, 12);
	buf[2] = 0x81;                     /* QR RD */
	buf[3] = answer ? 0x80 : 0x83;     /* RA, NOERROR or NXDOMAIN */
	buf[5] = 1;                        /* QDCOUNT */
	buf[7] = answer ? 1 : 0;           /* ANCOUNT */
	if (fz_name(buf, cap, &at, name) != 0 || at + 4 > cap)
		return 0;
	buf[at++] = (unsigned char)(type >> 8);
	buf[at++] = (unsigned char)type;
	buf[at++] = 0;
	buf[at++] = 1;
	if (!answer)
		return at;
	if (at + 12 > cap)
		return 0;
	buf[at++] = 0xc0;                  /* owner: the question's name */
	buf[at++] = 12;
	buf[at++] = 0;
	buf[at++] = 16;
	buf[at++] = 0;
	buf[at++] = 1;
	buf[at++] = 0;
	buf[at++] = 0;
	buf[at++] = 0x0e;
	buf[at++] = 0x10;                  /* TTL 3600 */
	rdlen_at = at;
	at += 2;
	/* invariant: i <= txtlen; each step writes at most 256 bytes */
	for (i = 0; i < txtlen || i == 0;) {
		size_t n = txtlen - i > 255 ? 255 : txtlen - i;

		if (at + 1 + n > cap || at - rdlen_at - 2 + 1 + n > 65535)
			break;
		buf[at++] = (unsigned char)n;
		memcpy(buf + at, txt + i, n);
		at += n;
		i += n;
		if (n == 0)
			break;
	}
	buf[rdlen_at] = (unsigned char)((at - rdlen_at - 2) >> 8);
	buf[rdlen_at + 1] = (unsigned char)(at - rdlen_at - 2);
	return at;
}

#endif /* FUZZ_UTIL_H */
