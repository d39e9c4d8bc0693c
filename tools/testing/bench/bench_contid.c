// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-benchmarks for the audit container identifier, run in the guest
 * under QEMU -icount (guest time = instructions, so runs are comparable).
 * Each timed command runs BENCH_ROUNDS rounds (default 5) and prints the
 * median of the per-operation times in guest ns.  A round ends when
 * auditd has logged the round's records, so their whole cost (kauditd,
 * netlink, auditd) is in it: the guest has one vCPU.
 *
 *   bench_contid syscall N       N getppid() calls; ns per call
 *   bench_contid fork N          N fork()+exit+wait; ns per fork
 *   bench_contid udp N           N UDP datagrams to 127.0.0.1:9; ns per send
 *   bench_contid set N BASE      N writes of contids BASE.. to childless
 *                                children; ns per open+write+close
 *   bench_contid tag ID CMD...   run CMD in a child tagged with ID
 *   bench_contid populate TASKS IDS BASE nested|flat|none
 *                                leave a session of TASKS sleeping tasks
 *                                under IDS contids BASE.. (nested: in
 *                                blocks of ten, one at depth 1, three at
 *                                depth 2, six at depth 3; none: the same
 *                                tasks untagged, nested); prints its session id
 *   bench_contid unpopulate SID  kill the session of a populate
 *   bench_contid drain           wait until auditd has logged what is queued
 *   bench_contid sink            stand in for auditd: read and drop every
 *                                record (prints "ready" once registered)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_contid: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * Opens an audit netlink socket and sends it a request of type type with
 * the len bytes at data; returns the socket, or -1.
 */
static int audit_send(int type, const void *data, size_t len)
{
	struct {
		struct nlmsghdr nh;
		char data[256];
	} req = { .nh = { .nlmsg_type = type, .nlmsg_flags = NLM_F_REQUEST,
			  .nlmsg_len = NLMSG_LENGTH(len) } };
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);

	if (fd < 0 || len > sizeof(req.data))
		goto fail;
	if (len)
		memcpy(req.data, data, len);
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		goto fail;
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Sends an AUDIT_USER message with text msg; 0 or -1. */
static int audit_user(const char *msg)
{
	int fd = audit_send(AUDIT_USER, msg, strlen(msg) + 1);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* The audit backlog (AUDIT_GET), or -1 if audit cannot be asked. */
static long audit_backlog(void)
{
	int fd = audit_send(AUDIT_GET, NULL, 0);
	struct nlmsghdr *nh;
	char buf[8192];
	long backlog = -1;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = recv(fd, buf, sizeof(buf), 0);
	nh = (struct nlmsghdr *)buf;
	if (n > 0 && NLMSG_OK(nh, n) && nh->nlmsg_type == AUDIT_GET)
		backlog = ((struct audit_status *)NLMSG_DATA(nh))->backlog;
	close(fd);
	return backlog;
}

/*
 * Stands in for auditd: registers as the audit daemon and reads every
 * record, keeping none, so that a row measures what the kernel spends.
 * The daemon is the socket that registered, so it stays open.
 */
static void __attribute__((noreturn)) sink(void)
{
	struct audit_status st = { .mask = AUDIT_STATUS_PID | AUDIT_STATUS_ENABLED,
				   .enabled = 1, .pid = getpid() };
	static char buf[65536];
	int fd = audit_send(AUDIT_SET, &st, sizeof(st));

	if (fd < 0)
		die("sink");
	printf("ready\n");
	fflush(stdout);
	for (;;)
		if (recv(fd, buf, sizeof(buf), 0) < 0 && errno != EINTR && errno != ENOBUFS)
			die("sink recv");
}

/* Is text in the last 64 KiB of auditd's log? */
static int log_has(const char *text)
{
	static char buf[65537];
	int fd = open("/var/log/audit/audit.log", O_RDONLY);
	off_t end;
	ssize_t n;

	if (fd < 0)
		return -1;
	end = lseek(fd, 0, SEEK_END);
	n = pread(fd, buf, sizeof(buf) - 1, end > 65536 ? end - 65536 : 0);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return strstr(buf, text) != NULL;
}

/*
 * Until auditd has written every record queued so far: a marker message
 * goes through the same queue, so its line in the log comes after theirs.
 * Without auditd, returns at once; with the sink (BENCH_SINK set), once
 * the backlog is empty.
 */
static void drain(void)
{
	static unsigned int seq;
	struct timespec tick = { .tv_nsec = 200000 };
	char marker[64];

	if (getenv("BENCH_SINK")) {
		/* The sink reads as fast as kauditd sends. */
		while (audit_backlog() > 0)
			nanosleep(&tick, NULL);
		return;
	}
	snprintf(marker, sizeof(marker), "bench-drain-%d-%u", getpid(), ++seq);
	if (log_has(marker) < 0 || audit_user(marker))
		return;
	while (log_has(marker) == 0)
		nanosleep(&tick, NULL);
}

/* Forks a child that waits until release(); returns its pid. */
static pid_t spawn_held(int *hold)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(1);
		close(p[0]);
		return 0;
	}
	close(p[0]);
	*hold = p[1];
	return pid;
}

static void release(int hold)
{
	if (write(hold, "g", 1) != 1)
		die("release");
	close(hold);
}

static int set_contid(pid_t pid, unsigned long long id)
{
	char path[64], val[24];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/containerid", pid);
	len = snprintf(val, sizeof(val), "%llu", id);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	if (write(fd, val, len) != len)
		ret = -1;
	close(fd);
	return ret;
}

