// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespace attribution under allocation failure (issue 8, item 8).
 *
 * A task with a contid is counted in the list of every network namespace it
 * uses.  Nothing may be allocated atomically where a task enters a
 * namespace it created (fork with CLONE_NEWNET, unshare(CLONE_NEWNET)): the
 * namespace's pernet init prepares what the entry needs, in sleepable
 * context.  A setns() into a namespace that has no entry for the contid
 * may allocate atomically; if that fails, the task is not counted there and
 * the audit lost counter moves: never a silent miss.
 *
 * failslab (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS) fails the
 * non-sleeping slab allocations (ignore-gfp-wait) of the one task that arms
 * itself (task-filter, /proc/self/make-it-fail), only around the syscall
 * under test.  In the same window that task then queues a real-time signal
 * to itself, whose GFP_ATOMIC sigqueue allocation must fail (EAGAIN): proof
 * that failslab was in force; once disarmed it must work.
 *
 * Creating a network namespace makes GFP_ATOMIC allocations of its own
 * (the address lists of the loopback and sit0 devices), and failing them
 * all fails the syscall (ENOMEM) before the task is forked or moved.  So
 * clone() and unshare() with CLONE_NEWNET are swept instead
 * (/proc/thread-self/fail-nth, "Systematic faults using fail-nth" in
 * Documentation/fault-injection/fault-injection.rst): the 1st, 2nd, ...
 * atomic allocation of the syscall fails, one per call, until the syscall
 * makes fewer (twice, as their number varies by one or two from call to
 * call).  Each call either fails with nothing counted, or succeeds with
 * the task counted in its new namespace; the lost counter never moves.
 *
 * The number of "netns" pairs in /proc/audit_containerid shows whether a
 * task was counted in a namespace; AUDIT_GET's lost counter whether a
 * failure was reported.
 */
#include <sched.h>

#include "common.h"
#include "../kselftest_harness.h"

#define MAX_PIDS 16
/* A sweep ends after this many calls in a row with no N-th allocation. */
#define NTH_END 3
#define NTH_MAX 400
/* failslab/verbose: 1 logs each failure, 2 also its stack (-DFAILSLAB_VERBOSE=2). */
#ifndef FAILSLAB_VERBOSE
#define FAILSLAB_VERBOSE "1"
#endif
/* Bound on one command to an actor (a clone of a netns is slow under TCG). */
#define CALL_TIMEOUT_MS 30000

enum {
	OP_CLONE_NEWNET = 'N',	/* clone(CLONE_NEWNET) a child that waits */
	OP_UNSHARE_NEWNET = 'U',	/* unshare(CLONE_NEWNET) */
	OP_SETNS = 'J',		/* setns() into the netns of pid b */
	OP_FORK = 'F',		/* fork a child that waits */
};

/* Flags of a netns command (its @a). */
#define NF_ARM 1		/* under failslab */
#define NF_PROBE 2		/* probe failslab before and after disarming */
#define NF_NTH 4		/* fail the @b-th atomic allocation (fail-nth) */

/* An actor's reply to a command. */
struct netns_reply {
	int64_t val;		/* the syscall's return value */
	int err;		/* its errno, 0 on success */
	int probe_armed;	/* the self-signal while armed: EAGAIN expected */
	int probe_after;	/* the same once disarmed: 0 expected */
	int disarm_err;		/* writing make-it-fail or fail-nth 0 failed */
	int nth_left;		/* fail-nth after the syscall: 0 if injected */
};

/*
 * The fixture's state, which the helpers below take.  The teardown runs in
 * the parent of the test process (the harness shares this state with it):
 * after a failed ASSERT, a crash or a timeout as after a pass.
 */
struct fault_context {
	int nl;
	int kmsg;
	struct failslab_saved saved;
	long tasks0, objects0, netns0;
	pid_t pids[MAX_PIDS];	/* every task started, to disarm and kill */
	int npids;
};

FIXTURE(netns_fault) {
	struct fault_context ctx;
};

