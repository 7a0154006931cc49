/*
 * bouncekit/format.h - writing records: JSON Lines (the machine contract,
 * versioned by BK_FORMAT_VERSION), CSV and text for people.
 */
#ifndef BOUNCEKIT_FORMAT_H
#define BOUNCEKIT_FORMAT_H

#include <stdio.h>

#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the JSON record layout; bumped on any incompatible change. */
#define BK_FORMAT_VERSION 1

typedef enum bk_format {
	BK_FORMAT_JSON = 0,
	BK_FORMAT_TEXT,
	BK_FORMAT_CSV
} bk_format;

/**
 * bk_format_header - what comes before the first record (the CSV header
 * row; nothing for the other formats).
 * @return 0 or BK_EIO.
 */
int bk_format_header(FILE *fp, bk_format fmt);

/**
 * bk_format_record - write one record.  Untrusted text is escaped: JSON
 * strings are valid UTF-8 with control characters escaped; text output
 * shows non-printable bytes as \xNN so nothing reaches a terminal raw.
 * @param origin  where the message came from (file path, "path:N").
 * @return 0 or BK_EIO.
 */
int bk_format_record(FILE *fp, bk_format fmt, const bk_record *rec,
    const char *origin);

/**
 * bk_format_read_json - read back one record that bk_format_record()
 * wrote as JSON (the stored events of bk_store, a JSON Lines file):
 * the members of the record contract are set, members it does not know
 * are skipped, a member left out stays unknown.  String slices point
 * into @scratch, which must hold @len bytes and outlive the record; they
 * are NUL-terminated there.
 * @param origin  receives the "origin" member (may be NULL).
 * @return 0; BK_ESYNTAX when @json is not one JSON object of the record
 * contract (bad JSON, a member of the wrong type, an unknown kind or
 * reason); BK_EUNSUPPORTED for another format_version; BK_ETOOBIG for
 * an unknown member nested deeper than 32.
 */
int bk_format_read_json(bk_record *rec, bk_str *origin, const char *json,
    size_t len, char *scratch);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_FORMAT_H */
