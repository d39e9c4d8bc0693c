// SPDX-License-Identifier: GPL-2.0
/*
 * Attribution of events to containers beyond a task's own syscalls:
 *
 *  - signal and ptrace targets: every OBJ_PID record of a target with a
 *    contid ends in " record=<n>" and its event holds a CONTAINER_INFO
 *    "record=<n> contid=<target chain>"; the sender's own contid, if it has
 *    one, is record 1, linked from the SYSCALL record, so targets are
 *    numbered from 2 (from 1 when the sender has none);
 *  - user messages (AUDIT_USER, 1100-1199, 2100-2999): the sender's
 *    CONTAINER_INFO in the same event as its message;
 *  - standalone records (ANOM_ABEND, SECCOMP) of a task with a contid;
 *  - a child cloned with CLONE_NEWNET takes its contid into the new netns,
 *    whose packets (iptables AUDIT target) are attributed to it.
 *
 * Tasks without a contid get no CONTAINER_INFO and no record= field.  A
 * standalone event has no EOE record: all its records are known to have
 * arrived once a later "barrier" user message has (delivery is in order).
 */
#include <sched.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common.h"
#include "../kselftest_harness.h"

#if defined(__x86_64__)
#define ATTR_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ATTR_ARCH AUDIT_ARCH_AARCH64
#endif

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#ifndef SECCOMP_RET_LOG
#define SECCOMP_RET_LOG 0x7ffc0000U
#endif

FIXTURE(attr) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
};

FIXTURE_SETUP(attr)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
}

FIXTURE_TEARDOWN(attr)
{
	fixture_close(&self->log, self->nl, &self->rules);
}

/* ---------------------------------------------------------------------
 * Actors: children that, on command, send signals, ptrace, send audit
 * messages, crash or run under seccomp.  The victims of signals and ptrace
 * are plain targets of targets.h (blocked in read()).
 */

enum {
	OP_KILL = 'k',		/* kill(a, b) */
	OP_TGKILL = 'K',	/* tgkill(a, a, b) */
	OP_TKILL = 'T',		/* tkill(a, b) */
	OP_ATTACH = 'a',	/* PTRACE_ATTACH a, wait for its stop, detach */
	OP_SEIZE = 's',		/* PTRACE_SEIZE a, interrupt, detach */
	OP_USER = 'm',		/* audit message of type a, "acid-attr-<b>" */
	OP_SEGV = 'v',		/* write through a NULL pointer */
	OP_SECCOMP = 'c',	/* filter getppid() with action a, call it */
	OP_CLONE_NEWNET = 'N',	/* clone(CLONE_NEWNET) a child that waits */
};

static int install_getppid_filter(uint32_t action)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ATTR_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		return errno;
	return 0;
}