/* ---------------------------------------------------------------------
 * failslab
 */

static void pid_add(struct fault_context *nf, pid_t pid)
{
	if (pid > 0 && nf->npids < MAX_PIDS)
		nf->pids[nf->npids++] = pid;
}

/*
 * failslab_disarm - no more failures: probability 0, and make-it-fail 0 on
 * every task started (gone tasks are fine).  Safe to repeat.
 */
static void failslab_disarm(struct fault_context *nf)
{
	int i;

	failslab_knob_write("probability", "0");
	for (i = 0; i < nf->npids; i++)
		make_it_fail(nf->pids[i], "0");
}

/*
 * failslab_arm - every non-sleeping slab allocation of a task with
 * make-it-fail 1 fails; no task has it yet (an actor sets it on itself
 * right before its syscall).
 */
static void failslab_arm_atomic(struct __test_metadata *_metadata)
{
	char v[32];

	ASSERT_EQ(0, failslab_knob_read("ignore-gfp-wait", v, sizeof(v)));
	ASSERT_STREQ("Y", v);
	ASSERT_EQ(0, failslab_arm());
}

/* ---------------------------------------------------------------------
 * Counters
 */

static long lost_count(struct __test_metadata *_metadata, struct fault_context *nf)
{
	struct audit_status st;

	memset(&st, 0, sizeof(st));
	EXPECT_EQ(0, audit_get_status(nf->nl, &st));
	return st.lost;
}

/* Poll the "netns" counter until it reads @want, for at most @ms. */
static bool netns_is(long want, long ms)
{
	long end = now_ms() + ms;

	while (counter_read("netns") != want) {
		if (now_ms() > end)
			return false;
		usleep(20000);
	}
	return true;
}

/* Poll until the three counters read their start values, for at most @ms. */
static bool stats_back(struct fault_context *nf, long ms)
{
	long end = now_ms() + ms, t, o;

	for (;;) {
		if (!counters_read(&t, &o) && t == nf->tasks0 && o == nf->objects0 &&
		    counter_read("netns") == nf->netns0)
			return true;
		if (now_ms() > end)
			return false;
		usleep(20000);
	}
}

/* Wait (bounded) until @pid has left its namespaces (exited, maybe a zombie). */
static bool ns_left(pid_t pid, long ms)
{
	long end = now_ms() + ms;

	while (netns_ino(pid)) {
		if (now_ms() > end)
			return false;
		usleep(20000);
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Actors: targets that also create, join and leave network namespaces,
 * optionally under failslab.  Each dies with its parent.
 */

/*
 * The child of a fork or clone just waits.  That of an armed clone
 * inherited make-it-fail 1, which does nothing once failslab is disarmed
 * (probability 0), as soon as the clone returns; fail-nth is not
 * inherited.
 */
static void waiting_child(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (;;)
		pause();
}

/*
 * netns_op - @c->op on the calling actor, with the NF_* flags @c->a.
 * Every buffer and file is prepared before arming; the armed window holds
 * the syscall and the probe (NF_ARM), or the syscall and the read of
 * fail-nth (NF_NTH) only.
 */
static void netns_op(const struct target_command *c, struct netns_reply *r)
{
	int mif = -1, nsfd = -1, nth = -1;
	char path[64];
	long rc;

	r->val = -1;
	if (c->op == OP_SETNS) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (pid_t)c->b);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			r->err = errno;
			return;
		}
	}
	if (c->a & NF_NTH) {
		nth = fail_nth_open();
		if (nth < 0 || fail_nth_arm(nth, c->b)) {
			r->err = errno;
			goto out;
		}
	}
	if (c->a & NF_ARM) {
		mif = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
		if (mif < 0 || pwrite(mif, "1", 1, 0) != 1) {
			r->err = errno;
			goto out;
		}
	}
	switch (c->op) {
	case OP_CLONE_NEWNET:
		rc = syscall(SYS_clone, (long)(CLONE_NEWNET | SIGCHLD), 0L, 0L, 0L, 0L);
		if (rc == 0)
			waiting_child();
		break;
	case OP_UNSHARE_NEWNET:
		rc = unshare(CLONE_NEWNET);
		break;
	default:
		rc = setns(nsfd, CLONE_NEWNET);
	}
	r->err = rc < 0 ? errno : 0;
	r->val = rc;
	if (c->a & NF_NTH) {
		r->nth_left = fail_nth_disarm(nth);
		if (r->nth_left < 0)
			r->disarm_err = errno ? errno : EIO;
	}
	if (c->a & NF_PROBE)
		r->probe_armed = probe_atomic_alloc();
	if (c->a & NF_ARM) {
		if (pwrite(mif, "0", 1, 0) != 1)
			r->disarm_err = errno;
	}
	if (c->a & NF_PROBE)
		r->probe_after = probe_atomic_alloc();
