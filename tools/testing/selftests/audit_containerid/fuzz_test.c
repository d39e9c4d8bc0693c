// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzing (issue 12): every input either does what the documentation says
 * or is refused with the documented errno, and nothing else changes.
 *
 *  - proc_write: random and mutated writes to /proc/<pid>/containerid
 *    (decimal values near 0, 2^63, 2^64-1 and 2^64, mutated by inserted,
 *    deleted and replaced bytes, blanks, newlines, signs, 0x, leading
 *    zeros, NUL and high bytes, inputs up to beyond a page), written whole,
 *    at non-zero offsets, or split over several write() calls on one open
 *    file.  An oracle, a model of Documentation/admin-guide/
 *    audit-containerid.rst ("one write(2) at offset 0 containing decimal
 *    digits, optionally followed by one newline", fewer than PAGE_SIZE
 *    bytes, the unset value refused, a contid set once), predicts each
 *    write's result; the target's file is read back after every input:
 *    the accepted value, or still unset;
 *  - proc_read: reads of the file of tagged and untagged targets with
 *    random sizes and offsets (read, pread, lseek) return exactly the part
 *    of the decimal text that the offset and size select;
 *  - rules: random audit rules with containerid fields (lists, actions,
 *    operators, value lengths, buffer sizes, several fields, with pid,
 *    uid, arch, key and syscalls) sent as AUDIT_ADD_RULE.  The oracle
 *    models DESIGN.md (exit, exclude and user lists, = and != only, the
 *    u64 as 8 bytes in the buffer) and kernel/auditfilter.c for the other
 *    fields; a refused rule gets its errno for AUDIT_DEL_RULE too, an
 *    accepted one is EEXIST when added again, listed back exactly once
 *    and exactly (AUDIT_LIST_RULES), not deleted by a rule that differs
 *    only in a contid value, deleted, and ENOENT when deleted again.
 *
 * Every count is stress_scale(): make stress runs 100,000 proc inputs and
 * 20,000 rules.  The inputs come from test_seed(): a mismatch logs the
 * seed, the iteration and the input in hex, and ACID_SEED=<seed> replays
 * it.  At the end the counters of /proc/audit_containerid are back to
 * their start and the rule lists are as they were.
 */
#include <sys/utsname.h>

#include "common.h"
#include "../kselftest_harness.h"

/* Inputs up to a little beyond a page. */
#define FUZZ_MAX 4200
/* Untagged childless targets ready for a write. */
#define POOL 4
/* Mismatches logged before a test gives up. */
#define MAX_MISMATCH 8

FIXTURE(fuzz) {
	int nl;
	long base_tasks, base_objects, base_netns;
	uint64_t seed, rng;
};

FIXTURE_SETUP(fuzz)
{
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	self->nl = audit_netlink_open();
	ASSERT_LE(0, self->nl);
	counters_read_all(_metadata, &self->base_tasks, &self->base_objects, &self->base_netns);
	self->seed = test_seed(0x12f022);
	self->rng = self->seed;
	TH_LOG("seed %" PRIu64 " (replay with ACID_SEED=%" PRIu64 ")", self->seed, self->seed);
}

FIXTURE_TEARDOWN(fuzz)
{
	reap_all();
	close(self->nl);
}

static uint64_t rnd(FIXTURE_DATA(fuzz) *self, uint64_t n)
{
	return n ? rng_next(&self->rng) % n : 0;
}

/* hex_dump() - @len bytes of @p in hex, shortened past 96 bytes. */
static const char *hex_dump(const void *p, size_t len)
{
	static char out[96 * 2 + 64];
	const unsigned char *b = p;
	size_t i, n = len > 96 ? 96 : len;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	if (n < len)
		sprintf(out + 2 * n, "...(%zu bytes)", len);
	else
		out[2 * n] = 0;
	return out;
}

/* ---------------------------------------------------------------------
 * The oracle of /proc/<pid>/containerid writes
 */