static void actor_loop(int cfd, int rfd)
{
	struct rlimit nocore = { 0, 0 };

	setrlimit(RLIMIT_CORE, &nocore);
	for (;;) {
		struct target_command c;
		struct target_reply r = { 0 };
		pid_t v;
		char msg[64];
		int st, fd;

		if (read(cfd, &c, sizeof(c)) != sizeof(c))
			_exit(0);
		v = (pid_t)c.a;
		errno = 0;
		switch (c.op) {
		case OP_KILL:
			r.val = syscall(SYS_kill, (long)v, (long)c.b);
			break;
		case OP_TGKILL:
			r.val = syscall(SYS_tgkill, (long)v, (long)v, (long)c.b);
			break;
		case OP_TKILL:
			r.val = syscall(SYS_tkill, (long)v, (long)c.b);
			break;
		case OP_ATTACH:
			r.val = ptrace(PTRACE_ATTACH, v, 0, 0);
			if (r.val)
				break;
			if (waitpid(v, &st, __WALL) != v || !WIFSTOPPED(st))
				r.val = -1;
			ptrace(PTRACE_DETACH, v, 0, 0);
			break;
		case OP_SEIZE:
			r.val = ptrace(PTRACE_SEIZE, v, 0, 0);
			if (r.val)
				break;
			/* Only a stopped tracee can be detached. */
			if (ptrace(PTRACE_INTERRUPT, v, 0, 0) ||
			    waitpid(v, &st, __WALL) != v || !WIFSTOPPED(st) ||
			    ptrace(PTRACE_DETACH, v, 0, 0))
				r.val = -1;
			break;
		case OP_USER:
			snprintf(msg, sizeof(msg), "acid-attr-%" PRIu64, c.b);
			fd = audit_netlink_open();
			if (fd < 0)
				break;
			r.val = audit_netlink_request(fd, (int)c.a, msg, strlen(msg) + 1, 0, NULL,
						      0);
			close(fd);
			errno = (int)-r.val;
			break;
		case OP_SEGV:
			*(volatile int *)(uintptr_t)c.b = 1;
			r.val = -1;
			break;
		case OP_SECCOMP:
			errno = install_getppid_filter((uint32_t)c.a);
			if (!errno)
				r.val = syscall(SYS_getppid);
			break;
		case OP_CLONE_NEWNET:
			r.val = syscall(SYS_clone, (long)(CLONE_NEWNET | SIGCHLD), 0L, 0L, 0L, 0L);
			if (r.val == 0) {
				for (;;)
					pause();
			}
			break;
		default:
			errno = EINVAL;
		}
		r.err = r.val < 0 || errno ? (errno ? errno : EIO) : 0;
		if (write(rfd, &r, sizeof(r)) != sizeof(r))
			_exit(2);
	}
}

/* Fork an actor (its own process group), tagged with @id unless unset. */
static pid_t actor_start(struct __test_metadata *_metadata, struct target *t, uint64_t id)
{
	ASSERT_LE(0, target_fork(t, actor_loop));
	tag_task(_metadata, t->pid, id);
	return t->pid;
}

/* A victim: a plain target, tagged with @id unless unset. */
#define victim_start(_metadata, t, id) target_start_tagged(_metadata, t, id)

/* Reap actor @t that was told to die; returns its wait status. */
static int actor_reap(struct target *t)
{
	int status = -1;

	close(t->cmd);
	close(t->rep);
	if (waitpid(t->pid, &status, 0) != t->pid)
		status = -1;
	t->pid = 0;
	return status;
}

/* ---------------------------------------------------------------------
 * Rules and records
 */

/* exit,always -F arch=<native> -S kill -S tgkill -S tkill -S ptrace
 * -F pid=@pid: signals and ptrace of @pid get OBJ_PID records. */