out:
	if (nth >= 0)
		close(nth);
	if (mif >= 0)
		close(mif);
	if (nsfd >= 0)
		close(nsfd);
}

static void actor_loop(int cfd, int rfd)
{
	sigset_t rt;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (fault_no_rseq())
		_exit(3);
	/* Its children (clone, fork) are reaped as they die. */
	signal(SIGCHLD, SIG_IGN);
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &rt, NULL);
	for (;;) {
		struct netns_reply r = { 0 };
		struct target_command c;

		if (read(cfd, &c, sizeof(c)) != sizeof(c))
			_exit(0);
		switch (c.op) {
		case OP_CLONE_NEWNET:
		case OP_UNSHARE_NEWNET:
		case OP_SETNS:
			netns_op(&c, &r);
			break;
		case OP_FORK:
			r.val = fork();
			if (r.val == 0)
				waiting_child();
			r.err = r.val < 0 ? errno : 0;
			break;
		default:
			r.err = EINVAL;
		}
		if (write(rfd, &r, sizeof(r)) != sizeof(r))
			_exit(2);
	}
}

/* Start an actor, tagged with @id unless unset. */
static pid_t actor_start(struct __test_metadata *_metadata, struct fault_context *nf,
			 struct target *t, uint64_t id)
{
	ASSERT_LT(0, target_fork(t, actor_loop));
	pid_add(nf, t->pid);
	tag_task(_metadata, t->pid, id);
	return t->pid;
}

/* Run @op (@a, @b) in actor @t; waits at most CALL_TIMEOUT_MS. */
static struct netns_reply actor_call(struct fault_context *nf, struct target *t, int op, uint64_t a,
				     uint64_t b)
{
	struct target_command c = { .op = op, .a = a, .b = b };
	struct pollfd pfd = { .fd = t->rep, .events = POLLIN };
	struct netns_reply r = { .val = -1, .err = EPIPE };

	if (write(t->cmd, &c, sizeof(c)) != sizeof(c))
		return r;
	if (poll(&pfd, 1, CALL_TIMEOUT_MS) != 1) {
		r.err = ETIMEDOUT;
		return r;
	}
	if (read(t->rep, &r, sizeof(r)) != sizeof(r)) {
		r.val = -1;
		r.err = EPIPE;
	}
	if (op == OP_FORK && r.val > 0)
		pid_add(nf, (pid_t)r.val);
	return r;
}

/* Actor @t forks a child that waits; returns its pid. */
static pid_t actor_child(struct __test_metadata *_metadata, struct fault_context *nf,
			 struct target *t)
{
	struct netns_reply r = actor_call(nf, t, OP_FORK, 0, 0);

	ASSERT_EQ(0, r.err) TH_LOG("fork: %s", strerror(r.err));
	return (pid_t)r.val;
}

static const char *op_name(int op)
{
	switch (op) {
	case OP_CLONE_NEWNET:
		return "clone(CLONE_NEWNET)";
	case OP_UNSHARE_NEWNET:
		return "unshare(CLONE_NEWNET)";
	}
	return "setns(CLONE_NEWNET)";
}

