// SPDX-License-Identifier: GPL-2.0
/*
 * Small utilities of the selftests: printable integers, random contids,
 * a monotonic clock in milliseconds, iteration counts and seeds, the
 * kernel log.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
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

unsigned long stress_scale(unsigned long check, unsigned long stress)
{
	const char *v = getenv("ACID_STRESS");

	return v && strcmp(v, "1") == 0 ? stress : check;
}

uint64_t test_seed(uint64_t fallback)
{
	const char *v = getenv("ACID_SEED");
	char *end;
	uint64_t seed;

	if (!v || !*v)
		return fallback;
	errno = 0;
	seed = strtoull(v, &end, 0);
	if (errno || *end) {
		fprintf(stderr, "ACID_SEED=%s is not a number; using %" PRIu64 "\n", v, fallback);
		return fallback;
	}
	return seed;
}

uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

const char *kmsg_find(int fd, const char *const *needles)
{
	static char buf[8192];
	const char *seen = NULL;
	int k;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		buf[n] = 0;
		for (k = 0; !seen && needles[k]; k++)
			if (strstr(buf, needles[k]))
				seen = needles[k];
	}
	return seen;
}
