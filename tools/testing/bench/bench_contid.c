// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-benchmarks for the audit container identifier, run in the guest
 * under QEMU -icount (guest time = instructions, so runs are comparable).
 *
 *   bench_contid syscall N     N getppid() calls; prints ns per call
 *   bench_contid fork N        N fork()+exit+wait; prints ns per fork
 *   bench_contid udp N         N UDP datagrams to 127.0.0.1:9; ns per send
 *   bench_contid tag ID        tag the calling shell's next child: forks a
 *                              child that waits, tags it, then runs the
 *                              remaining arguments as a command in it
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv)
{
	long long t0, t1;
	long i, n;

	if (argc >= 3 && !strcmp(argv[1], "tag")) {
		int p[2];
		pid_t pid;
		char path[64];
		FILE *f;

		if (pipe(p))
			return 1;
		pid = fork();
		if (pid == 0) {
			char c;

			close(p[1]);
			if (read(p[0], &c, 1) != 1)
				_exit(1);
			execvp(argv[3], argv + 3);
			_exit(127);
		}
		close(p[0]);
		snprintf(path, sizeof(path), "/proc/%d/containerid", pid);
		f = fopen(path, "w");
		if (!f || fprintf(f, "%s", argv[2]) < 0 || fclose(f)) {
			fprintf(stderr, "tag %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		if (write(p[1], "g", 1) != 1)
			return 1;
		waitpid(pid, &p[0], 0);
		return WIFEXITED(p[0]) ? WEXITSTATUS(p[0]) : 1;
	}
	if (argc != 3)
		return 2;
	n = atol(argv[2]);
	if (!strcmp(argv[1], "syscall")) {
		t0 = now_ns();
		for (i = 0; i < n; i++)
			syscall(SYS_getppid);
		t1 = now_ns();
	} else if (!strcmp(argv[1], "fork")) {
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			waitpid(pid, NULL, 0);
		}
		t1 = now_ns();
	} else if (!strcmp(argv[1], "udp")) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0)
			return 1;
		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		t0 = now_ns();
		for (i = 0; i < n; i++)
			sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
		t1 = now_ns();
		close(fd);
	} else {
		return 2;
	}
	printf("%lld\n", (t1 - t0) / n);
	return 0;
}
