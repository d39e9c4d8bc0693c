// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/<pid>/containerid: reading, setting, the checks on the writer and
 * the target, the CONTAINER (1020) record of every set attempt, inheritance
 * at fork and the /proc/audit_containerid counters.
 *
 * Every test uses fresh random identifiers and forked targets, and checks
 * the exact fields of the records it caused (read over the audit multicast
 * netlink group).
 */
#include <sys/stat.h>

#include "common.h"
#include "../kselftest_harness.h"

FIXTURE(contid) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
	long base_tasks, base_objects, base_netns;
};

FIXTURE_SETUP(contid)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
	/* Every set attempt then has its SYSCALL record. */
	real_contexts_rule(_metadata, self->nl, &self->rules);
	counters_read_all(_metadata, &self->base_tasks, &self->base_objects, &self->base_netns);
}

FIXTURE_TEARDOWN(contid)
{
	fixture_close(&self->log, self->nl, &self->rules);
}

/*
 * check_set_record - expect_set_record() for a writer without contid:
 * the CONTAINER record of a set attempt on @opid with value @contid must
 * exist, once, with @old and @res, in the same event as the SYSCALL record
 * of @writer's write(2) returning @ret, with no CONTAINER_INFO and no
 * record= field.  Returns the index of the record.
 */
#define check_set_record(_metadata, log, opid, contid, old, res, writer, ret) \
	expect_set_record(_metadata, log, 0, opid, contid, old, res, writer, ret, NULL)

static void expect_unset(struct __test_metadata *_metadata, pid_t pid)
{
	uint64_t id = 0;

	ASSERT_EQ(0, contid_get(pid, &id));
	EXPECT_EQ(AUDIT_CID_UNSET, id);
}

/* A barrier: a fresh target set to a fresh id; returns after its record. */
static void barrier(struct __test_metadata *_metadata, struct audit_log *log)
{
	struct target b;
	uint64_t id = random_contid();

	ASSERT_LT(0, target_start(&b));
	ASSERT_EQ(0, contid_set(b.pid, id));
	ASSERT_LE(0, audit_log_wait(log, AUDIT_CONTAINER, "opid", i64_str(b.pid),
				    "contid", u64_str(id)));
	target_stop(&b);
}

TEST_F(contid, read_unset)
{
	struct target t;
	char path[64], raw[64];
	struct stat st;
	uint64_t id;

	ASSERT_LT(0, target_start(&t));
	contid_path(path, sizeof(path), t.pid, 0);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	ASSERT_EQ(0, contid_read_path(path, &id, raw, sizeof(raw)));
	EXPECT_STREQ(CONTID_UNSET_STR, raw);

	contid_path(path, sizeof(path), t.pid, t.pid);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	ASSERT_EQ(0, contid_read_path(path, &id, raw, sizeof(raw)));
	EXPECT_STREQ(CONTID_UNSET_STR, raw);

	ASSERT_EQ(0, contid_read_path("/proc/self/containerid", &id, raw, sizeof(raw)));
	EXPECT_STREQ(CONTID_UNSET_STR, raw);
}

TEST_F(contid, set_and_read)
{
	struct target t;
	uint64_t x = random_contid();
	char buf[32], path[64], raw[64];
	int n;

	ASSERT_LT(0, target_start(&t));
	n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", x);
	ASSERT_EQ(0, contid_write_raw(t.pid, buf, n));

	contid_path(path, sizeof(path), t.pid, 0);
	ASSERT_EQ(0, contid_read_path(path, NULL, raw, sizeof(raw)));
	EXPECT_STREQ(u64_str(x), raw);
	contid_path(path, sizeof(path), t.pid, t.pid);
	ASSERT_EQ(0, contid_read_path(path, NULL, raw, sizeof(raw)));
	EXPECT_STREQ(u64_str(x), raw);

	check_set_record(_metadata, &self->log, t.pid, u64_str(x), "-1", 1, getpid(), n);
	/* The target's read back does not change: our own id stays unset. */
	expect_unset(_metadata, getpid());
}