/*
 * armed_call - @op in the tagged actor @t with all its atomic allocations
 * failing: arm, run, disarm (before any assertion), then check that
 * failslab was in force during the window and is not any more.  Logs how
 * many allocations failslab failed.
 */
static struct netns_reply armed_call(struct __test_metadata *_metadata, struct fault_context *nf,
				     struct target *t, int op, uint64_t b)
{
	struct netns_reply r;
	long forced;

	failslab_arm_atomic(_metadata);
	r = actor_call(nf, t, op, NF_ARM | NF_PROBE, b);
	failslab_disarm(nf);
	forced = failslab_forced();
	TH_LOG("%s under failslab: %s (%s); %ld allocation(s) failed (probe included)",
	       op_name(op), r.err ? "failed" : "succeeded", strerror(r.err), forced);
	EXPECT_EQ(0, r.disarm_err) TH_LOG("make-it-fail 0: %s", strerror(r.disarm_err));
	EXPECT_EQ(EAGAIN, r.probe_armed) TH_LOG("failslab not in force: probe %s",
						strerror(r.probe_armed));
	EXPECT_EQ(0, r.probe_after) TH_LOG("failslab still in force: probe %s",
					   strerror(r.probe_after));
	EXPECT_LE(1, forced);
	return r;
}

/* ---------------------------------------------------------------------
 * Fixture
 */

FIXTURE_SETUP(netns_fault)
{
	struct fault_context *nf = &self->ctx;
	int err;

	nf->nl = -1;
	nf->kmsg = -1;
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	nf->nl = audit_netlink_open();
	ASSERT_LE(0, nf->nl);

	err = failslab_open(&nf->saved, "Y", FAILSLAB_VERBOSE);
	ASSERT_EQ(0, err) TH_LOG("failslab (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS): %s",
				 strerror(err));

	nf->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (nf->kmsg >= 0)
		lseek(nf->kmsg, 0, SEEK_END);

	counters_settle(_metadata, &nf->tasks0, &nf->objects0, &nf->netns0);
	ASSERT_LE(0, nf->netns0);
}

/*
 * netns_fault_cleanup - disarm, kill every task started (and reap what
 * this process can), restore failslab and wait (bounded) for the counters
 * to come back to their start values.  The normal end of every test, and
 * its teardown.
 */
static bool netns_fault_cleanup(struct fault_context *nf)
{
	int k;

	failslab_disarm(nf);
	for (k = 0; k < nf->npids; k++) {
		kill(-nf->pids[k], SIGKILL);
		kill(nf->pids[k], SIGKILL);
	}
	reap_all();
	nf->npids = 0;
	failslab_close(&nf->saved);
	return stats_back(nf, RECORD_TIMEOUT_MS);
}

static void expect_clean_end(struct __test_metadata *_metadata, struct fault_context *nf)
{
	long t = -1, o = -1;

	EXPECT_TRUE(netns_fault_cleanup(nf));
	counters_read(&t, &o);
	EXPECT_EQ(nf->tasks0, t);
	EXPECT_EQ(nf->objects0, o);
	EXPECT_EQ(nf->netns0, counter_read("netns"));
}

FIXTURE_TEARDOWN_PARENT(netns_fault)
{
	struct fault_context *nf = &self->ctx;

	if (!netns_fault_cleanup(nf))
		TH_LOG("/proc/audit_containerid not back to its start values");
}

/* ---------------------------------------------------------------------
 * Tests
 */

/*
 * newnet_check - the state after @op (clone or unshare with CLONE_NEWNET)
 * of the tagged actor @t (contid @x), whose @n-th atomic allocation was
 * failed if r->nth_left is 0: either the syscall failed with ENOMEM and
 * nothing is counted (@n1 pairs), or it worked and the child, or @t
 * itself, is counted in the new namespace (@n1 + 1).  Then it undoes the
 * syscall: the child is killed, @t goes back to netns @a.  Returns
 * whether the syscall worked.
 */
