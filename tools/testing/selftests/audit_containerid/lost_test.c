// SPDX-License-Identifier: GPL-2.0
/*
 * Nothing lost silently (issue 12): when audit drops records under load,
 * every record of a tagged event that does not reach auditd is counted by
 * the audit lost counter (AUDIT_GET), and a CONTAINER_INFO record never
 * reaches auditd without the primary record it qualifies.
 *
 * Tagged tasks flood: each calls uname(2), matched by an exit rule
 * "-F containerid=<id> -k <unique key>", and now and then sends an
 * AUDIT_USER message.  Each uname event is SYSCALL (with record=1),
 * CONTAINER_INFO "record=1 contid=<id>", PROCTITLE and EOE; each user
 * message is USER (record=1) and CONTAINER_INFO (auditd does not write
 * EOE records to its log, so they are not counted).  Records are dropped:
 *
 *  - backlog: backlog_limit is small and backlog_wait_time 0, so that
 *    audit_log_start() drops what does not fit in the queue instead of
 *    waiting (and kauditd's retry queue overflows at the same limit);
 *  - rate: rate_limit is small, so that audit_log_end() drops records
 *    beyond it, after the CONTAINER_INFO of an event was already queued.
 *
 * The ground truth is /var/log/audit/audit.log, written by the running
 * auditd (the multicast socket is not: a multicast copy that fails is not
 * counted as lost).  After the flood the limits are restored and a marker
 * message is waited for in the log; then:
 *
 *  - the flood overflowed: the lost counter moved (else the test cannot
 *    fail);
 *  - the records of the flood's events missing from the log (events
 *    without SYSCALL or USER, events without one of their other records)
 *    are at most the lost counter's delta: a drop that is not counted
 *    would show as more missing records than lost;
 *  - no CONTAINER_INFO of the flood's contid is in the log without the
 *    primary record of its event (same serial), and no primary record
 *    with record=1 lacks its CONTAINER_INFO unless it was counted;
 *  - backlog_limit, backlog_wait_time and rate_limit are restored, the rule
 *    deleted, and the counters of /proc/audit_containerid back to their
 *    start.
 */
#include <sys/stat.h>
#include <sys/utsname.h>

#include "common.h"
#include "../kselftest_harness.h"

#define FLOODERS 4

FIXTURE(lost) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
	struct audit_status saved;
	long base_tasks, base_objects, base_netns;
};

FIXTURE_VARIANT(lost) {
	uint32_t backlog_limit;	/* 0: keep */
	uint32_t rate_limit;	/* 0: keep */
};

FIXTURE_VARIANT_ADD(lost, backlog) { .backlog_limit = 16 };
FIXTURE_VARIANT_ADD(lost, rate) { .rate_limit = 200 };

FIXTURE_SETUP(lost)
{
	struct stat st;

	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
	/* Only the unicast socket: this test reads the log, not multicast. */
	audit_log_close(&self->log);
	ASSERT_EQ(0, stat(AUDIT_LOG, &st)) TH_LOG("auditd does not log to %s", AUDIT_LOG);
	ASSERT_EQ(0, audit_get_status(self->nl, &self->saved));
	ASSERT_NE(0, self->saved.pid) TH_LOG("no auditd");
	counters_read_all(_metadata, &self->base_tasks, &self->base_objects, &self->base_netns);
}

/* set_limits() - AUDIT_SET of backlog_limit, backlog_wait_time, rate_limit. */
static int set_limits(int nl, uint32_t backlog, uint32_t wait, uint32_t rate)
{
	struct audit_status s = {
		.mask = AUDIT_STATUS_BACKLOG_LIMIT | AUDIT_STATUS_BACKLOG_WAIT_TIME |
			AUDIT_STATUS_RATE_LIMIT,
		.backlog_limit = backlog,
		.backlog_wait_time = wait,
		.rate_limit = rate,
	};

	return audit_netlink_request(nl, AUDIT_SET, &s, sizeof(s), 0, NULL, 0);
}