TEST_F(contid, set_via_task_dir)
{
	struct target t;
	uint64_t x = random_contid(), id = 0;
	char path[64];
	const char *s = u64_str(x);

	ASSERT_LT(0, target_start(&t));
	contid_path(path, sizeof(path), t.pid, t.pid);
	ASSERT_EQ(0, contid_write_path(path, s, strlen(s), 0));
	ASSERT_EQ(0, contid_get(t.pid, &id));
	EXPECT_EQ(x, id);
	check_set_record(_metadata, &self->log, t.pid, s, "-1", 1, getpid(), strlen(s));
}

/*
 * A write that is not one decimal u64 (or that comes at a non-zero
 * offset) is refused with @err, changes nothing and logs nothing: the
 * valid set that follows is the only CONTAINER record of the target.
 */
FIXTURE(parse_error) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
};

FIXTURE_VARIANT(parse_error) {
	const char *buf;
	size_t len;
	off_t offset;
	int err;
};

FIXTURE_VARIANT_ADD(parse_error, empty) { "", 0, 0, EINVAL };
FIXTURE_VARIANT_ADD(parse_error, newline) { "\n", 1, 0, EINVAL };
FIXTURE_VARIANT_ADD(parse_error, space) { " ", 1, 0, EINVAL };
FIXTURE_VARIANT_ADD(parse_error, spaces) { "    ", 4, 0, EINVAL };
FIXTURE_VARIANT_ADD(parse_error, minus_one) { "-1", 2, 0, EINVAL };
FIXTURE_VARIANT_ADD(parse_error, plus_sign) { "+5", 2, 0, EINVAL };
FIXTURE_VARIANT_ADD(parse_error, hex) { "0x10", 4, 0, EINVAL };
FIXTURE_VARIANT_ADD(parse_error, inner_nul) { "12\0" "3", 4, 0, EINVAL };
FIXTURE_VARIANT_ADD(parse_error, trailing_letters) { "12abc", 5, 0, EINVAL };
FIXTURE_VARIANT_ADD(parse_error, trailing_space) { "12 ", 3, 0, EINVAL };
FIXTURE_VARIANT_ADD(parse_error, two_newlines) { "12\n\n", 4, 0, EINVAL };
FIXTURE_VARIANT_ADD(parse_error, inner_space) { "1 2", 3, 0, EINVAL };
FIXTURE_VARIANT_ADD(parse_error, u64_max_plus_one) { "18446744073709551616", 20, 0, ERANGE };
FIXTURE_VARIANT_ADD(parse_error, digits_21) { "184467440737095516150", 21, 0, ERANGE };
FIXTURE_VARIANT_ADD(parse_error, digits_30) { "123456789012345678901234567890", 30, 0, ERANGE };
/* A write at a non-zero offset is refused as a partial write. */
FIXTURE_VARIANT_ADD(parse_error, nonzero_offset) { "5", 1, 1, EINVAL };

FIXTURE_SETUP(parse_error)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
	real_contexts_rule(_metadata, self->nl, &self->rules);
}

FIXTURE_TEARDOWN(parse_error)
{
	fixture_close(&self->log, self->nl, &self->rules);
}

TEST_F(parse_error, changes_nothing_and_logs_nothing)
{
	struct target t;
	uint64_t x = random_contid();
	char path[64];
	int n;

	ASSERT_LT(0, target_start(&t));
	contid_path(path, sizeof(path), t.pid, 0);
	EXPECT_EQ(variant->err, contid_write_path(path, variant->buf, variant->len,
						  variant->offset))
		TH_LOG("write of \"%.*s\" (%zu bytes) at offset %ld", (int)variant->len,
		       variant->buf, variant->len, (long)variant->offset);
	expect_unset(_metadata, t.pid);

	/* The valid set afterwards is the only CONTAINER record for t. */
	n = strlen(u64_str(x));
	ASSERT_EQ(0, contid_set(t.pid, x));
	check_set_record(_metadata, &self->log, t.pid, u64_str(x), "-1", 1, getpid(), n);
	EXPECT_EQ(1, audit_log_count(&self->log, AUDIT_CONTAINER, "opid", i64_str(t.pid)));
}

