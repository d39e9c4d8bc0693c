// SPDX-License-Identifier: GPL-2.0
/*
 * Who signalled auditd (AUDIT_SIGNAL_INFO2): when a task sends auditd
 * SIGTERM, SIGHUP, SIGUSR1 or SIGUSR2, the kernel keeps the sender's contid
 * chain, taken at the signal, and answers AUDIT_SIGNAL_INFO2 with the
 * sender's uid, pid and chain; auditd logs the chain in its DAEMON_*
 * record.  The senders here send SIGUSR2 (auditd resumes logging, which
 * changes nothing while it logs) and exit before the kernel is asked, so
 * only a chain kept at the signal can be right.
 *
 * The guest's auditd is the one signalled; its DAEMON_RESUME records are
 * read from its log file, where auditd writes them itself.
 */
#include "common.h"
#include "../kselftest_harness.h"

/* The reply to AUDIT_SIGNAL_INFO2 (struct audit_sig_info2 in the kernel). */
struct sig_info2 {
	uint32_t uid;
	int32_t pid;
	uint32_t cid_len;
	char data[4096];
};

FIXTURE(signal) {
	int fd;
	pid_t auditd;
	struct failslab_saved fs;
	bool fs_open;
};

FIXTURE_SETUP(signal)
{
	struct audit_status st;

	self->fd = audit_netlink_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, audit_get_status(self->fd, &st));
	self->auditd = st.pid;
	ASSERT_LT(0, self->auditd) TH_LOG("no auditd registered");
}

FIXTURE_TEARDOWN(signal)
{
	reap_all();
	if (self->fs_open)
		failslab_close(&self->fs);
	close(self->fd);
}

/*
 * Fork a sender: with @outer set (by the test) and, if @inner, a child of
 * it that the sender sets @inner on and that signals instead; the signal is
 * @sig to @auditd.  Returns the pid that signalled; the whole tree has
 * exited on return, and kill()'s errno is in *@err.
 */
