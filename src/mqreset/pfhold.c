/*
 * pfhold.c - the rows a preflight holds back from an execute run.  See
 * include/mqreset/pfhold.h for the contract.
 */
#include "pfhold.h"

#include <stdlib.h>
#include <string.h>

struct pfhold {
	struct pfhold_row *v; /* ascending lines (owned) */
	size_t n;             /* rows held */
	size_t cap;           /* allocated */
	size_t clears;        /* of them type 0 */
};

enum pfhold_action
pfhold_decide(int outcome, int strict)
{
	switch (outcome) {
	case 0:
		return PFHOLD_SEND;
	case 2:
		return strict ? PFHOLD_HOLD : PFHOLD_SEND_WARN;
	default:
		return PFHOLD_HOLD;
	}
}

struct pfhold *
pfhold_new(void)
{
	return calloc(1, sizeof(struct pfhold));
}

void
pfhold_destroy(struct pfhold *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++) {
		free(h->v[i].code);
		free(h->v[i].message);
	}
	free(h->v);
	free(h);
}

err_code
pfhold_add(struct pfhold *h, unsigned long line, int clear,
    const char *code, const char *message, struct err *e)
{
	struct pfhold_row *v, *r;
	size_t cap;

	if (h->n > 0 && h->v[h->n - 1].line >= line)
		return err_set(e, ERR_INTERNAL, "preflight: line %lu held "
		    "after line %lu", line, h->v[h->n - 1].line);
	if (h->n == h->cap) {
		cap = h->cap > 0 ? h->cap * 2 : 64;
		v = realloc(h->v, cap * sizeof(*v));
		if (v == NULL)
			return err_set(e, ERR_NOMEM, "out of memory");
		h->v = v;
		h->cap = cap;
	}
	r = &h->v[h->n];
	r->line = line;
	r->code = strdup(code != NULL ? code : "");
	r->message = strdup(message != NULL ? message : "");
	if (r->code == NULL || r->message == NULL) {
		free(r->code);
		free(r->message);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	h->n++;
	if (clear)
		h->clears++;
	return ERR_OK;
}

const struct pfhold_row *
pfhold_find(const struct pfhold *h, unsigned long line)
{
	size_t lo = 0, hi, mid;

	if (h == NULL)
		return NULL;
	hi = h->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (h->v[mid].line == line)
			return &h->v[mid];
		if (h->v[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t
pfhold_count(const struct pfhold *h)
{
	return h != NULL ? h->n : 0;
}

size_t
pfhold_clears(const struct pfhold *h)
{
	return h != NULL ? h->clears : 0;
}
