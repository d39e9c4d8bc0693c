// SPDX-License-Identifier: GPL-2.0
/*
 * A network namespace shared by many containers (host-network pods).  A
 * packet's CONTAINER_INFO lists every contid of its namespace: with 1,000
 * of them (10,000 under make stress), far more than one record can hold.  The packet's
 * event must then carry several CONTAINER_INFO records:
 *
 *  - each "record=<n> contid=<list>", with the <n> its NETFILTER_PKT
 *    record ends in, and each within AUDIT_MESSAGE_TEXT_MAX, so that
 *    auditd receives and logs each whole;
 *  - together listing every contid of the namespace exactly once;
 *  - in auditd's log as they were sent, and ausearch --containerid finds
 *    the packet's event by any of the contids.
 *
 * The members are processes that share the test's memory (clone with
 * CLONE_VM, not threads: a contid is set on a single-threaded process),
 * and each joins the namespace with setns() and waits.  10,000 need
 * threads-max above 10,000: a guest of 4 GiB with KASAN's stacks.
 */
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "common.h"
#include "../kselftest_harness.h"

#define MEMBER_STACK 16384

FIXTURE(scale) {
	struct audit_log log;
	int nl;
	struct rule_list rules;
	pid_t holder;
	pid_t *pids;
	uint64_t *ids;
	int n, max;
	char *stacks;
};


/* What a member needs; shared with it (CLONE_VM). */
struct member_arg {
	int nsfd;
	int ready;
};

/* A member: join the namespace, say so, wait.  Raw syscalls only: the
 * member shares the test's memory, including glibc's thread state. */
static int member_fn(void *p)
{
	const struct member_arg *a = p;
	char ok = 'y';

	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (syscall(SYS_setns, a->nsfd, CLONE_NEWNET))
		ok = 'n';
	syscall(SYS_write, a->ready, &ok, 1);
	for (;;)
		syscall(SYS_pause);
	return 0;
}

FIXTURE_SETUP(scale)
{
	fixture_open(_metadata, &self->log, &self->nl, &self->rules);
	self->n = 0;
	self->holder = 0;
	self->max = stress_scale(1000, 10000);
	self->pids = calloc(self->max, sizeof(*self->pids));
	self->ids = calloc(self->max, sizeof(*self->ids));
	ASSERT_NE(NULL, self->pids);
	ASSERT_NE(NULL, self->ids);
	self->stacks = mmap(NULL, (size_t)self->max * MEMBER_STACK,
			    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			    -1, 0);
	ASSERT_NE(MAP_FAILED, self->stacks);
}

