// SPDX-License-Identifier: GPL-2.0
/*
 * Nested audit container identifiers: a nested orchestrator that runs under
 * a contid its own orchestrator assigned gives the tasks it starts new,
 * nested contids; contid ownership (injection, ENOTUNIQ, reuse after the
 * last holder is gone); the refusals that keep an orchestrator inside its
 * own subtree; delegation to an orchestrator in a user namespace; the
 * op=drop CONTAINER record of every object; chains in CONTAINER_INFO and
 * the containerid rule field matching anywhere in a chain.
 *
 * The orchestrators that are not the test process itself run in separate
 * processes, "agents": forked children that read commands from a pipe.  An
 * agent can start sub-agents (its own children); a command for a sub-agent
 * is relayed down the tree by its ancestors, so the test process drives
 * every agent of the tree from the pipes of the top agent.
 *
 * The tree of the nesting scenario (H is the test process):
 *
 *   H ── N (c1, set by H)
 *         ├── C2 (c2, set by N) ── G (inherits c2) ── X (c4, set by G)
 *         └── C3 (c3, set by N)
 *
 * whose chains are c1, c2,^c1, c3,^c1 and c4,^c2,^c1.
 *
 * The tests of issue 8 (audit integrity) that need agents are here too:
 * delegation only through the user namespace recorded on the writer's own
 * object (item 1), injection only at the writer's own level (item 3) and
 * nested readers that see only their own subtree (item 7).
 */
#include <sched.h>

#include "common.h"
#include "../kselftest_harness.h"

/* ---------------------------------------------------------------------
 * Agents
 */

#define AGENT_MAX_DEPTH 6
#define AGENT_MAX_SUBS 16

struct agent_command {
	int op;
	int depth;			/* hops left to the addressed agent */
	int path[AGENT_MAX_DEPTH];	/* sub-agent index at each hop */
	uint64_t a, b;
};

/* The test process's handle on an agent. */
struct agent {
	pid_t pid;
	int cmd, rep;			/* the pipes of the top agent */
	int depth;
	int path[AGENT_MAX_DEPTH];
	int nsubs;			/* sub-agents started so far */
};

struct subagent {
	pid_t pid;
	int cmd, rep;
};

static void agent_loop(int cfd, int rfd);

/* Relay @c to sub-agent @s and its reply back into @r. */
static void agent_relay(const struct subagent *s, struct agent_command *c, struct target_reply *r)
{
	*r = pipe_call(s->cmd, s->rep, c, sizeof(*c));
}