TEST_F(contid, unset_value_refused)
{
	struct target t;

	ASSERT_LT(0, target_start(&t));
	EXPECT_EQ(EINVAL, contid_write_raw(t.pid, CONTID_UNSET_STR, 20));
	expect_unset(_metadata, t.pid);
	/* It is a number, so the attempt is logged, refused. */
	check_set_record(_metadata, &self->log, t.pid, CONTID_UNSET_STR, "-1", 0, getpid(),
			 -EINVAL);
}

TEST_F(contid, eperm_non_root_writer)
{
	struct target w;
	struct target_reply r;
	uint64_t x = random_contid();
	pid_t b;

	ASSERT_LT(0, target_start(&w));
	r = target_call(&w, 'S', 0, 0);
	ASSERT_EQ(0, r.err);
	/* b is forked after the setuid: its proc files belong to 65534. */
	b = target_child(_metadata, &w);
	r = target_call(&w, 'W', b, x);
	EXPECT_EQ(EPERM, r.err);
	r = target_call(&w, 'R', b, 0);
	EXPECT_EQ(EPERM, r.err);
	r = target_call(&w, 'R', 0, 0);
	EXPECT_EQ(EPERM, r.err);
	expect_unset(_metadata, b);
	check_set_record(_metadata, &self->log, b, u64_str(x), "-1", 0, w.pid, -EPERM);
}

TEST_F(contid, eperm_root_without_cap_audit_control)
{
	struct target w;
	struct target_reply r;
	uint64_t x = random_contid();
	pid_t b;

	ASSERT_LT(0, target_start(&w));
	b = target_child(_metadata, &w);
	r = target_call(&w, 'C', 0, 0);
	ASSERT_EQ(0, r.err);
	r = target_call(&w, 'W', b, x);
	EXPECT_EQ(EPERM, r.err);
	r = target_call(&w, 'R', b, 0);
	EXPECT_EQ(EPERM, r.err);
	expect_unset(_metadata, b);
	check_set_record(_metadata, &self->log, b, u64_str(x), "-1", 0, w.pid, -EPERM);
}