FIXTURE_TEARDOWN(scale)
{
	int i;

	for (i = 0; i < self->n; i++)
		kill(self->pids[i], SIGKILL);
	for (i = 0; i < self->n; i++)
		waitpid(self->pids[i], NULL, __WALL);
	if (self->holder > 0) {
		kill(self->holder, SIGKILL);
		waitpid(self->holder, NULL, 0);
	}
	munmap(self->stacks, (size_t)self->max * MEMBER_STACK);
	free(self->pids);
	free(self->ids);
	fixture_close(&self->log, self->nl, &self->rules);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Start the holder of a new netns, and @n members in it, each tagged with
 * its own random contid. */
static void populate(struct __test_metadata *_metadata, FIXTURE_DATA(scale) *self, int n)
{
	struct member_arg a;
	int ready[2], i, nsfd;
	char path[64], c;
	long max_threads, t0 = now_ms();
	FILE *f;

	f = fopen("/proc/sys/kernel/threads-max", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%ld", &max_threads));
	fclose(f);
	ASSERT_LT(n + 500, max_threads)
		TH_LOG("threads-max is %ld: boot the guest with more memory", max_threads);

	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	self->holder = fork();
	ASSERT_LE(0, self->holder);
	if (self->holder == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		c = unshare(CLONE_NEWNET) ? 'n' : 'y';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ('y', c) TH_LOG("unshare(CLONE_NEWNET) failed");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", self->holder);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, nsfd);

	a.nsfd = nsfd;
	a.ready = ready[1];
	/* All members first, then all sets: no wait for a member in between. */
	for (i = 0; i < n; i++) {
		pid_t p = clone(member_fn, self->stacks + (size_t)(i + 1) * MEMBER_STACK,
				CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | SIGCHLD, &a);

		ASSERT_LT(0, p) TH_LOG("member %d: %s", i, strerror(errno));
		self->pids[self->n++] = p;
	}
	for (i = 0; i < n; i++) {
		ASSERT_EQ(1, read(ready[0], &c, 1));
		ASSERT_EQ('y', c) TH_LOG("a member's setns failed");
	}
	TH_LOG("%d members in the namespace in %ld ms", n, now_ms() - t0);
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		self->ids[i] = random_contid();
		ASSERT_EQ(0, contid_set(self->pids[i], self->ids[i])) TH_LOG("member %d", i);
	}
	TH_LOG("%d members tagged in %ld ms", n, now_ms() - t0);
	close(nsfd);
	close(ready[0]);
	close(ready[1]);
	/* Nothing read since setup: the socket dropped records; start afresh. */
	audit_log_close(&self->log);
	ASSERT_EQ(0, audit_log_open(&self->log));
}

/*
 * The CONTAINER_INFO records of the NETFILTER_PKT record @i: numbered as
 * it says, each within AUDIT_MESSAGE_TEXT_MAX, and together every id of
 * @ids (sorted, @n) exactly once.  Returns how many records.
 */
static int expect_all_listed(struct __test_metadata *_metadata, struct audit_log *log, int i,
			     const uint64_t *ids, int n)
{
	const struct audit_record *pkt = &log->recs[i];
	char rec[32], want[48], last[48];
	unsigned char *seen = calloc(n, 1);
	int j, nrec = 0, listed = 0, twice = 0, stray = 0;

	if (!seen)
		return -1;
	EXPECT_TRUE(record_field(pkt->body, "record", rec, sizeof(rec))) TH_LOG("%s", pkt->text);
	snprintf(want, sizeof(want), "record=%s", rec);
	record_last_token(pkt->body, last, sizeof(last));
	EXPECT_STREQ(want, last);
	strcat(want, " contid=");
	for (j = 0; j < log->n; j++) {
		const struct audit_record *r = &log->recs[j];
		char *p, *end;

		if (r->serial != pkt->serial || r->type != AUDIT_CONTAINER_INFO)
			continue;
		nrec++;
		EXPECT_GE(AUDIT_MESSAGE_TEXT_MAX, (int)strlen(r->text))
			TH_LOG("CONTAINER_INFO %d is %zu bytes", nrec, strlen(r->text));
		if (strncmp(r->body, want, strlen(want))) {
			EXPECT_TRUE(0) TH_LOG("CONTAINER_INFO not \"%s...\": %.80s", want, r->body);
			continue;
		}
		for (p = r->body + strlen(want); *p; p = *end ? end + 1 : end) {
			uint64_t v = strtoull(p, &end, 10);
			const uint64_t *k = bsearch(&v, ids, n, sizeof(*ids), cmp_u64);

			if (end == p || (*end && *end != ',')) {
				EXPECT_TRUE(0) TH_LOG("not a list of ids: %.80s", p);
				break;
			}
			if (!k)
				stray++;
			else if (seen[k - ids]++)
				twice++;
			else
				listed++;
		}
	}
	free(seen);
	EXPECT_EQ(n, listed) TH_LOG("%d of %d contids listed in %d records", listed, n, nrec);
	EXPECT_EQ(0, twice);
	EXPECT_EQ(0, stray);
	return nrec;
}

/* auditd's log holds @nrec CONTAINER_INFO records of event @serial, each
 * as long as sent; ausearch --containerid finds the event by @id. */
static void expect_in_auditd_log(struct __test_metadata *_metadata, struct audit_log *log,
				 unsigned long serial, int nrec, const uint64_t *ids, int n)
{
	static char line[16384];
	char tag[48], cmd[160];
	int found = 0, tries, k;
	FILE *f;

	snprintf(tag, sizeof(tag), ":%lu): record=", serial);
	for (tries = 0; tries < 50 && found < nrec; tries++) {
		found = 0;
		f = fopen(AUDIT_LOG, "r");
		ASSERT_NE(NULL, f);
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "type=CONTAINER_INFO ", 20) || !strstr(line, tag))
				continue;
			found++;
			/* Whole: it ends in a digit and a newline, not cut. */
			EXPECT_EQ('\n', line[strlen(line) - 1]);
		}
		fclose(f);
		if (found < nrec)
			usleep(200000);
	}
	EXPECT_EQ(nrec, found) TH_LOG("CONTAINER_INFO records of event %lu in %s", serial,
				      AUDIT_LOG);
	/* The first id, the last and one between. */
	for (k = 0; k < 3; k++) {
		uint64_t id = ids[k == 0 ? 0 : k == 1 ? n - 1 : n / 2];

		snprintf(cmd, sizeof(cmd),
			 "ausearch --containerid %" PRIu64 " -m NETFILTER_PKT 2>/dev/null | "
			 "grep -q ':%lu): '", id, serial);
		EXPECT_EQ(0, system(cmd)) TH_LOG("%s", cmd);
	}
}

TEST_F_TIMEOUT(scale, packet_lists_every_contid, 1800)
{
	int n = self->max, i, from, npkt = 0, nrec, overruns;
	uint64_t *sorted;
	char cmd[512];

	populate(_metadata, self, n);
	sorted = malloc(n * sizeof(*sorted));
	ASSERT_NE(NULL, sorted);
	memcpy(sorted, self->ids, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);

	log_barrier(_metadata, &self->log);
	from = self->log.n;
	overruns = self->log.overruns;
	snprintf(cmd, sizeof(cmd),
		 "nsenter --net=/proc/%d/ns/net sh -c 'ip link set lo up && "
		 "iptables -A OUTPUT -o lo -p icmp -j AUDIT --type accept && "
		 "ping -c 1 -W 5 127.0.0.1' > /dev/null", self->holder);
	ASSERT_EQ(0, system(cmd)) TH_LOG("%s", cmd);
	log_barrier(_metadata, &self->log);
	EXPECT_EQ(overruns, self->log.overruns) TH_LOG("the multicast socket dropped records");
	for (i = from; i < self->log.n; i++) {
		const struct audit_record *p = &self->log.recs[i];

		if (p->type != AUDIT_NETFILTER_PKT)
			continue;
		npkt++;
		nrec = expect_all_listed(_metadata, &self->log, i, sorted, n);
		/* More than one, and at least half full (ids are 20 digits at most). */
		EXPECT_GE(n * 21 / (AUDIT_MESSAGE_TEXT_MAX / 2) + 1, nrec);
		EXPECT_LE(2, nrec);
		if (npkt == 1)
			expect_in_auditd_log(_metadata, &self->log, p->serial, nrec, sorted, n);
		if (_metadata->exit_code != KSFT_PASS)
			break;
	}
	EXPECT_LE(1, npkt) TH_LOG("no NETFILTER_PKT record");
	free(sorted);
}

TEST_HARNESS_MAIN