/* Start a sub-agent: a child of the calling agent that runs agent_loop(). */
static pid_t agent_fork_sub(struct subagent *subs, int nsubs, int cfd, int rfd)
{
	int c[2], r[2], i;
	pid_t pid;

	if (pipe2(c, O_CLOEXEC) || pipe2(r, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Keep only the sub-agent's own ends. */
		close(cfd);
		close(rfd);
		for (i = 0; i < nsubs; i++) {
			close(subs[i].cmd);
			close(subs[i].rep);
		}
		close(c[1]);
		close(r[0]);
		agent_loop(c[0], r[1]);
		_exit(0);
	}
	close(c[0]);
	close(r[1]);
	subs[nsubs].pid = pid;
	subs[nsubs].cmd = c[1];
	subs[nsubs].rep = r[0];
	return pid;
}

/*
 * An orphan below the calling agent: a child forks a grandchild and exits,
 * so the grandchild (same user namespace, same contid as the agent) is
 * reparented to the nearest subreaper, the test process.  Returns its pid.
 */
static pid_t agent_orphan(void)
{
	int p[2];
	pid_t mid, g = -1;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	mid = fork();
	if (mid < 0)
		return -1;
	if (mid == 0) {
		g = fork();
		if (g == 0) {
			for (;;)
				pause();
		}
		if (write(p[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &g, sizeof(g)) != sizeof(g))
		g = -1;
	close(p[0]);
	/* When the middle child is reaped, g has its new parent. */
	if (waitpid(mid, NULL, 0) != mid)
		return -1;
	return g;
}

/* Write @text to @path in one write(); 0 or the errno. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return errno;
	n = write(fd, text, strlen(text));
	err = n < 0 ? errno : n == (ssize_t)strlen(text) ? 0 : EIO;
	close(fd);
	return err;
}

/*
 * What "unshare -Ur" does: a new user namespace, in which the caller maps
 * its own uid and gid to root (no privilege needed for that).
 */
static int unshare_map_root(void)
{
	char map[32];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int err;

	if (unshare(CLONE_NEWUSER))
		return errno;
	err = write_file("/proc/self/setgroups", "deny");
	if (err)
		return err;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	err = write_file("/proc/self/uid_map", map);
	if (err)
		return err;
	snprintf(map, sizeof(map), "0 %u 1", gid);
	return write_file("/proc/self/gid_map", map);
}

/* Kill child @pid of the calling agent and reap it; forget it if it is a
 * sub-agent.  0 or the errno.
 */
static int agent_kill_child(struct subagent *subs, int nsubs, pid_t pid)
{
	int i;

	if (pid <= 0 || kill(pid, SIGKILL))
		return pid <= 0 ? EINVAL : errno;
	if (waitpid(pid, NULL, 0) != pid)
		return errno;
	for (i = 0; i < nsubs; i++) {
		if (subs[i].pid == pid) {
			close(subs[i].cmd);
			close(subs[i].rep);
			subs[i].pid = 0;
			subs[i].cmd = -1;
			subs[i].rep = -1;
		}
	}
	return 0;
}

static void agent_loop(int cfd, int rfd)
{
	struct subagent subs[AGENT_MAX_SUBS];
	int nsubs = 0;

	for (;;) {
		struct agent_command c;
		struct target_reply r = { 0 };
		pid_t pid;

		if (read(cfd, &c, sizeof(c)) != sizeof(c)) {
			/*
			 * The agent above is gone (or the test process closed
			 * the pipe): stay, as a task of the tree, until killed
			 * with the top agent's process group.
			 */
			for (;;)
				pause();
		}
		if (c.depth > 0) {
			int k = c.path[0];

			memmove(c.path, c.path + 1, sizeof(c.path) - sizeof(c.path[0]));
			c.depth--;
			if (k < 0 || k >= nsubs || subs[k].pid <= 0) {
				r.val = -1;
				r.err = ENOENT;
			} else {
				agent_relay(&subs[k], &c, &r);
			}
			if (write(rfd, &r, sizeof(r)) != sizeof(r))
				_exit(2);
			continue;
		}
		switch (c.op) {
		case 'A':	/* start a sub-agent */
			if (nsubs == AGENT_MAX_SUBS) {
				r.err = ENOSPC;
				break;
			}
			pid = agent_fork_sub(subs, nsubs, cfd, rfd);
			r.val = pid;
			if (pid < 0)
				r.err = errno;
			else
				nsubs++;
			break;
		case 'O':	/* an orphan from our subtree */
			r.val = agent_orphan();
			if (r.val < 0)
				r.err = ECHILD;
			break;
		case 'N':	/* a user namespace of our own */
			if (unshare(CLONE_NEWUSER))
				r.err = errno;
			break;
		case 'M':	/* unshare -Ur */
			r.err = unshare_map_root();
			break;
		case 'S':	/* uid 65534, no capabilities */
			r.err = become_nobody();
			break;
		case 'K':	/* kill and reap our child @a */
			r.err = agent_kill_child(subs, nsubs, c.a);
			break;
		default:	/* 'u', 'f', 'W', 'R': target_common_op() */
			if (!target_common_op(c.op, c.a, c.b, &r))
				r.err = EINVAL;
		}
		if (write(rfd, &r, sizeof(r)) != sizeof(r))
			_exit(2);
	}
}

/* Fork a top agent (its own process group, killed by reap_all()). */
static pid_t agent_start(struct agent *a)
{
	struct target t;

	memset(a, 0, sizeof(*a));
	if (target_fork(&t, agent_loop) < 0)
		return -1;
	a->pid = t.pid;
	a->cmd = t.cmd;
	a->rep = t.rep;
	return a->pid;
}

/* Run command @op in agent @a; err = EPIPE if a relay or @a died. */
static struct target_reply agent_call(const struct agent *a, int op, uint64_t x, uint64_t y)
{
	struct agent_command c = { .op = op, .depth = a->depth, .a = x, .b = y };

	memcpy(c.path, a->path, sizeof(c.path));
	return pipe_call(a->cmd, a->rep, &c, sizeof(c));
}

/* Start sub-agent @child of agent @parent; returns its pid or -1. */
static pid_t agent_spawn(struct agent *parent, struct agent *child)
{
	struct target_reply r;

	if (parent->depth == AGENT_MAX_DEPTH)
		return -1;
	r = agent_call(parent, 'A', 0, 0);
	if (r.err || r.val <= 0)
		return -1;
	*child = *parent;
	child->pid = r.val;
	child->path[child->depth++] = parent->nsubs++;
	child->nsubs = 0;
	return child->pid;
}

/* Agent @a writes @id to /proc/@pid/containerid; returns the errno. */
static int agent_set(const struct agent *a, pid_t pid, uint64_t id)
{
	return agent_call(a, 'W', pid, id).err;
}

/* Kill top agent @a's process group and reap every member (the orphans
 * among them are our children too: we are a subreaper).
 */
static void agent_kill_tree(struct agent *a)
{
	kill(-a->pid, SIGKILL);
	for (;;) {
		pid_t p = waitpid(-a->pid, NULL, 0);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break;
	}
	close(a->cmd);
	close(a->rep);
	children_forget(a->pid);
	a->pid = 0;
}

/* The parent pid of @pid, from /proc/<pid>/stat; -1 on error. */
static pid_t ppid_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd, ppid = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

/*
 * map_root - what a runtime does for a container's init that has unshared
 * its user namespace: map root inside to root outside (uid and gid).
 */
static int map_root(pid_t pid)
{
	char path[64];
	int err;

	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	err = write_file(path, "0 0 1");
	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	return write_file(path, "0 0 1");
}

/* ---------------------------------------------------------------------
 * Fixture
 */

FIXTURE(nest) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
	char key[64];
	long base_tasks, base_objects, base_netns;
	/* The nesting scenario, once built. */
	struct agent n, c2, c3, g, x;
	uint64_t id1, id2, id3, id4;
	char ch1[96], ch2[96], ch3[96], ch4[96];
};

FIXTURE_SETUP(nest)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
	snprintf(self->key, sizeof(self->key), "acid-nest-%" PRIu64, random_contid());
	/* Real audit contexts, so that every set attempt has its SYSCALL
	 * record (see containerid_test.c).
	 */
	real_contexts_rule(_metadata, self->nl, &self->rules);
	counters_read_all(_metadata, &self->base_tasks, &self->base_objects, &self->base_netns);
}

FIXTURE_TEARDOWN(nest)
{
	fixture_close(&self->log, self->nl, &self->rules);
}

/* ---------------------------------------------------------------------
 * Record checks
 */

/* expect_set_record() of the set of @id (a number). */
#define expect_set(m, log, from, opid, id, old, res, writer, ret, wchain) \
	expect_set_record(m, log, from, opid, u64_str(id), old, res, writer, ret, wchain)

/* The write(2) return value of a successful set of @id. */
static long set_len(uint64_t id)
{
	return strlen(u64_str(id));
}

/* @pid's contid, read by the test process. */
static uint64_t contid_of(struct __test_metadata *_metadata, pid_t pid)
{
	uint64_t id = 0;

	EXPECT_EQ(0, contid_get(pid, &id)) TH_LOG("read /proc/%d/containerid", pid);
	return id;
}

static void do_uname(struct __test_metadata *_metadata, const struct agent *a)
{
	struct target_reply r = agent_call(a, 'u', 0, 0);

	ASSERT_EQ(0, r.err);
	ASSERT_EQ(0, r.val);
}

/* Wait (briefly: the counters drop just after the records are logged) for
 * the /proc/audit_containerid counters to read @tasks, @objects and @netns
 * (the (network namespace, object) entries with tasks: here every task is
 * in the initial network namespace, so one per object that has tasks).
 */
static void expect_stats(struct __test_metadata *_metadata, long tasks, long objects,
			 long netns)
{
	long t = -1, o = -1, ns = -1, end = now_ms() + 3000;

	for (;;) {
		ASSERT_EQ(0, counters_read(&t, &o));
		ns = counter_read("netns");
		if ((t == tasks && o == objects && ns == netns) || now_ms() > end)
			break;
		usleep(10000);
	}
	EXPECT_EQ(tasks, t);
	EXPECT_EQ(objects, o);
	EXPECT_EQ(netns, ns);
}

/*
 * build_tree - the nesting scenario: H tags N with c1; N starts C2 and C3
 * and tags them c2 and c3; C2 starts G, which starts X and tags it c4.
 * Every set is checked, with its record, and read back.
 */
static void build_tree(struct __test_metadata *_metadata, FIXTURE_DATA(nest) *self)
{
	struct audit_log *log = &self->log;
	int m;

	self->id1 = random_contid();
	self->id2 = random_contid();
	self->id3 = random_contid();
	self->id4 = random_contid();
	snprintf(self->ch1, sizeof(self->ch1), "%" PRIu64, self->id1);
	snprintf(self->ch2, sizeof(self->ch2), "%" PRIu64 ",^%" PRIu64, self->id2, self->id1);
	snprintf(self->ch3, sizeof(self->ch3), "%" PRIu64 ",^%" PRIu64, self->id3, self->id1);
	snprintf(self->ch4, sizeof(self->ch4), "%" PRIu64 ",^%" PRIu64 ",^%" PRIu64, self->id4,
		 self->id2, self->id1);

	/* H, which owns nothing yet, tags the fresh N. */
	ASSERT_LT(0, agent_start(&self->n));
	m = log->n;
	ASSERT_EQ(0, contid_set(self->n.pid, self->id1));
	expect_set(_metadata, log, m, self->n.pid, self->id1, "-1", 1, getpid(),
		   set_len(self->id1), NULL);

	/* N, under c1, starts C2 and C3 (both inherit c1) and nests them. */
	ASSERT_LT(0, agent_spawn(&self->n, &self->c2));
	ASSERT_LT(0, agent_spawn(&self->n, &self->c3));
	EXPECT_EQ(self->id1, contid_of(_metadata, self->c2.pid));
	m = log->n;
	ASSERT_EQ(0, agent_set(&self->n, self->c2.pid, self->id2));
	expect_set(_metadata, log, m, self->c2.pid, self->id2, self->ch1, 1, self->n.pid,
		   set_len(self->id2), self->ch1);
	m = log->n;
	ASSERT_EQ(0, agent_set(&self->n, self->c3.pid, self->id3));
	expect_set(_metadata, log, m, self->c3.pid, self->id3, self->ch1, 1, self->n.pid,
		   set_len(self->id3), self->ch1);

	/* C2 starts G (inherits c2); G starts X and nests it in turn. */
	ASSERT_LT(0, agent_spawn(&self->c2, &self->g));
	ASSERT_LT(0, agent_spawn(&self->g, &self->x));
	EXPECT_EQ(self->id2, contid_of(_metadata, self->x.pid));
	m = log->n;
	ASSERT_EQ(0, agent_set(&self->g, self->x.pid, self->id4));
	expect_set(_metadata, log, m, self->x.pid, self->id4, self->ch2, 1, self->g.pid,
		   set_len(self->id4), self->ch2);

	EXPECT_EQ(self->id1, contid_of(_metadata, self->n.pid));
	EXPECT_EQ(self->id2, contid_of(_metadata, self->c2.pid));
	EXPECT_EQ(self->id3, contid_of(_metadata, self->c3.pid));
	EXPECT_EQ(self->id2, contid_of(_metadata, self->g.pid));
	EXPECT_EQ(self->id4, contid_of(_metadata, self->x.pid));
	/* The nested orchestrators read the ids of their trees too. */
	EXPECT_EQ(0, agent_call(&self->n, 'R', self->c2.pid, 0).err);
	EXPECT_EQ((int64_t)self->id2, agent_call(&self->n, 'R', self->c2.pid, 0).val);
	EXPECT_EQ((int64_t)self->id4, agent_call(&self->g, 'R', self->x.pid, 0).val);
}

/* ---------------------------------------------------------------------
 * Tests
 */

/* 1. Nested sets, chains in CONTAINER_INFO and rules on any chain element. */
TEST_F(nest, nested_orchestrators)
{
	struct audit_log *log = &self->log;
	struct rule_buffer rp, req, rne;
	struct agent plain;
	int m;

	build_tree(_metadata, self);
	if (_metadata->exit_code != KSFT_PASS)
		return;
	/* N, C2, C3, G and X hold four objects. */
	expect_stats(_metadata, self->base_tasks + 5, self->base_objects + 4,
		     self->base_netns + 4);
	/* Nothing has been dropped. */
	EXPECT_EQ(0, audit_log_count(log, AUDIT_CONTAINER, "op", "drop"));

	/* An event of X, selected by pid only: the full chain of X. */
	uname_rule(&rp, self->key, 0, 0, self->x.pid);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &rp));
	m = log->n;
	do_uname(_metadata, &self->x);
	expect_uname(_metadata, log, m, self->x.pid, self->key, self->ch4);
	ASSERT_EQ(0, rule_list_del(self->nl, &self->rules, &rp));

	/* containerid=c1 matches every task whose chain holds c1. */
	ASSERT_LT(0, agent_start(&plain));
	uname_rule(&req, self->key, AUDIT_EQUAL, self->id1, 0);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &req));
	m = log->n;
	do_uname(_metadata, &plain);
	do_uname(_metadata, &self->x);
	do_uname(_metadata, &self->c3);
	do_uname(_metadata, &self->n);
	do_uname(_metadata, &self->g);
	expect_uname(_metadata, log, m, self->x.pid, self->key, self->ch4);
	expect_uname(_metadata, log, m, self->c3.pid, self->key, self->ch3);
	expect_uname(_metadata, log, m, self->n.pid, self->key, self->ch1);
	expect_uname(_metadata, log, m, self->g.pid, self->key, self->ch2);
	/* Logged before the ones above: it would be there by now. */
	EXPECT_EQ(0, UNAME_COUNT(log, plain.pid, self->key));
	ASSERT_EQ(0, rule_list_del(self->nl, &self->rules, &req));

	/* containerid!=c2 matches when no element of the chain is c2. */
	uname_rule(&rne, self->key, AUDIT_NOT_EQUAL, self->id2, 0);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &rne));
	m = log->n;
	do_uname(_metadata, &self->x);
	do_uname(_metadata, &self->g);
	do_uname(_metadata, &self->c2);
	do_uname(_metadata, &self->c3);
	do_uname(_metadata, &self->n);
	do_uname(_metadata, &plain);
	expect_uname(_metadata, log, m, self->c3.pid, self->key, self->ch3);
	expect_uname(_metadata, log, m, self->n.pid, self->key, self->ch1);
	expect_uname(_metadata, log, m, plain.pid, self->key, NULL);
	EXPECT_EQ(-1, audit_log_find_fields(log, m, AUDIT_SYSCALL,
					    FIELDS("pid", i64_str(self->x.pid), "key", self->key)));
	EXPECT_EQ(-1, audit_log_find_fields(log, m, AUDIT_SYSCALL,
					    FIELDS("pid", i64_str(self->g.pid), "key", self->key)));
	EXPECT_EQ(-1, audit_log_find_fields(log, m, AUDIT_SYSCALL,
				   FIELDS("pid", i64_str(self->c2.pid), "key", self->key)));
	ASSERT_EQ(0, rule_list_del(self->nl, &self->rules, &rne));

	/* containerid=c4 matches X only. */
	uname_rule(&req, self->key, AUDIT_EQUAL, self->id4, 0);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &req));
	m = log->n;
	do_uname(_metadata, &self->g);
	do_uname(_metadata, &self->n);
	do_uname(_metadata, &self->x);
	expect_uname(_metadata, log, m, self->x.pid, self->key, self->ch4);
	EXPECT_EQ(-1, audit_log_find_fields(log, m, AUDIT_SYSCALL,
					    FIELDS("pid", i64_str(self->g.pid), "key", self->key)));
	EXPECT_EQ(-1, audit_log_find_fields(log, m, AUDIT_SYSCALL,
					    FIELDS("pid", i64_str(self->n.pid), "key", self->key)));
	ASSERT_EQ(0, rule_list_del(self->nl, &self->rules, &req));
}

