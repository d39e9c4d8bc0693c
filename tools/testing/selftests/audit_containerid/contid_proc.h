/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/<pid>/containerid, the counters of /proc/audit_containerid and the
 * module that provides them.  The functions return 0 or an errno
 * (positive), as the tests compare it.
 */
#ifndef AUDIT_CONTAINERID_CONTID_PROC_H
#define AUDIT_CONTAINERID_CONTID_PROC_H

#include <stdbool.h>
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

/* The provider module: its name and the guest's copy of it. */
#define MOD_NAME "audit_containerid"
#define MOD_PATH "/lib/modules/audit_containerid.ko"

/* module_loaded() - whether /proc/modules lists the module. */
bool module_loaded(void);

/*
 * module_state() - the module's state in /proc/modules ("Live",
 * "Loading", "Unloading") into @state and its reference count into *@refs;
 * false if it is not listed.
 */
bool module_state(char *state, size_t len, long *refs);

/* module_unload() - delete_module(O_NONBLOCK); 0 or errno. */
int module_unload(void);

/* module_load() - finit_module of MOD_PATH; 0 or errno. */
int module_load(void);

/*
 * module_busy_errno() - whether @e is how delete_module(2) refuses a module
 * in use (the docs: EWOULDBLOCK, which is EAGAIN; EBUSY too).
 */
bool module_busy_errno(int e);

#endif /* AUDIT_CONTAINERID_CONTID_PROC_H */
