/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/<pid>/containerid and the counters of /proc/audit_containerid.
 * The functions return 0 or an errno (positive), as the tests compare it.
 */
#ifndef AUDIT_CONTAINERID_CONTID_PROC_H
#define AUDIT_CONTAINERID_CONTID_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* AUDIT_CID_UNSET as the proc file prints it. */
#define CONTID_UNSET_STR "18446744073709551615"

/*
 * contid_path() - /proc/@pid/containerid, /proc/@pid/task/@tid/containerid
 * if @tid, /proc/self/containerid if @pid is 0.
 */
void contid_path(char *buf, size_t len, pid_t pid, pid_t tid);

/*
 * contid_write_path() - one write of @len bytes at offset @off; -1 for a
 * short write.
 */
int contid_write_path(const char *path, const void *data, size_t len, off_t off);

/* contid_write_raw() - write @len bytes of @data to @pid's file. */
int contid_write_raw(pid_t pid, const void *data, size_t len);

/* contid_set() - write @id in decimal to @pid's file. */
int contid_set(pid_t pid, uint64_t id);

/*
 * contid_read_path() - read the file: the value into *@id, the text into
 * @raw (either may be NULL).
 */
int contid_read_path(const char *path, uint64_t *id, char *raw, size_t rawlen);

/* contid_get() - read @pid's contid. */
int contid_get(pid_t pid, uint64_t *id);

/* counters_read() - the "tasks" and "objects" counters. */
int counters_read(long *tasks, long *objects);

/* counter_read() - one counter ("tasks", "objects", "netns"), or -1. */
long counter_read(const char *name);

/* netns_ino() - the inode of @pid's network namespace, 0 if it is gone. */
ino_t netns_ino(pid_t pid);

#endif /* AUDIT_CONTAINERID_CONTID_PROC_H */