/* 2a. Nobody may set its own contid, not even a nested orchestrator. */
TEST_F(nest, refuse_self_set)
{
	uint64_t v = random_contid();
	int m;

	build_tree(_metadata, self);
	if (_metadata->exit_code != KSFT_PASS)
		return;
	m = self->log.n;
	EXPECT_EQ(EXDEV, agent_set(&self->n, 0, v));
	expect_set(_metadata, &self->log, m, self->n.pid, v, self->ch1, 0, self->n.pid,
		   -EXDEV, self->ch1);
	EXPECT_EQ(self->id1, contid_of(_metadata, self->n.pid));
	/* G, which owns c4, cannot nest itself either. */
	m = self->log.n;
	EXPECT_EQ(EXDEV, agent_set(&self->g, 0, v));
	expect_set(_metadata, &self->log, m, self->g.pid, v, self->ch2, 0, self->g.pid,
		   -EXDEV, self->ch2);
	EXPECT_EQ(self->id2, contid_of(_metadata, self->g.pid));
	expect_stats(_metadata, self->base_tasks + 5, self->base_objects + 4,
		     self->base_netns + 4);
}

/* 2b. A live contid belongs to its owner: H may inject c1 into more tasks,
 * another orchestrator may not take it (ENOTUNIQ).
 */
