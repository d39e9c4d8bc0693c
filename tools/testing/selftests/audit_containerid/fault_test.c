// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures on every path of the audit container identifier
 * that allocates (issue 12): nothing is lost silently.
 *
 * Each path is driven by one task under fault injection
 * (Documentation/fault-injection/fault-injection.rst), with failslab's
 * ignore-gfp-wait N so that sleeping allocations fail too:
 *
 *  - systematic sweeps (/proc/thread-self/fail-nth): the 1st, 2nd, ...
 *    injectable allocation of the one syscall under test fails, one per
 *    call, until the syscall makes fewer than N; the sweep is repeated
 *    stress_scale(1, 3) times.  Slab allocations are injectable, and
 *    page allocations of any order where the kernel has fail_page_alloc;
 *  - by call site (the KASAN test kernel, with
 *    CONFIG_FAULT_INJECTION_STACKTRACE_FILTER): failslab with
 *    require-start/require-end on the module's text and probability 100
 *    fails every slab and page allocation of the armed task with the
 *    module on the stack.
 *
 * The paths and what a user must see after each failure:
 *  - set (write to /proc/<pid>/containerid): refused with ENOMEM, the
 *    contid and the counters of /proc/audit_containerid unchanged, and a
 *    res=0 CONTAINER record, or the audit lost counter (AUDIT_GET) moved;
 *    a set that works has its res=1 record, or lost moved;
 *  - fork and clone(CLONE_THREAD) of a tagged task: ENOMEM or EAGAIN, or
 *    the child carries the contid (it reads its own containerid);
 *  - AUDIT_USER from a tagged task: the USER record with its
 *    CONTAINER_INFO, or lost moved; never a CONTAINER_INFO without its
 *    USER record;
 *  - kill(2) of a tagged target by a task with an exit rule on kill: the
 *    OBJ_PID record with the target's CONTAINER_INFO, or lost moved;
 *  - a UDP datagram a tagged task sends in its own netns, logged on the
 *    OUTPUT path by iptables' AUDIT target (xt_AUDIT) or nft's "log level
 *    audit" (nft_log): the NETFILTER_PKT
 *    record with the CONTAINER_INFO of the netns, or lost moved (or the
 *    send failed);
 *  - setns() of a tagged task into a netns with no entry for its contid:
 *    ENOMEM and still in its netns, or counted in the new one, or not
 *    counted and lost moved;
 *  - a containerid rule added over netlink: ENOMEM and not listed, or
 *    listed exactly.
 * After each call the counters come back to their start.  netns_fault_test
 * covers the creation of network namespaces under failure.
 *
 * Each sweep logs how many calls it made and how many failures were
 * injected; a sweep that injected none fails.  ACID_FAULT_NTH=<n> replays
 * one call of each sweep, ACID_FAULT_VERBOSE=2 has the kernel log the
 * stack of each injected failure (failslab/verbose).
 */
#define _GNU_SOURCE
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <linux/futex.h>

#include "common.h"
#include "../kselftest_harness.h"

/* A sweep ends after this many calls in a row with no N-th injectable call. */
#define NTH_END 3
#define NTH_MAX 3000
#define MODULE_DIR "/sys/module/audit_containerid"

enum {
	OP_FORK = 'F',		/* fork a child that reports its contid */
	OP_THREAD = 'T',	/* clone(CLONE_THREAD) a thread that does the same */
	OP_USER = 'U',		/* AUDIT_USER "fault-user-<b>" */
	OP_KILL = 'K',		/* kill(@b, 0) */
	OP_UNSHARE_NET = 'N',	/* unshare(CLONE_NEWNET), no window */
	OP_SEND = 'P',		/* a UDP datagram to 127.0.0.1:9 with mark @b */
	OP_SETNS = 'J',		/* setns() into the netns of pid @b */
};

FIXTURE(fault) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
	struct failslab_saved fs;
	struct fail_page_alloc_saved fpa;
	bool fs_open;
	long tasks0, objects0, netns0;
	unsigned int barriers;
};

/* One sweep: the path's step function and what it counted. */
struct sweep {
	const char *name;
	/* One call with window @n (0: make-it-fail); returns what fail-nth had left. */
	int (*step)(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		    struct sweep *sw, unsigned int n);
	struct target t, u;	/* the actors of the path */
	uint64_t x;		/* the contid of the tagged one */
	char key[32];
	unsigned int calls, injected, failed, lost;
	unsigned int silent;	/* records missing with lost unmoved */
};

/* ---------------------------------------------------------------------
 * Counters and barriers
 */

static long lost_count(struct __test_metadata *_metadata, int nl)
{
	struct audit_status st;

	memset(&st, 0, sizeof(st));
	EXPECT_EQ(0, audit_get_status(nl, &st));
	return st.lost;
}

/* Poll until the counters read @t, @o, @n, for at most @ms. */
static bool counters_are(long t, long o, long n, long ms)
{
	long end = now_ms() + ms, t1, o1;

	for (;;) {
		if (!counters_read(&t1, &o1) && t1 == t && o1 == o && counter_read("netns") == n)
			return true;
		if (now_ms() > end)
			return false;
		usleep(10000);
	}
}