static void signal_rule(struct __test_metadata *_metadata, int nl, struct rule_list *rules,
			pid_t pid)
{
	struct rule_buffer r;

	rule_init(&r, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
	rule_add_arch(&r);
	rule_add_syscall(&r, __NR_kill);
	rule_add_syscall(&r, __NR_tgkill);
	rule_add_syscall(&r, __NR_tkill);
	rule_add_syscall(&r, __NR_ptrace);
	rule_add_field(&r, AUDIT_PID, AUDIT_EQUAL, pid);
	ASSERT_EQ(0, rule_list_add(nl, rules, &r));
}

static const char *hex(unsigned long v)
{
	static char ring[8][24];
	static unsigned int next;
	char *b = ring[next++ % 8];

	snprintf(b, 24, "%lx", v);
	return b;
}

/* Index of the first record of event @serial with @type and every field
 * of @fields; -1 if none.  *@count gets the number of such records. */
static int event_find_fields(struct audit_log *log, unsigned long serial, int type,
			     const char *const *fields, int *count)
{
	int i, first = -1, n = 0;

	for (i = 0; i < log->n; i++) {
		if (log->recs[i].serial != serial || !record_matches(&log->recs[i], type, fields))
			continue;
		if (first < 0)
			first = i;
		n++;
	}
	if (count)
		*count = n;
	return first;
}

/*
 * expect_linked - record @i of @log must link to the CONTAINER_INFO of
 * @chain: end in " record=<n>" with <n> = @want (or any if 0) and have a
 * CONTAINER_INFO "record=<n> contid=<chain>" in its event; for @chain
 * NULL it must have no record= field.  Returns <n> (0 for none, -1 on
 * failure).
 */
static int expect_linked(struct __test_metadata *_metadata, struct audit_log *log, int i,
			 const char *chain, int want)
{
	const struct audit_record *r = &log->recs[i];
	char v[64], last[64], body[256];
	int n, c, cnt;

	if (!chain) {
		EXPECT_FALSE(record_field(r->body, "record", NULL, 0))
			TH_LOG("record of a task without contid has record=: %s", r->text);
		return 0;
	}
	if (!record_field(r->body, "record", v, sizeof(v))) {
		EXPECT_TRUE(0) TH_LOG("no record= field in %s", r->text);
		return -1;
	}
	n = atoi(v);
	if (want)
		EXPECT_EQ(want, n) TH_LOG("%s", r->text);
	snprintf(body, sizeof(body), "record=%d", n);
	record_last_token(r->body, last, sizeof(last));
	EXPECT_STREQ(body, last);
	c = event_find_fields(log, r->serial, AUDIT_CONTAINER_INFO, FIELDS("record", v), &cnt);
	EXPECT_EQ(1, cnt) TH_LOG("CONTAINER_INFO record=%d in event %lu", n, r->serial);
	if (c < 0)
		return -1;
	snprintf(body, sizeof(body), "record=%d contid=%s", n, chain);
	EXPECT_STREQ(body, log->recs[c].body);
	return n;
}

struct want_target {
	pid_t pid;
	const char *chain;	/* NULL: the target has no contid */
};

/*
 * expect_target_event - the event of SYSCALL record @i (the sender's
 * signal or ptrace): the SYSCALL linked to @sender_chain as record 1 (or
 * unlinked), exactly one OBJ_PID per target in @w, each linked to its
 * target's chain, the numbers 1..N used once each, and no other
 * CONTAINER_INFO record.
 */
static void expect_target_event(struct __test_metadata *_metadata, struct audit_log *log, int i,
				const char *sender_chain, const struct want_target *w, int nw)
{
	unsigned long serial;
	bool used[16] = { false };
	int t, ninfo, first, k, cnt;
	char v[64];

	ASSERT_LE(0, i);
	serial = log->recs[i].serial;
	audit_log_read_event(log, serial, 3000);
	ninfo = sender_chain ? 1 : 0;
	for (t = 0; t < nw; t++)
		ninfo += w[t].chain ? 1 : 0;
	first = sender_chain ? 2 : 1;

	ASSERT_TRUE(record_field(log->recs[i].body, "success", v, sizeof(v)));
	EXPECT_STREQ("yes", v);
	EXPECT_EQ(ninfo, audit_log_event_count(log, serial, AUDIT_CONTAINER_INFO));
	EXPECT_EQ(nw, audit_log_event_count(log, serial, AUDIT_OBJ_PID));
	expect_linked(_metadata, log, i, sender_chain, 1);
	for (t = 0; t < nw; t++) {
		k = event_find_fields(log, serial, AUDIT_OBJ_PID, FIELDS("opid", i64_str(w[t].pid)),
				      &cnt);
		EXPECT_EQ(1, cnt) TH_LOG("OBJ_PID opid=%d", w[t].pid);
		if (k < 0)
			continue;
		k = expect_linked(_metadata, log, k, w[t].chain, 0);
		if (!w[t].chain || k < 0)
			continue;
		EXPECT_LE(first, k);
		EXPECT_GE(ninfo, k);
		if (k >= first && k <= ninfo) {
			EXPECT_FALSE(used[k]) TH_LOG("record=%d used twice", k);
			used[k] = true;
		}
	}
	if (_metadata->exit_code != KSFT_PASS)
		event_log(_metadata, log, serial);
}

/* The SYSCALL record of @pid's syscall @nr with first argument @a0. */
static int wait_syscall(struct audit_log *log, pid_t pid, int nr, long a0)
{
	int i = audit_log_wait(log, AUDIT_SYSCALL, "pid", i64_str(pid), "syscall", i64_str(nr),
			       "a0", hex((unsigned long)a0));

	if (i < 0)
		audit_log_dump(log, 0, stderr);
	return i;
}

static void act(struct __test_metadata *_metadata, struct target *t, int op, uint64_t a,
		uint64_t b)
{
	struct target_reply r = target_call(t, op, a, b);

	ASSERT_EQ(0, r.err) TH_LOG("op %c: %s", op, strerror(r.err));
}

/* ---------------------------------------------------------------------
 * Signals
 */

/*
 * kill() from a sender with or without a contid to a target with or
 * without one: the sender's CONTAINER_INFO is record 1, the target's
 * OBJ_PID links to its own.
 */
FIXTURE(attr_kill) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
};

