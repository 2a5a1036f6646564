/*
 * applied.c - the "plan already applied" check of an executing run.  See
 * include/mqreset/applied.h for what is searched and why.
 *
 * Design: list the directory of the new report, keep the regular files
 * whose first bytes are a report's header (cheap: one read of 128 bytes
 * each), sort them by name so the refusal names the same file every
 * time, then load each with resume_load() (its journal included) and
 * match the plan's type 0 rows that this run sends against it.
 */
#include "applied.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "msg.h"
#include "resume.h"

/* What a report starts with (report.h's fixed columns). */
#define APPLIED_MAGIC "line,instance_id,group_id,topic,type," \
	"reset_timestamp,status,"

/* Is `path` a regular file starting with a report header? */
static int
applied_looks_like_report(const char *path, struct stat *st)
{
	char head[sizeof(APPLIED_MAGIC)];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return 0;
	}
	n = read(fd, head, sizeof(head) - 1);
	close(fd);
	return n == (ssize_t)sizeof(head) - 1 &&
	    memcmp(head, APPLIED_MAGIC, sizeof(head) - 1) == 0;
}

/* Is the file one of `chain` (same device and inode)? */
static int
applied_in_chain(const struct stat *st, const char *const *chain,
    size_t nchain)
{
	struct stat cs;
	size_t i;

	for (i = 0; i < nchain; i++)
		if (stat(chain[i], &cs) == 0 && cs.st_dev == st->st_dev &&
		    cs.st_ino == st->st_ino)
			return 1;
	return 0;
}

static int
applied_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The candidate reports in `dir`, sorted; *out owns them. */
static err_code
applied_candidates(const char *dir, const struct planpass *pp,
    const char *const *chain, size_t nchain, char ***out, size_t *nout,
    struct err *e)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char *path, **v = NULL, **nv;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	d = opendir(dir);
	if (d == NULL) {
		msg_verbose("cannot list %s to look for earlier reports: %s",
		    dir, strerror(errno));
		return ERR_OK;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		/* "r1.csv", not "./r1.csv", for a report named so. */
		if ((strcmp(dir, ".") == 0 ? (path = strdup(de->d_name)) ==
		    NULL : asprintf(&path, "%s/%s", dir, de->d_name) < 0)) {
			path = NULL;
			break;
		}
		if (!applied_looks_like_report(path, &st) ||
		    (st.st_dev == pp->st.st_dev &&
		    st.st_ino == pp->st.st_ino) ||
		    applied_in_chain(&st, chain, nchain)) {
			free(path);
			continue;
		}
		nv = realloc(v, (n + 1) * sizeof *v);
		if (nv == NULL) {
			free(path);
			break;
		}
		v = nv;
		v[n++] = path;
	}
	closedir(d);
	if (de != NULL) {
		while (n > 0)
			free(v[--n]);
		free(v);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	if (n > 1)
		qsort(v, n, sizeof *v, applied_cmp_names);
	*out = v;
	*nout = n;
	return ERR_OK;
}

/* The first type 0 row this run sends that `prev` may have applied. */
static err_code
applied_match(const struct planpass *pp, struct ledger *lg,
    struct resume *prev, const char *name, struct err *e)
{
	struct plan_reader *r;
	struct plan_row row;
	struct resume_prev p;
	size_t index = 0;
	int eof = 0, changed;
	err_code rc;

	rc = planpass_open(pp, &r, e);
	while (rc == ERR_OK && !eof) {
		rc = planpass_next(pp, r, index, &row, &eof, &changed, e);
		if (rc != ERR_OK || eof)
			break;
		if (row.key.type == 0 &&
		    !ledger_resume_row(lg, &row, index, 0, 0, e)) {
			resume_match(prev, &row.key, &p);
			/* --retry-ambiguous asked to send again what may
			 * have been applied; what was applied for sure
			 * still needs --again. */
			if (p.seen != RESUME_SEEN_NONE &&
			    resume_has_effect(p.seen, p.status) &&
			    (!lg->retry_ambiguous ||
			    resume_rank(p.seen, p.status) >
			    resume_rank(RESUME_SEEN_ROW, REPORT_UNKNOWN))) {
				rc = err_set(e, ERR_EXISTS, "%s:%lu: the type "
				    "0 row of %s:%lu (group %s, topic %s) is "
				    "%s there: this plan was already applied "
				    "and its backlog may be cleared; continue "
				    "that run with --resume %s, or pass "
				    "--again to clear the backlogs again",
				    p.report_name, p.report_line,
				    plan_display_name(pp->path), row.line,
				    row.key.group, row.key.topic,
				    p.seen == RESUME_SEEN_INFLIGHT ?
				    "in flight" : report_status_text(p.status),
				    name);
				break;
			}
		}
		index++;
	}
	plan_close(r);
	return rc;
}

err_code
applied_check(const struct planpass *pp, struct ledger *lg,
    const char *report_path, const char *const *chain, size_t nchain,
    struct err *e)
{
	struct resume *prev;
	struct err le;
	char *dir, **names = NULL;
	size_t n = 0, i;
	err_code rc;

	if (pp->counts.type0 == 0)
		return ERR_OK;
	dir = fsutil_dirname(report_path);
	if (dir == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = applied_candidates(dir, pp, chain, nchain, &names, &n, e);
	free(dir);
	for (i = 0; rc == ERR_OK && i < n; i++) {
		err_clear(&le);
		if (resume_load(&prev, names[i], &le) != ERR_OK) {
			msg_verbose("%s: not read as an earlier report: %s",
			    names[i], err_message(&le));
			continue;
		}
		rc = applied_match(pp, lg, prev, names[i], e);
		resume_destroy(prev);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