/*
 * barrier - an AUDIT_USER message of the (untagged) test process, waited
 * for: every record queued before it has been read.  Its index.
 */
static int barrier(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self)
{
	char msg[48];
	int i;

	snprintf(msg, sizeof(msg), "fault-barrier-%d-%u", getpid(), ++self->barriers);
	ASSERT_EQ(0, audit_send_user(msg));
	i = audit_log_wait_fields(&self->log, 0, RECORD_TIMEOUT_MS, AUDIT_USER,
				  FIELDS("msg", msg));
	ASSERT_LE(0, i) TH_LOG("barrier %s not seen", msg);
	return i;
}

/*
 * orphan_infos - CONTAINER_INFO records "contid=@x" at index >= @from
 * whose event has no record of type @type: a CONTAINER_INFO must never
 * come without the record it qualifies.
 */
static int orphan_infos(struct audit_log *log, int from, uint64_t x, int type)
{
	int i, n = 0;

	for (i = from; i < log->n; i++) {
		if (!record_matches(&log->recs[i], AUDIT_CONTAINER_INFO,
				    FIELDS("contid", u64_str(x))))
			continue;
		if (audit_log_event_find(log, log->recs[i].serial, type) < 0)
			n++;
	}
	return n;
}

/*
 * silent - a record missing while the lost counter did not move: counted
 * (the sweep fails at its end, after covering every N) and logged.
 */
static void silent(struct __test_metadata *_metadata, struct sweep *sw, unsigned int n,
		   const char *what, const char *rec)
{
	sw->silent++;
	TH_LOG("%s n=%u: %s %s, and the lost counter did not move", sw->name, n, what, rec);
}

/*
 * qualified - record @i (of a tagged task, or of a tagged object) is
 * qualified by the CONTAINER_INFO of @x, exactly; or it has no record=
 * field and no CONTAINER_INFO and the lost counter moved (@lost).
 */
static void qualified(struct __test_metadata *_metadata, struct audit_log *log, int i,
		      struct sweep *sw, bool lost, unsigned int n)
{
	unsigned long serial = log->recs[i].serial;

	if (record_field(log->recs[i].body, "record", NULL, 0)) {
		expect_container_info(_metadata, log, i, serial, u64_str(sw->x));
		return;
	}
	EXPECT_EQ(0, audit_log_event_count(log, serial, AUDIT_CONTAINER_INFO)) TH_LOG("n=%u", n);
	if (!lost)
		silent(_metadata, sw, n, "no CONTAINER_INFO for", log->recs[i].text);
}

/* ---------------------------------------------------------------------
 * Actors
 */

static char thread_stack[65536] __attribute__((aligned(16)));

/* Write the calling thread's contid (or -1) to @fd. */
static void report_contid(int fd, pid_t tid)
{
	char path[64];
	uint64_t v = (uint64_t)-1;

	contid_path(path, sizeof(path), getpid(), tid);
	if (contid_read_path(path, &v, NULL, 0))
		v = (uint64_t)-1;
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		syscall(SYS_exit, 3);
}

static int thread_fn(void *arg)
{
	report_contid(*(int *)arg, syscall(SYS_gettid));
	syscall(SYS_exit, 0);
	return 0;
}

/* Fork or clone a thread in window @w; the child's contid into r->val. */
static void spawn_op(int op, struct fault_window *w, struct target_reply *r)
{
	static volatile pid_t ctid;
	int p[2];
	long rc;
	uint64_t v;

	if (pipe2(p, O_CLOEXEC)) {
		r->err = errno;
		return;
	}
	r->err = fault_window_arm(w);
	if (op == OP_FORK) {
		rc = fork();
		if (rc == 0) {
			report_contid(p[1], 0);
			_exit(0);
		}
	} else {
		rc = clone(thread_fn, thread_stack + sizeof(thread_stack),
			   CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
			   CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
			   &p[1], &ctid, NULL, &ctid);
	}
	if (rc < 0 && !r->err)
		r->err = errno;
	r->aux = fault_window_close(w);
	r->val = -1;
	if (rc > 0) {
		if (read(p[0], &v, sizeof(v)) == sizeof(v))
			r->val = (int64_t)v;
		if (op == OP_FORK) {
			waitpid(rc, NULL, 0);
		} else {
			/* The stack is reused: wait until the thread is gone. */
			while (ctid)
				syscall(SYS_futex, &ctid, FUTEX_WAIT, ctid, NULL, NULL, 0);
		}
	}
	close(p[0]);
	close(p[1]);
}

/* AUDIT_USER "fault-user-@k" in window @w; r->val is the ack (0 or -errno). */
static void user_op(uint64_t k, struct fault_window *w, struct target_reply *r)
{
	int fd = audit_netlink_open(), rc;
	char msg[32];
	uint32_t seq;

	if (fd < 0) {
		r->err = errno;
		return;
	}
	snprintf(msg, sizeof(msg), "fault-user-%" PRIu64, k);
	r->err = fault_window_arm(w);
	rc = audit_netlink_send(fd, AUDIT_USER, NLM_F_ACK, msg, strlen(msg) + 1, &seq);
	r->aux = fault_window_close(w);
	if (rc)
		r->err = -rc;
	else
		r->val = audit_netlink_wait_ack(fd, seq, 0, NULL, 0);
	close(fd);
}