static void set_or_die(pid_t pid, unsigned long long id)
{
	char what[64];

	if (set_contid(pid, id)) {
		snprintf(what, sizeof(what), "set %llu on %d", id, pid);
		die(what);
	}
}

/* The populate tree: which index of a nested block holds index i. */
static long parent_of(long i, int nested)
{
	long b = i - i % 10;

	if (!nested || i % 10 == 0)
		return -1;
	if (i % 10 <= 3)
		return b;
	return b + 1 + (i % 10 - 4) % 3;
}

static struct {
	long ids, per_id;
	unsigned long long base;
	int nested, tag, done;
} pop;

static void sleep_forever(void)
{
	for (;;)
		pause();
}

/*
 * A holder: its contid is set; it forks the other tasks of its contid
 * (they inherit it), then tags the holders nested under it.
 */
static void spawn_holder(long i);

static void holder(long i)
{
	long k, j;

	for (k = 1; k < pop.per_id; k++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0)
			sleep_forever();
	}
	for (j = i + 1; j < pop.ids && j < i + 10; j++)
		if (parent_of(j, pop.nested) == i)
			spawn_holder(j);
	if (write(pop.done, "d", 1) != 1)
		die("done");
	sleep_forever();
}

static void spawn_holder(long i)
{
	int hold;
	pid_t pid = spawn_held(&hold);

	if (pid == 0)
		holder(i);
	if (pop.tag)
		set_or_die(pid, pop.base + i);
	release(hold);
}

static int populate(char **argv)
{
	long tasks = atol(argv[0]), i;
	int done[2];
	pid_t sid;
	char c;

	pop.ids = atol(argv[1]);
	pop.base = strtoull(argv[2], NULL, 10);
	pop.nested = strcmp(argv[3], "flat");
	pop.tag = strcmp(argv[3], "none");
	if (pop.ids < 1 || tasks < pop.ids)
		return 2;
	pop.per_id = tasks / pop.ids;
	if (pipe(done))
		die("pipe");
	sid = fork();
	if (sid < 0)
		die("fork");
	if (sid == 0) {
		/*
		 * The session's leader: untagged, so its sets are top level;
		 * off the caller's stdout, which a shell reads to its end.
		 */
		int null = open("/dev/null", O_WRONLY);

		if (null < 0 || dup2(null, STDOUT_FILENO) < 0 || setsid() < 0)
			die("detach");
		close(null);
		close(done[0]);
		pop.done = done[1];
		for (i = 0; i < pop.ids; i++)
			if (parent_of(i, pop.nested) < 0)
				spawn_holder(i);
		close(done[1]);
		sleep_forever();
	}
	close(done[1]);
	for (i = 0; i < pop.ids; i++)
		if (read(done[0], &c, 1) != 1) {
			fprintf(stderr, "bench_contid: populate: %ld of %ld holders\n",
				i, pop.ids);
			kill(-sid, SIGKILL);
			return 1;
		}
	printf("%d\n", sid);
	return 0;
}

static int tag(char **argv)
{
	int hold, status;
	pid_t pid = spawn_held(&hold);

	if (pid == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	set_or_die(pid, strtoull(argv[0], NULL, 10));
	release(hold);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* One round of the set command: n sets; returns the guest ns they took. */
static long long set_round(long n, unsigned long long base)
{
	long long t = 0, t0;
	int hold;
	long i;

	for (i = 0; i < n; i++) {
		pid_t pid = spawn_held(&hold);

		if (pid == 0)
			_exit(0);
		/*
		 * On one vCPU, what the previous set left to do (its records
		 * on their way to auditd, the previous target's exit and drop)
		 * would otherwise run inside this set's time.
		 */
		drain();
		t0 = now_ns();
		set_or_die(pid, base + i);
		t += now_ns() - t0;
		release(hold);
		waitpid(pid, NULL, 0);
	}
	return t;
}

/* One round of a timed command: n operations; returns guest ns. */
static long long round_of(const char *what, long n, unsigned long long base)
{
	static int udp = -1;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	long long t0;
	long i;

	drain();
	if (!strcmp(what, "set"))
		return set_round(n, base);
	if (!strcmp(what, "udp") && udp < 0) {
		udp = socket(AF_INET, SOCK_DGRAM, 0);
		if (udp < 0)
			die("socket");
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (!strcmp(what, "syscall")) {
			syscall(SYS_getppid);
		} else if (!strcmp(what, "fork")) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			waitpid(pid, NULL, 0);
		} else {
			sendto(udp, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
		}
	}
	drain();
	return now_ns() - t0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *r = getenv("BENCH_ROUNDS");
	int rounds = r ? atoi(r) : 5, k;
	unsigned long long base = 0;
	long long per[64];
	long n;

	if (argc >= 4 && !strcmp(argv[1], "tag"))
		return tag(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "populate"))
		return populate(argv + 2);
	if (argc == 2 && !strcmp(argv[1], "sink"))
		sink();
	if (argc == 2 && !strcmp(argv[1], "drain")) {
		drain();
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "unpopulate")) {
		if (kill(-atoi(argv[2]), SIGKILL))
			die("unpopulate");
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "set"))
		base = strtoull(argv[3], NULL, 10);
	else if (argc != 3 || (strcmp(argv[1], "syscall") && strcmp(argv[1], "fork") &&
			       strcmp(argv[1], "udp")))
		return 2;
	n = atol(argv[2]);
	if (n < 1 || rounds < 1 || rounds > 64)
		return 2;
	for (k = 0; k < rounds; k++)
		per[k] = round_of(argv[1], n, base + (unsigned long long)k * n) / n;
	qsort(per, rounds, sizeof(per[0]), cmp_ll);
	printf("%lld\n", per[rounds / 2]);
	return 0;
}