TEST_F(nest, refuse_non_owner_injection)
{
	struct agent q;
	struct target t;
	struct target_reply r;
	pid_t b;
	int m;

	build_tree(_metadata, self);
	if (_metadata->exit_code != KSFT_PASS)
		return;
	/* Q: a sibling of N, an orchestrator with no contid. */
	ASSERT_LT(0, agent_start(&q));
	r = agent_call(&q, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	b = r.val;
	m = self->log.n;
	EXPECT_EQ(ENOTUNIQ, agent_set(&q, b, self->id1));
	expect_set(_metadata, &self->log, m, b, self->id1, "-1", 0, q.pid, -ENOTUNIQ, NULL);
	EXPECT_EQ(AUDIT_CID_UNSET, contid_of(_metadata, b));
	/* The same for a nested id: c2 is N's. */
	m = self->log.n;
	EXPECT_EQ(ENOTUNIQ, agent_set(&q, b, self->id2));
	expect_set(_metadata, &self->log, m, b, self->id2, "-1", 0, q.pid, -ENOTUNIQ, NULL);
	EXPECT_EQ(AUDIT_CID_UNSET, contid_of(_metadata, b));
	expect_stats(_metadata, self->base_tasks + 5, self->base_objects + 4,
		     self->base_netns + 4);

	/* H, the owner of c1, injects a fresh task into it: same object. */
	ASSERT_LT(0, target_start(&t));
	m = self->log.n;
	EXPECT_EQ(0, contid_set(t.pid, self->id1));
	expect_set(_metadata, &self->log, m, t.pid, self->id1, "-1", 1, getpid(),
		   set_len(self->id1), NULL);
	EXPECT_EQ(self->id1, contid_of(_metadata, t.pid));
	expect_stats(_metadata, self->base_tasks + 6, self->base_objects + 4,
		     self->base_netns + 4);
}

/* 2c. A nested orchestrator cannot reach over the one nested below it, and
 * the outer orchestrator cannot re-tag a nested task (EEXIST).
 */
TEST_F(nest, refuse_reach_over_and_outer_retag)
{
	uint64_t v = random_contid();
	struct target_reply r;
	pid_t y;
	int m;

	build_tree(_metadata, self);
	if (_metadata->exit_code != KSFT_PASS)
		return;
	/* Y: a child of G, in c2 (owned by N). */
	r = agent_call(&self->g, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	y = r.val;
	EXPECT_EQ(self->id2, contid_of(_metadata, y));

	/* N owns c2: it set it, it cannot nest below it. */
	m = self->log.n;
	EXPECT_EQ(EEXIST, agent_set(&self->n, y, v));
	expect_set(_metadata, &self->log, m, y, v, self->ch2, 0, self->n.pid, -EEXIST,
		   self->ch1);
	EXPECT_EQ(self->id2, contid_of(_metadata, y));

	/* N cannot re-tag X either: c4 is G's, and N is not below G. */
	m = self->log.n;
	EXPECT_EQ(EEXIST, agent_set(&self->n, self->x.pid, v));
	expect_set(_metadata, &self->log, m, self->x.pid, v, self->ch4, 0, self->n.pid,
		   -EEXIST, self->ch1);
	EXPECT_EQ(self->id4, contid_of(_metadata, self->x.pid));

	/* H, the outermost orchestrator, cannot re-tag X (its descendant). */
	m = self->log.n;
	EXPECT_EQ(EEXIST, contid_set(self->x.pid, v));
	expect_set(_metadata, &self->log, m, self->x.pid, v, self->ch4, 0, getpid(), -EEXIST,
		   NULL);
	EXPECT_EQ(self->id4, contid_of(_metadata, self->x.pid));

	/* Nor C3 (childless), whose c3 N set. */
	m = self->log.n;
	EXPECT_EQ(EEXIST, contid_set(self->c3.pid, v));
	expect_set(_metadata, &self->log, m, self->c3.pid, v, self->ch3, 0, getpid(),
		   -EEXIST, NULL);
	EXPECT_EQ(self->id3, contid_of(_metadata, self->c3.pid));

	/* The owner of c4 cannot set X a second time either. */
	m = self->log.n;
	EXPECT_EQ(EEXIST, agent_set(&self->g, self->x.pid, v));
	expect_set(_metadata, &self->log, m, self->x.pid, v, self->ch4, 0, self->g.pid,
		   -EEXIST, self->ch2);
	EXPECT_EQ(self->id4, contid_of(_metadata, self->x.pid));

	/* None of the refused ids got an object. */
	expect_stats(_metadata, self->base_tasks + 6, self->base_objects + 4,
		     self->base_netns + 4);
}

/* 2d. An orchestrator in a user namespace, without a contid of its own:
 * no privilege (EPERM), for setting and for reading.
 */
TEST_F(nest, refuse_userns_without_contid)
{
	uint64_t v = random_contid();
	struct agent u;
	struct target_reply r;
	pid_t c;
	int m;

	ASSERT_LT(0, agent_start(&u));
	ASSERT_EQ(0, agent_call(&u, 'N', 0, 0).err) TH_LOG("unshare(CLONE_NEWUSER)");
	r = agent_call(&u, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	c = r.val;
	m = self->log.n;
	EXPECT_EQ(EPERM, agent_set(&u, c, v));
	expect_set(_metadata, &self->log, m, c, v, "-1", 0, u.pid, -EPERM, NULL);
	EXPECT_EQ(AUDIT_CID_UNSET, contid_of(_metadata, c));
	EXPECT_EQ(EPERM, agent_call(&u, 'R', c, 0).err);
	expect_stats(_metadata, self->base_tasks, self->base_objects, self->base_netns);
}

/*
 * 2e. Issue 8 item 1, what runtimes do: the container's init first
 * unshares its user namespace (the host writes its maps), then the host
 * tags it, so its object records that user namespace.  Root in it, it may
 * nest its own child (chain new,^host) and read it, and that child nests
 * one level deeper in turn; but nothing outside its subtree (EXDEV), even
 * in its own user namespace.
 */
TEST_F(nest, userns_with_host_contid)
{
	uint64_t h = random_contid(), v = random_contid(), w = random_contid();
	uint64_t z = random_contid();
	char hch[32], vch[64];
	struct agent u, ca;
	struct rule_buffer rp;
	struct target_reply r;
	pid_t c, g, o;
	int m;

	snprintf(hch, sizeof(hch), "%s", u64_str(h));
	snprintf(vch, sizeof(vch), "%s,^%s", u64_str(v), hch);
	ASSERT_LT(0, agent_start(&u));
	ASSERT_EQ(0, agent_call(&u, 'N', 0, 0).err) TH_LOG("unshare(CLONE_NEWUSER)");
	ASSERT_EQ(0, map_root(u.pid));
	m = self->log.n;
	ASSERT_EQ(0, contid_set(u.pid, h));
	expect_set(_metadata, &self->log, m, u.pid, h, "-1", 1, getpid(), set_len(h), NULL);

	/* A child (a sub-agent) forked in its user namespace. */
	c = agent_spawn(&u, &ca);
	ASSERT_LT(0, c);
	EXPECT_EQ(h, contid_of(_metadata, c));
	r = agent_call(&u, 'R', c, 0);
	EXPECT_EQ(0, r.err);
	EXPECT_EQ((int64_t)h, r.val);
	m = self->log.n;
	EXPECT_EQ(0, agent_set(&u, c, v));
	expect_set(_metadata, &self->log, m, c, v, hch, 1, u.pid, set_len(v), hch);
	EXPECT_EQ(v, contid_of(_metadata, c));
	r = agent_call(&u, 'R', c, 0);
	EXPECT_EQ(0, r.err);
	EXPECT_EQ((int64_t)v, r.val);
	expect_stats(_metadata, self->base_tasks + 2, self->base_objects + 2,
		     self->base_netns + 2);

	/* The chain of the nested child, in its events. */
	uname_rule(&rp, self->key, 0, 0, c);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &rp));
	m = self->log.n;
	do_uname(_metadata, &ca);
	expect_uname(_metadata, &self->log, m, c, self->key, vch);
	ASSERT_EQ(0, rule_list_del(self->nl, &self->rules, &rp));

	/*
	 * One level deeper: the nested child, root in the same user namespace
	 * (recorded on its object v too), nests its own child.
	 */
	r = agent_call(&ca, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	g = r.val;
	m = self->log.n;
	EXPECT_EQ(0, agent_set(&ca, g, z));
	expect_set(_metadata, &self->log, m, g, z, vch, 1, c, set_len(z), vch);
	EXPECT_EQ(z, contid_of(_metadata, g));
	expect_stats(_metadata, self->base_tasks + 3, self->base_objects + 3,
		     self->base_netns + 3);

	/* An orphan of its subtree: in its user namespace, now our child. */
	r = agent_call(&u, 'O', 0, 0);
	ASSERT_EQ(0, r.err);
	o = r.val;
	ASSERT_EQ(getpid(), ppid_of(o));
	EXPECT_EQ(h, contid_of(_metadata, o));
	m = self->log.n;
	EXPECT_EQ(EXDEV, agent_set(&u, o, w));
	expect_set(_metadata, &self->log, m, o, w, hch, 0, u.pid, -EXDEV, hch);
	EXPECT_EQ(h, contid_of(_metadata, o));
	expect_stats(_metadata, self->base_tasks + 4, self->base_objects + 3,
		     self->base_netns + 3);
}

/*
 * wait_drop - the one op=drop record of an object: "op=drop contid=<id>
 * old-contid=<chain> res=1", alone in its event.  Returns its index.
 */
static int wait_drop(struct __test_metadata *_metadata, struct audit_log *log, int from,
		     uint64_t id, const char *chain)
{
	char want[256];
	int i;

	i = audit_log_wait_fields(log, from, RECORD_TIMEOUT_MS, AUDIT_CONTAINER,
				  FIELDS("op", "drop", "contid", u64_str(id)));
	if (i < 0)
		audit_log_dump(log, from, stderr);
	EXPECT_LE(0, i) TH_LOG("no op=drop record for %s", chain);
	if (i < 0)
		return -1;
	snprintf(want, sizeof(want), "op=drop contid=%s old-contid=%s res=1", u64_str(id), chain);
	EXPECT_STREQ(want, log->recs[i].body);
	return i;
}

/* After the final barrier: @i is the only record of its event and the
 * only op=drop record of @id.
 */
static void check_drop_alone(struct __test_metadata *_metadata, struct audit_log *log, int i,
			     uint64_t id)
{
	unsigned long serial;

	if (i < 0)
		return;
	serial = log->recs[i].serial;
	EXPECT_NE(0, serial);
	EXPECT_EQ(1, audit_log_event_count(log, serial, 0));
	if (audit_log_event_count(log, serial, 0) != 1)
		event_log(_metadata, log, serial);
	EXPECT_EQ(0, audit_log_event_count(log, serial, AUDIT_SYSCALL));
	EXPECT_EQ(1, audit_log_count(log, AUDIT_CONTAINER, "op", "drop", "contid", u64_str(id)));
}

/* 3. Every object is dropped once its last holder is gone, nested objects
 * first; then c1 is free for another orchestrator.
 */
TEST_F(nest, drop_and_reuse)
{
	struct audit_log *log = &self->log;
	struct agent q, b;
	int m, m2, d1, d2, d3, d4;
	long t, o;

	build_tree(_metadata, self);
	if (_metadata->exit_code != KSFT_PASS)
		return;
	/* Q, another orchestrator, cannot have c1 while it is live. */
	ASSERT_LT(0, agent_start(&q));
	ASSERT_LT(0, agent_spawn(&q, &b));
	m = log->n;
	EXPECT_EQ(ENOTUNIQ, agent_set(&q, b.pid, self->id1));
	expect_set(_metadata, log, m, b.pid, self->id1, "-1", 0, q.pid, -ENOTUNIQ, NULL);
	ASSERT_EQ(0, counters_read(&t, &o));
	EXPECT_EQ(self->base_tasks + 5, t);
	EXPECT_EQ(self->base_objects + 4, o);

	EXPECT_EQ(0, audit_log_count(log, AUDIT_CONTAINER, "op", "drop"));
	m = log->n;

	/* X, the only holder of c4, exits (a zombie of G): c4 is dropped. */
	ASSERT_EQ(0, kill(self->x.pid, SIGKILL));
	d4 = wait_drop(_metadata, log, m, self->id4, self->ch4);
	expect_stats(_metadata, self->base_tasks + 4, self->base_objects + 3,
		     self->base_netns + 3);

	/*
	 * N, the only task of c1, exits: c1 stays live (still not Q's), since the
	 * nested c2 and c3 still hold it.  Q's attempt is logged after N's
	 * exit, so it is the barrier for the absence of any other drop.
	 */
	ASSERT_EQ(0, kill(self->n.pid, SIGKILL));
	ASSERT_EQ(self->n.pid, waitpid(self->n.pid, NULL, 0));
	expect_stats(_metadata, self->base_tasks + 3, self->base_objects + 3,
		     self->base_netns + 2);
	m2 = log->n;
	EXPECT_EQ(ENOTUNIQ, agent_set(&q, b.pid, self->id1));
	expect_set(_metadata, log, m2, b.pid, self->id1, "-1", 0, q.pid, -ENOTUNIQ, NULL);
	EXPECT_EQ(1, audit_log_count(log, AUDIT_CONTAINER, "op", "drop"));

	/* The rest of the tree (C2, G, C3, X's zombie) goes. */
	agent_kill_tree(&self->n);
	self->c2.pid = 0;
	self->c3.pid = 0;
	self->g.pid = 0;
	self->x.pid = 0;
	d2 = wait_drop(_metadata, log, m, self->id2, self->ch2);
	d3 = wait_drop(_metadata, log, m, self->id3, self->ch3);
	d1 = wait_drop(_metadata, log, m, self->id1, self->ch1);
	/* A parent outlives its nested children. */
	EXPECT_LT(d4, d2);
	EXPECT_LT(d2, d1);
	EXPECT_LT(d3, d1);
	expect_stats(_metadata, self->base_tasks, self->base_objects, self->base_netns);

	/* c1 is free: Q may take it for its own child, as a top-level id. */
	m = log->n;
	EXPECT_EQ(0, agent_set(&q, b.pid, self->id1));
	expect_set(_metadata, log, m, b.pid, self->id1, "-1", 1, q.pid, set_len(self->id1),
		   NULL);
	EXPECT_EQ(self->id1, contid_of(_metadata, b.pid));
	expect_stats(_metadata, self->base_tasks + 1, self->base_objects + 1,
		     self->base_netns + 1);

	/* That set's record is the barrier: each drop was logged once, alone. */
	check_drop_alone(_metadata, log, d4, self->id4);
	check_drop_alone(_metadata, log, d2, self->id2);
	check_drop_alone(_metadata, log, d3, self->id3);
	check_drop_alone(_metadata, log, d1, self->id1);

	/* B's events show the new object's chain: c1 alone. */
	{
		struct rule_buffer rp;

		uname_rule(&rp, self->key, 0, 0, b.pid);
		ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &rp));
		m = log->n;
		do_uname(_metadata, &b);
		expect_uname(_metadata, log, m, b.pid, self->key, self->ch1);
		ASSERT_EQ(0, rule_list_del(self->nl, &self->rules, &rp));
	}

	/* Q's c1 goes when B does: one more drop of c1, chain c1. */
	m = log->n;
	agent_kill_tree(&q);
	d1 = wait_drop(_metadata, log, m, self->id1, self->ch1);
	expect_stats(_metadata, self->base_tasks, self->base_objects, self->base_netns);
	EXPECT_EQ(2, audit_log_count(log, AUDIT_CONTAINER, "op", "drop", "contid",
				     u64_str(self->id1)));
}

