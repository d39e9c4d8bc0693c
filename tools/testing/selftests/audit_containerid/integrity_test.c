// SPDX-License-Identifier: GPL-2.0
/*
 * Audit integrity (issue 8): nobody can forge or silently lose a contid.
 *
 *  - the credentials of the opener of /proc/<pid>/containerid count, for
 *    writing and for reading, not only those of the writer (item 2);
 *  - the value arrives in one write() at offset 0: a second write on the
 *    same file, or a write at another offset, is EINVAL (item 4);
 *  - a CONTAINER_INFO record is only emitted beside the record it
 *    qualifies: an excluded user message gets none (item 5);
 *  - a set racing the exit of its target leaks nothing (item 6).
 *
 * The refusals of delegation, injection across levels and nested readers
 * (items 1, 3 and 7) need the agents of nesting_test.c and are tested
 * there.
 */
#include <sched.h>
#include <sys/mman.h>

#include "common.h"
#include "../kselftest_harness.h"

FIXTURE(integrity) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
	long base_tasks, base_objects, base_netns;
};

FIXTURE_SETUP(integrity)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
	counters_read_all(_metadata, &self->base_tasks, &self->base_objects, &self->base_netns);
}

FIXTURE_TEARDOWN(integrity)
{
	fixture_close(&self->log, self->nl, &self->rules);
}

static uint64_t contid_of(struct __test_metadata *_metadata, pid_t pid)
{
	uint64_t id = 0;

	EXPECT_EQ(0, contid_get(pid, &id)) TH_LOG("read /proc/%d/containerid", pid);
	return id;
}

/* ---------------------------------------------------------------------
 * Item 2: the opener's credentials
 */

/* What an opener sends along with the fd. */
struct opened {
	pid_t child;
	int err;
};

/* Send @o, and @fd unless it is negative, over @sock. */
static int send_fd(int sock, int fd, const struct opened *o)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)o, .iov_len = sizeof(*o) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	if (fd >= 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, 0) == (ssize_t)sizeof(*o) ? 0 : -1;
}

/* Receive what send_fd() sent: the fd, or -1 if none came. */
static int recv_fd(int sock, struct opened *o)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = o, .iov_len = sizeof(*o) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd = -1;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != (ssize_t)sizeof(*o))
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * opener_start - fork an opener O (its own process group, killed by
 * reap_all()) that, as uid 65534 without capabilities if @nobody, else as
 * root, forks a child C that just waits, opens C's /proc/<pid>/containerid
 * O_RDWR (for nobody: mode 0600, owned by nobody) and hands the fd to us
 * over SCM_RIGHTS.  We are C's grandparent, so its ancestor.  Returns the
 * fd; C's pid in *@child.
 */
static int opener_start(struct __test_metadata *_metadata, bool nobody, pid_t *child)
{
	struct opened o = { 0 };
	int sv[2], fd;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char path[64];

		setpgid(0, 0);
		close(sv[0]);
		fd = -1;
		o.err = nobody ? become_nobody() : 0;
		if (!o.err) {
			o.child = fork();
			if (o.child == 0) {
				for (;;)
					pause();
			}
			if (o.child < 0)
				o.err = errno;
		}
		if (!o.err) {
			contid_path(path, sizeof(path), o.child, 0);
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd < 0)
				o.err = errno;
		}
		if (send_fd(sv[1], fd, &o))
			_exit(1);
		for (;;)
			pause();
	}
	setpgid(pid, pid);
	children_add(pid);
	close(sv[1]);
	fd = recv_fd(sv[0], &o);
	close(sv[0]);
	ASSERT_EQ(0, o.err) TH_LOG("opener: %s", strerror(o.err));
	ASSERT_LE(0, fd);
	*child = o.child;
	return fd;
}

/*
 * Item 2.  An unprivileged process opens its own child's containerid file
 * and hands the fd to a fully privileged ancestor of the child: a write
 * through that fd is refused (EPERM, logged res=0) and changes nothing.
 * The same flow with a root opener works.
 */