/*
 * oracle_parse() - what the documentation says of @len bytes written at
 * @off: 0 and the value in *@val, or EINVAL/ERANGE.  The unset value is a
 * number here; it is refused later (oracle_write()).
 */
static int oracle_parse(const unsigned char *b, size_t len, off_t off, uint64_t *val)
{
	uint64_t v = 0;
	bool over = false;
	size_t i;

	if (off != 0 || len >= (size_t)sysconf(_SC_PAGESIZE))
		return EINVAL;
	if (len && b[len - 1] == '\n')
		len--;
	if (!len)
		return EINVAL;
	for (i = 0; i < len; i++) {
		if (b[i] < '0' || b[i] > '9')
			return EINVAL;
		if (v > (UINT64_MAX - (b[i] - '0')) / 10)
			over = true;
		else
			v = v * 10 + (b[i] - '0');
	}
	if (over)
		return ERANGE;
	*val = v;
	return 0;
}

/*
 * oracle_write() - the result of writing @len bytes at @off to an
 * untagged, childless descendant of the writer whose contid is *@tag
 * (unset if not yet set by an earlier write of this input).
 */
static int oracle_write(const unsigned char *b, size_t len, off_t off, uint64_t *tag)
{
	uint64_t v;
	int err = oracle_parse(b, len, off, &v);

	if (err)
		return err;
	if (v == AUDIT_CID_UNSET)
		return EINVAL;
	if (*tag != AUDIT_CID_UNSET)
		return EEXIST;
	*tag = v;
	return 0;
}

/* The values the inputs start from. */
static const char *const seeds[] = {
	"0", "1", "2", "9", "10", "9223372036854775807", "9223372036854775808",
	"9223372036854775809", "18446744073709551613", "18446744073709551614",
	"18446744073709551615", "18446744073709551616", "18446744073709551617",
	"18446744073709551620", "99999999999999999999", "100000000000000000000",
	"4294967295", "4294967296",
};

static const unsigned char interesting[] = {
	'0', '1', '5', '9', ' ', '\t', '\n', '\r', '\v', '\f', '+', '-', 'x', 'X', 'a', 'f',
	'.', 0, 0x7f, 0x80, 0xff, 0xc0, '/', ':',
};

/* fuzz_value() - a random decimal value into @b; its length. */
static size_t fuzz_value(FIXTURE_DATA(fuzz) *self, unsigned char *b)
{
	uint64_t v;

	switch (rnd(self, 4)) {
	case 0:
		v = rnd(self, 1000);
		break;
	case 1:
		v = rng_next(&self->rng);
		break;
	case 2:
		v = (1ULL << 63) - 8 + rnd(self, 16);
		break;
	default: {
		const char *s = seeds[rnd(self, ARRAY_SIZE(seeds))];

		memcpy(b, s, strlen(s));
		return strlen(s);
	}
	}
	return sprintf((char *)b, "%" PRIu64, v);
}

/* insert() - insert @n bytes of @what at @at into @b of *@len bytes. */
static void insert(unsigned char *b, size_t *len, size_t at, const void *what, size_t n)
{
	if (*len + n > FUZZ_MAX)
		n = FUZZ_MAX - *len;
	memmove(b + at + n, b + at, *len - at);
	memcpy(b + at, what, n);
	*len += n;
}

/*
 * fuzz_input() - a value, unchanged a quarter of the time, else with one
 * to four mutations; its length.
 */