/* ---------------------------------------------------------------------
 * Issue 8: delegation, injection and reading
 */

/*
 * 4a. Issue 8 item 1, the attack: the host tags an unprivileged task A
 * (uid 65534, initial user namespace) with h; A runs "unshare -Ur", which
 * makes it root of a user namespace of its own, forks a child and tries to
 * nest an id for it.  The capability in a user namespace that is not the
 * one recorded on A's object (the initial one) does not count: EPERM,
 * logged res=0, the child keeps h and the id is not reserved (the host may
 * use it for another task).  Reading the child's id is refused too.
 */
TEST_F(nest, refuse_nesting_from_unprivileged_userns)
{
	uint64_t h = random_contid(), v = random_contid();
	char hch[32];
	struct agent a;
	struct target t;
	struct target_reply r;
	pid_t c;
	int m;

	snprintf(hch, sizeof(hch), "%s", u64_str(h));
	ASSERT_LT(0, agent_start(&a));
	ASSERT_EQ(0, agent_call(&a, 'S', 0, 0).err) TH_LOG("become nobody");
	m = self->log.n;
	ASSERT_EQ(0, contid_set(a.pid, h));
	expect_set(_metadata, &self->log, m, a.pid, h, "-1", 1, getpid(), set_len(h), NULL);
	ASSERT_EQ(0, agent_call(&a, 'M', 0, 0).err) TH_LOG("unshare -Ur as nobody");
	r = agent_call(&a, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	c = r.val;

	m = self->log.n;
	EXPECT_EQ(EPERM, agent_set(&a, c, v));
	expect_set(_metadata, &self->log, m, c, v, hch, 0, a.pid, -EPERM, hch);
	EXPECT_EQ(h, contid_of(_metadata, c));
	EXPECT_EQ(EPERM, agent_call(&a, 'R', c, 0).err);
	expect_stats(_metadata, self->base_tasks + 2, self->base_objects + 1,
		     self->base_netns + 1);

	/* v is not reserved: the host gives it to another task. */
	ASSERT_LT(0, target_start(&t));
	m = self->log.n;
	EXPECT_EQ(0, contid_set(t.pid, v));
	expect_set(_metadata, &self->log, m, t.pid, v, "-1", 1, getpid(), set_len(v), NULL);
	EXPECT_EQ(v, contid_of(_metadata, t.pid));
}

/*
 * 4b. Issue 8 item 1: a nested orchestrator with a legitimate object (its
 * user namespace U recorded on it) nests its child; then it creates a
 * nested user namespace V itself.  From inside V it has no capability in
 * U, and the capability in V does not count: EPERM for setting (logged
 * res=0, nothing reserved) and for reading.
 */
TEST_F(nest, refuse_cap_in_self_made_userns)
{
	uint64_t h = random_contid(), v1 = random_contid(), v2 = random_contid();
	char hch[32];
	struct agent u;
	struct target t;
	struct target_reply r;
	pid_t c1, c2;
	int m;

	snprintf(hch, sizeof(hch), "%s", u64_str(h));
	ASSERT_LT(0, agent_start(&u));
	ASSERT_EQ(0, agent_call(&u, 'N', 0, 0).err) TH_LOG("unshare(CLONE_NEWUSER)");
	ASSERT_EQ(0, map_root(u.pid));
	m = self->log.n;
	ASSERT_EQ(0, contid_set(u.pid, h));
	expect_set(_metadata, &self->log, m, u.pid, h, "-1", 1, getpid(), set_len(h), NULL);

	/* In U: allowed. */
	r = agent_call(&u, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	c1 = r.val;
	m = self->log.n;
	EXPECT_EQ(0, agent_set(&u, c1, v1));
	expect_set(_metadata, &self->log, m, c1, v1, hch, 1, u.pid, set_len(v1), hch);

	/* In V, which it created itself: refused. */
	ASSERT_EQ(0, agent_call(&u, 'N', 0, 0).err) TH_LOG("nested unshare(CLONE_NEWUSER)");
	r = agent_call(&u, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	c2 = r.val;
	m = self->log.n;
	EXPECT_EQ(EPERM, agent_set(&u, c2, v2));
	expect_set(_metadata, &self->log, m, c2, v2, hch, 0, u.pid, -EPERM, hch);
	EXPECT_EQ(h, contid_of(_metadata, c2));
	EXPECT_EQ(EPERM, agent_call(&u, 'R', c2, 0).err);
	expect_stats(_metadata, self->base_tasks + 3, self->base_objects + 2,
		     self->base_netns + 2);

	/* v2 is not reserved. */
	ASSERT_LT(0, target_start(&t));
	EXPECT_EQ(0, contid_set(t.pid, v2));
	EXPECT_EQ(v2, contid_of(_metadata, t.pid));
}

/*
 * 5. Issue 8 item 3: injection only at the writer's own level.  H, an agent
 * with every capability, gives x to its grandchild D; D's parent P exits
 * (reaped by H), so H is childless and we, its parent, tag H with y.  H
 * may still create and inject ids below y (its own level now), but not put
 * a task of y into x, which is outside y: EXDEV, logged res=0, the child
 * stays in y and x keeps D alone (x is dropped when D exits).
 */
TEST_F(nest, refuse_injection_escape)
{
	uint64_t x = random_contid(), y = random_contid(), z = random_contid();
	char xch[32], ych[32];
	struct agent h, p, d;
	struct target_reply r;
	pid_t e, c1, c2, c;
	int m;

	snprintf(xch, sizeof(xch), "%s", u64_str(x));
	snprintf(ych, sizeof(ych), "%s", u64_str(y));
	ASSERT_LT(0, agent_start(&h));
	ASSERT_LT(0, agent_spawn(&h, &p));
	ASSERT_LT(0, agent_spawn(&p, &d));
	m = self->log.n;
	ASSERT_EQ(0, agent_set(&h, d.pid, x));
	expect_set(_metadata, &self->log, m, d.pid, x, "-1", 1, h.pid, set_len(x), NULL);

	/* Control: H, top level, injects its x into another childless child. */
	r = agent_call(&h, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	e = r.val;
	m = self->log.n;
	EXPECT_EQ(0, agent_set(&h, e, x));
	expect_set(_metadata, &self->log, m, e, x, "-1", 1, h.pid, set_len(x), NULL);
	EXPECT_EQ(x, contid_of(_metadata, e));

	/* E and P exit; D, still in x, is reparented to us. */
	ASSERT_EQ(0, agent_call(&h, 'K', e, 0).err);
	ASSERT_EQ(0, agent_call(&h, 'K', p.pid, 0).err);
	ASSERT_EQ(getpid(), ppid_of(d.pid));
	EXPECT_EQ(x, contid_of(_metadata, d.pid));

	/* We tag the now childless H with y. */
	m = self->log.n;
	ASSERT_EQ(0, contid_set(h.pid, y));
	expect_set(_metadata, &self->log, m, h.pid, y, "-1", 1, getpid(), set_len(y), NULL);

	/* Control: below y, H nests z and injects z into a second child. */
	r = agent_call(&h, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	c1 = r.val;
	m = self->log.n;
	EXPECT_EQ(0, agent_set(&h, c1, z));
	expect_set(_metadata, &self->log, m, c1, z, ych, 1, h.pid, set_len(z), ych);
	r = agent_call(&h, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	c2 = r.val;
	m = self->log.n;
	EXPECT_EQ(0, agent_set(&h, c2, z));
	expect_set(_metadata, &self->log, m, c2, z, ych, 1, h.pid, set_len(z), ych);
	EXPECT_EQ(z, contid_of(_metadata, c2));

	/* The escape: a child of H, in y, into x. */
	r = agent_call(&h, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	c = r.val;
	EXPECT_EQ(y, contid_of(_metadata, c));
	m = self->log.n;
	EXPECT_EQ(EXDEV, agent_set(&h, c, x));
	expect_set(_metadata, &self->log, m, c, x, ych, 0, h.pid, -EXDEV, ych);
	EXPECT_EQ(y, contid_of(_metadata, c));

	/* x has D only: D's exit drops it. */
	m = self->log.n;
	ASSERT_EQ(0, kill(d.pid, SIGKILL));
	ASSERT_EQ(d.pid, waitpid(d.pid, NULL, 0));
	wait_drop(_metadata, &self->log, m, x, xch);
	/* H (y), C1 and C2 (z), C (y). */
	expect_stats(_metadata, self->base_tasks + 4, self->base_objects + 2,
		     self->base_netns + 2);
}

/*
 * 6. Issue 8 item 7: reading needs the privilege of setting.  A nested
 * reader N (its object records its user namespace U, where it is root; no
 * capability in the initial one) reads itself and its descendants, but
 * nothing else (EXDEV): not a task of its own container and user namespace
 * outside its subtree, not its parent, not an untagged task of the initial
 * user namespace.  The host reads everything.  An unprivileged task reads
 * nothing (EPERM), with or without a contid.
 */
TEST_F(nest, nested_reader_sees_only_its_subtree)
{
	uint64_t h = random_contid(), v = random_contid(), k = random_contid();
	struct agent n, c, w;
	struct target t;
	struct target_reply r;
	pid_t g, o, wc;

	ASSERT_LT(0, agent_start(&n));
	ASSERT_EQ(0, agent_call(&n, 'N', 0, 0).err) TH_LOG("unshare(CLONE_NEWUSER)");
	ASSERT_EQ(0, map_root(n.pid));
	tag_task(_metadata, n.pid, h);
	ASSERT_LT(0, agent_spawn(&n, &c));
	ASSERT_EQ(0, agent_set(&n, c.pid, v));
	r = agent_call(&c, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	g = r.val;
	r = agent_call(&n, 'O', 0, 0);
	ASSERT_EQ(0, r.err);
	o = r.val;
	ASSERT_EQ(getpid(), ppid_of(o));
	ASSERT_LT(0, target_start(&t));

	/* Itself, its child and its grandchild. */
	r = agent_call(&n, 'R', 0, 0);
	EXPECT_EQ(0, r.err);
	EXPECT_EQ((int64_t)h, r.val);
	r = agent_call(&n, 'R', c.pid, 0);
	EXPECT_EQ(0, r.err);
	EXPECT_EQ((int64_t)v, r.val);
	r = agent_call(&n, 'R', g, 0);
	EXPECT_EQ(0, r.err);
	EXPECT_EQ((int64_t)v, r.val);

	/* Outside its subtree. */
	EXPECT_EQ(EXDEV, agent_call(&n, 'R', o, 0).err) TH_LOG("same container and userns");
	EXPECT_EQ(EXDEV, agent_call(&n, 'R', getpid(), 0).err) TH_LOG("its parent");
	EXPECT_EQ(EXDEV, agent_call(&n, 'R', t.pid, 0).err) TH_LOG("an untagged task");

	/* The host reads everything. */
	EXPECT_EQ(h, contid_of(_metadata, n.pid));
	EXPECT_EQ(v, contid_of(_metadata, c.pid));
	EXPECT_EQ(v, contid_of(_metadata, g));
	EXPECT_EQ(h, contid_of(_metadata, o));
	EXPECT_EQ(AUDIT_CID_UNSET, contid_of(_metadata, t.pid));

	/*
	 * An unprivileged task with a contid reads nothing, not even its
	 * child or itself (the files it can open: those of other tasks are
	 * root's, mode 0600).
	 */
	ASSERT_LT(0, agent_start(&w));
	ASSERT_EQ(0, agent_call(&w, 'S', 0, 0).err);
	tag_task(_metadata, w.pid, k);
	r = agent_call(&w, 'f', 0, 0);
	ASSERT_EQ(0, r.err);
	wc = r.val;
	EXPECT_EQ(EPERM, agent_call(&w, 'R', wc, 0).err);
	EXPECT_EQ(EPERM, agent_call(&w, 'R', 0, 0).err);
}

TEST_HARNESS_MAIN