/* A UDP datagram to 127.0.0.1:9 with mark @mark, sent in window @w. */
static void send_op(uint64_t mark, struct fault_window *w, struct target_reply *r)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), m = mark;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_MARK, &m, sizeof(m))) {
		r->err = errno;
		fault_window_close(w);
		return;
	}
	r->err = fault_window_arm(w);
	r->val = sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
	if (r->val < 0 && !r->err)
		r->err = errno;
	r->aux = fault_window_close(w);
	close(fd);
}

/* setns() into the netns of @pid in window @w. */
static void setns_op(pid_t pid, struct fault_window *w, struct target_reply *r)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r->err = errno;
		fault_window_close(w);
		return;
	}
	r->err = fault_window_arm(w);
	r->val = setns(fd, CLONE_NEWNET);
	if (r->val && !r->err)
		r->err = errno;
	r->aux = fault_window_close(w);
	close(fd);
}

static void actor_loop(int cfd, int rfd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (fault_no_rseq())
		_exit(3);
	for (;;) {
		struct target_reply r = { 0 };
		struct target_command c;
		struct fault_window w;

		if (read(cfd, &c, sizeof(c)) != sizeof(c))
			_exit(0);
		r.err = fault_window_open(&w, c.a);
		if (r.err)
			goto reply;
		switch (c.op) {
		case OP_FORK:
		case OP_THREAD:
			spawn_op(c.op, &w, &r);
			break;
		case OP_USER:
			user_op(c.b, &w, &r);
			break;
		case OP_SEND:
			send_op(c.b, &w, &r);
			break;
		case OP_SETNS:
			setns_op(c.b, &w, &r);
			break;
		case 'f':	/* fork a child that waits, no window */
			fault_window_close(&w);
			target_common_op(c.op, c.a, c.b, &r);
			break;
		case OP_UNSHARE_NET:
			fault_window_close(&w);
			r.val = unshare(CLONE_NEWNET);
			r.err = r.val ? errno : 0;
			break;
		case OP_KILL:
			r.err = fault_window_arm(&w);
			r.val = kill((pid_t)c.b, 0);
			if (r.val && !r.err)
				r.err = errno;
			r.aux = fault_window_close(&w);
			break;
		default:
			fault_window_close(&w);
			r.err = EINVAL;
		}
reply:
		if (write(rfd, &r, sizeof(r)) != sizeof(r))
			_exit(2);
	}
}

static void actor_start(struct __test_metadata *_metadata, struct target *t, uint64_t id)
{
	ASSERT_LT(0, target_fork(t, actor_loop));
	tag_task(_metadata, t->pid, id);
}

/* ---------------------------------------------------------------------
 * Steps: one call of a path with window @n, and its checks.
 */

/*
 * set_step - the test process (no contid) sets a fresh contid on a fresh
 * child.  A refused set: ENOMEM (only if a failure was injected), the
 * child still unset, the counters unchanged; its res=0 CONTAINER record,
 * or lost moved.  A set that works: its res=1 record, or lost moved.
 */
static int set_step(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		    struct sweep *sw, unsigned int n)
{
	uint64_t x = random_contid(), got = 0;
	int fd, left, err = 0, from = self->log.n, b;
	long t0, o0, n0, lost0;
	struct fault_window w;
	char path[64], val[24];
	bool lost;
	pid_t c;

	c = fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		for (;;)
			pause();
	}
	counters_read_all(_metadata, &t0, &o0, &n0);
	lost0 = lost_count(_metadata, self->nl);
	contid_path(path, sizeof(path), c, 0);
	snprintf(val, sizeof(val), "%" PRIu64, x);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fault_window_open(&w, n));
	ASSERT_EQ(0, fault_window_arm(&w));
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	left = fault_window_close(&w);
	close(fd);
	ASSERT_LE(0, left);

	EXPECT_EQ(0, contid_get(c, &got));
	if (err) {
		sw->failed++;
		EXPECT_EQ(ENOMEM, err) TH_LOG("n=%u: %s", n, strerror(err));
		EXPECT_EQ(0, left) TH_LOG("n=%u: refused, nothing injected", n);
		EXPECT_EQ(AUDIT_CID_UNSET, got) TH_LOG("n=%u: refused set changed the contid", n);
		EXPECT_TRUE(counters_are(t0, o0, n0, 0)) TH_LOG("n=%u: refused set counted", n);
	} else {
		EXPECT_EQ(x, got) TH_LOG("n=%u", n);
		EXPECT_TRUE(counters_are(t0 + 1, o0 + 1, n0 + 1, 0)) TH_LOG("n=%u", n);
	}
	b = barrier(_metadata, self);
	lost = lost_count(_metadata, self->nl) != lost0;
	sw->lost += lost;
	if (!lost && audit_log_find_fields(&self->log, from, AUDIT_CONTAINER,
					   FIELDS("opid", i64_str(c), "contid", val)) < 0) {
		silent(_metadata, sw, n, "no CONTAINER record for",
		       err ? "a refused set" : "a set");
	} else if (!lost) {
		expect_set_record(_metadata, &self->log, from, c, val, "-1", !err, getpid(),
				  err ? -err : (long)strlen(val), NULL);
	} else {
		int i = audit_log_find_fields(&self->log, from, AUDIT_CONTAINER,
					      FIELDS("opid", i64_str(c), "contid", val));
		char want[160];

		snprintf(want, sizeof(want), "op=set opid=%d contid=%s old-contid=-1 res=%d",
			 c, val, !err);
		if (i >= 0 && i < b)
			EXPECT_STREQ(want, self->log.recs[i].body);
	}
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	EXPECT_TRUE(counters_are(t0, o0, n0, RECORD_TIMEOUT_MS)) TH_LOG("n=%u", n);
	return left;
}

