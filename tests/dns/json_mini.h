/*
 * json_mini.h - a small JSON reader for the test drivers (not for
 * untrusted input: it reads the committed suite files).  Nesting is
 * bounded by JM_DEPTH.
 */
#ifndef JSON_MINI_H
#define JSON_MINI_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JM_DEPTH 32

enum jm_type { JM_NULL, JM_BOOL, JM_NUM, JM_STR, JM_ARR, JM_OBJ };

typedef struct jm {
	enum jm_type type;
	double num;
	char *str;                 /* JM_STR (NUL-terminated), key in objects */
	size_t len;
	struct jm **items;         /* JM_ARR / JM_OBJ values */
	char **keys;               /* JM_OBJ keys */
	size_t n;
} jm;

static void
jm_free(jm *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++) {
		jm_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

static void
jm_ws(const char **p)
{
	while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t')
		(*p)++;
}

static char *
jm_string(const char **p, size_t *lenp)
{
	const char *s = *p + 1;
	size_t cap = 64, n = 0;
	char *out = malloc(cap);

	while (*s && *s != '"') {
		unsigned long c = (unsigned char)*s++;

		if (c == '\\') {
			char e = *s++;

			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				char h[5] = { 0 };

				memcpy(h, s, 4);
				s += 4;
				c = strtoul(h, NULL, 16);
				if (c >= 0xd800 && c < 0xdc00 && s[0] == '\\' &&
				    s[1] == 'u') {
					unsigned long lo;

					memcpy(h, s + 2, 4);
					lo = strtoul(h, NULL, 16);
					s += 6;
					c = 0x10000 + ((c - 0xd800) << 10) +
					    (lo - 0xdc00);
				}
				break;
			}
			default: c = (unsigned char)e; break;
			}
			if (e == 'u' && c >= 0x80) {
				char u[4];
				size_t k = 0;

				if (c < 0x800) {
					u[k++] = (char)(0xc0 | (c >> 6));
				} else if (c < 0x10000) {
					u[k++] = (char)(0xe0 | (c >> 12));
					u[k++] = (char)(0x80 | ((c >> 6) & 63));
				} else {
					u[k++] = (char)(0xf0 | (c >> 18));
					u[k++] = (char)(0x80 | ((c >> 12) & 63));
					u[k++] = (char)(0x80 | ((c >> 6) & 63));
				}
				u[k++] = (char)(0x80 | (c & 63));
				if (n + k + 1 >= cap)
					out = realloc(out, cap *= 2);
				memcpy(out + n, u, k);
				n += k;
				continue;
			}
		}
		if (n + 2 >= cap)
			out = realloc(out, cap *= 2);
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (*s == '"')
		s++;
	*p = s;
	if (lenp)
		*lenp = n;
	return out;
}

static jm *jm_value(const char **p, int depth);

static void
jm_push(jm *v, jm *item, char *key)
{
	v->items = realloc(v->items, (v->n + 1) * sizeof(*v->items));
	if (v->type == JM_OBJ)
		v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
	v->items[v->n] = item;
	if (v->type == JM_OBJ)
		v->keys[v->n] = key;
	v->n++;
}

static jm *
jm_value(const char **p, int depth)
{
	jm *v;

	if (depth > JM_DEPTH)
		return NULL;
	jm_ws(p);
	v = calloc(1, sizeof(*v));
	switch (**p) {
	case '{':
	case '[': {
		char close = **p == '{' ? '}' : ']';

		v->type = **p == '{' ? JM_OBJ : JM_ARR;
		(*p)++;
		jm_ws(p);
		while (**p && **p != close) {
			char *key = NULL;
			jm *item;

			if (v->type == JM_OBJ) {
				jm_ws(p);
				key = jm_string(p, NULL);
				jm_ws(p);
				if (**p == ':')
					(*p)++;
			}
			item = jm_value(p, depth + 1);
			if (item == NULL) {
				free(key);
				jm_free(v);
				return NULL;
			}
			jm_push(v, item, key);
			jm_ws(p);
			if (**p == ',')
				(*p)++;
			jm_ws(p);
		}
		if (**p == close)
			(*p)++;
		return v;
	}
	case '"':
		v->type = JM_STR;
		v->str = jm_string(p, &v->len);
		return v;
	case 't':
		v->type = JM_BOOL;
		v->num = 1;
		*p += 4;
		return v;
	case 'f':
		v->type = JM_BOOL;
		*p += 5;
		return v;
	case 'n':
		v->type = JM_NULL;
		*p += 4;
		return v;
	default: {
		char *end;

		v->type = JM_NUM;
		v->num = strtod(*p, &end);
		if (end == *p) {
			free(v);
			return NULL;
		}
		*p = end;
		return v;
	}
	}
}

static jm *
jm_parse(const char *text)
{
	const char *p = text;

	return jm_value(&p, 0);
}

static const jm *
jm_get(const jm *o, const char *key)
{
	if (o == NULL || o->type != JM_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->keys[i], key) == 0)
			return o->items[i];
	return NULL;
}

static const char *
jm_str(const jm *v)
{
	return v && v->type == JM_STR ? v->str : NULL;
}

static char *
jm_slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	if (lenp)
		*lenp = (size_t)n;
	return buf;
}

#endif /* JSON_MINI_H */