static size_t fuzz_input(FIXTURE_DATA(fuzz) *self, unsigned char *b)
{
	static unsigned char zeros[FUZZ_MAX];
	size_t len = fuzz_value(self, b);
	int m, nmut = rnd(self, 4) ? 1 + (int)rnd(self, 4) : 0;

	if (!zeros[0])
		memset(zeros, '0', sizeof(zeros));
	if (rnd(self, 4) == 0 && len < FUZZ_MAX)
		b[len++] = '\n';
	for (m = 0; m < nmut; m++) {
		unsigned char c = interesting[rnd(self, sizeof(interesting))];
		size_t at = rnd(self, len + 1);

		switch (rnd(self, 11)) {
		case 0:	/* insert an interesting byte */
			insert(b, &len, at, &c, 1);
			break;
		case 1:	/* insert any byte */
			c = rnd(self, 256);
			insert(b, &len, at, &c, 1);
			break;
		case 2:	/* delete */
			if (len) {
				at = rnd(self, len);
				memmove(b + at, b + at + 1, len - at - 1);
				len--;
			}
			break;
		case 3:	/* replace */
			if (len)
				b[rnd(self, len)] = c;
			break;
		case 4:	/* leading blank or newline */
			insert(b, &len, 0, " \t\n" + rnd(self, 3), 1);
			break;
		case 5:	/* trailing blanks and newlines */
			insert(b, &len, len, "\n\n \t" + rnd(self, 4), 1 + rnd(self, 2));
			break;
		case 6:	/* a sign */
			insert(b, &len, 0, "+-" + rnd(self, 2), 1);
			break;
		case 7:	/* hex */
			insert(b, &len, 0, "0x", 2);
			break;
		case 8:	/* a few leading zeros */
			insert(b, &len, 0, zeros, 1 + rnd(self, 30));
			break;
		case 9:	/* long: leading zeros up to around a page */
			insert(b, &len, 0, zeros, 4096 - 8 - len + rnd(self, 16));
			break;
		default:	/* a NUL or a high byte at the end */
			insert(b, &len, len, rnd(self, 2) ? "\0" : "\xff", 1);
			break;
		}
	}
	return len;
}

/* One target of the pool: untagged, childless, ours. */
static void pool_start(struct __test_metadata *_metadata, struct target *t)
{
	ASSERT_LT(0, target_start(t));
}

/* The counts of a run, per result. */
struct tally {
	unsigned long n, ok, einval, erange, eexist, other;
};

static void tally_add(struct tally *t, int err)
{
	t->n++;
	switch (err) {
	case 0:
		t->ok++;
		break;
	case EINVAL:
		t->einval++;
		break;
	case ERANGE:
		t->erange++;
		break;
	case EEXIST:
		t->eexist++;
		break;
	default:
		t->other++;
	}
}