/* The actor stopped answering at window @n: say how it ended. */
static void actor_gone(struct __test_metadata *_metadata, struct target *t, unsigned int n)
{
	int st = 0;

	if (waitpid(t->pid, &st, 0) != t->pid)
		st = -1;
	t->pid = 0;
	ASSERT_TRUE(false) TH_LOG("n=%u: the actor is gone: %s %d", n,
				  st == -1 ? "not a child" :
				  WIFSIGNALED(st) ? "killed by signal" : "exit status",
				  WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

/*
 * spawn_step - the tagged actor forks (or clones a thread): ENOMEM or
 * EAGAIN only if a failure was injected, else the child reads its own
 * contid, the actor's; the counters come back once it is gone.
 */
static int spawn_step(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		      struct sweep *sw, unsigned int n)
{
	int op = sw->name[0] == 'f' ? OP_FORK : OP_THREAD;
	struct target_reply r;
	long t0, o0, n0;

	counters_read_all(_metadata, &t0, &o0, &n0);
	r = target_call(&sw->t, op, n, 0);
	if (r.err == EPIPE)
		actor_gone(_metadata, &sw->t, n);
	ASSERT_LE(0, r.aux) TH_LOG("n=%u: fail-nth", n);
	if (r.err) {
		sw->failed++;
		EXPECT_TRUE(r.err == ENOMEM || r.err == EAGAIN) TH_LOG("n=%u: %s", n,
									strerror(r.err));
		EXPECT_EQ(0, r.aux) TH_LOG("n=%u: failed, nothing injected", n);
	} else {
		EXPECT_EQ(sw->x, (uint64_t)r.val) TH_LOG("n=%u: the child's contid", n);
	}
	EXPECT_TRUE(counters_are(t0, o0, n0, RECORD_TIMEOUT_MS)) TH_LOG("n=%u", n);
	return r.aux;
}

/*
 * user_step - the tagged actor sends an AUDIT_USER message.  Its USER
 * record has its CONTAINER_INFO, or lost moved; with no USER record, the
 * sender was told (send or ack failed) or lost moved; no CONTAINER_INFO
 * of the actor without a USER record in its event.
 */
static int user_step(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		     struct sweep *sw, unsigned int n)
{
	int from = self->log.n, i;
	struct target_reply r;
	long lost0 = lost_count(_metadata, self->nl);
	char msg[32];
	bool lost;

	snprintf(msg, sizeof(msg), "fault-user-%u", sw->calls);
	r = target_call(&sw->t, OP_USER, n, sw->calls);
	ASSERT_LE(0, r.aux) TH_LOG("n=%u: fail-nth", n);
	barrier(_metadata, self);
	lost = lost_count(_metadata, self->nl) != lost0;
	sw->lost += lost;
	if (r.err || r.val) {
		sw->failed++;
		EXPECT_EQ(0, r.aux) TH_LOG("n=%u: send %s, ack %s, nothing injected", n,
					   strerror(r.err), strerror((int)-r.val));
	}
	i = audit_log_find_fields(&self->log, from, AUDIT_USER, FIELDS("msg", msg));
	if (i >= 0) {
		EXPECT_TRUE(record_matches(&self->log.recs[i], AUDIT_USER,
					   FIELDS("pid", i64_str(sw->t.pid))));
		qualified(_metadata, &self->log, i, sw, lost, n);
	} else if (!r.err && !lost) {
		silent(_metadata, sw, n, "no USER record for", msg);
	}
	EXPECT_EQ(0, orphan_infos(&self->log, from, sw->x, AUDIT_USER)) TH_LOG("n=%u", n);
	return r.aux;
}

/*
 * kill_step - the untagged actor, audited by an exit rule on kill,
 * signals (0) the tagged target: an OBJ_PID record with the target's
 * CONTAINER_INFO, or lost moved.
 */
static int kill_step(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		     struct sweep *sw, unsigned int n)
{
	int from = self->log.n, s, o = -1;
	long lost0 = lost_count(_metadata, self->nl);
	struct target_reply r;
	bool lost;

	r = target_call(&sw->u, OP_KILL, n, sw->t.pid);
	ASSERT_LE(0, r.aux) TH_LOG("n=%u: fail-nth", n);
	/* kill() of a live task with signal 0 allocates nothing it needs. */
	EXPECT_EQ(0, r.err) TH_LOG("n=%u: kill: %s", n, strerror(r.err));
	barrier(_metadata, self);
	lost = lost_count(_metadata, self->nl) != lost0;
	sw->lost += lost;
	s = audit_log_find_fields(&self->log, from, AUDIT_SYSCALL,
				  FIELDS("pid", i64_str(sw->u.pid), "key", sw->key));
	if (s >= 0) {
		unsigned long serial = self->log.recs[s].serial;
		int i;

		for (i = from; i < self->log.n; i++)
			if (self->log.recs[i].serial == serial &&
			    record_matches(&self->log.recs[i], AUDIT_OBJ_PID,
					   FIELDS("opid", i64_str(sw->t.pid))))
				o = i;
	} else {
		/* Without its SYSCALL record, an OBJ_PID has no event to find. */
		o = audit_log_find_fields(&self->log, from, AUDIT_OBJ_PID,
					  FIELDS("opid", i64_str(sw->t.pid)));
	}
	if (o >= 0)
		qualified(_metadata, &self->log, o, sw, lost, n);
	else if (!lost)
		silent(_metadata, sw, n, "no OBJ_PID record for", "kill(target, 0)");
	EXPECT_EQ(0, orphan_infos(&self->log, from, sw->x, AUDIT_OBJ_PID)) TH_LOG("n=%u", n);
	return r.aux;
}

/*
 * packet_step - the tagged actor, alone in its netns, sends a datagram
 * that the AUDIT target logs on OUTPUT: the NETFILTER_PKT record of its
 * mark with the CONTAINER_INFO of the netns (the actor's contid), or lost
 * moved, or the send failed.
 */
static int packet_step(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		       struct sweep *sw, unsigned int n)
{
	int from = self->log.n, i;
	long lost0 = lost_count(_metadata, self->nl);
	struct target_reply r;
	char mark[24];
	bool lost;

	snprintf(mark, sizeof(mark), "%#x", sw->calls + 1);
	r = target_call(&sw->t, OP_SEND, n, sw->calls + 1);
	ASSERT_LE(0, r.aux) TH_LOG("n=%u: fail-nth", n);
	barrier(_metadata, self);
	lost = lost_count(_metadata, self->nl) != lost0;
	sw->lost += lost;
	if (r.err) {
		sw->failed++;
		EXPECT_TRUE(r.err == ENOMEM || r.err == ENOBUFS) TH_LOG("n=%u: %s", n,
									 strerror(r.err));
		EXPECT_EQ(0, r.aux) TH_LOG("n=%u: send failed, nothing injected", n);
	}
	i = audit_log_find_fields(&self->log, from, AUDIT_NETFILTER_PKT, FIELDS("mark", mark));
	if (i >= 0)
		qualified(_metadata, &self->log, i, sw, lost, n);
	else if (!r.err && !lost)
		silent(_metadata, sw, n, "no NETFILTER_PKT record for mark", mark);
	EXPECT_EQ(0, orphan_infos(&self->log, from, sw->x, AUDIT_NETFILTER_PKT))
		TH_LOG("n=%u", n);
	return r.aux;
}

/*
 * setns_step - the tagged actor, whose child keeps (A, x) counted in the
 * test's netns A, joins the untagged actor's netns B, which has no entry
 * for x: refused with ENOMEM and still in A, or in B and counted there
 * (one more pair), or in B, not counted, and lost moved.  Then back to A.
 */
static int setns_step(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		      struct sweep *sw, unsigned int n)
{
	long lost0 = lost_count(_metadata, self->nl), n1 = counter_read("netns");
	ino_t a = netns_ino(getpid()), b = netns_ino(sw->u.pid);
	struct target_reply r;
	bool lost;
	int left;

	r = target_call(&sw->t, OP_SETNS, n, sw->u.pid);
	left = r.aux;
	ASSERT_LE(0, r.aux) TH_LOG("n=%u: fail-nth", n);
	lost = lost_count(_metadata, self->nl) != lost0;
	sw->lost += lost;
	if (r.err) {
		sw->failed++;
		EXPECT_EQ(ENOMEM, r.err) TH_LOG("n=%u: %s", n, strerror(r.err));
		EXPECT_EQ(0, r.aux) TH_LOG("n=%u: refused, nothing injected", n);
		EXPECT_EQ(a, netns_ino(sw->t.pid));
		EXPECT_EQ(n1, counter_read("netns")) TH_LOG("n=%u", n);
		return r.aux;
	}
	EXPECT_EQ(b, netns_ino(sw->t.pid));
	if (counter_read("netns") != n1 + 1) {
		EXPECT_EQ(n1, counter_read("netns")) TH_LOG("n=%u", n);
		if (!lost)
			silent(_metadata, sw, n, "not counted in its new netns:", "setns");
	}
	r = target_call(&sw->t, OP_SETNS, 0, getpid());
	ASSERT_EQ(0, r.err) TH_LOG("n=%u: setns back: %s", n, strerror(r.err));
	EXPECT_EQ(a, netns_ino(sw->t.pid));
	EXPECT_EQ(n1, counter_read("netns")) TH_LOG("n=%u: back in A", n);
	return left;
}

struct find_rule {
	const struct rule_buffer *want;
	int matches;
};

static bool count_rule(const struct audit_rule_data *d, void *arg)
{
	struct find_rule *f = arg;

	f->matches += rule_same(d, &f->want->d);
	return false;
}

/*
 * rule_step - the test process adds "exit,always -S uname -F
 * containerid=<fresh> -k <key>": refused with ENOMEM (or its send failed)
 * and not listed, or listed exactly once; a lost ack (ENOBUFS) leaves
 * either.  A listed rule is deleted.
 */
static int rule_step(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		     struct sweep *sw, unsigned int n)
{
	struct find_rule f = { 0 };
	struct fault_window w;
	struct rule_buffer r;
	int rc, ack = 1, left;
	uint32_t seq;

	uname_rule(&r, sw->key, AUDIT_EQUAL, random_contid(), 0);
	ASSERT_EQ(0, fault_window_open(&w, n));
	ASSERT_EQ(0, fault_window_arm(&w));
	rc = audit_netlink_send(self->nl, AUDIT_ADD_RULE, NLM_F_ACK, &r, rule_size(&r), &seq);
	left = fault_window_close(&w);
	ASSERT_LE(0, left);
	if (!rc)
		ack = audit_netlink_wait_ack(self->nl, seq, 0, NULL, 0);
	f.want = &r;
	ASSERT_LE(0, audit_list_rules(self->nl, count_rule, &f));
	if (rc || ack)
		sw->failed++;
	if (rc) {
		EXPECT_TRUE(rc == -ENOMEM || rc == -ENOBUFS) TH_LOG("n=%u: send %d", n, rc);
		EXPECT_EQ(0, f.matches) TH_LOG("n=%u", n);
	} else if (ack == -ENOMEM) {
		EXPECT_EQ(0, f.matches) TH_LOG("n=%u: refused rule listed", n);
	} else if (ack == -ENOBUFS) {
		EXPECT_GE(1, f.matches) TH_LOG("n=%u", n);
	} else {
		EXPECT_EQ(0, ack) TH_LOG("n=%u: %s", n, strerror(-ack));
		EXPECT_EQ(1, f.matches) TH_LOG("n=%u: added rule not listed exactly", n);
	}
	if (rc || ack)
		EXPECT_EQ(0, left) TH_LOG("n=%u: refused, nothing injected", n);
	if (f.matches)
		EXPECT_EQ(0, audit_del_rule(self->nl, &r));
	return left;
}

/* ---------------------------------------------------------------------
 * Sweeps
 */

static void expect_clean_end(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self);

/*
 * nth_sweep - @sw's step with the 1st, 2nd, ... injectable call failing
 * until the call makes fewer, stress_scale(1, 3) times over; logs and
 * checks that failures were injected, and that every task of the test
 * gone, the counters are back to their start.
 */
static void nth_sweep(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		      struct sweep *sw)
{
	unsigned int pass, passes = stress_scale(1, 3), n, end, last = 0;
	const char *only = getenv("ACID_FAULT_NTH");

	if (only && *only) {
		/* Replay one N (with ACID_FAULT_VERBOSE=2 for its stack). */
		int left;

		n = strtoul(only, NULL, 10);
		left = sw->step(_metadata, self, sw, n);
		TH_LOG("%s n=%u: fail-nth left %d, %u silent loss(es)", sw->name, n, left,
		       sw->silent);
		EXPECT_EQ(0, sw->silent);
		expect_clean_end(_metadata, self);
		return;
	}
	for (pass = 0; pass < passes; pass++) {
		for (n = 1, end = 0; n <= NTH_MAX && end < NTH_END; n++) {
			int left = sw->step(_metadata, self, sw, n);

			sw->calls++;
			if (left) {
				end++;
			} else {
				end = 0;
				sw->injected++;
				last = n;
			}
			/* Stop at the first failed check. */
			ASSERT_EQ(KSFT_PASS, _metadata->exit_code) TH_LOG("%s n=%u", sw->name, n);
		}
		ASSERT_EQ(NTH_END, end) TH_LOG("%s: no end after %d", sw->name, NTH_MAX);
	}
	TH_LOG("%s: %u pass(es), %u injectable calls in the last, %u calls, %u faults injected, "
	       "%u call(s) failed, lost moved %u time(s), %u silent loss(es)", sw->name, passes,
	       last, sw->calls, sw->injected, sw->failed, sw->lost, sw->silent);
	EXPECT_LT(0, sw->injected);
	EXPECT_EQ(0, sw->silent) TH_LOG("%s: records lost without the lost counter", sw->name);
	expect_clean_end(_metadata, self);
}

/* ---------------------------------------------------------------------
 * Fixture
 */

FIXTURE_SETUP(fault)
{
	int err;

	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
	real_contexts_rule(_metadata, self->nl, &self->rules);
	err = failslab_open(&self->fs, "N", getenv("ACID_FAULT_VERBOSE") ?: "0");
	ASSERT_EQ(0, err) TH_LOG("failslab (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS): %s",
				 strerror(err));
	self->fs_open = true;
	err = fail_page_alloc_open(&self->fpa);
	ASSERT_EQ(0, err) TH_LOG("fail_page_alloc: %s", strerror(err));
	ASSERT_EQ(0, access("/proc/thread-self/fail-nth", F_OK)) TH_LOG("no fail-nth");

	counters_settle(_metadata, &self->tasks0, &self->objects0, &self->netns0);
}

FIXTURE_TEARDOWN(fault)
{
	fail_page_alloc_close(&self->fpa);
	if (self->fs_open)
		failslab_close(&self->fs);
	fixture_close(&self->log, self->nl, &self->rules);
	if (!counters_are(self->tasks0, self->objects0, self->netns0, RECORD_TIMEOUT_MS))
		TH_LOG("/proc/audit_containerid not back to its start values");
}

/* Every task of the test gone: the counters are back to their start. */
static void expect_clean_end(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self)
{
	reap_all();
	EXPECT_TRUE(counters_are(self->tasks0, self->objects0, self->netns0, RECORD_TIMEOUT_MS))
		TH_LOG("/proc/audit_containerid not back to its start values");
}

/* Start the actors of @sw: @t tagged with a fresh contid, @u untagged. */
static void sweep_actors(struct __test_metadata *_metadata, struct sweep *sw)
{
	sw->x = random_contid();
	actor_start(_metadata, &sw->t, sw->x);
	actor_start(_metadata, &sw->u, AUDIT_CID_UNSET);
	snprintf(sw->key, sizeof(sw->key), "fault-%d", getpid());
}

/* The exit rule on kill(2) by actor @sw->u, key @sw->key. */
static void kill_rule(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		      struct sweep *sw)
{
	struct rule_buffer r;

	rule_init(&r, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
	rule_add_arch(&r);
	rule_add_syscall(&r, __NR_kill);
	rule_add_field(&r, AUDIT_PID, AUDIT_EQUAL, sw->u.pid);
	rule_add_key(&r, sw->key);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &r));
}

/* Log UDP datagrams to port 9 on OUTPUT: xt_AUDIT, or nft_log's "log level audit". */
#define XT_AUDIT_RULE "iptables -A OUTPUT -o lo -p udp --dport 9 -j AUDIT --type accept"
#define NFT_LOG_RULE "nft add table inet acidf && " \
	"nft add chain inet acidf out '{ type filter hook output priority 0; }' && " \
	"nft add rule inet acidf out oif lo udp dport 9 log level audit"

/*
 * packet_actor - the tagged actor @sw->t moves to a netns of its own, where
 * the test brings lo up and runs @rules (the rules go with the netns).
 */
static void packet_actor(struct __test_metadata *_metadata, struct sweep *sw, const char *rules)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	char path[64];
	int home, ns, fd, rc;

	sweep_actors(_metadata, sw);
	ASSERT_EQ(0, target_call(&sw->t, OP_UNSHARE_NET, 0, 0).err);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", sw->t.pid);
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, home);
	ASSERT_LE(0, ns);
	ASSERT_EQ(0, setns(ns, CLONE_NEWNET));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ifr.ifr_flags = IFF_UP;
	rc = fd < 0 ? -1 : ioctl(fd, SIOCSIFFLAGS, &ifr);
	if (fd >= 0)
		close(fd);
	if (!rc)
		rc = system(rules);
	ASSERT_EQ(0, setns(home, CLONE_NEWNET));
	close(home);
	close(ns);
	ASSERT_EQ(0, rc) TH_LOG("lo up, %s in the actor's netns", rules);
}