static bool newnet_check(struct __test_metadata *_metadata, struct fault_context *nf,
			 struct target *t, int op, const struct netns_reply *r, unsigned int n,
			 uint64_t x, ino_t a, long n1)
{
	uint64_t got = 0;
	struct netns_reply b;
	pid_t c;

	if (r->err) {
		/* Only an injected failure may fail it. */
		ASSERT_EQ(ENOMEM, r->err) TH_LOG("n=%u: %s", n, strerror(r->err));
		ASSERT_EQ(0, r->nth_left) TH_LOG("n=%u: ENOMEM, nothing injected", n);
		EXPECT_EQ(a, netns_ino(t->pid));
		EXPECT_EQ(n1, counter_read("netns")) TH_LOG("n=%u: counted after a failure", n);
		return false;
	}
	if (op == OP_UNSHARE_NEWNET) {
		EXPECT_NE(a, netns_ino(t->pid));
		EXPECT_EQ(n1 + 1, counter_read("netns"))
			TH_LOG("n=%u: not counted in its netns", n);
		b = actor_call(nf, t, OP_SETNS, 0, getpid());
		ASSERT_EQ(0, b.err) TH_LOG("n=%u: setns back: %s", n, strerror(b.err));
		EXPECT_EQ(n1, counter_read("netns")) TH_LOG("n=%u: back in A", n);
		return true;
	}
	c = (pid_t)r->val;
	ASSERT_LT(0, c);
	EXPECT_EQ(0, contid_get(c, &got));
	EXPECT_EQ(x, got);
	EXPECT_NE(netns_ino(t->pid), netns_ino(c));
	EXPECT_EQ(n1 + 1, counter_read("netns")) TH_LOG("n=%u: the child is not counted", n);
	ASSERT_EQ(0, kill(c, SIGKILL));
	EXPECT_TRUE(netns_is(n1, RECORD_TIMEOUT_MS)) TH_LOG("n=%u", n);
	return true;
}

/*
 * newnet_sweep - @op in the tagged actor @t (contid @x, in netns @a, @n1
 * pairs counted), first with all its atomic allocations failing, then
 * failing its 1st, 2nd, ... atomic allocation alone until it makes fewer,
 * twice over; each result checked by newnet_check(), and the lost counter
 * must never move.
 */
static void newnet_sweep(struct __test_metadata *_metadata, struct fault_context *nf,
			 struct target *t, int op, uint64_t x, ino_t a, long n1)
{
	unsigned int n, calls[2] = { 0, 0 };
	long lost0 = lost_count(_metadata, nf);
	int pass, end, ok = 0;
	char failed[256] = "";
	struct netns_reply r;
	size_t l;

	r = armed_call(_metadata, nf, t, op, 0);
	ASSERT_TRUE(r.err == 0 || r.err == ENOMEM) TH_LOG("%s", strerror(r.err));
	r.nth_left = 0;
	newnet_check(_metadata, nf, t, op, &r, 0, x, a, n1);
	EXPECT_EQ(lost0, lost_count(_metadata, nf));

	for (pass = 0; pass < 2; pass++) {
		for (n = 1, end = 0; n <= NTH_MAX && end < NTH_END; n++) {
			r = actor_call(nf, t, op, NF_NTH, n);
			ASSERT_EQ(0, r.disarm_err) TH_LOG("fail-nth: %s", strerror(r.disarm_err));
			ASSERT_LE(0, r.nth_left);
			if (r.nth_left) {
				end++;		/* fewer than n atomic allocations */
			} else {
				end = 0;
				calls[pass] = n;
			}
			if (newnet_check(_metadata, nf, t, op, &r, n, x, a, n1)) {
				ok++;
			} else {
				l = strlen(failed);
				snprintf(failed + l, sizeof(failed) - l, " %d:%u", pass, n);
			}
			EXPECT_EQ(lost0, lost_count(_metadata, nf)) TH_LOG("n=%u", n);
			/* Stop at the first failed check. */
			ASSERT_EQ(KSFT_PASS, _metadata->exit_code);
		}
		ASSERT_EQ(NTH_END, end) TH_LOG("no end after %d allocations", NTH_MAX);
	}
	TH_LOG("%s: %u then %u atomic allocations, %d calls worked; failed at (pass:n)%s",
	       op_name(op), calls[0], calls[1], ok, failed[0] ? failed : " none");
	EXPECT_LT(0, ok);
	EXPECT_LT(0, calls[0]);
}