TEST_F_TIMEOUT(fuzz, proc_write, 7200)
{
	unsigned long iters = stress_scale(2000, 100000), it;
	static unsigned char in[FUZZ_MAX + 8];
	struct target pool[POOL];
	struct tally tl = {};
	char path[64];
	int i, mismatches = 0;
	long start = now_ms();

	for (i = 0; i < POOL; i++)
		pool_start(_metadata, &pool[i]);
	for (it = 0; it < iters && mismatches < MAX_MISMATCH; it++) {
		struct target *t = &pool[rnd(self, POOL)];
		size_t len = fuzz_input(self, in), done = 0;
		/*
		 * 0-6: one write(); 7: split over write() calls; 8: split
		 * over pwrite() calls at offset 0 (a second value is EEXIST);
		 * 9: split over pwrite() calls at other offsets.
		 */
		int how = rnd(self, 10), nwrites = how < 7 ? 1 : 2 + rnd(self, 3), w, fd;
		uint64_t want = AUDIT_CID_UNSET, got = 0;
		char what[96];

		contid_path(path, sizeof(path), t->pid, 0);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("open %s: %s", path, strerror(errno));
		for (w = 0; w < nwrites; w++) {
			/* The last write takes the rest; the others a part. */
			size_t n = w == nwrites - 1 ? len - done : rnd(self, len - done + 1);
			off_t off = how == 9 ? 1 + rnd(self, 8192) : 0;
			bool pw = how >= 8;
			off_t pos = lseek(fd, 0, SEEK_CUR);
			ssize_t rc;
			int err, exp;

			ASSERT_LE(0, pos);
			if (pw) {
				rc = pwrite(fd, in + done, n, off);
				exp = oracle_write(in + done, n, off, &want);
			} else {
				rc = write(fd, in + done, n);
				exp = oracle_write(in + done, n, pos, &want);
			}
			err = rc < 0 ? errno : 0;
			if (rc >= 0 && (size_t)rc != n)
				err = -1;
			tally_add(&tl, err);
			snprintf(what, sizeof(what), "write %d of %d, %zu bytes at %zu, offset %jd",
				 w + 1, nwrites, n, done, (intmax_t)(pw ? off : pos));
			EXPECT_EQ(exp, err) TH_LOG("seed %" PRIu64 " iteration %lu: %s: %s",
						    self->seed, it, what, hex_dump(in + done, n));
			if (exp != err)
				mismatches++;
			done += n;
		}
		close(fd);
		ASSERT_EQ(0, contid_get(t->pid, &got));
		EXPECT_EQ(want, got) TH_LOG("seed %" PRIu64 " iteration %lu: read back of %s",
					    self->seed, it, hex_dump(in, len));
		if (want != got)
			mismatches++;
		if (got != AUDIT_CID_UNSET) {
			/* Set once: a tagged target is replaced. */
			ASSERT_EQ(0, target_stop(t));
			pool_start(_metadata, t);
		}
	}
	TH_LOG("%lu inputs, %lu writes in %ld ms: %lu accepted, EINVAL %lu, ERANGE %lu, "
	       "EEXIST %lu, other %lu", it, tl.n, now_ms() - start, tl.ok, tl.einval, tl.erange,
	       tl.eexist, tl.other);
	EXPECT_EQ(0, tl.other);
	/* Both ways happened, so the oracle was tested on each. */
	EXPECT_LT(0, tl.ok);
	EXPECT_LT(0, tl.erange);
	EXPECT_LT(0, tl.eexist);
	for (i = 0; i < POOL; i++)
		EXPECT_EQ(0, target_stop(&pool[i]));
	expect_counters(_metadata, self->base_tasks, self->base_objects, self->base_netns,
			10000);
}

/*
 * check_read() - a read of @got (-1: errno) bytes of @buf at @pos of a
 * file whose text is @text, asked for @n bytes, is the part of @text the
 * offset and size select.
 */
static bool check_read(const char *text, off_t pos, size_t n, ssize_t got, const char *buf)
{
	size_t tl = strlen(text);
	size_t want = (size_t)pos >= tl ? 0 : tl - pos < n ? tl - pos : n;

	return got >= 0 && (size_t)got == want && !memcmp(buf, text + pos, want);
}

TEST_F_TIMEOUT(fuzz, proc_read, 3600)
{
	unsigned long iters = stress_scale(500, 30000), it;
	struct target pool[POOL];
	char text[POOL][32], path[64], buf[64];
	int i;

	for (i = 0; i < POOL; i++) {
		uint64_t id = i == 0 ? AUDIT_CID_UNSET : i == 1 ? 0 : random_contid();

		ASSERT_LT(0, target_start_tagged(_metadata, &pool[i], id));
		snprintf(text[i], sizeof(text[i]), "%" PRIu64, id);
	}
	for (it = 0; it < iters; it++) {
		int k = rnd(self, POOL), ops = 1 + rnd(self, 4), o, fd;
		off_t pos = 0;

		contid_path(path, sizeof(path), pool[k].pid, 0);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		for (o = 0; o < ops; o++) {
			size_t n = rnd(self, 4) ? rnd(self, 24) : rnd(self, sizeof(buf) + 1);
			off_t off = rnd(self, 2) ? rnd(self, 24) : rnd(self, 1 << 20);
			ssize_t got;

			memset(buf, 0x5a, sizeof(buf));
			switch (rnd(self, 3)) {
			case 0:
				got = pread(fd, buf, n, off);
				EXPECT_TRUE(check_read(text[k], off, n, got, buf))
					TH_LOG("seed %" PRIu64 " iteration %lu: pread(%zu, %jd) of "
					       "\"%s\": %zd", self->seed, it, n, (intmax_t)off,
					       text[k], got);
				break;
			case 1:
				ASSERT_EQ(off, lseek(fd, off, SEEK_SET));
				pos = off;
				/* fall through */
			default:
				got = read(fd, buf, n);
				EXPECT_TRUE(check_read(text[k], pos, n, got, buf))
					TH_LOG("seed %" PRIu64 " iteration %lu: read(%zu) at "
					       "%jd of \"%s\": %zd", self->seed, it, n,
					       (intmax_t)pos, text[k], got);
				if (got > 0)
					pos += got;
				break;
			}
			if (_metadata->exit_code != KSFT_PASS)
				break;
		}
		close(fd);
		if (_metadata->exit_code != KSFT_PASS)
			break;
	}
	TH_LOG("%lu read sequences", it);
	for (i = 0; i < POOL; i++)
		EXPECT_EQ(0, target_stop(&pool[i]));
	expect_counters(_metadata, self->base_tasks, self->base_objects, self->base_netns,
			10000);
}