FIXTURE_VARIANT(attr_kill) {
	bool sender_tagged, target_tagged;
};

FIXTURE_VARIANT_ADD(attr_kill, tagged_sender_tagged_target) { true, true };
FIXTURE_VARIANT_ADD(attr_kill, untagged_sender_tagged_target) { false, true };
FIXTURE_VARIANT_ADD(attr_kill, tagged_sender_untagged_target) { true, false };
FIXTURE_VARIANT_ADD(attr_kill, untagged_sender_untagged_target) { false, false };

FIXTURE_SETUP(attr_kill)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
}

FIXTURE_TEARDOWN(attr_kill)
{
	fixture_close(&self->log, self->nl, &self->rules);
}

TEST_F(attr_kill, obj_pid_record)
{
	uint64_t x = variant->sender_tagged ? random_contid() : AUDIT_CID_UNSET;
	uint64_t y = variant->target_tagged ? random_contid() : AUDIT_CID_UNSET;
	struct target s, v;
	struct want_target w;

	actor_start(_metadata, &s, x);
	victim_start(_metadata, &v, y);
	signal_rule(_metadata, self->nl, &self->rules, s.pid);
	act(_metadata, &s, OP_KILL, v.pid, SIGWINCH);
	w = (struct want_target){ v.pid, variant->target_tagged ? u64_str(y) : NULL };
	expect_target_event(_metadata, &self->log,
			    wait_syscall(&self->log, s.pid, __NR_kill, v.pid),
			    variant->sender_tagged ? u64_str(x) : NULL, &w, 1);
}

TEST_F(attr, tgkill_and_tkill)
{
	uint64_t x = random_contid(), y = random_contid();
	struct target s, v;
	struct want_target w;

	actor_start(_metadata, &s, x);
	victim_start(_metadata, &v, y);
	signal_rule(_metadata, self->nl, &self->rules, s.pid);
	act(_metadata, &s, OP_TGKILL, v.pid, SIGWINCH);
	act(_metadata, &s, OP_TKILL, v.pid, SIGWINCH);
	w = (struct want_target){ v.pid, u64_str(y) };
	expect_target_event(_metadata, &self->log,
			    wait_syscall(&self->log, s.pid, __NR_tgkill, v.pid), u64_str(x), &w, 1);
	expect_target_event(_metadata, &self->log,
			    wait_syscall(&self->log, s.pid, __NR_tkill, v.pid), u64_str(x), &w, 1);
}

/*
 * kill(-pgrp) reaches every member of the group: the leader and its child
 * (both of container y) and a member without a contid.  The first target
 * is kept in the context, the others in aux pids: all get OBJ_PID records,
 * the two with a contid a CONTAINER_INFO each (records 2 and 3, in either
 * order).
 */
