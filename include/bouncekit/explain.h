/*
 * bouncekit/explain.h - a classified record explained for people.
 *
 * Turns a record that bk_classify() has filled into an explanation: a
 * one-line headline (what happened, who refused it, whose move it is),
 * what it means, the likely causes ranked with the evidence quoted, what
 * to check, the fix steps, retry advice and links.  The words come from
 * the classifier's knowledge (bouncekit-rules(5), `define`), so a user's
 * rules file can change them.  Text from the bounce is untrusted: control
 * bytes, escape sequences and invalid UTF-8 are printed as \xNN (text) or
 * escaped (JSON), never passed through.
 */
#ifndef BOUNCEKIT_EXPLAIN_H
#define BOUNCEKIT_EXPLAIN_H

#include <stdio.h>

#include "classify.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BK_EXPLAIN_JSON 1u     /* one JSON object per record, one line */
#define BK_EXPLAIN_COLOR 2u    /* ANSI colour in text output */

/**
 * bk_explain_format - write the explanation of @rec to @fp.
 * @param fp     output stream.
 * @param cls    the classifier that classified @rec (its knowledge).
 * @param rec    a classified record.
 * @param flags  BK_EXPLAIN_JSON, BK_EXPLAIN_COLOR.
 * @param width  text width in columns (0: 80; at least 40 is used).  No
 *               text line is wider: display columns are counted per code
 *               point (East Asian wide characters 2, an escaped byte
 *               \xNN 4), and a word longer than a line (a URL, a host
 *               name) is cut at the width, never inside a character or
 *               an escape, and continues on an indented line.
 * @return 0, BK_EINVAL, or BK_EIO when writing failed.
 */
int bk_explain_format(FILE *fp, const bk_classifier *cls,
    const bk_record *rec, unsigned flags, int width);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_EXPLAIN_H */