/* ---------------------------------------------------------------------
 * Rules
 */

/* The operators of struct audit_rule_data's fieldflags, and junk. */
static const uint32_t ops[] = {
	AUDIT_EQUAL, AUDIT_NOT_EQUAL, AUDIT_BIT_MASK, AUDIT_BIT_TEST, AUDIT_LESS_THAN,
	AUDIT_GREATER_THAN, AUDIT_LESS_THAN_OR_EQUAL, AUDIT_GREATER_THAN_OR_EQUAL, 0,
	0x70000000, 0x40000001,
};

static bool op_valid(uint32_t op)
{
	return op && op != 0x70000000 && op != 0x40000001;
}

static bool op_eq_ne(uint32_t op)
{
	return op == AUDIT_EQUAL || op == AUDIT_NOT_EQUAL;
}

/* A rule as sent, and as it must be listed back. */
struct fuzz_rule {
	struct rule_buffer sent, want;
	size_t size;		/* bytes sent */
	int err;		/* the oracle's errno */
	bool has_contid;
	int contid_at;		/* offset of the first contid value in buf */
};

/* The lists: those a contid is valid on first. */
static const uint32_t lists[] = {
	AUDIT_FILTER_EXIT, AUDIT_FILTER_USER, AUDIT_FILTER_EXCLUDE, AUDIT_FILTER_TASK,
	AUDIT_FILTER_FS, AUDIT_FILTER_URING_EXIT, AUDIT_FILTER_ENTRY, 3, 8, 0x1f,
};

static bool contid_list(uint32_t l)
{
	return l == AUDIT_FILTER_EXIT || l == AUDIT_FILTER_USER || l == AUDIT_FILTER_EXCLUDE;
}

/* add_bytes() - a string-type field of @len bytes (value @val) in both. */
static void add_bytes(struct fuzz_rule *fr, uint32_t type, uint32_t op, uint32_t val,
		      const void *data, uint32_t len)
{
	rule_add_field(&fr->sent, type, op, val);
	memcpy(fr->sent.d.buf + fr->sent.d.buflen, data, len);
	fr->sent.d.buflen += len;
}

/*
 * fuzz_rule() - a random rule with its expected errno and listing.  The
 * oracle follows audit_data_to_entry(): the list and action first, then
 * each field in order (operator, field valid on the list, operator valid
 * for the field, value), every refusal EINVAL.
 */
