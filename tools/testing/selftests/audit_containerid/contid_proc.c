// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/<pid>/containerid, the counters of /proc/audit_containerid and the
 * module that provides them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "contid_proc.h"
#include "util.h"

void contid_path(char *buf, size_t len, pid_t pid, pid_t tid)
{
	if (pid == 0)
		snprintf(buf, len, "/proc/self/containerid");
	else if (tid)
		snprintf(buf, len, "/proc/%d/task/%d/containerid", pid, tid);
	else
		snprintf(buf, len, "/proc/%d/containerid", pid);
}

/* One write of @len bytes at @off; returns 0 or the errno. */
int contid_write_path(const char *path, const void *data, size_t len, off_t off)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t rc;
	int err;

	if (fd < 0)
		return errno;
	rc = off ? pwrite(fd, data, len, off) : write(fd, data, len);
	err = rc < 0 ? errno : (size_t)rc == len ? 0 : -1;
	close(fd);
	return err;
}

int contid_write_raw(pid_t pid, const void *data, size_t len)
{
	char path[64];

	contid_path(path, sizeof(path), pid, 0);
	return contid_write_path(path, data, len, 0);
}

int contid_set(pid_t pid, uint64_t id)
{
	const char *s = u64_str(id);

	return contid_write_raw(pid, s, strlen(s));
}

/* Reads the file; raw text into @raw (if not NULL). Returns 0 or errno. */
int contid_read_path(const char *path, uint64_t *id, char *raw, size_t rawlen)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		int e = errno;

		close(fd);
		return e;
	}
	close(fd);
	buf[n] = 0;
	if (raw)
		snprintf(raw, rawlen, "%s", buf);
	if (id)
		*id = strtoull(buf, NULL, 10);
	return 0;
}

int contid_get(pid_t pid, uint64_t *id)
{
	char path[64];

	contid_path(path, sizeof(path), pid, 0);
	return contid_read_path(path, id, NULL, 0);
}

/* /proc/audit_containerid: "tasks N" and "objects N". 0 or errno. */
int counters_read(long *tasks, long *objects)
{
	char buf[256], *p;
	int fd = open("/proc/audit_containerid", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return errno;
	buf[n] = 0;
	*tasks = *objects = -1;
	p = strstr(buf, "tasks ");
	if (p && (p == buf || p[-1] == '\n'))
		*tasks = strtol(p + 6, NULL, 10);
	p = strstr(buf, "objects ");
	if (p && (p == buf || p[-1] == '\n'))
		*objects = strtol(p + 8, NULL, 10);
	return (*tasks < 0 || *objects < 0) ? EPROTO : 0;
}

/* One counter of /proc/audit_containerid ("tasks", "objects", "netns"),
 * or -1. */
long counter_read(const char *name)
{
	char buf[256], key[32], *p;
	int fd = open("/proc/audit_containerid", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	snprintf(key, sizeof(key), "%s ", name);
	p = strstr(buf, key);
	if (!p || (p != buf && p[-1] != '\n'))
		return -1;
	return strtol(p + strlen(key), NULL, 10);
}

ino_t netns_ino(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	return stat(path, &st) ? 0 : st.st_ino;
}

bool module_state(char *state, size_t len, long *refs)
{
	char line[512], st[32];
	bool found = false;
	FILE *f = fopen("/proc/modules", "re");
	long size, r;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, MOD_NAME " ", strlen(MOD_NAME) + 1))
			continue;
		found = true;
		/* "name size refs users state address" */
		if (sscanf(line + strlen(MOD_NAME), "%ld %ld %*s %31s", &size, &r, st) == 3) {
			if (state)
				snprintf(state, len, "%s", st);
			if (refs)
				*refs = r;
		}
	}
	fclose(f);
	return found;
}

bool module_loaded(void)
{
	return module_state(NULL, 0, NULL);
}

int module_unload(void)
{
	return syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK) ? errno : 0;
}

int module_load(void)
{
	int fd = open(MOD_PATH, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return errno;
	rc = syscall(SYS_finit_module, fd, "", 0) ? errno : 0;
	close(fd);
	return rc;
}

bool module_busy_errno(int e)
{
	return e == EWOULDBLOCK || e == EBUSY;
}