/*
 * A tagged task clones a child into a new netns, first with all atomic
 * allocations of its own failing (the namespace's own allocations then
 * fail the clone), then with each of them failing alone: a clone that
 * fails leaves nothing counted; one that works has its child counted in
 * the new namespace, since the pernet init prepared the entry and the
 * fork needs none; the lost counter never moves.
 */
TEST_F_TIMEOUT(netns_fault, fork_into_new_netns_allocates_nothing_atomic, 900)
{
	struct fault_context *nf = &self->ctx;
	uint64_t x = random_contid();
	struct target t;
	long n1;

	actor_start(_metadata, nf, &t, x);
	n1 = counter_read("netns");
	ASSERT_EQ(nf->netns0 + 1, n1);
	newnet_sweep(_metadata, nf, &t, OP_CLONE_NEWNET, x, netns_ino(t.pid), n1);
	expect_clean_end(_metadata, nf);
}

/*
 * The same for unshare(CLONE_NEWNET): the task moves to the namespace it
 * created, whose entry its pernet init prepared.  A child of the same
 * contid keeps (A, x) in the test's netns A, so a move shows as one more
 * pair; the task goes back to A after each.
 */
TEST_F_TIMEOUT(netns_fault, unshare_new_netns_allocates_nothing_atomic, 900)
{
	struct fault_context *nf = &self->ctx;
	uint64_t x = random_contid();
	struct target t;
	long n1;
	pid_t c;

	actor_start(_metadata, nf, &t, x);
	c = actor_child(_metadata, nf, &t);
	n1 = counter_read("netns");
	ASSERT_EQ(nf->netns0 + 1, n1);
	newnet_sweep(_metadata, nf, &t, OP_UNSHARE_NEWNET, x, netns_ino(getpid()), n1);

	/* The task alone keeps (A, x) once its child is gone. */
	ASSERT_EQ(0, kill(c, SIGKILL));
	EXPECT_TRUE(ns_left(c, RECORD_TIMEOUT_MS));
	EXPECT_EQ(n1, counter_read("netns"));
	expect_clean_end(_metadata, nf);
}

/*
 * Sets up a tagged actor @t (contid @x) with a child (returned) that keeps
 * (A, x) counted in the test's netns A, and an untagged actor @h alone in
 * a netns B of its own; returns B's inode in *@b.
 */
static pid_t two_netns(struct __test_metadata *_metadata, struct fault_context *nf,
		       struct target *t, uint64_t x, struct target *h, ino_t *b)
{
	struct netns_reply r;
	pid_t c;

	actor_start(_metadata, nf, h, AUDIT_CID_UNSET);
	r = actor_call(nf, h, OP_UNSHARE_NEWNET, 0, 0);
	ASSERT_EQ(0, r.err) TH_LOG("unshare(CLONE_NEWNET): %s", strerror(r.err));
	*b = netns_ino(h->pid);
	ASSERT_NE(0, *b);
	ASSERT_NE(netns_ino(getpid()), *b);

	actor_start(_metadata, nf, t, x);
	c = actor_child(_metadata, nf, t);
	ASSERT_EQ(nf->netns0 + 1, counter_read("netns"));
	return c;
}

/*
 * setns() into a netns with no entry for the contid, with the task's
 * atomic allocations failing: the setns works, the task is not counted in
 * B, the lost counter says so (+1), and its contid is intact.  Back in A
 * it is counted again: it keeps (A, x) alone once the other task of x is
 * gone.
 */
