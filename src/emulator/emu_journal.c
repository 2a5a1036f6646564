/*
 * emu_journal.c - the applied-resets journal.  See include/emulator/emu_journal.h.
 */
#include "emu_journal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "buf.h"
#include "emu_reply.h"

struct emu_journal {
	FILE *fp;           /* the journal file, append mode */
	pthread_mutex_t mu; /* one line at a time */
	struct buf line;    /* scratch, guarded by mu */
};

err_code
emu_journal_open(const char *path, struct emu_journal **out, struct err *e)
{
	struct emu_journal *j;

	*out = NULL;
	j = calloc(1, sizeof *j);
	if (j == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	j->fp = fopen(path, "a");
	if (j->fp == NULL) {
		err_set_errno(e, ERR_IO, errno, "%s", path);
		free(j);
		return ERR_IO;
	}
	pthread_mutex_init(&j->mu, NULL);
	buf_init(&j->line, 64 * 1024);
	*out = j;
	return ERR_OK;
}

void
emu_journal_close(struct emu_journal *j)
{
	if (j == NULL)
		return;
	fclose(j->fp);
	pthread_mutex_destroy(&j->mu);
	buf_free(&j->line);
	free(j);
}

static err_code
emu_journal_str(struct buf *b, const char *name, const char *v)
{
	err_code rc = buf_printf(b, ",\"%s\":", name);

	return rc == ERR_OK ? emu_reply_json_str(b, v) : rc;
}

err_code
emu_journal_write(struct emu_journal *j, const struct emu_journal_entry *en)
{
	struct buf *b;
	struct tm tm;
	time_t t;
	char ts[96];
	err_code rc;

	if (j == NULL)
		return ERR_OK;
	t = (time_t)(en->time_ms / 1000);
	gmtime_r(&t, &tm);
	snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(en->time_ms % 1000));
	pthread_mutex_lock(&j->mu);
	b = &j->line;
	buf_reset(b);
	rc = buf_printf(b, "{\"time\":\"%s\"", ts);
	if (rc == ERR_OK)
		rc = emu_journal_str(b, "request_id", en->request_id);
	if (rc == ERR_OK)
		rc = emu_journal_str(b, "access_key_id", en->key_id);
	if (rc == ERR_OK)
		rc = emu_journal_str(b, "instance_id", en->instance);
	if (rc == ERR_OK)
		rc = emu_journal_str(b, "group_id", en->group);
	if (rc == ERR_OK)
		rc = emu_journal_str(b, "topic", en->topic);
	if (rc == ERR_OK)
		rc = buf_printf(b, ",\"type\":%d", en->type);
	if (rc == ERR_OK && en->type == 1)
		rc = buf_printf(b, ",\"reset_timestamp\":%lld",
		    (long long)en->reset_ms);
	else if (rc == ERR_OK)
		rc = buf_puts(b, ",\"reset_timestamp\":null");
	if (rc == ERR_OK)
		rc = buf_printf(b, ",\"backlog_before\":%lld,\"backlog_after\":"
		    "%lld,\"position\":%lld,\"result\":\"applied\"",
		    (long long)en->backlog_before,
		    (long long)en->backlog_after, (long long)en->position_ms);
	if (rc == ERR_OK)
		rc = emu_journal_str(b, "reply", en->reply);
	if (rc == ERR_OK)
		rc = buf_puts(b, "}\n");
	if (rc == ERR_OK && (fwrite(b->data, 1, b->len, j->fp) != b->len ||
	    fflush(j->fp) != 0))
		rc = ERR_IO;
	pthread_mutex_unlock(&j->mu);
	return rc;
}
