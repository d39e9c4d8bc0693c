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

/*
 * stress_scale() - @check in a normal run (make check), @stress when the
 * environment has ACID_STRESS=1 (make stress): the iteration counts of the
 * races, sweeps and fuzzing.
 */
unsigned long stress_scale(unsigned long check, unsigned long stress);

/*
 * test_seed() - the seed of a randomized test: ACID_SEED from the
 * environment, else @fallback (a fixed seed: make check replays the same
 * inputs).  Print it so that a failure replays with ACID_SEED=<seed>.
 */
uint64_t test_seed(uint64_t fallback);

/*
 * rng_next() - the next value of a xorshift64* generator in *@state (seeded
 * with test_seed(); never 0): the same seed gives the same sequence on every
 * host, unlike rand().
 */
uint64_t rng_next(uint64_t *state);

/*
 * kmsg_find() - read the kernel log from @fd (/dev/kmsg opened O_NONBLOCK)
 * up to its end: the first of the NULL-terminated @needles that a line
 * contains, or NULL.
 */
const char *kmsg_find(int fd, const char *const *needles);

#endif /* AUDIT_CONTAINERID_UTIL_H */