TEST_F_TIMEOUT(netns_fault, setns_failure_is_counted, 120)
{
	struct fault_context *nf = &self->ctx;
	uint64_t x = random_contid(), got = 0;
	ino_t a = netns_ino(getpid()), b;
	struct target t, h;
	long n1, lost0;
	struct netns_reply r;
	pid_t c;

	c = two_netns(_metadata, nf, &t, x, &h, &b);
	n1 = counter_read("netns");
	lost0 = lost_count(_metadata, nf);

	r = armed_call(_metadata, nf, &t, OP_SETNS, h.pid);
	ASSERT_EQ(0, r.err) TH_LOG("setns: %s", strerror(r.err));
	ASSERT_EQ(b, netns_ino(t.pid));
	EXPECT_EQ(lost0 + 1, lost_count(_metadata, nf)) TH_LOG("the miss was not counted");
	EXPECT_EQ(n1, counter_read("netns")) TH_LOG("an entry for B after a failed allocation?");
	ASSERT_EQ(0, contid_get(t.pid, &got));
	EXPECT_EQ(x, got);
	if (nf->kmsg >= 0)
		TH_LOG("kernel log %s \"contid not attributed to a netns\" (rate-limited)",
		       kmsg_find(nf->kmsg, (const char *const[]){
					"contid not attributed to a netns", NULL }) ?
		       "has" : "does not have");

	/* Disarmed: back to A, where (A, x) exists. */
	r = actor_call(nf, &t, OP_SETNS, 0, getpid());
	ASSERT_EQ(0, r.err) TH_LOG("setns back: %s", strerror(r.err));
	ASSERT_EQ(a, netns_ino(t.pid));
	EXPECT_EQ(n1, counter_read("netns"));
	EXPECT_EQ(lost0 + 1, lost_count(_metadata, nf));
	ASSERT_EQ(0, contid_get(t.pid, &got));
	EXPECT_EQ(x, got);

	/* The task itself is counted in A again. */
	ASSERT_EQ(0, kill(c, SIGKILL));
	EXPECT_TRUE(ns_left(c, RECORD_TIMEOUT_MS));
	EXPECT_EQ(n1, counter_read("netns")) TH_LOG("the task is not counted back in A");
	expect_clean_end(_metadata, nf);
}

/* The control: the same setns() without failslab counts the task in B. */
TEST_F_TIMEOUT(netns_fault, setns_counts_task, 120)
{
	struct fault_context *nf = &self->ctx;
	uint64_t x = random_contid(), got = 0;
	ino_t a = netns_ino(getpid()), b;
	struct target t, h;
	long n1, lost0;
	struct netns_reply r;
	pid_t c;

	c = two_netns(_metadata, nf, &t, x, &h, &b);
	n1 = counter_read("netns");
	lost0 = lost_count(_metadata, nf);

	r = actor_call(nf, &t, OP_SETNS, 0, h.pid);
	ASSERT_EQ(0, r.err) TH_LOG("setns: %s", strerror(r.err));
	ASSERT_EQ(b, netns_ino(t.pid));
	EXPECT_EQ(n1 + 1, counter_read("netns")) TH_LOG("not counted in B");
	EXPECT_EQ(lost0, lost_count(_metadata, nf));
	ASSERT_EQ(0, contid_get(t.pid, &got));
	EXPECT_EQ(x, got);

	r = actor_call(nf, &t, OP_SETNS, 0, getpid());
	ASSERT_EQ(0, r.err) TH_LOG("setns back: %s", strerror(r.err));
	ASSERT_EQ(a, netns_ino(t.pid));
	EXPECT_EQ(n1, counter_read("netns"));
	EXPECT_EQ(lost0, lost_count(_metadata, nf));

	ASSERT_EQ(0, kill(c, SIGKILL));
	EXPECT_TRUE(ns_left(c, RECORD_TIMEOUT_MS));
	EXPECT_EQ(n1, counter_read("netns")) TH_LOG("the task is not counted in A");
	expect_clean_end(_metadata, nf);
}

TEST_HARNESS_MAIN