static void fuzz_rule(FIXTURE_DATA(fuzz) *self, struct fuzz_rule *fr)
{
	uint32_t list = rnd(self, 3) ? lists[rnd(self, 3)] : lists[rnd(self, ARRAY_SIZE(lists))];
	uint32_t action = rnd(self, 10) ? (rnd(self, 2) ? AUDIT_ALWAYS : AUDIT_NEVER) :
			  rnd(self, 4);
	int nf = rnd(self, 50) ? 1 + rnd(self, 6) : 60 + rnd(self, 8), f, key = 0;
	size_t trunc = 0, extra = 0;
	bool keyed = false;
	char keybuf[300];

	memset(fr, 0, sizeof(*fr));
	fr->err = 0;
	fr->contid_at = -1;
	rule_init(&fr->sent, list, action);
	/* No syscall class bits: a class is expanded and lists differently. */
	fr->sent.d.mask[AUDIT_BITMASK_SIZE - 1] &= 0xffff;
	if (rnd(self, 4) == 0)
		fr->sent.d.flags |= AUDIT_FILTER_PREPEND;
	if (list == AUDIT_FILTER_EXIT || list == AUDIT_FILTER_URING_EXIT) {
		rule_add_syscall(&fr->sent, __NR_uname);
		if (rnd(self, 2))
			rule_add_syscall(&fr->sent, __NR_getpid);
	}
	switch (list) {
	case AUDIT_FILTER_EXIT: case AUDIT_FILTER_USER: case AUDIT_FILTER_EXCLUDE:
	case AUDIT_FILTER_TASK: case AUDIT_FILTER_FS: case AUDIT_FILTER_URING_EXIT:
		break;
	default:
		fr->err = EINVAL;
	}
	if (action != AUDIT_NEVER && action != AUDIT_ALWAYS)
		fr->err = EINVAL;
	if (nf > AUDIT_MAX_FIELDS)
		fr->err = EINVAL;
	for (f = 0; f < nf && f < AUDIT_MAX_FIELDS; f++) {
		uint32_t op = rnd(self, 4) ? ops[rnd(self, 2)] : ops[rnd(self, ARRAY_SIZE(ops))];
		int kind = rnd(self, 10), e = 0;
		uint64_t v;
		unsigned char b[16];
		uint32_t len, i, u;

		if (!op_valid(op))
			e = EINVAL;
		else if (list == AUDIT_FILTER_FS && kind < 9)
			e = EINVAL;	/* FS: only fstype and key */
		if (kind < 6 || nf > 6) {
			/* containerid, mostly 8 bytes */
			len = rnd(self, 5) || nf > 6 ? 8 : rnd(self, 17);
			v = rnd(self, 3) ? rng_next(&self->rng) :
			    rnd(self, 2) ? AUDIT_CID_UNSET : rnd(self, 3);
			memcpy(b, &v, 8);
			for (i = 8; i < sizeof(b); i++)
				b[i] = rnd(self, 256);
			if (!e && (!contid_list(list) || !op_eq_ne(op) || len != 8))
				e = EINVAL;
			if (fr->contid_at < 0 && len == 8)
				fr->contid_at = fr->sent.d.buflen;
			fr->has_contid = true;
			add_bytes(fr, AUDIT_CONTAINERID, op, len, b, len);
		} else if (kind == 6) {
			u = rnd(self, 2) ? rnd(self, 100000) : (uint32_t)rng_next(&self->rng);
			if (!e && (op == AUDIT_BIT_MASK || op == AUDIT_BIT_TEST))
				e = EINVAL;
			rule_add_field(&fr->sent, AUDIT_PID, op, u);
		} else if (kind == 7) {
			u = rnd(self, 3) ? rnd(self, 70000) : (uint32_t)-1;
			if (!e && (op == AUDIT_BIT_MASK || op == AUDIT_BIT_TEST ||
				   u == (uint32_t)-1))
				e = EINVAL;
			rule_add_field(&fr->sent, AUDIT_UID, op, u);
		} else if (kind == 8) {
			if (!e && !op_eq_ne(op))
				e = EINVAL;
#if defined(__x86_64__)
			rule_add_field(&fr->sent, AUDIT_ARCH, op, AUDIT_ARCH_X86_64);
#else
			rule_add_field(&fr->sent, AUDIT_ARCH, op, AUDIT_ARCH_AARCH64);
#endif
		} else {
			/* a key: at most one, of 1..256 bytes */
			len = rnd(self, 8) ? 1 + rnd(self, 24) : rnd(self, 300);
			len = len > sizeof(keybuf) ? sizeof(keybuf) : len;
			snprintf(keybuf, sizeof(keybuf), "fuzz-%x-%d-", (unsigned int)self->seed,
				 key++);
			for (i = strlen(keybuf); i < len; i++)
				keybuf[i] = 'a' + rnd(self, 26);
			if (fr->sent.d.buflen + len > 600)
				len = 1;
			if (!e && (!op_eq_ne(op) || keyed || len == 0 || len > AUDIT_MAX_KEY_LEN))
				e = EINVAL;
			keyed = true;
			add_bytes(fr, AUDIT_FILTERKEY, op, len, keybuf, len);
		}
		if (!fr->err)
			fr->err = e;
	}
	/* More than AUDIT_MAX_FIELDS: only the count says so. */
	fr->sent.d.field_count = nf;
	fr->size = sizeof(struct audit_rule_data) + fr->sent.d.buflen;
	fr->want = fr->sent;
	fr->want.d.flags &= ~AUDIT_FILTER_PREPEND;
	/* The buffer: exact, short, longer, or the header's buflen wrong. */
	switch (rnd(self, 8)) {
	case 0:	/* short: a value runs past the end */
		if (fr->sent.d.buflen) {
			trunc = 1 + rnd(self, fr->sent.d.buflen);
			fr->size -= trunc;
		}
		break;
	case 1:	/* longer: the kernel ignores what follows the values */
		extra = 1 + rnd(self, 32);
		memset(fr->sent.d.buf + fr->sent.d.buflen, 0xa5, extra);
		fr->size += extra;
		break;
	case 2:	/* the header's buflen is not checked: the message's size counts */
		fr->sent.d.buflen = rng_next(&self->rng) % 2048;
		break;
	}
	/*
	 * A truncated buffer fails on the first string value that does not
	 * fit, unless an earlier field already failed: recompute in order.
	 */
	if (trunc && !fr->err) {
		size_t have = fr->want.d.buflen - trunc, used = 0;

		for (f = 0; f < (int)fr->want.d.field_count; f++) {
			uint32_t t = fr->want.d.fields[f];

			if (t != AUDIT_CONTAINERID && t != AUDIT_FILTERKEY)
				continue;
			if (fr->want.d.values[f] > have - used) {
				fr->err = EINVAL;
				break;
			}
			used += fr->want.d.values[f];
		}
	}
}