FIXTURE_TEARDOWN(lost)
{
	if (self->nl > 0)
		set_limits(self->nl, self->saved.backlog_limit, self->saved.backlog_wait_time,
			   self->saved.rate_limit);
	fixture_close(&self->log, self->nl, &self->rules);
}

/* What a flooder did. */
struct flood_result {
	long unames, users;
};

/* Has the lost counter moved from @lost0?  Checked every 64th call. */
static bool lost_moved(int nl, long i, uint32_t lost0)
{
	struct audit_status st;

	return i % 64 == 0 && !audit_get_status(nl, &st) && st.lost != lost0;
}

/*
 * flooder() - wait for the go word on @go, the lost counter at the start,
 * then at least @iters uname(2) calls and for at least @ms, with a user
 * message every fourth, and on (for at most a minute more) until the lost
 * counter moves from the start;
 * the counts to @res.  A rate limit drops at most at one place a second:
 * a flood of a few seconds crosses several, unless the guest is too slow
 * to reach the limit in one.
 */
static void flooder(int go, int res, const char *key, long iters, long ms)
{
	struct flood_result r = {};
	int nl = audit_netlink_open();
	struct utsname u;
	char msg[128], c;
	uint32_t lost0;
	long i, end;

	if (nl < 0 || read(go, &lost0, sizeof(lost0)) != sizeof(lost0))
		_exit(1);
	end = now_ms() + ms;
	for (i = 0; i < iters || now_ms() < end ||
		    (now_ms() < end + 60000 && !lost_moved(nl, i, lost0)); i++) {
		if (syscall(__NR_uname, &u) == 0)
			r.unames++;
		if (i % 4 == 0) {
			snprintf(msg, sizeof(msg), "acid-lost %s u %d %ld", key, getpid(), i);
			if (audit_send_user(msg) == 0)
				r.users++;
		}
	}
	close(nl);
	if (write(res, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	/* Stay until killed, so that the contid outlives the flood. */
	(void)read(go, &c, 1);
	_exit(0);
}

/* The log from where the test started, across one rotation. */
struct log_text {
	char *buf;
	size_t len;
};

static void log_append(struct log_text *t, const char *path, off_t from)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char chunk[65536];
	ssize_t n;

	if (fd < 0)
		return;
	if (lseek(fd, from, SEEK_SET) != from) {
		close(fd);
		return;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		t->buf = realloc(t->buf, t->len + n + 1);
		memcpy(t->buf + t->len, chunk, n);
		t->len += n;
		t->buf[t->len] = 0;
	}
	close(fd);
}

static void log_load(struct log_text *t, ino_t ino, off_t from)
{
	struct stat st;

	free(t->buf);
	t->buf = NULL;
	t->len = 0;
	if (stat(AUDIT_LOG, &st))
		return;
	if (st.st_ino != ino) {
		/* Rotated: the start is in audit.log.1. */
		log_append(t, AUDIT_LOG ".1", from);
		from = 0;
	}
	log_append(t, AUDIT_LOG, from);
}

/* One line of the log: its type, serial and body. */
struct log_line {
	char type[32];
	unsigned long serial;
	const char *body;
};

static bool line_parse(const char *line, struct log_line *l)
{
	const char *p;

	if (sscanf(line, "type=%31s", l->type) != 1)
		return false;
	p = strstr(line, "msg=audit(");
	if (!p)
		return false;
	p = strchr(p, ':');
	if (!p)
		return false;
	l->serial = strtoul(p + 1, NULL, 10);
	p = strstr(p, "): ");
	l->body = p ? p + 3 : "";
	return true;
}

/* The records of one event of the flood, by serial. */
struct event {
	unsigned long serial;
	bool syscall, user, info, proctitle, promised;
	char *info_line;
};

struct events {
	struct event *e;
	int n, cap;
};

static struct event *event_get(struct events *ev, unsigned long serial)
{
	int i;

	for (i = ev->n - 1; i >= 0; i--)
		if (ev->e[i].serial == serial)
			return &ev->e[i];
	if (ev->n == ev->cap) {
		ev->cap = ev->cap ? 2 * ev->cap : 1024;
		ev->e = realloc(ev->e, ev->cap * sizeof(*ev->e));
	}
	ev->e[ev->n] = (struct event){ .serial = serial };
	return &ev->e[ev->n++];
}

/* A body's field @name has exactly the value @val (quoted or not). */
static bool body_has(const char *body, const char *name, const char *val)
{
	char v[256];

	return record_field(body, name, v, sizeof(v)) && !strcmp(v, val);
}

TEST_F_TIMEOUT(lost, flood, 1800)
{
	long iters = stress_scale(300, 4000), ms = stress_scale(4000, 20000);
	long unames = 0, users = 0;
	uint64_t seed = test_seed(0x1057), id;
	char key[64], marker[96], chain[32], userpfx[96];
	int go[2], res[2], i, missing_sys, missing_user, missing_info, missing_other, orphans;
	int promised_missing;
	struct audit_status before, after;
	struct rule_buffer r;
	struct events ev = {};
	struct log_text lt = {};
	pid_t pids[FLOODERS];
	struct stat st;
	char *line, *save;
	long end;

	id = seed ^ (uint64_t)getpid() << 20;
	id &= (1ULL << 62) - 1;
	snprintf(key, sizeof(key), "acid-lost-%d", getpid());
	snprintf(chain, sizeof(chain), "%" PRIu64, id);
	snprintf(userpfx, sizeof(userpfx), "acid-lost %s u ", key);
	snprintf(marker, sizeof(marker), "acid-lost %s end", key);
	TH_LOG("seed %" PRIu64 ", contid %s, key %s, %d tasks x %ld unames and %ld ms", seed,
	       chain, key, FLOODERS, iters, ms);

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(res));
	for (i = 0; i < FLOODERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			close(go[1]);
			close(res[0]);
			flooder(go[0], res[1], key, iters, ms);
		}
		children_add(pids[i]);
		/* The first creates the contid, the others join it. */
		ASSERT_EQ(0, contid_set(pids[i], id));
	}
	close(go[0]);
	close(res[1]);
	uname_rule(&r, key, AUDIT_EQUAL, id, 0);
	ASSERT_EQ(0, rule_list_add(self->nl, &self->rules, &r));

	ASSERT_EQ(0, stat(AUDIT_LOG, &st));
	ASSERT_EQ(0, audit_get_status(self->nl, &before));
	ASSERT_EQ(0, set_limits(self->nl,
				variant->backlog_limit ?: self->saved.backlog_limit,
				variant->backlog_limit ? 0 : self->saved.backlog_wait_time,
				variant->rate_limit ?: self->saved.rate_limit));
	/* Go: the lost counter now, to each. */
	for (i = 0; i < FLOODERS; i++)
		ASSERT_EQ(sizeof(before.lost), write(go[1], &before.lost, sizeof(before.lost)));
	for (i = 0; i < FLOODERS; i++) {
		struct flood_result fr;

		ASSERT_EQ(sizeof(fr), read(res[0], &fr, sizeof(fr)));
		unames += fr.unames;
		users += fr.users;
	}
	ASSERT_EQ(0, set_limits(self->nl, self->saved.backlog_limit,
				self->saved.backlog_wait_time, self->saved.rate_limit));
	EXPECT_LE(FLOODERS * iters, unames);

	/* Everything queued before the marker reaches the log before it. */
	ASSERT_EQ(0, audit_send_user(marker));
	for (end = now_ms() + 60000;; usleep(200000)) {
		log_load(&lt, st.st_ino, st.st_size);
		if ((lt.buf && strstr(lt.buf, marker)) || now_ms() > end)
			break;
	}
	ASSERT_TRUE(lt.buf && strstr(lt.buf, marker)) TH_LOG("the marker never reached the log");
	usleep(500000);
	ASSERT_EQ(0, audit_get_status(self->nl, &after));
	log_load(&lt, st.st_ino, st.st_size);

	for (line = strtok_r(lt.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct log_line l;
		struct event *e;

		if (!line_parse(line, &l))
			continue;
		if (!strcmp(l.type, "SYSCALL") && body_has(l.body, "key", key)) {
			e = event_get(&ev, l.serial);
			EXPECT_FALSE(e->syscall) TH_LOG("two SYSCALL records in %lu", l.serial);
			e->syscall = true;
			e->promised = body_has(l.body, "record", "1");
		} else if (!strcmp(l.type, "USER") && strstr(l.body, userpfx)) {
			e = event_get(&ev, l.serial);
			EXPECT_FALSE(e->user) TH_LOG("two USER records in %lu", l.serial);
			e->user = true;
			e->promised = body_has(l.body, "record", "1");
		} else if ((!strcmp(l.type, "CONTAINER_INFO") ||
			    !strcmp(l.type, "UNKNOWN[1340]")) &&
			   body_has(l.body, "contid", chain)) {
			e = event_get(&ev, l.serial);
			EXPECT_FALSE(e->info) TH_LOG("two CONTAINER_INFO records in %lu", l.serial);
			e->info = true;
			e->info_line = line;
		} else if (!strcmp(l.type, "PROCTITLE")) {
			event_get(&ev, l.serial)->proctitle = true;
		}
	}
	/*
	 * Count what is missing.  PROCTITLE lines were taken for any serial;
	 * only those of a flood event count.
	 */
	missing_sys = unames;
	missing_user = users;
	missing_info = missing_other = orphans = promised_missing = 0;
	for (i = 0; i < ev.n; i++) {
		struct event *e = &ev.e[i];

		if (e->syscall) {
			missing_sys--;
			missing_info += !e->info;
			missing_other += !e->proctitle;
		} else if (e->user) {
			missing_user--;
			missing_info += !e->info;
		} else if (e->info) {
			orphans++;
			if (orphans <= 5)
				TH_LOG("CONTAINER_INFO without its primary record: %s",
				       e->info_line);
		}
		if ((e->syscall || e->user) && e->promised && !e->info)
			promised_missing++;
	}
	TH_LOG("%ld unames, %ld user messages; lost %u -> %u (+%u); missing: %d SYSCALL, "
	       "%d USER, %d CONTAINER_INFO, %d PROCTITLE; %d CONTAINER_INFO without primary, "
	       "%d primaries with record=1 without CONTAINER_INFO", unames, users, before.lost,
	       after.lost, after.lost - before.lost, missing_sys, missing_user, missing_info,
	       missing_other, orphans, promised_missing);
	EXPECT_LE(0, missing_sys);
	EXPECT_LE(0, missing_user);
	/* The flood overflowed: else nothing here could fail. */
	EXPECT_LT(0, after.lost - before.lost);
	/* Every missing record is counted. */
	EXPECT_LE((unsigned int)(missing_sys + missing_user + missing_info + missing_other),
		  after.lost - before.lost);
	/* No CONTAINER_INFO without the record it qualifies. */
	EXPECT_EQ(0, orphans);

	/* Restored. */
	EXPECT_EQ(self->saved.backlog_limit, after.backlog_limit);
	EXPECT_EQ(self->saved.backlog_wait_time, after.backlog_wait_time);
	EXPECT_EQ(self->saved.rate_limit, after.rate_limit);
	free(ev.e);
	free(lt.buf);
	close(go[1]);
	close(res[0]);
	reap_all();
	expect_counters(_metadata, self->base_tasks, self->base_objects, self->base_netns,
			10000);
}

TEST_HARNESS_MAIN
