// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the tests themselves, with the assertions of
 * kselftest_harness.h: fixture setup and teardown, rule lists, tagging,
 * and the checks of CONTAINER, CONTAINER_INFO and uname SYSCALL records.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/*
 * kselftest_harness.h is written for the file of a test that has
 * TEST_HARNESS_MAIN: beside the assertions it defines the test runner, in
 * part with external linkage.  This file only uses the assertions, so its
 * copy of the runner (never called) gets names of its own, and the unused
 * static part of it is not warned about.
 */
#define __active_test		test_helpers_unused_active_test
#define __wait_for_test		test_helpers_unused_wait_for_test
#define __run_test		test_helpers_unused_run_test
#define _fixture_global		test_helpers_unused_fixture_global
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop

#include "contid_proc.h"
#include "test_helpers.h"
#include "util.h"

/* Add rule @r and remember it in @l for the teardown; 0 or -errno. */
int rule_list_add(int nl, struct rule_list *l, const struct rule_buffer *r)
{
	int rc = audit_add_rule(nl, r);

	if (!rc && l->n < RULE_LIST_MAX)
		l->r[l->n++] = *r;
	return rc;
}

/* Delete rule @r and forget it; 0 or -errno. */
int rule_list_del(int nl, struct rule_list *l, const struct rule_buffer *r)
{
	int rc = audit_del_rule(nl, r), i;

	for (i = 0; !rc && i < l->n; i++) {
		if (!memcmp(&l->r[i], r, rule_size(r))) {
			l->r[i] = l->r[--l->n];
			break;
		}
	}
	return rc;
}

/* exit,always -F arch=<native> -S uname [-F containerid<op>id]
 * [-F pid=pid] -k key  (@op 0: no containerid field; @pid 0: no pid field)
 */