/* rule_str() - @d, of @size bytes, field by field. */
static const char *rule_str(const struct audit_rule_data *d, size_t size)
{
	static char out[4096];
	size_t o = 0;
	uint32_t i;

	o += snprintf(out, sizeof(out), "flags %#x action %u fields %u:", d->flags, d->action,
		      d->field_count);
	for (i = 0; i < d->field_count && i < AUDIT_MAX_FIELDS && o < sizeof(out) - 64; i++)
		o += snprintf(out + o, sizeof(out) - o, " %u/%#x/%u", d->fields[i],
			      d->fieldflags[i], d->values[i]);
	snprintf(out + o, sizeof(out) - o, " buflen %u size %zu buf %s", d->buflen,
		 size - sizeof(*d), hex_dump(d->buf, size - sizeof(*d)));
	return out;
}

/* rule_equal() - is listed rule @d exactly @w? */
static bool rule_equal(const struct audit_rule_data *d, const struct audit_rule_data *w)
{
	return d->flags == w->flags && d->action == w->action &&
	       d->field_count == w->field_count && !memcmp(d->mask, w->mask, sizeof(d->mask)) &&
	       !memcmp(d->fields, w->fields, sizeof(d->fields[0]) * w->field_count) &&
	       !memcmp(d->values, w->values, sizeof(d->values[0]) * w->field_count) &&
	       !memcmp(d->fieldflags, w->fieldflags, sizeof(d->fieldflags[0]) * w->field_count) &&
	       d->buflen == w->buflen && !memcmp(d->buf, w->buf, w->buflen);
}

struct rule_match {
	const struct audit_rule_data *want;
	int found, total;
};

