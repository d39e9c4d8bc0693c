// SPDX-License-Identifier: GPL-2.0
/*
 * contid-launch - run a command under a new audit container identifier.
 *
 *   contid-launch ID COMMAND [ARG...]
 *
 * The race-free way for an orchestrator to start a container's first task:
 * fork a child that waits on a pipe before it does anything, write ID to
 * /proc/<child>/containerid (the child is then a childless descendant of
 * ours, as the kernel requires), and only then let it exec COMMAND.  So the
 * contid covers everything the command will ever run; nothing can escape
 * by forking first.
 *
 * Exit status: COMMAND's, 125 if the contid could not be set (the reason is
 * printed), 126/127 if COMMAND could not be run, 128+N if it died of
 * signal N.  The caller needs CAP_AUDIT_CONTROL (or is a nested
 * orchestrator, see Documentation/admin-guide/audit-containerid.rst).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static int set_contid(pid_t pid, const char *id)
{
	char path[64];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/containerid", (int)pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = write(fd, id, strlen(id));
	if (n < 0)
		err = errno;
	else if ((size_t)n != strlen(id))
		err = EIO;
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	int go[2], status, err;
	char c = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s ID COMMAND [ARG...]\n", argv[0]);
		return 125;
	}
	if (pipe2(go, O_CLOEXEC)) {
		perror("contid-launch: pipe");
		return 125;
	}
	child = fork();
	if (child < 0) {
		perror("contid-launch: fork");
		return 125;
	}
	if (child == 0) {
		close(go[1]);
		/* Wait until the parent has set (or failed to set) the contid. */
		if (read(go[0], &c, 1) != 1 || c != 'g')
			_exit(125);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "contid-launch: %s: %s\n", argv[2], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(go[0]);
	err = set_contid(child, argv[1]);
	if (err) {
		fprintf(stderr, "contid-launch: cannot set contid %s on pid %d: %s\n",
			argv[1], (int)child, strerror(err));
		close(go[1]);
		waitpid(child, NULL, 0);
		return 125;
	}
	signal(SIGINT, forward);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	if (write(go[1], "g", 1) != 1) {
		perror("contid-launch: release child");
		kill(child, SIGKILL);
	}
	close(go[1]);
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("contid-launch: waitpid");
			return 125;
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