TEST_F(attr, kill_process_group)
{
	uint64_t x = random_contid(), y = random_contid();
	struct target s, v;
	struct want_target w[3];
	struct target_reply r;
	pid_t u;

	actor_start(_metadata, &s, x);
	victim_start(_metadata, &v, y);
	r = target_call(&v, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	u = fork();
	ASSERT_LE(0, u);
	if (u == 0) {
		for (;;)
			pause();
	}
	children_add(u);
	ASSERT_EQ(0, setpgid(u, v.pid));
	ASSERT_EQ(v.pid, getpgid((pid_t)r.val));

	signal_rule(_metadata, self->nl, &self->rules, s.pid);
	act(_metadata, &s, OP_KILL, -(long)v.pid, SIGWINCH);
	w[0] = (struct want_target){ v.pid, u64_str(y) };
	w[1] = (struct want_target){ (pid_t)r.val, u64_str(y) };
	w[2] = (struct want_target){ u, NULL };
	expect_target_event(_metadata, &self->log,
			    wait_syscall(&self->log, s.pid, __NR_kill, -(long)v.pid), u64_str(x),
			    w, 3);
}

/* A target with a nested contid is logged with its whole chain. */
TEST_F(attr, kill_nested_target_chain)
{
	uint64_t y = random_contid(), z = random_contid(), got = 0;
	struct target s, v;
	struct want_target w;
	char chain[64];
	pid_t c;

	actor_start(_metadata, &s, AUDIT_CID_UNSET);
	victim_start(_metadata, &v, y);
	c = target_child(_metadata, &v);
	/* v, inside y, is the nested orchestrator of its child. */
	ASSERT_EQ(0, target_call(&v, 'W', c, z).err);
	ASSERT_EQ(0, contid_get(c, &got));
	ASSERT_EQ(z, got);

	signal_rule(_metadata, self->nl, &self->rules, s.pid);
	act(_metadata, &s, OP_KILL, c, SIGWINCH);
	snprintf(chain, sizeof(chain), "%" PRIu64 ",^%" PRIu64, z, y);
	w = (struct want_target){ c, chain };
	expect_target_event(_metadata, &self->log,
			    wait_syscall(&self->log, s.pid, __NR_kill, c), NULL, &w, 1);
}

/* The target's contid is held from the signal until the event is logged,
 * even when the signal kills the last task of the container. */
TEST_F(attr, kill_last_task_of_container)
{
	uint64_t x = random_contid(), y = random_contid();
	struct target s, v;
	struct want_target w;
	int status;

	actor_start(_metadata, &s, x);
	victim_start(_metadata, &v, y);
	signal_rule(_metadata, self->nl, &self->rules, s.pid);
	act(_metadata, &s, OP_KILL, v.pid, SIGKILL);
	close(v.cmd);
	close(v.rep);
	ASSERT_EQ(v.pid, waitpid(v.pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	w = (struct want_target){ v.pid, u64_str(y) };
	v.pid = 0;
	expect_target_event(_metadata, &self->log,
			    wait_syscall(&self->log, s.pid, __NR_kill, w.pid), u64_str(x), &w, 1);
}

/* ---------------------------------------------------------------------
 * ptrace
 */

TEST_F(attr, ptrace_attach)
{
	uint64_t x = random_contid(), y = random_contid();
	struct target s, v;
	struct want_target w;

	actor_start(_metadata, &s, x);
	victim_start(_metadata, &v, y);
	signal_rule(_metadata, self->nl, &self->rules, s.pid);
	act(_metadata, &s, OP_ATTACH, v.pid, 0);
	w = (struct want_target){ v.pid, u64_str(y) };
	expect_target_event(_metadata, &self->log,
			    wait_syscall(&self->log, s.pid, __NR_ptrace, PTRACE_ATTACH),
			    u64_str(x), &w, 1);
	/* The victim still answers after the detach. */
	ASSERT_EQ(0, target_call(&v, 'u', 0, 0).err);
}

TEST_F(attr, ptrace_seize)
{
	uint64_t y = random_contid();
	struct target s, v, u;
	struct want_target w;
	int i;

	actor_start(_metadata, &s, AUDIT_CID_UNSET);
	victim_start(_metadata, &v, y);
	victim_start(_metadata, &u, AUDIT_CID_UNSET);
	signal_rule(_metadata, self->nl, &self->rules, s.pid);
	act(_metadata, &s, OP_SEIZE, v.pid, 0);
	w = (struct want_target){ v.pid, u64_str(y) };
	i = wait_syscall(&self->log, s.pid, __NR_ptrace, PTRACE_SEIZE);
	expect_target_event(_metadata, &self->log, i, NULL, &w, 1);
	/* An untagged tracee: OBJ_PID without record=. */
	act(_metadata, &s, OP_SEIZE, u.pid, 0);
	w = (struct want_target){ u.pid, NULL };
	i = audit_log_wait_fields(&self->log, i + 1, RECORD_TIMEOUT_MS, AUDIT_SYSCALL,
				  FIELDS("pid", i64_str(s.pid), "syscall", i64_str(__NR_ptrace),
					 "a0", hex(PTRACE_SEIZE), "a1", hex(u.pid)));
	expect_target_event(_metadata, &self->log, i, NULL, &w, 1);
}

/* ---------------------------------------------------------------------
 * Events of a sender with or without a contid: user messages and
 * standalone records
 */

FIXTURE(attr_sender) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
};

FIXTURE_VARIANT(attr_sender) {
	bool tagged;
};

FIXTURE_VARIANT_ADD(attr_sender, tagged) { true };
FIXTURE_VARIANT_ADD(attr_sender, untagged) { false };

FIXTURE_SETUP(attr_sender)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
}

FIXTURE_TEARDOWN(attr_sender)
{
	fixture_close(&self->log, self->nl, &self->rules);
}

/* The sender's contid: a fresh one, or unset. */
static uint64_t sender_contid(const FIXTURE_VARIANT(attr_sender) *variant)
{
	return variant->tagged ? random_contid() : AUDIT_CID_UNSET;
}

/* ---------------------------------------------------------------------
 * User messages
 */

static const int user_types[] = {
	AUDIT_USER, AUDIT_FIRST_USER_MSG, AUDIT_LAST_USER_MSG,
	AUDIT_FIRST_USER_MSG2, AUDIT_LAST_USER_MSG2,
};

static void user_messages(struct __test_metadata *_metadata, struct audit_log *log, uint64_t id)
{
	const char *chain = id == AUDIT_CID_UNSET ? NULL : u64_str(id);
	struct target s;
	unsigned int t;

	actor_start(_metadata, &s, id);
	for (t = 0; t < sizeof(user_types) / sizeof(user_types[0]); t++) {
		uint64_t tag = random_contid();
		char m[64];
		int i, n;

		act(_metadata, &s, OP_USER, user_types[t], tag);
		snprintf(m, sizeof(m), "acid-attr-%" PRIu64, tag);
		i = audit_log_wait(log, user_types[t], "pid", i64_str(s.pid), "msg", m);
		ASSERT_LE(0, i) TH_LOG("no type %d message from %d", user_types[t], s.pid);
		log_barrier(_metadata, log);
		n = audit_log_event_count(log, log->recs[i].serial, 0);
		EXPECT_EQ(chain ? 2 : 1, n) TH_LOG("type %d", user_types[t]);
		EXPECT_EQ(chain ? 1 : 0,
			  audit_log_event_count(log, log->recs[i].serial, AUDIT_CONTAINER_INFO));
		expect_linked(_metadata, log, i, chain, 1);
		if (_metadata->exit_code != KSFT_PASS) {
			event_log(_metadata, log, log->recs[i].serial);
			return;
		}
	}
}

TEST_F(attr_sender, user_message)
{
	user_messages(_metadata, &self->log, sender_contid(variant));
}

/* ---------------------------------------------------------------------
 * Standalone records
 */

/*
 * expect_standalone - wait for the record of @type from @pid with @fields and
 * check its event: the record alone (no CONTAINER_INFO, no record=) for
 * an untagged task, else the record ending in " record=1" and exactly one
 * CONTAINER_INFO "record=1 contid=<id>".  Returns the record's index.
 */
static int expect_standalone(struct __test_metadata *_metadata, struct audit_log *log, int type,
			     pid_t pid, uint64_t id, const char *const *fields)
{
	const char *chain = id == AUDIT_CID_UNSET ? NULL : u64_str(id);
	unsigned long serial;
	int i, k;

	i = audit_log_wait_fields(log, 0, RECORD_TIMEOUT_MS, type, FIELDS("pid", i64_str(pid)));
	if (i < 0)
		audit_log_dump(log, 0, stderr);
	EXPECT_LE(0, i) TH_LOG("no record of type %d for pid %d", type, pid);
	if (i < 0)
		return -1;
	log_barrier(_metadata, log);
	serial = log->recs[i].serial;
	for (k = 0; fields && fields[k]; k += 2) {
		char v[128];

		EXPECT_TRUE(record_field(log->recs[i].body, fields[k], v, sizeof(v)))
			TH_LOG("no %s= in %s", fields[k], log->recs[i].text);
		EXPECT_STREQ(fields[k + 1], v) TH_LOG("field %s", fields[k]);
	}
	EXPECT_EQ(1, audit_log_count_fields(log, type, FIELDS("pid", i64_str(pid))));
	EXPECT_EQ(chain ? 2 : 1, audit_log_event_count(log, serial, 0));
	EXPECT_EQ(chain ? 1 : 0, audit_log_event_count(log, serial, AUDIT_CONTAINER_INFO));
	expect_linked(_metadata, log, i, chain, 1);
	if (_metadata->exit_code != KSFT_PASS)
		event_log(_metadata, log, serial);
	return i;
}

/* A SIGSEGV core dump: one ANOM_ABEND record with sig=11. */
static void anom_abend(struct __test_metadata *_metadata, struct audit_log *log, uint64_t id)
{
	struct target t;
	pid_t pid;
	int status;

	pid = actor_start(_metadata, &t, id);
	EXPECT_EQ(EPIPE, target_call(&t, OP_SEGV, 0, 0).err);
	status = actor_reap(&t);
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(SIGSEGV, WTERMSIG(status));
	expect_standalone(_metadata, log, AUDIT_ANOM_ABEND, pid, id,
			  FIELDS("sig", "11", "res", "1"));
}

TEST_F(attr_sender, anom_abend)
{
	anom_abend(_metadata, &self->log, sender_contid(variant));
}

/* SECCOMP_RET_LOG: the call goes on, one SECCOMP record with sig=0. */
static void seccomp_log(struct __test_metadata *_metadata, struct audit_log *log, uint64_t id)
{
	struct target t;
	struct target_reply r;
	pid_t pid;

	pid = actor_start(_metadata, &t, id);
	r = target_call(&t, OP_SECCOMP, SECCOMP_RET_LOG, 0);
	ASSERT_EQ(0, r.err);
	EXPECT_EQ(getpid(), r.val);
	expect_standalone(_metadata, log, AUDIT_SECCOMP, pid, id,
			  FIELDS("sig", "0", "syscall", i64_str(__NR_getppid),
				 "arch", hex(ATTR_ARCH), "code", "0x7ffc0000"));
}

TEST_F(attr_sender, seccomp_log)
{
	seccomp_log(_metadata, &self->log, sender_contid(variant));
}

/* SECCOMP_RET_KILL_PROCESS: a SECCOMP record with sig=31, then the SIGSYS
 * core dump's ANOM_ABEND, each its own event with its CONTAINER_INFO. */
TEST_F(attr, seccomp_kill_process_tagged)
{
	uint64_t x = random_contid();
	struct target t;
	int status, a, b;
	pid_t pid;

	pid = actor_start(_metadata, &t, x);
	EXPECT_EQ(EPIPE, target_call(&t, OP_SECCOMP, SECCOMP_RET_KILL_PROCESS, 0).err);
	status = actor_reap(&t);
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(SIGSYS, WTERMSIG(status));
	a = expect_standalone(_metadata, &self->log, AUDIT_SECCOMP, pid, x,
			      FIELDS("sig", "31", "syscall", i64_str(__NR_getppid),
				     "code", "0x80000000"));
	b = expect_standalone(_metadata, &self->log, AUDIT_ANOM_ABEND, pid, x,
			      FIELDS("sig", "31", "res", "1"));
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	EXPECT_NE(self->log.recs[a].serial, self->log.recs[b].serial);
}

/* ---------------------------------------------------------------------
 * clone(CLONE_NEWNET) (the shell tests cover unshare -n and setns, which
 * busybox can do, and the nft log path)
 */

/* Poll the "netns" counter (an exit is seen a little after the kill). */
static bool netns_stat_is(long want)
{
	long end = now_ms() + RECORD_TIMEOUT_MS;

	while (counter_read("netns") != want) {
		if (now_ms() > end)
			return false;
		usleep(20000);
	}
	return true;
}

TEST_F(attr, netns_clone_newnet)
{
	uint64_t x = random_contid();
	long n0 = counter_read("netns");
	int i, npkt = 0, from;
	char cmd[512];
	struct target s;
	struct target_reply r;
	uint64_t got;
	pid_t c;

	ASSERT_LE(0, n0);
	actor_start(_metadata, &s, x);
	ASSERT_EQ(n0 + 1, counter_read("netns"));
	r = target_call(&s, OP_CLONE_NEWNET, 0, 0);
	ASSERT_EQ(0, r.err);
	c = (pid_t)r.val;
	ASSERT_NE(0, netns_ino(c));
	ASSERT_NE(netns_ino(s.pid), netns_ino(c));
	ASSERT_EQ(0, contid_get(c, &got));
	ASSERT_EQ(x, got);
	/* (init netns, x) and (new netns, x) */
	ASSERT_EQ(n0 + 2, counter_read("netns"));

	log_barrier(_metadata, &self->log);
	from = self->log.n;
	snprintf(cmd, sizeof(cmd),
		 "nsenter --net=/proc/%d/ns/net sh -c 'ip link set lo up && "
		 "iptables -A OUTPUT -o lo -p icmp -j AUDIT --type accept && "
		 "ping -c 1 -W 5 127.0.0.1' > /dev/null", c);
	ASSERT_EQ(0, system(cmd)) TH_LOG("%s", cmd);
	log_barrier(_metadata, &self->log);
	for (i = from; i < self->log.n; i++) {
		const struct audit_record *p = &self->log.recs[i];

		if (p->type != AUDIT_NETFILTER_PKT)
			continue;
		npkt++;
		EXPECT_TRUE(record_matches(p, 0, FIELDS("saddr", "127.0.0.1", "daddr", "127.0.0.1",
							"proto", "1")))
			TH_LOG("%s", p->text);
		EXPECT_EQ(1, audit_log_event_count(&self->log, p->serial, AUDIT_CONTAINER_INFO));
		expect_linked(_metadata, &self->log, i, u64_str(x), 1);
		if (_metadata->exit_code != KSFT_PASS) {
			event_log(_metadata, &self->log, p->serial);
			break;
		}
	}
	EXPECT_LE(1, npkt) TH_LOG("no NETFILTER_PKT record");

	/* The child's exit leaves the new netns without x; its parent keeps
	 * (init netns, x). */
	ASSERT_EQ(0, kill(c, SIGKILL));
	EXPECT_TRUE(netns_stat_is(n0 + 1))
		TH_LOG("netns %ld, want %ld", counter_read("netns"), n0 + 1);
	ASSERT_EQ(0, target_stop(&s));
	EXPECT_TRUE(netns_stat_is(n0)) TH_LOG("netns %ld, want %ld", counter_read("netns"), n0);
}

TEST_HARNESS_MAIN