static bool rule_count_cb(const struct audit_rule_data *d, void *arg)
{
	struct rule_match *m = arg;

	m->total++;
	if (m->want && rule_equal(d, m->want))
		m->found++;
	return false;
}

static int rule_send(int nl, int type, const struct fuzz_rule *fr, const struct rule_buffer *r)
{
	return -audit_netlink_request(nl, type, &r->d, fr->size, 0, NULL, 0);
}

TEST_F_TIMEOUT(fuzz, rules, 3600)
{
	unsigned long iters = stress_scale(600, 20000), it;
	unsigned long accepted = 0, refused = 0, with_contid = 0;
	struct rule_match m = {};
	static struct fuzz_rule fr;
	static struct rule_buffer del, other;
	int base, mismatches = 0;
	long start = now_ms();

	ASSERT_EQ(0, audit_list_rules(self->nl, rule_count_cb, &m));
	base = m.total;
	for (it = 0; it < iters && mismatches < MAX_MISMATCH; it++) {
		int err;

		fuzz_rule(self, &fr);
		err = rule_send(self->nl, AUDIT_ADD_RULE, &fr, &fr.sent);
		EXPECT_EQ(fr.err, err) TH_LOG("seed %" PRIu64 " iteration %lu: add: %s",
					       self->seed, it, rule_str(&fr.sent.d, fr.size));
		if (fr.err != err) {
			mismatches++;
			if (err)
				continue;
		}
		if (err) {
			refused++;
			/* Refused as a deletion, for the same reason. */
			EXPECT_EQ(fr.err, rule_send(self->nl, AUDIT_DEL_RULE, &fr, &fr.sent));
			continue;
		}
		accepted++;
		with_contid += fr.has_contid;
		/*
		 * Added again, deleted: without AUDIT_FILTER_PREPEND, which the
		 * kernel keeps in the flags it compares only while it parses
		 * a rule (upstream: "auditctl -A" twice gives two rules).
		 */
		del = fr.sent;
		del.d.flags &= ~AUDIT_FILTER_PREPEND;
		EXPECT_EQ(EEXIST, rule_send(self->nl, AUDIT_ADD_RULE, &fr, &del));
		m = (struct rule_match){ .want = &fr.want.d };
		ASSERT_EQ(0, audit_list_rules(self->nl, rule_count_cb, &m));
		EXPECT_EQ(1, m.found) TH_LOG("seed %" PRIu64 " iteration %lu: listed %d times: %s",
					     self->seed, it, m.found,
					     rule_str(&fr.sent.d, fr.size));
		EXPECT_EQ(base + 1, m.total);
		if (m.found != 1)
			mismatches++;
		if (fr.contid_at >= 0) {
			/* A rule that differs only in a contid is another rule. */
			other = del;
			other.d.buf[fr.contid_at + rnd(self, 8)] ^= 1 << rnd(self, 8);
			EXPECT_EQ(ENOENT, rule_send(self->nl, AUDIT_DEL_RULE, &fr, &other));
		}
		EXPECT_EQ(0, rule_send(self->nl, AUDIT_DEL_RULE, &fr, &del));
		EXPECT_EQ(ENOENT, rule_send(self->nl, AUDIT_DEL_RULE, &fr, &del));
		if (_metadata->exit_code != KSFT_PASS)
			mismatches++;
	}
	m = (struct rule_match){};
	ASSERT_EQ(0, audit_list_rules(self->nl, rule_count_cb, &m));
	EXPECT_EQ(base, m.total) TH_LOG("rules left behind");
	TH_LOG("%lu rules in %ld ms: %lu accepted (%lu with a contid), %lu refused (EINVAL)",
	       it, now_ms() - start, accepted, with_contid, refused);
	EXPECT_LT(0, accepted);
	EXPECT_LT(0, refused);
	expect_counters(_metadata, self->base_tasks, self->base_objects, self->base_netns,
			10000);
}

TEST_HARNESS_MAIN