TEST_F_TIMEOUT(fault, set_sweep, 300)
{
	struct sweep sw = { .name = "set", .step = set_step };

	nth_sweep(_metadata, self, &sw);
}

TEST_F_TIMEOUT(fault, fork_sweep, 600)
{
	struct sweep sw = { .name = "fork", .step = spawn_step };

	sweep_actors(_metadata, &sw);
	nth_sweep(_metadata, self, &sw);
}

TEST_F_TIMEOUT(fault, thread_sweep, 300)
{
	struct sweep sw = { .name = "thread", .step = spawn_step };

	sweep_actors(_metadata, &sw);
	nth_sweep(_metadata, self, &sw);
}

TEST_F_TIMEOUT(fault, user_message_sweep, 300)
{
	struct sweep sw = { .name = "user message", .step = user_step };

	sweep_actors(_metadata, &sw);
	nth_sweep(_metadata, self, &sw);
}

TEST_F_TIMEOUT(fault, obj_pid_sweep, 300)
{
	struct sweep sw = { .name = "kill (OBJ_PID)", .step = kill_step };

	sweep_actors(_metadata, &sw);
	kill_rule(_metadata, self, &sw);
	nth_sweep(_metadata, self, &sw);
}

TEST_F_TIMEOUT(fault, packet_sweep, 300)
{
	struct sweep sw = { .name = "packet (xt_AUDIT)", .step = packet_step };

	packet_actor(_metadata, &sw, XT_AUDIT_RULE);
	nth_sweep(_metadata, self, &sw);
}

