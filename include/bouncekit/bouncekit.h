/*
 * bouncekit/bouncekit.h - the whole public API in one include.
 */
#ifndef BOUNCEKIT_H
#define BOUNCEKIT_H

#define BK_VERSION_STRING "0.1.0"

#include "errors.h"
#include "limits.h"
#include "record.h"
#include "message.h"
#include "source.h"
#include "classify.h"
#include "format.h"
#include "report.h"

#endif /* BOUNCEKIT_H */