TEST_F(integrity, opener_creds_write)
{
	uint64_t x = random_contid(), y = random_contid();
	const char *sx = u64_str(x), *sy = u64_str(y);
	pid_t c, d;
	int fd, m;

	real_contexts_rule(_metadata, self->nl, &self->rules);
	fd = opener_start(_metadata, true, &c);
	m = self->log.n;
	errno = 0;
	EXPECT_EQ(-1, write(fd, sx, strlen(sx)));
	EXPECT_EQ(EPERM, errno) TH_LOG("write through nobody's fd: %s", strerror(errno));
	close(fd);
	EXPECT_EQ(AUDIT_CID_UNSET, contid_of(_metadata, c));
	expect_set_record(_metadata, &self->log, m, c, sx, "-1", 0, getpid(), -EPERM, NULL);

	/* Control: the fd of a root opener. */
	fd = opener_start(_metadata, false, &d);
	m = self->log.n;
	EXPECT_EQ((ssize_t)strlen(sy), write(fd, sy, strlen(sy))) TH_LOG("%m");
	close(fd);
	EXPECT_EQ(y, contid_of(_metadata, d));
	expect_set_record(_metadata, &self->log, m, d, sy, "-1", 1, getpid(), strlen(sy),
			  NULL);
	/* x was refused: it is free, here for c itself. */
	EXPECT_EQ(0, contid_set(c, x));
	EXPECT_EQ(x, contid_of(_metadata, c));
}

/* Item 2, reading: the same fd cannot be read by the privileged process
 * either (EPERM); a root opener's fd can.
 */
TEST_F(integrity, opener_creds_read)
{
	uint64_t x = random_contid();
	char buf[64];
	ssize_t n;
	pid_t c, d;
	int fd;

	fd = opener_start(_metadata, true, &c);
	tag_task(_metadata, c, x);
	errno = 0;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EPERM, errno) TH_LOG("read through nobody's fd: %zd, %s", n, strerror(errno));
	close(fd);

	/* Control: the fd of a root opener. */
	fd = opener_start(_metadata, false, &d);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	EXPECT_EQ((ssize_t)strlen(CONTID_UNSET_STR), n) TH_LOG("%m");
	if (n >= 0) {
		buf[n] = 0;
		EXPECT_STREQ(CONTID_UNSET_STR, buf);
	}
	close(fd);
}

/* ---------------------------------------------------------------------
 * Item 4: one write() at offset 0
 */

/*
 * Item 4.  The file position moves with a write: a second write on the
 * same fd (the second chunk of "dd bs=N") is at a non-zero offset, EINVAL,
 * and changes nothing; so is a pwrite() at a non-zero offset on a fresh fd.
 */
TEST_F(integrity, write_offset)
{
	uint64_t x = random_contid(), p;
	struct target t, u, v;
	char s[32], first[32], path[64];
	size_t half;
	int fd;

	/* The same value twice on one fd: not EEXIST, EINVAL. */
	target_start_tagged(_metadata, &t, AUDIT_CID_UNSET);
	snprintf(s, sizeof(s), "%s", u64_str(x));
	contid_path(path, sizeof(path), t.pid, 0);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ((ssize_t)strlen(s), write(fd, s, strlen(s))) TH_LOG("%m");
	EXPECT_EQ(x, contid_of(_metadata, t.pid));
	EXPECT_EQ((off_t)strlen(s), lseek(fd, 0, SEEK_CUR));
	errno = 0;
	EXPECT_EQ(-1, write(fd, s, strlen(s)));
	EXPECT_EQ(EINVAL, errno) TH_LOG("second write: %s", strerror(errno));
	close(fd);
	EXPECT_EQ(x, contid_of(_metadata, t.pid));

	/* "dd bs=<half>": the first chunk is a value, the second one refused. */
	x = random_contid();
	snprintf(s, sizeof(s), "%s", u64_str(x));
	half = strlen(s) / 2;
	snprintf(first, sizeof(first), "%.*s", (int)half, s);
	p = strtoull(first, NULL, 10);
	target_start_tagged(_metadata, &u, AUDIT_CID_UNSET);
	contid_path(path, sizeof(path), u.pid, 0);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ((ssize_t)half, write(fd, s, half)) TH_LOG("%m");
	errno = 0;
	EXPECT_EQ(-1, write(fd, s + half, strlen(s) - half));
	EXPECT_EQ(EINVAL, errno) TH_LOG("second chunk: %s", strerror(errno));
	close(fd);
	EXPECT_EQ(p, contid_of(_metadata, u.pid));

	/* pwrite() at offset 1 on a fresh fd: EINVAL, still unset. */
	target_start_tagged(_metadata, &v, AUDIT_CID_UNSET);
	x = random_contid();
	snprintf(s, sizeof(s), "%s", u64_str(x));
	contid_path(path, sizeof(path), v.pid, 0);
	EXPECT_EQ(EINVAL, contid_write_path(path, s, strlen(s), 1));
	EXPECT_EQ(AUDIT_CID_UNSET, contid_of(_metadata, v.pid));
}