TEST_F_TIMEOUT(fault, packet_nft_sweep, 300)
{
	struct sweep sw = { .name = "packet (nft log)", .step = packet_step };

	packet_actor(_metadata, &sw, NFT_LOG_RULE);
	nth_sweep(_metadata, self, &sw);
}

/*
 * setns into a netns with no entry for the contid, every allocation of the
 * syscall failing in turn (sleeping ones included, which netns_fault_test,
 * failing the atomic ones together, does not cover).
 */
TEST_F_TIMEOUT(fault, setns_sweep, 300)
{
	struct sweep sw = { .name = "setns", .step = setns_step };
	struct target_reply r;

	sweep_actors(_metadata, &sw);
	r = target_call(&sw.t, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	r = target_call(&sw.u, OP_UNSHARE_NET, 0, 0);
	ASSERT_EQ(0, r.err) TH_LOG("unshare: %s", strerror(r.err));
	ASSERT_EQ(self->netns0 + 1, counter_read("netns"));
	nth_sweep(_metadata, self, &sw);
}

TEST_F_TIMEOUT(fault, rule_add_sweep, 300)
{
	struct sweep sw = { .name = "rule add", .step = rule_step };

	snprintf(sw.key, sizeof(sw.key), "fault-rule-%d", getpid());
	nth_sweep(_metadata, self, &sw);
}

/* ---------------------------------------------------------------------
 * By call site: every allocation with the module on the stack fails.
 */

/*
 * module_text - the module's text range: from its .text section over its
 * core size (which also covers its data: an upper bound).
 */
static void module_text(struct __test_metadata *_metadata, unsigned long *start,
			unsigned long *end)
{
	char buf[64];
	FILE *f;

	f = fopen(MODULE_DIR "/sections/.text", "r");
	ASSERT_NE(NULL, f) TH_LOG("%s/sections/.text: %m", MODULE_DIR);
	ASSERT_EQ(1, fscanf(f, "%lx", start));
	fclose(f);
	f = fopen(MODULE_DIR "/coresize", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	ASSERT_NE(0, *start) TH_LOG("section addresses hidden (kptr_restrict?)");
	*end = *start + strtoul(buf, NULL, 10);
}

/*
 * A path under failslab aimed at the module: every allocation of the
 * armed task with the module's text on its stack fails.  Returns the
 * failures forced.
 */
static long by_site(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		    struct sweep *sw)
{
	long forced, pages = 0;

	ASSERT_EQ(0, failslab_arm());
	if (self->fpa.present)
		ASSERT_EQ(0, fail_page_alloc_arm(true));
	sw->step(_metadata, self, sw, 0);
	failslab_knob_write("probability", "0");
	forced = failslab_forced();
	if (self->fpa.present) {
		fail_page_alloc_arm(false);
		pages = fail_page_alloc_forced();
	}
	TH_LOG("%s with the module's allocations failing: %ld slab, %ld page failure(s) forced, "
	       "call %s, lost moved %u time(s), %u silent loss(es)", sw->name, forced, pages,
	       sw->failed ? "failed" : "worked", sw->lost, sw->silent);
	forced += pages;
	EXPECT_EQ(0, sw->silent);
	return forced;
}

TEST_F_TIMEOUT(fault, module_call_sites, 300)
{
	struct sweep set = { .name = "set", .step = set_step };
	struct sweep user = { .name = "user message", .step = user_step };
	struct sweep fk = { .name = "fork", .step = spawn_step };
	struct sweep kl = { .name = "kill (OBJ_PID)", .step = kill_step };
	struct sweep rule = { .name = "rule add", .step = rule_step };
	struct sweep pkt = { .name = "packet (xt_AUDIT)", .step = packet_step };
	unsigned long start, end;

	if (access(FAILSLAB_DIR "/require-start", F_OK))
		SKIP(return, "no CONFIG_FAULT_INJECTION_STACKTRACE_FILTER");
	module_text(_metadata, &start, &end);
	TH_LOG("module text 0x%lx-0x%lx", start, end);
	ASSERT_EQ(0, failslab_stack_filter(start, end));

	/* The set allocates its objects in the module: refused. */
	EXPECT_LE(1, by_site(_metadata, self, &set));
	EXPECT_EQ(1, set.failed) TH_LOG("a set worked with the module's allocations failing");

	/* A user message: its CONTAINER_INFO is allocated by the module. */
	sweep_actors(_metadata, &user);
	EXPECT_LE(1, by_site(_metadata, self, &user));
	EXPECT_EQ(1, user.lost) TH_LOG("the CONTAINER_INFO's failure did not move lost");

	/* The fork hook allocates nothing: the child has the contid. */
	fk.t = user.t;
	fk.x = user.x;
	EXPECT_EQ(0, by_site(_metadata, self, &fk));
	EXPECT_EQ(0, fk.failed);

	kl.t = user.t;
	kl.u = user.u;
	kl.x = user.x;
	snprintf(kl.key, sizeof(kl.key), "%s", user.key);
	kill_rule(_metadata, self, &kl);
	EXPECT_LE(1, by_site(_metadata, self, &kl));
	EXPECT_EQ(1, kl.lost);

	snprintf(rule.key, sizeof(rule.key), "fault-rule-%d", getpid());
	by_site(_metadata, self, &rule);

	/* The packet's CONTAINER_INFO is allocated by the module. */
	packet_actor(_metadata, &pkt, XT_AUDIT_RULE);
	EXPECT_LE(1, by_site(_metadata, self, &pkt));
	EXPECT_EQ(1, pkt.lost);

	expect_clean_end(_metadata, self);
}

TEST_HARNESS_MAIN