void uname_rule(struct rule_buffer *r, const char *key, uint32_t op, uint64_t id,
		pid_t pid)
{
	rule_init(r, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
	rule_add_arch(r);
	rule_add_syscall(r, __NR_uname);
	if (op)
		rule_add_contid(r, op, id);
	if (pid)
		rule_add_field(r, AUDIT_PID, AUDIT_EQUAL, pid);
	rule_add_key(r, key);
}

/*
 * fixture_open - the common fixture setup: make the test process a child
 * subreaper (orphans of its targets come to it, for reap_all()), open the
 * multicast record log @log and the unicast audit socket *@nl, and start
 * the empty rule list @rules.
 */
void fixture_open(struct __test_metadata *_metadata, struct audit_log *log, int *nl,
		  struct rule_list *rules)
{
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ASSERT_EQ(0, audit_log_open(log)) TH_LOG("audit multicast socket: %m");
	*nl = audit_netlink_open();
	ASSERT_LE(0, *nl);
	rules->n = 0;
}

/* fixture_close - the common teardown: kill and reap every child, delete
 * the rules of @rules (newest first), close the log and the socket. */
void fixture_close(struct audit_log *log, int nl, struct rule_list *rules)
{
	int i;

	reap_all();
	for (i = rules->n - 1; i >= 0; i--)
		audit_del_rule(nl, &rules->r[i]);
	rules->n = 0;
	audit_log_close(log);
	close(nl);
}

/*
 * real_contexts_rule - without any syscall rule, audit contexts are
 * "dummy" and no SYSCALL record is written; an exit,never rule on an
 * unrelated syscall (acct) makes the kernel build real contexts without
 * logging anything more.  Added to @rules unless it was already there.
 */
void real_contexts_rule(struct __test_metadata *_metadata, int nl,
			struct rule_list *rules)
{
	struct rule_buffer never;
	int rc;

	rule_init(&never, AUDIT_FILTER_EXIT, AUDIT_NEVER);
	rule_add_arch(&never);
	rule_add_syscall(&never, __NR_acct);
	rc = rule_list_add(nl, rules, &never);
	ASSERT_TRUE(rc == 0 || rc == -EEXIST) TH_LOG("add exit,never rule: %d", rc);
}

/* The three counters of /proc/audit_containerid (tasks, objects, netns). */
void counters_read_all(struct __test_metadata *_metadata, long *tasks,
		       long *objects, long *netns)
{
	ASSERT_EQ(0, counters_read(tasks, objects));
	*netns = counter_read("netns");
	ASSERT_LE(0, *netns);
}

/*
 * counters_settle - the three counters once they read the same twice in a
 * row 100 ms apart (a previous test's exits may lag), at most
 * RECORD_TIMEOUT_MS.
 */
void counters_settle(struct __test_metadata *_metadata, long *tasks, long *objects, long *netns)
{
	long t1, o1, n1, end = now_ms() + RECORD_TIMEOUT_MS;

	counters_read_all(_metadata, tasks, objects, netns);
	for (;;) {
		usleep(100000);
		counters_read_all(_metadata, &t1, &o1, &n1);
		if (t1 == *tasks && o1 == *objects && n1 == *netns)
			return;
		*tasks = t1;
		*objects = o1;
		*netns = n1;
		ASSERT_GT(end, now_ms()) TH_LOG("counters do not settle");
	}
}

/*
 * expect_counters - wait (up to @ms) for the counters of
 * /proc/audit_containerid to read @tasks, @objects and @netns, then check
 * them (EXPECT: the test goes on).
 */
void expect_counters(struct __test_metadata *_metadata, long tasks, long objects, long netns,
		     long ms)
{
	long t = -1, o = -1, n = -1, end = now_ms() + ms;

	for (;;) {
		ASSERT_EQ(0, counters_read(&t, &o));
		n = counter_read("netns");
		if ((t == tasks && o == objects && n == netns) || now_ms() > end)
			break;
		usleep(20000);
	}
	EXPECT_EQ(tasks, t);
	EXPECT_EQ(objects, o);
	EXPECT_EQ(netns, n);
}

/* Unless @id is unset: set @pid's contid to @id and read it back. */
void tag_task(struct __test_metadata *_metadata, pid_t pid, uint64_t id)
{
	uint64_t got = 0;

	if (id == AUDIT_CID_UNSET)
		return;
	ASSERT_EQ(0, contid_set(pid, id));
	ASSERT_EQ(0, contid_get(pid, &got));
	ASSERT_EQ(id, got);
}

/* Start a target and (unless @id is unset) tag it; returns its pid. */
pid_t target_start_tagged(struct __test_metadata *_metadata, struct target *t,
			  uint64_t id)
{
	ASSERT_LT(0, target_start(t));
	tag_task(_metadata, t->pid, id);
	return t->pid;
}

/* Target @t forks a child that just waits (op 'f'); returns its pid. */
pid_t target_child(struct __test_metadata *_metadata, struct target *t)
{
	struct target_reply r = target_call(t, 'f', 0, 0);

	ASSERT_EQ(0, r.err);
	return (pid_t)r.val;
}

/* Log every record of event @serial (for a failed check). */
void event_log(struct __test_metadata *_metadata, struct audit_log *log,
	       unsigned long serial)
{
	int k;

	for (k = 0; k < log->n; k++)
		if (log->recs[k].serial == serial)
			TH_LOG("event: type=%d %s", log->recs[k].type, log->recs[k].text);
}

/*
 * expect_container_info - event @serial, whose record @i is the one qualified, has one
 * CONTAINER_INFO "record=<n> contid=<@chain>" and record @i ends in
 * " record=<n>"; for a NULL @chain there is none and no record= field.
 */
void expect_container_info(struct __test_metadata *_metadata, struct audit_log *log, int i,
			   unsigned long serial, const char *chain)
{
	char v[256], want[256], num[32];
	int c;

	if (!chain) {
		EXPECT_FALSE(record_field(log->recs[i].body, "record", NULL, 0));
		EXPECT_EQ(0, audit_log_event_count(log, serial, AUDIT_CONTAINER_INFO));
		return;
	}
	EXPECT_EQ(1, audit_log_event_count(log, serial, AUDIT_CONTAINER_INFO));
	c = audit_log_event_find(log, serial, AUDIT_CONTAINER_INFO);
	ASSERT_LE(0, c);
	ASSERT_TRUE(record_field(log->recs[c].body, "record", num, sizeof(num)));
	EXPECT_LT(0, atoi(num));
	snprintf(want, sizeof(want), "record=%s contid=%s", num, chain);
	EXPECT_STREQ(want, log->recs[c].body);
	record_last_token(log->recs[i].body, v, sizeof(v));
	snprintf(want, sizeof(want), "record=%s", num);
	EXPECT_STREQ(want, v);
}

/*
 * expect_set_record - the CONTAINER record of @writer's attempt to set
 * @opid to @contid: at index >= @from, exactly "op=set opid=<opid>
 * contid=<contid> old-contid=<@old> res=<@res>", once in its event, whose
 * SYSCALL record is @writer's write(2) returning @ret, with the
 * CONTAINER_INFO of @writer's chain @wchain (NULL: the writer has no
 * contid, so no CONTAINER_INFO and no record= field).  Returns the index
 * of the CONTAINER record, -1 if there is none.
 */
int expect_set_record(struct __test_metadata *_metadata, struct audit_log *log,
		      int from, pid_t opid, const char *contid, const char *old,
		      int res, pid_t writer, long ret, const char *wchain)
{
	char v[256];
	bool was_ok = _metadata->exit_code == KSFT_PASS;
	unsigned long serial;
	int i, s;

	i = audit_log_wait_fields(log, from, RECORD_TIMEOUT_MS, AUDIT_CONTAINER,
				  FIELDS("op", "set", "opid", i64_str(opid), "contid", contid,
					 "old-contid", old, "res", res ? "1" : "0"));
	if (i < 0)
		audit_log_dump(log, from, stderr);
	EXPECT_LE(0, i) TH_LOG("no CONTAINER record opid=%d contid=%s old-contid=%s res=%d",
			       opid, contid, old, res);
	if (i < 0)
		return -1;
	/* The whole body, field by field and in order. */
	snprintf(v, sizeof(v), "op=set opid=%d contid=%s old-contid=%s res=%d", opid, contid,
		 old, res);
	EXPECT_STREQ(v, log->recs[i].body);
	serial = log->recs[i].serial;
	EXPECT_NE(0, serial);
	audit_log_read_event(log, serial, 3000);
	EXPECT_EQ(1, audit_log_event_count(log, serial, AUDIT_CONTAINER));
	s = audit_log_event_find(log, serial, AUDIT_SYSCALL);
	EXPECT_LE(0, s) TH_LOG("no SYSCALL record in event %lu", serial);
	if (s < 0) {
		audit_log_dump(log, from, stderr);
		return i;
	}
	ASSERT_TRUE(record_field(log->recs[s].body, "syscall", v, sizeof(v)));
	EXPECT_STREQ(i64_str(__NR_write), v);
	ASSERT_TRUE(record_field(log->recs[s].body, "pid", v, sizeof(v)));
	EXPECT_STREQ(i64_str(writer), v);
	ASSERT_TRUE(record_field(log->recs[s].body, "success", v, sizeof(v)));
	EXPECT_STREQ(ret >= 0 ? "yes" : "no", v);
	ASSERT_TRUE(record_field(log->recs[s].body, "exit", v, sizeof(v)));
	EXPECT_STREQ(i64_str(ret), v);
	expect_container_info(_metadata, log, s, serial, wchain);
	if (was_ok && _metadata->exit_code != KSFT_PASS)
		event_log(_metadata, log, serial);
	return i;
}

/*
 * expect_uname - the SYSCALL record of @pid's uname with key @key, at
 * index >= @from, successful, with the CONTAINER_INFO "record=1
 * contid=<@chain>" (the only auxiliary record of a uname event is number
 * 1) and ending in " record=1"; for a NULL @chain (no contid) no
 * CONTAINER_INFO and no record= field.  Returns the record's index or -1.
 */
int expect_uname(struct __test_metadata *_metadata, struct audit_log *log, int from,
		 pid_t pid, const char *key, const char *chain)
{
	char v[256];
	bool was_ok = _metadata->exit_code == KSFT_PASS;
	unsigned long serial;
	int i, c;

	i = audit_log_wait_fields(log, from, RECORD_TIMEOUT_MS, AUDIT_SYSCALL,
			 FIELDS("pid", i64_str(pid), "syscall", i64_str(__NR_uname), "key", key));
	if (i < 0)
		audit_log_dump(log, from, stderr);
	EXPECT_LE(0, i) TH_LOG("no uname SYSCALL record for pid %d key %s", pid, key);
	if (i < 0)
		return -1;
	serial = log->recs[i].serial;
	audit_log_read_event(log, serial, 3000);
	ASSERT_TRUE(record_field(log->recs[i].body, "success", v, sizeof(v)));
	EXPECT_STREQ("yes", v);
	expect_container_info(_metadata, log, i, serial, chain);
	c = audit_log_event_find(log, serial, AUDIT_CONTAINER_INFO);
	if (chain && c >= 0) {
		char want[256];

		snprintf(want, sizeof(want), "record=1 contid=%s", chain);
		EXPECT_STREQ(want, log->recs[c].body);
	}
	if (was_ok && _metadata->exit_code != KSFT_PASS)
		event_log(_metadata, log, serial);
	return i;
}

void log_barrier(struct __test_metadata *_metadata, struct audit_log *log)
{
	char m[64];

	snprintf(m, sizeof(m), "acid-barrier-%" PRIu64, random_contid());
	ASSERT_EQ(0, audit_send_user(m));
	ASSERT_LE(0, audit_log_wait(log, AUDIT_USER, "pid", i64_str(getpid()), "msg", m))
		TH_LOG("barrier %s not seen", m);
}
