/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small utilities of the selftests.
 */
#ifndef AUDIT_CONTAINERID_UTIL_H
#define AUDIT_CONTAINERID_UTIL_H

#include <stdint.h>

/*
 * u64_str() - @v in decimal, in one of 32 rotating buffers (several may be
 * used in one call).
 */
const char *u64_str(uint64_t v);

/* i64_str() - @v in signed decimal, in one of 16 rotating buffers. */
const char *i64_str(int64_t v);

/* random_contid() - a fresh random contid below 2^63, never 0 or unset. */
uint64_t random_contid(void);

/* now_ms() - CLOCK_MONOTONIC in milliseconds. */
long now_ms(void);

#endif /* AUDIT_CONTAINERID_UTIL_H */