/* ---------------------------------------------------------------------
 * Item 5: no orphan CONTAINER_INFO
 */

/*
 * Item 5.  With an exclude rule on msgtype=USER, a tagged task's user
 * message is not logged, and neither is its CONTAINER_INFO record.  Once
 * the rule is gone, the next message is logged with its CONTAINER_INFO in
 * the same event; records arrive in order, so an orphan of the first
 * message would be in the log before it.
 */
TEST_F(integrity, no_info_for_excluded_user_message)
{
	uint64_t x = random_contid(), m1 = random_contid(), m2 = random_contid();
	struct target tx;
	struct rule_buffer ex;
	char msg[64];
	int i, c;

	target_start_tagged(_metadata, &tx, x);
	rule_init(&ex, AUDIT_FILTER_EXCLUDE, AUDIT_ALWAYS);
	rule_add_field(&ex, AUDIT_MSGTYPE, AUDIT_EQUAL, AUDIT_USER);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &ex));
	ASSERT_EQ(0, target_call(&tx, 'n', m1, 0).err);
	/* A bounded wait first: nothing of x may show up. */
	c = audit_log_wait_fields(&self->log, 0, 2000, AUDIT_CONTAINER_INFO,
				  FIELDS("contid", u64_str(x)));
	EXPECT_EQ(-1, c) TH_LOG("CONTAINER_INFO without its USER record: %s",
				self->log.recs[c < 0 ? 0 : c].text);

	/* The positive control, which is also the barrier. */
	ASSERT_EQ(0, rule_list_del(self->nl, &self->rules, &ex));
	ASSERT_EQ(0, target_call(&tx, 'n', m2, 0).err);
	snprintf(msg, sizeof(msg), "acid-user-%" PRIu64, m2);
	i = audit_log_wait(&self->log, AUDIT_USER, "pid", i64_str(tx.pid), "msg", msg);
	ASSERT_LE(0, i) TH_LOG("no USER record %s", msg);
	c = audit_log_wait(&self->log, AUDIT_CONTAINER_INFO, "contid", u64_str(x));
	ASSERT_LE(0, c);
	EXPECT_EQ(self->log.recs[i].serial, self->log.recs[c].serial)
		TH_LOG("first CONTAINER_INFO of x: %s", self->log.recs[c].text);
	EXPECT_EQ(1, audit_log_count(&self->log, AUDIT_CONTAINER_INFO, "contid", u64_str(x)));
	snprintf(msg, sizeof(msg), "acid-user-%" PRIu64, m1);
	EXPECT_EQ(0, audit_log_count(&self->log, AUDIT_USER, "msg", msg));
	if (_metadata->exit_code != KSFT_PASS)
		audit_log_dump(&self->log, 0, stderr);
}

/* ---------------------------------------------------------------------
 * Item 6: a set racing the exit of its target
 */

/* make check races 2,000 times, make stress (ACID_STRESS=1) 10,000. */
#define RACE_ITERATIONS stress_scale(2000, 10000)
/* Levels between the owner of the racer's contid and the racer. */
#ifndef RACE_DEPTH
#define RACE_DEPTH 16
#endif

/* The racer's state, shared with its children and the test process. */
struct race {
	int go;			/* the iteration whose child may go on */
	unsigned int seed;
	unsigned long bound;	/* of the child's random spin */
	long won, busy, gone, other;
	int first_err;
	int fail;		/* fork, open or waitpid failed: the line */
};

/*
 * race_loop - RACE_ITERATIONS times: fork a child, open its containerid
 * file, let it go and write a fresh contid at once, reap it.  The child
 * spins for a random number of loops (below a bound that adapts so that
 * about half of the sets win, the child exiting after the set, and half
 * lose, the child already exiting: the exits stay centred on the set),
 * or exits at once (1 in 16), or yields first (1 in 16).
 */
