// SPDX-License-Identifier: GPL-2.0
/*
 * Small utilities of the selftests: printable integers, random contids,
 * a monotonic clock in milliseconds.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/random.h>

#include "util.h"

/* A printable u64; a ring of buffers so several can be used in one call. */
const char *u64_str(uint64_t v)
{
	static char ring[32][24];
	static unsigned int next;
	char *b = ring[next++ % 32];

	snprintf(b, 24, "%" PRIu64, v);
	return b;
}

const char *i64_str(int64_t v)
{
	static char ring[16][24];
	static unsigned int next;
	char *b = ring[next++ % 16];

	snprintf(b, 24, "%" PRId64, v);
	return b;
}

/* A random contid, never the unset value; different for every call. */
uint64_t random_contid(void)
{
	uint64_t v;

	do {
		if (getrandom(&v, sizeof(v), 0) != sizeof(v))
			v = ((uint64_t)rand() << 32) ^ (uint64_t)rand() ^
			    (uint64_t)time(NULL);
		/* Keep it below 2^63 so that it also prints the same signed. */
		v &= 0x7fffffffffffffffULL;
	} while (v == 0);
	return v;
}

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}