static pid_t send_from(struct __test_metadata *_metadata, pid_t auditd, int sig,
		       uint64_t outer, uint64_t inner, int *err)
{
	int go[2], rep[2];
	struct {
		pid_t pid;
		int err;
	} r = { -1, -1 };
	long tasks, objects, netns;
	pid_t top;
	int status;
	char c = 0;

	counters_settle(_metadata, &tasks, &objects, &netns);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(rep));
	top = fork();
	ASSERT_LE(0, top);
	if (!top) {
		pid_t leaf = 0;

		close(go[1]);
		close(rep[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		if (inner) {
			int g[2];

			if (pipe(g))
				_exit(3);
			leaf = fork();
			if (leaf < 0)
				_exit(4);
			if (!leaf) {
				close(g[1]);
				if (read(g[0], &c, 1) != 1)
					_exit(5);
				r.pid = getpid();
				r.err = kill(auditd, sig) ? errno : 0;
				_exit(write(rep[1], &r, sizeof(r)) == sizeof(r) ? 0 : 6);
			}
			close(g[0]);
			if (contid_set(leaf, inner))
				_exit(7);
			if (write(g[1], &c, 1) != 1)
				_exit(8);
			if (waitpid(leaf, &status, 0) != leaf || !WIFEXITED(status))
				_exit(9);
			_exit(WEXITSTATUS(status));
		}
		r.pid = getpid();
		r.err = kill(auditd, sig) ? errno : 0;
		_exit(write(rep[1], &r, sizeof(r)) == sizeof(r) ? 0 : 6);
	}
	close(go[0]);
	close(rep[1]);
	if (outer)
		EXPECT_EQ(0, contid_set(top, outer));
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(sizeof(r), read(rep[0], &r, sizeof(r)));
	ASSERT_EQ(top, waitpid(top, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("sender failed: status %#x", status);
	close(go[1]);
	close(rep[0]);
	/* The senders and their contids are gone before auditd is asked. */
	expect_counters(_metadata, tasks, objects, netns, 5000);
	*err = r.err;
	return r.pid;
}

/* AUDIT_SIGNAL_INFO2 into @r, with the chain NUL-terminated. */
static void signal_info2(struct __test_metadata *_metadata, int fd, struct sig_info2 *r)
{
	memset(r, 0, sizeof(*r));
	ASSERT_EQ(0, audit_netlink_request(fd, AUDIT_SIGNAL_INFO2, NULL, 0, AUDIT_SIGNAL_INFO2,
					   r, sizeof(*r) - 1));
	ASSERT_GT(sizeof(r->data), r->cid_len);
	r->data[r->cid_len] = 0;
}

/*
 * Expect the kernel's answer to name @pid and @chain, and auditd to log
 * a DAEMON_RESUME record with the same pid and contid=@chain.
 */
static void expect_sender(struct __test_metadata *_metadata, int fd, pid_t pid,
			  const char *chain)
{
	char want_pid[32], want_cid[128], line[1024];
	struct sig_info2 r;
	bool found = false;
	long deadline;

	signal_info2(_metadata, fd, &r);
	EXPECT_EQ(pid, r.pid);
	EXPECT_EQ(0, r.uid) TH_LOG("the sender's loginuid is unset: its uid, root");
	EXPECT_STREQ(chain, r.data);

	snprintf(want_pid, sizeof(want_pid), " pid=%d ", pid);
	snprintf(want_cid, sizeof(want_cid), " contid=%s ", chain);
	for (deadline = now_ms() + 10000; !found && now_ms() < deadline;) {
		FILE *f = fopen(AUDIT_LOG, "r");

		ASSERT_NE(NULL, f);
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "type=DAEMON_RESUME ", 19) &&
			    strstr(line, want_pid) && strstr(line, want_cid) &&
			    strstr(line, " op=resume-logging "))
				found = true;
		fclose(f);
		if (!found)
			usleep(100000);
	}
	EXPECT_TRUE(found) TH_LOG("no DAEMON_RESUME record with%s%s", want_pid, want_cid);
}

TEST_F(signal, feature_bit)
{
	struct audit_status st;

	ASSERT_EQ(0, audit_get_status(self->fd, &st));
	EXPECT_TRUE(st.feature_bitmap & AUDIT_FEATURE_BITMAP_SIGNAL_INFO2);
}

TEST_F(signal, untagged_sender)
{
	int err;
	pid_t pid = send_from(_metadata, self->auditd, SIGUSR2, 0, 0, &err);

	ASSERT_EQ(0, err);
	expect_sender(_metadata, self->fd, pid, "-1");
}

TEST_F(signal, tagged_sender_gone)
{
	uint64_t id = random_contid();
	int err;
	pid_t pid = send_from(_metadata, self->auditd, SIGUSR2, id, 0, &err);

	ASSERT_EQ(0, err);
	expect_sender(_metadata, self->fd, pid, u64_str(id));
}

TEST_F(signal, nested_sender)
{
	uint64_t outer = random_contid(), inner = random_contid();
	char chain[64];
	int err;
	pid_t pid = send_from(_metadata, self->auditd, SIGUSR2, outer, inner, &err);

	ASSERT_EQ(0, err);
	snprintf(chain, sizeof(chain), "%s,^%s", u64_str(inner), u64_str(outer));
	expect_sender(_metadata, self->fd, pid, chain);
}

/*
 * Only SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 make a sender: a later signal 0
 * or SIGCONT from an untagged task leaves the tagged sender in place, and
 * an untagged sender of SIGUSR2 then replaces it.
 */
TEST_F(signal, other_signals_keep_sender)
{
	uint64_t id = random_contid();
	struct sig_info2 r;
	int err;
	pid_t pid = send_from(_metadata, self->auditd, SIGUSR2, id, 0, &err);

	ASSERT_EQ(0, err);
	ASSERT_EQ(0, kill(self->auditd, 0));
	ASSERT_EQ(0, kill(self->auditd, SIGCONT));
	signal_info2(_metadata, self->fd, &r);
	EXPECT_EQ(pid, r.pid);
	EXPECT_STREQ(u64_str(id), r.data);

	pid = send_from(_metadata, self->auditd, SIGUSR2, 0, 0, &err);
	ASSERT_EQ(0, err);
	expect_sender(_metadata, self->fd, pid, "-1");
}

/* AUDIT_SIGNAL_INFO is unchanged: uid and pid, and no chain. */
TEST_F(signal, signal_info_unchanged)
{
	struct {
		uint32_t uid;
		int32_t pid;
		char ctx[256];
	} r;
	uint64_t id = random_contid();
	int err;
	pid_t pid = send_from(_metadata, self->auditd, SIGUSR2, id, 0, &err);

	ASSERT_EQ(0, err);
	memset(&r, 0xff, sizeof(r));
	ASSERT_EQ(0, audit_netlink_request(self->fd, AUDIT_SIGNAL_INFO, NULL, 0,
					   AUDIT_SIGNAL_INFO, &r, sizeof(r)));
	EXPECT_EQ(pid, r.pid);
	EXPECT_EQ(0, r.uid);
	/* No LSM in the guest: nothing follows uid and pid (zero-filled). */
	EXPECT_EQ(0, r.ctx[0]);
}

/*
 * The chain cannot be kept (its copy's allocation fails): the signal is
 * refused with ENOMEM and the sender before it stays.  Every injectable
 * call of the kill() is failed in turn (fail-nth) until one goes through
 * with no failure left to inject.
 */
TEST_F(signal, capture_out_of_memory)
{
	uint64_t id = random_contid();
	int go[2], rep[2], refused = 0, delivered = 0;
	unsigned int n;
	pid_t child;

	/* Sleeping allocations fail too; the chain's copy is GFP_ATOMIC. */
	ASSERT_EQ(0, failslab_open(&self->fs, "N", "0"));
	self->fs_open = true;
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(rep));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct { int err, left; } r;
		struct fault_window w;
		char c;

		close(go[1]);
		close(rep[0]);
		/* One attempt per byte from the test: fail its n-th call. */
		while (read(go[0], &c, 1) == 1) {
			if (fault_window_open(&w, (unsigned char)c) || fault_window_arm(&w))
				_exit(2);
			r.err = kill(self->auditd, SIGUSR2) ? errno : 0;
			r.left = fault_window_close(&w);
			if (write(rep[1], &r, sizeof(r)) != sizeof(r))
				_exit(3);
		}
		_exit(0);
	}
	children_add(child);
	close(go[0]);
	close(rep[1]);
	ASSERT_EQ(0, contid_set(child, id));

	for (n = 1; n < 64; n++) {
		struct { int err, left; } r;
		struct sig_info2 info;
		int err;
		pid_t reset;
		char c = n;

		/* An untagged sender first, so a kept chain shows. */
		reset = send_from(_metadata, self->auditd, SIGUSR2, 0, 0, &err);
		ASSERT_EQ(0, err);
		ASSERT_EQ(1, write(go[1], &c, 1));
		ASSERT_EQ(sizeof(r), read(rep[0], &r, sizeof(r)));
		signal_info2(_metadata, self->fd, &info);
		if (r.err) {
			EXPECT_EQ(ENOMEM, r.err);
			EXPECT_EQ(0, r.left) TH_LOG("refused with no failure injected");
			EXPECT_EQ(reset, info.pid);
			EXPECT_STREQ("-1", info.data);
			refused++;
		} else {
			EXPECT_EQ(child, info.pid);
			EXPECT_STREQ(u64_str(id), info.data);
			delivered++;
			if (r.left > 0)
				break;	/* the kill() made fewer than n calls */
		}
	}
	close(go[1]);
	close(rep[0]);
	TH_LOG("%u calls failed in turn: %d refused with ENOMEM, %d delivered",
	       n, refused, delivered);
	EXPECT_LT(0, refused) TH_LOG("no failure reached the chain's copy");
}

TEST_HARNESS_MAIN
