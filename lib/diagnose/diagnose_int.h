/*
 * diagnose_int.h - what the diagnosis formatter (diagnose_format.c)
 * reads from the diagnosis beyond the public accessors.
 */
#ifndef BK_DIAGNOSE_INT_H
#define BK_DIAGNOSE_INT_H

#include "bouncekit/diagnose.h"

/* bk__diagnosis_record - the record diagnosed (borrowed) */
const bk_record *bk__diagnosis_record(const bk_diagnosis *d);

/* bk__diagnosis_classifier - the classifier given to new (borrowed) */
const bk_classifier *bk__diagnosis_classifier(const bk_diagnosis *d);

#endif /* BK_DIAGNOSE_INT_H */
