/*
 * bouncekit/errors.h - error codes shared by every module.
 *
 * Every function that can fail returns an int: 0 on success, a negative
 * BK_E* code otherwise.  The codes, their names and their messages come
 * from one X-macro list so that the three can never drift apart.
 */
#ifndef BOUNCEKIT_ERRORS_H
#define BOUNCEKIT_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(code, name, message) */
#define BK_ERROR_LIST(X)                                                   \
	X(0, BK_OK, "success")                                             \
	X(-1, BK_ERROR, "internal error")                                  \
	X(-2, BK_ENOMEM, "out of memory")                                  \
	X(-3, BK_EINVAL, "invalid argument")                               \
	X(-4, BK_EIO, "input/output error")                                \
	X(-5, BK_ETOOBIG, "input exceeds a configured limit")              \
	X(-6, BK_ENOTFOUND, "not found")                                   \
	X(-7, BK_ESYNTAX, "syntax error")                                  \
	X(-8, BK_EUNSUPPORTED, "unsupported")                              \
	X(-9, BK_EEOF, "end of input")                                     \
	X(-10, BK_EAGAIN, "temporarily unavailable, try again later")

enum bk_error {
#define BK_ERROR_ENUM(code, name, msg) name = (code),
	BK_ERROR_LIST(BK_ERROR_ENUM)
#undef BK_ERROR_ENUM
	BK_ERROR_LAST_ = -11
};

/**
 * bk_strerror - the message of an error code.
 * @param code  a BK_E* value (or 0).
 * @return a static string; "unknown error" for codes outside the list.
 */
const char *bk_strerror(int code);

/**
 * bk_error_name - the symbolic name of an error code ("BK_ENOMEM").
 * @return a static string; "BK_EUNKNOWN" for codes outside the list.
 */
const char *bk_error_name(int code);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_ERRORS_H */
