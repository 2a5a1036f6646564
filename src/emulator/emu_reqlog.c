/*
 * emu_reqlog.c - the per-request log.  See include/emulator/emu_reqlog.h.
 */
#include "emu_reqlog.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "emu_reply.h"

struct emu_reqlog {
	FILE *fp;           /* the log file, append mode */
	pthread_mutex_t mu; /* one line at a time */
	struct buf line;    /* scratch, guarded by mu */
};

err_code
emu_reqlog_open(const char *path, struct emu_reqlog **out, struct err *e)
{
	struct emu_reqlog *l;

	*out = NULL;
	l = calloc(1, sizeof *l);
	if (l == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	l->fp = fopen(path, "a");
	if (l->fp == NULL) {
		err_set_errno(e, ERR_IO, errno, "%s", path);
		free(l);
		return ERR_IO;
	}
	pthread_mutex_init(&l->mu, NULL);
	buf_init(&l->line, 64 * 1024);
	*out = l;
	return ERR_OK;
}

void
emu_reqlog_close(struct emu_reqlog *l)
{
	if (l == NULL)
		return;
	fclose(l->fp);
	pthread_mutex_destroy(&l->mu);
	buf_free(&l->line);
	free(l);
}

/* ,"name":"value" with value escaped; NULL is "". */
static err_code
emu_reqlog_str(struct buf *b, const char *name, const char *v)
{
	err_code rc = buf_printf(b, ",\"%s\":", name);

	return rc == ERR_OK ? emu_reply_json_str(b, v != NULL ? v : "") : rc;
}

err_code
emu_reqlog_format(const struct emu_reqlog_entry *en, struct buf *b)
{
	err_code rc;

	rc = buf_printf(b, "{\"t_ms\":%lld,\"t_done_ms\":%lld",
	    (long long)en->t_ms, (long long)en->t_done_ms);
	if (rc == ERR_OK)
		rc = emu_reqlog_str(b, "action", en->action);
	if (rc == ERR_OK)
		rc = buf_printf(b, ",\"status\":%u", en->status);
	if (rc == ERR_OK)
		rc = emu_reqlog_str(b, "code", en->code);
	if (rc == ERR_OK)
		rc = emu_reqlog_str(b, "group_id", en->group);
	if (rc == ERR_OK)
		rc = emu_reqlog_str(b, "topic", en->topic);
	if (rc == ERR_OK)
		rc = emu_reqlog_str(b, "instance_id", en->instance);
	if (rc == ERR_OK && (en->type == 0 || en->type == 1))
		rc = buf_printf(b, ",\"type\":%d", en->type);
	else if (rc == ERR_OK)
		rc = buf_puts(b, ",\"type\":null");
	if (rc == ERR_OK)
		rc = buf_printf(b, ",\"hint_ms\":%lld", (long long)en->hint_ms);
	if (rc == ERR_OK)
		rc = emu_reqlog_str(b, "key_id", en->key_id);
	if (rc == ERR_OK)
		rc = emu_reqlog_str(b, "fault", en->fault);
	if (rc == ERR_OK)
		rc = emu_reqlog_str(b, "request_id", en->request_id);
	if (rc == ERR_OK)
		rc = buf_putc(b, '}');
	return rc;
}

err_code
emu_reqlog_write(struct emu_reqlog *l, const struct emu_reqlog_entry *en)
{
	struct buf *b;
	err_code rc;

	if (l == NULL)
		return ERR_OK;
	pthread_mutex_lock(&l->mu);
	b = &l->line;
	buf_reset(b);
	rc = emu_reqlog_format(en, b);
	if (rc == ERR_OK)
		rc = buf_putc(b, '\n');
	if (rc == ERR_OK && (fwrite(b->data, 1, b->len, l->fp) != b->len ||
	    fflush(l->fp) != 0))
		rc = ERR_IO;
	pthread_mutex_unlock(&l->mu);
	return rc;
}