TEST_F(contid, ebusy_target_with_child)
{
	struct target t;
	struct target_reply r;
	uint64_t x = random_contid(), y = random_contid(), id;

	ASSERT_LT(0, target_start(&t));
	r = target_call(&t, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	EXPECT_EQ(EBUSY, contid_set(t.pid, x));
	expect_unset(_metadata, t.pid);
	check_set_record(_metadata, &self->log, t.pid, u64_str(x), "-1", 0, getpid(), -EBUSY);
	/* The childless grandchild itself can be set. */
	EXPECT_EQ(0, contid_set(r.val, y));
	ASSERT_EQ(0, contid_get(r.val, &id));
	EXPECT_EQ(y, id);
}

/* The contid of thread @tid of @pid, which must be readable. */
static uint64_t thread_contid(struct __test_metadata *_metadata, pid_t pid, pid_t tid)
{
	char path[64];
	uint64_t id = 0;

	contid_path(path, sizeof(path), pid, tid);
	EXPECT_EQ(0, contid_read_path(path, &id, NULL, 0)) TH_LOG("read %s", path);
	return id;
}

/*
 * A multi-threaded process (a Go runtime such as runc's init, a JVM) is
 * tagged as a whole: every thread gets the contid in the same set, and a
 * thread started afterwards inherits it.  Counted per thread.
 */
TEST_F(contid, set_tags_every_thread)
{
	struct target t;
	struct target_reply r1, r2, r3;
	uint64_t x = random_contid();
	long tasks, objects, netns;

	ASSERT_LT(0, target_start(&t));
	r1 = target_call(&t, 't', 0, 0);
	ASSERT_EQ(0, r1.err);
	r2 = target_call(&t, 't', 0, 0);
	ASSERT_EQ(0, r2.err);
	ASSERT_EQ(0, contid_set(t.pid, x));
	check_set_record(_metadata, &self->log, t.pid, u64_str(x), "-1", 1, getpid(),
			 strlen(u64_str(x)));
	EXPECT_EQ(x, thread_contid(_metadata, t.pid, t.pid));
	EXPECT_EQ(x, thread_contid(_metadata, t.pid, r1.val));
	EXPECT_EQ(x, thread_contid(_metadata, t.pid, r2.val));
	r3 = target_call(&t, 't', 0, 0);
	ASSERT_EQ(0, r3.err);
	EXPECT_EQ(x, thread_contid(_metadata, t.pid, r3.val));
	counters_read_all(_metadata, &tasks, &objects, &netns);
	EXPECT_EQ(self->base_tasks + 4, tasks);
	EXPECT_EQ(self->base_objects + 1, objects);

	/* Set again: EEXIST for the process, whichever thread is looked at. */
	EXPECT_EQ(EEXIST, contid_set(t.pid, random_contid()));
	EXPECT_EQ(x, thread_contid(_metadata, t.pid, r2.val));

	ASSERT_EQ(0, target_stop(&t));
	expect_counters(_metadata, self->base_tasks, self->base_objects, self->base_netns, 10000);
}

/* A write through a thread that is not the leader: EBUSY, nothing set. */
TEST_F(contid, ebusy_through_non_leader_thread)
{
	struct target t;
	struct target_reply r;
	uint64_t y = random_contid();
	char path[64];
	const char *s = u64_str(y);

	ASSERT_LT(0, target_start(&t));
	r = target_call(&t, 't', 0, 0);
	ASSERT_EQ(0, r.err);
	ASSERT_NE(t.pid, r.val);
	contid_path(path, sizeof(path), t.pid, r.val);
	EXPECT_EQ(EBUSY, contid_write_path(path, s, strlen(s), 0));
	expect_unset(_metadata, t.pid);
	EXPECT_EQ(AUDIT_CID_UNSET, thread_contid(_metadata, t.pid, r.val));
	check_set_record(_metadata, &self->log, t.pid, s, "-1", 0, getpid(), -EBUSY);
}

/*
 * A child of any thread, not only of the leader, makes the process busy:
 * the child would escape the contid.
 */
TEST_F(contid, ebusy_thread_with_child)
{
	struct target t;
	struct target_reply r;
	uint64_t x = random_contid(), id;

	ASSERT_LT(0, target_start(&t));
	r = target_call(&t, 'F', 0, 0);
	ASSERT_EQ(0, r.err);
	ASSERT_LT(0, r.val);
	EXPECT_EQ(EBUSY, contid_set(t.pid, x));
	expect_unset(_metadata, t.pid);
	ASSERT_EQ(0, contid_get(r.val, &id));
	EXPECT_EQ(AUDIT_CID_UNSET, id);
	check_set_record(_metadata, &self->log, t.pid, u64_str(x), "-1", 0, getpid(), -EBUSY);
}

TEST_F(contid, exdev_self)
{
	struct target w;
	struct target_reply r;
	uint64_t x = random_contid();

	ASSERT_LT(0, target_start(&w));
	r = target_call(&w, 'W', 0, x);	/* /proc/self/containerid */
	EXPECT_EQ(EXDEV, r.err);
	expect_unset(_metadata, w.pid);
	check_set_record(_metadata, &self->log, w.pid, u64_str(x), "-1", 0, w.pid, -EXDEV);
}

TEST_F(contid, exdev_sibling)
{
	struct target w, t;
	struct target_reply r;
	uint64_t x = random_contid();

	ASSERT_LT(0, target_start(&w));
	ASSERT_LT(0, target_start(&t));
	r = target_call(&w, 'W', t.pid, x);
	EXPECT_EQ(EXDEV, r.err);
	expect_unset(_metadata, t.pid);
	check_set_record(_metadata, &self->log, t.pid, u64_str(x), "-1", 0, w.pid, -EXDEV);
}

TEST_F(contid, exdev_parent)
{
	struct target w;
	struct target_reply r;
	uint64_t x = random_contid();

	ASSERT_LT(0, target_start(&w));
	r = target_call(&w, 'W', getpid(), x);
	EXPECT_EQ(EXDEV, r.err) TH_LOG("the writer's parent is not its descendant");
	expect_unset(_metadata, getpid());
	check_set_record(_metadata, &self->log, getpid(), u64_str(x), "-1", 0, w.pid,
			 -(long)r.err);
	/*
	 * x was never given to a task: no drop of it.  A drop would be logged
	 * before the set record, which has arrived, so it would be here.
	 */
	EXPECT_EQ(0, audit_log_count(&self->log, AUDIT_CONTAINER, "op", "drop",
				     "contid", u64_str(x)));
}

TEST_F(contid, eexist_second_set)
{
	struct target t;
	uint64_t x = random_contid(), y = random_contid(), id;
	int n = strlen(u64_str(x));

	ASSERT_LT(0, target_start(&t));
	ASSERT_EQ(0, contid_set(t.pid, x));
	check_set_record(_metadata, &self->log, t.pid, u64_str(x), "-1", 1, getpid(), n);

	EXPECT_EQ(EEXIST, contid_set(t.pid, x));
	ASSERT_EQ(0, contid_get(t.pid, &id));
	EXPECT_EQ(x, id);
	EXPECT_EQ(EEXIST, contid_set(t.pid, y));
	ASSERT_EQ(0, contid_get(t.pid, &id));
	EXPECT_EQ(x, id);
	check_set_record(_metadata, &self->log, t.pid, u64_str(x), u64_str(x), 0, getpid(),
			 -EEXIST);
	check_set_record(_metadata, &self->log, t.pid, u64_str(y), u64_str(x), 0, getpid(),
			 -EEXIST);
	EXPECT_EQ(2, audit_log_count(&self->log, AUDIT_CONTAINER, "opid", i64_str(t.pid), "contid",
				     u64_str(x)));
	/* The refused same-value set is the second of those two. */
	EXPECT_EQ(1, audit_log_count(&self->log, AUDIT_CONTAINER, "opid", i64_str(t.pid), "contid",
				     u64_str(x), "old-contid", u64_str(x), "res", "0"));
	/* y was refused before any task had it: it was never dropped. */
	EXPECT_EQ(0, audit_log_count(&self->log, AUDIT_CONTAINER, "op", "drop",
				     "contid", u64_str(y)));
}

TEST_F(contid, enotuniq_injection_and_reuse)
{
	struct target a, c, q;
	struct target_reply r;
	uint64_t x = random_contid(), id;
	pid_t b;
	int n = strlen(u64_str(x));

	ASSERT_LT(0, target_start(&a));
	ASSERT_LT(0, target_start(&q));
	ASSERT_EQ(0, contid_set(a.pid, x));

	/* q, another orchestrator, cannot take x for its own child. */
	b = target_child(_metadata, &q);
	r = target_call(&q, 'W', b, x);
	EXPECT_EQ(ENOTUNIQ, r.err);
	expect_unset(_metadata, b);
	check_set_record(_metadata, &self->log, b, u64_str(x), "-1", 0, q.pid, -ENOTUNIQ);

	/* The owner may add another task to x. */
	ASSERT_LT(0, target_start(&c));
	EXPECT_EQ(0, contid_set(c.pid, x));
	ASSERT_EQ(0, contid_get(c.pid, &id));
	EXPECT_EQ(x, id);
	check_set_record(_metadata, &self->log, c.pid, u64_str(x), "-1", 1, getpid(), n);

	/* Once every task of x is gone, q may use it. */
	ASSERT_EQ(0, target_stop(&a));
	ASSERT_EQ(0, target_stop(&c));
	r = target_call(&q, 'W', b, x);
	EXPECT_EQ(0, r.err);
	ASSERT_EQ(0, contid_get(b, &id));
	EXPECT_EQ(x, id);
	check_set_record(_metadata, &self->log, b, u64_str(x), "-1", 1, q.pid, n);
	EXPECT_EQ(1, audit_log_count(&self->log, AUDIT_CONTAINER, "opid", i64_str(b), "res", "1"));
	EXPECT_EQ(1, audit_log_count(&self->log, AUDIT_CONTAINER, "opid", i64_str(b), "res", "0"));
}

TEST_F(contid, children_inherit)
{
	struct target t;
	uint64_t x = random_contid(), id = 0;
	char path[64], raw[64];
	long tasks, objects;
	pid_t g;

	ASSERT_LT(0, target_start(&t));
	ASSERT_EQ(0, contid_set(t.pid, x));
	g = target_child(_metadata, &t);
	contid_path(path, sizeof(path), g, 0);
	ASSERT_EQ(0, contid_read_path(path, &id, raw, sizeof(raw)));
	EXPECT_STREQ(u64_str(x), raw);
	/* No CONTAINER record for inheritance, only for the set. */
	barrier(_metadata, &self->log);
	EXPECT_EQ(0, audit_log_count(&self->log, AUDIT_CONTAINER, "opid", i64_str(g)));

	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(self->base_tasks + 2, tasks);
	EXPECT_EQ(self->base_objects + 1, objects);

	/* Kill the tree; the grandchild is reparented to us (subreaper). */
	ASSERT_EQ(0, target_stop(&t));
	ASSERT_EQ(g, waitpid(g, NULL, 0));
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(self->base_tasks, tasks);
	EXPECT_EQ(self->base_objects, objects);
}

TEST_F(contid, stats_count_tasks_and_objects)
{
	struct target t1, t2, t3, u;
	uint64_t x = random_contid(), y = random_contid();
	long tasks, objects;
	char buf[256];
	ssize_t n;
	int fd;

	/* The file has exactly the three lines. */
	fd = open("/proc/audit_containerid", O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = 0;
	close(fd);
	{
		char want[128];

		snprintf(want, sizeof(want), "tasks %ld\nobjects %ld\nnetns %ld\n",
			 self->base_tasks, self->base_objects, self->base_netns);
		EXPECT_STREQ(want, buf);
	}

	ASSERT_LT(0, target_start(&t1));
	ASSERT_LT(0, target_start(&t2));
	ASSERT_LT(0, target_start(&t3));
	ASSERT_LT(0, target_start(&u));
	ASSERT_EQ(0, contid_set(t1.pid, x));
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(self->base_tasks + 1, tasks);
	EXPECT_EQ(self->base_objects + 1, objects);
	ASSERT_EQ(0, contid_set(t2.pid, x));
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(self->base_tasks + 2, tasks);
	EXPECT_EQ(self->base_objects + 1, objects);
	ASSERT_EQ(0, contid_set(t3.pid, y));
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(self->base_tasks + 3, tasks);
	EXPECT_EQ(self->base_objects + 2, objects);
	/* Refused sets change nothing. */
	EXPECT_EQ(EEXIST, contid_set(t3.pid, x));
	EXPECT_EQ(EINVAL, contid_write_raw(u.pid, "junk", 4));
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(self->base_tasks + 3, tasks);
	EXPECT_EQ(self->base_objects + 2, objects);

	ASSERT_EQ(0, target_stop(&t1));
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(self->base_tasks + 2, tasks);
	EXPECT_EQ(self->base_objects + 2, objects);
	ASSERT_EQ(0, target_stop(&t2));
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(self->base_tasks + 1, tasks);
	EXPECT_EQ(self->base_objects + 1, objects);
	ASSERT_EQ(0, target_stop(&t3));
	ASSERT_EQ(0, target_stop(&u));
	ASSERT_EQ(0, counters_read(&tasks, &objects));
	EXPECT_EQ(self->base_tasks, tasks);
	EXPECT_EQ(self->base_objects, objects);
}

TEST_F(contid, stats_root_only)
{
	struct stat st;

	ASSERT_EQ(0, stat("/proc/audit_containerid", &st));
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_mode & 0077) TH_LOG("mode %o", st.st_mode & 07777);
}

TEST_HARNESS_MAIN
