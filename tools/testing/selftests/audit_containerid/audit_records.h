/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record log: every audit record the multicast NETLINK_AUDIT group
 * delivers, kept in memory, so that a test can wait for a record, collect
 * the records of one event (same serial) and check that a record did not
 * appear before a later "barrier" record.  Records are matched on exact
 * field values (name=value tokens of the body), never on substrings.
 */
#ifndef AUDIT_CONTAINERID_AUDIT_RECORDS_H
#define AUDIT_CONTAINERID_AUDIT_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <uapi/audit_containerid.h>

#ifndef AUDIT_NLGRP_READLOG
#define AUDIT_NLGRP_READLOG 1
#endif

/*
 * Timeouts (ms): the guest runs under TCG, so be generous for records that
 * must arrive; absence is checked against a later barrier, not a timeout.
 */
#define RECORD_TIMEOUT_MS 8000

/* The guest auditd's log file, what a user would search. */
#define AUDIT_LOG "/var/log/audit/audit.log"

struct audit_record {
	int type;
	unsigned long serial;
	char *text;		/* whole text, "audit(SEC.MS:SERIAL): body" */
	char *body;		/* points into text, after "): " */
};

struct audit_log {
	int fd;			/* multicast socket */
	struct audit_record *recs;
	int n, cap;
	int overruns;		/* ENOBUFS seen: records may be missing */
};

/*
 * audit_multicast_open() - a socket that receives a copy of every record;
 * -1 on error.
 */
int audit_multicast_open(void);

/* audit_log_open() - an empty log on a new multicast socket; 0 or -1. */
int audit_log_open(struct audit_log *log);

/* audit_log_close() - close the socket and free every record. */
void audit_log_close(struct audit_log *log);

/*
 * audit_log_read() - read records for at most @timeout_ms; the number
 * added or -1.
 */
int audit_log_read(struct audit_log *log, int timeout_ms);

/*
 * record_field() - exact value of field @name of record body @body into
 * @out (if not NULL); whether it is there.
 */
bool record_field(const char *body, const char *name, char *out, size_t outlen);

/* record_last_token() - the last name=value token of @body into @out. */
void record_last_token(const char *body, char *out, size_t outlen);

/*
 * record_matches() - @r has @type (any if 0) and every name, value pair of
 * the NULL-terminated list @fields.
 */
bool record_matches(const struct audit_record *r, int type, const char *const *fields);

/*
 * audit_log_find_fields() - the first matching record at index >= @from
 * already read, or -1.
 */
int audit_log_find_fields(struct audit_log *log, int from, int type, const char *const *fields);

/* audit_log_count_fields() - the number of matching records read so far. */
int audit_log_count_fields(struct audit_log *log, int type, const char *const *fields);

/*
 * audit_log_wait_fields() - wait up to @timeout_ms for a matching record at
 * index >= @from; its index or -1.
 */
int audit_log_wait_fields(struct audit_log *log, int from, int timeout_ms, int type,
			  const char *const *fields);

/* FIELDS("name", "value", ...) - a NULL-terminated name, value list. */
#define FIELDS(...) ((const char *const[]){ __VA_ARGS__, NULL })
/* audit_log_wait(log, type, "name", "value", ...): index of the record or -1. */
#define audit_log_wait(log, type, ...) \
	audit_log_wait_fields(log, 0, RECORD_TIMEOUT_MS, type, FIELDS(__VA_ARGS__))
#define audit_log_find(log, type, ...) audit_log_find_fields(log, 0, type, FIELDS(__VA_ARGS__))
#define audit_log_count(log, type, ...) audit_log_count_fields(log, type, FIELDS(__VA_ARGS__))

/*
 * audit_log_read_event() - read until event @serial is complete (its EOE) or
 * @timeout_ms passes; the number of its records.
 */
int audit_log_read_event(struct audit_log *log, unsigned long serial, int timeout_ms);

/*
 * audit_log_event_count() - records of type @type (any if 0) in event
 * @serial.
 */
int audit_log_event_count(struct audit_log *log, unsigned long serial, int type);

/*
 * audit_log_event_find() - the first record of @type in event @serial, or
 * -1.
 */
int audit_log_event_find(struct audit_log *log, unsigned long serial, int type);

/* audit_log_dump() - print the records from index @from on to @f. */
void audit_log_dump(struct audit_log *log, int from, FILE *f);

#endif /* AUDIT_CONTAINERID_AUDIT_RECORDS_H */
