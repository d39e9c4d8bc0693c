/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the *_test.c files.  They use the assertions of
 * kselftest_harness.h and so take the test's @_metadata: an ASSERT_*
 * failure ends the test (the harness longjmp()s out of the helper), an
 * EXPECT_* failure marks it failed and goes on.
 */
#ifndef AUDIT_CONTAINERID_TEST_HELPERS_H
#define AUDIT_CONTAINERID_TEST_HELPERS_H

#include <stdint.h>
#include <sys/types.h>

#include "audit_netlink.h"
#include "audit_records.h"
#include "targets.h"

struct __test_metadata;

/* The rules a fixture added, deleted (newest first) by fixture_close(). */
#define RULE_LIST_MAX 16
struct rule_list {
	struct rule_buffer r[RULE_LIST_MAX];
	int n;
};

/* rule_list_add() - add rule @r, remembered in @l; 0 or -errno. */
int rule_list_add(int nl, struct rule_list *l, const struct rule_buffer *r);

/* rule_list_del() - delete rule @r and forget it; 0 or -errno. */
int rule_list_del(int nl, struct rule_list *l, const struct rule_buffer *r);

/*
 * uname_rule() - exit,always -F arch=<native> -S uname [-F containerid<@op>@id]
 * [-F pid=@pid] -k @key (@op 0: no containerid field; @pid 0: no pid).
 */
void uname_rule(struct rule_buffer *r, const char *key, uint32_t op, uint64_t id, pid_t pid);

/*
 * fixture_open() - subreaper, record log @log, audit socket *@nl, empty
 * rule list @rules.
 */
void fixture_open(struct __test_metadata *_metadata, struct audit_log *log, int *nl,
		  struct rule_list *rules);

/* fixture_close() - reap every child, delete @rules, close @log and @nl. */
void fixture_close(struct audit_log *log, int nl, struct rule_list *rules);

/*
 * real_contexts_rule() - an exit,never rule on acct(2), so that syscalls
 * get real audit contexts (and SYSCALL records) without any more logging.
 */
void real_contexts_rule(struct __test_metadata *_metadata, int nl, struct rule_list *rules);

/* counters_read_all() - the three counters of /proc/audit_containerid. */
void counters_read_all(struct __test_metadata *_metadata, long *tasks, long *objects,
		       long *netns);

/* counters_settle() - the three counters, once they no longer change. */
void counters_settle(struct __test_metadata *_metadata, long *tasks, long *objects,
		     long *netns);

/*
 * expect_counters() - wait (up to @ms: an exit is seen a little after the
 * reap) for the counters of /proc/audit_containerid to read @tasks,
 * @objects and @netns, then check them.
 */
void expect_counters(struct __test_metadata *_metadata, long tasks, long objects, long netns,
		     long ms);

/*
 * tag_task() - unless @id is unset, set @pid's contid to @id and read it
 * back.
 */
void tag_task(struct __test_metadata *_metadata, pid_t pid, uint64_t id);

/* target_start_tagged() - start a target, tagged with @id unless unset. */
pid_t target_start_tagged(struct __test_metadata *_metadata, struct target *t, uint64_t id);

/* target_child() - target @t forks a child that just waits; its pid. */
pid_t target_child(struct __test_metadata *_metadata, struct target *t);

/* event_log() - TH_LOG every record of event @serial. */
void event_log(struct __test_metadata *_metadata, struct audit_log *log, unsigned long serial);

/*
 * expect_container_info() - record @i of event @serial links to one
 * CONTAINER_INFO "contid=@chain" (none, and no record= field, if NULL).
 */
void expect_container_info(struct __test_metadata *_metadata, struct audit_log *log, int i,
			   unsigned long serial, const char *chain);

/*
 * expect_set_record() - the exact CONTAINER record of @writer's attempt to
 * set @opid to @contid, and its event; its index or -1.
 */
int expect_set_record(struct __test_metadata *_metadata, struct audit_log *log, int from,
		      pid_t opid, const char *contid, const char *old, int res, pid_t writer,
		      long ret, const char *wchain);

/*
 * expect_uname() - @pid's uname SYSCALL record with key @key, with the
 * CONTAINER_INFO of @chain (none if NULL); its index or -1.
 */
int expect_uname(struct __test_metadata *_metadata, struct audit_log *log, int from, pid_t pid,
		 const char *key, const char *chain);

/* Number of uname SYSCALL records of @pid with @key in the log. */
/*
 * log_barrier() - send a user message from the calling (untagged) task and
 * wait for it in @log: every record queued before it has then been read.
 */
void log_barrier(struct __test_metadata *_metadata, struct audit_log *log);

#define UNAME_COUNT(log, pid, key) \
	audit_log_count(log, AUDIT_SYSCALL, "pid", i64_str(pid), "syscall", i64_str(__NR_uname), \
			"key", key)

#endif /* AUDIT_CONTAINERID_TEST_HELPERS_H */