static void race_loop(struct race *r)
{
	pid_t me = getpid();
	unsigned long i, n = RACE_ITERATIONS;

	srand(r->seed);
	r->bound = 1024;
	for (i = 1; i <= n; i++) {
		unsigned long spins = (unsigned long)rand() % r->bound;
		int mode = rand() % 16, fd, e;
		const char *s = u64_str(random_contid());
		char path[64];
		pid_t pid;

		pid = fork();
		if (pid < 0) {
			r->fail = __LINE__;
			return;
		}
		if (pid == 0) {
			unsigned long k;

			prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			if (getppid() != me)
				_exit(1);
			while (__atomic_load_n(&r->go, __ATOMIC_ACQUIRE) != i)
				sched_yield();
			if (mode == 0)
				_exit(0);
			if (mode == 1)
				sched_yield();
			for (k = 0; k < spins; k++)
				__asm__ __volatile__("" : : : "memory");
			_exit(0);
		}
		contid_path(path, sizeof(path), pid, 0);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		__atomic_store_n(&r->go, i, __ATOMIC_RELEASE);
		if (fd < 0) {
			r->fail = __LINE__;
			return;
		}
		e = write(fd, s, strlen(s)) < 0 ? errno : 0;
		close(fd);
		if (waitpid(pid, NULL, 0) != pid) {
			r->fail = __LINE__;
			return;
		}
		if (e == 0) {
			r->won++;
			r->bound -= r->bound / 8;
			if (r->bound < 16)
				r->bound = 16;
			continue;
		}
		if (e == EBUSY) {
			r->busy++;
		} else if (e == ESRCH) {
			r->gone++;
		} else {
			r->other++;
			if (!r->first_err)
				r->first_err = e;
		}
		r->bound += r->bound / 8 + 1;
		if (r->bound > (1UL << 24))
			r->bound = 1UL << 24;
	}
}

/* Fork @depth more levels, each waiting for the next; the last races.
 * Never returns.
 */
static void race_chain(struct race *r, int depth)
{
	int status, level;
	pid_t pid;

	for (level = 0; level < depth; level++) {
		pid = fork();
		if (pid < 0) {
			r->fail = __LINE__;
			_exit(1);
		}
		if (pid > 0) {
			if (waitpid(pid, &status, 0) != pid)
				_exit(1);
			_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
		}
	}
	race_loop(r);
	_exit(0);
}

/*
 * Item 6.  A parent sets a fresh contid on a child that exits at a random
 * moment of the set, RACE_ITERATIONS times, and reaps it; whatever the
 * answer (set, or refused, e.g. EBUSY for an exiting child), every object
 * must be dropped: the counters of /proc/audit_containerid return to their
 * start.  (The race needs a second CPU: on one, the child cannot exit
 * while the writer holds the target's locks.)
 *
 * The racer runs RACE_DEPTH levels below a task the test process tagged,
 * so that each set is a nested one: between the check of the target
 * (not exiting) and the store into its slot the writer's ancestry is
 * walked up to the owner of its contid, which widens the window in which
 * the exit hook may miss the object being stored.
 */
TEST_F_TIMEOUT(integrity, set_racing_exit, 900)
{
	long start = now_ms(), t, o;
	struct race *r;
	int status, p[2];
	pid_t top;
	char go = 1;

	/* Some 20,000 records: do not keep them. */
	audit_log_close(&self->log);
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	memset(r, 0, sizeof(*r));
	r->seed = (unsigned int)random_contid();
	TH_LOG("seed %u", r->seed);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	top = fork();
	ASSERT_LE(0, top);
	if (top == 0) {
		setpgid(0, 0);
		close(p[1]);
		if (read(p[0], &go, 1) != 1)
			_exit(1);
		race_chain(r, RACE_DEPTH);
		_exit(1);
	}
	setpgid(top, top);
	children_add(top);
	close(p[0]);
	/* The top of the chain, childless yet, gets a contid. */
	tag_task(_metadata, top, random_contid());
	ASSERT_EQ(1, write(p[1], &go, 1));
	close(p[1]);
	ASSERT_EQ(top, waitpid(top, &status, 0));
	ASSERT_EQ(0, counters_read(&t, &o));
	TH_LOG("%lu iterations in %ld ms: %ld set, %ld EBUSY, %ld ESRCH, %ld other",
	       RACE_ITERATIONS, now_ms() - start, r->won, r->busy, r->gone, r->other);
	TH_LOG("final spin bound %lu; right after: tasks %+ld objects %+ld", r->bound,
	       t - self->base_tasks, o - self->base_objects);
	if (r->other)
		TH_LOG("first other errno: %s", strerror(r->first_err));
	EXPECT_EQ(0, r->fail) TH_LOG("the racer failed at line %d", r->fail);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The refusals are fine, whatever their errno; some sets must win. */
	EXPECT_LT(0, r->won);
	counters_wait_all(_metadata, self->base_tasks, self->base_objects, self->base_netns, 10000);
	munmap(r, sizeof(*r));
}

TEST_HARNESS_MAIN
