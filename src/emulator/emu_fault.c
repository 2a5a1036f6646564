/*
 * emu_fault.c - deterministic faults.  See include/emulator/emu_fault.h for the
 * rule syntax and the kinds.
 */
#include "emu_fault.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

struct emu_fault_rule {
	enum emu_fault_kind kind; /* what it does */
	double p;                 /* probability per matching request */
	uint64_t every;           /* fire on every Nth match; 0 = use p */
	uint64_t max;             /* fire at most this often; 0 = no cap */
	char *group;              /* match this GroupId only, or NULL */
	char *topic;              /* match this Topic only, or NULL */
	char *action;             /* match this Action only, or NULL */
	int64_t ms;               /* latency / stall / drip gap, ms */
	int64_t jitter;           /* latency jitter, ms */
	atomic_uint_fast64_t matched; /* requests that matched */
	atomic_uint_fast64_t fired;   /* times it decided the outcome */
};

struct emu_faults {
	uint64_t seed;                  /* --seed */
	struct emu_fault_rule **rules;  /* owned, in order given */
	size_t n;                       /* rules in use */
	atomic_uint_fast64_t count[EMU_FAULT_NKINDS]; /* fired per kind */
};

static const char *const emu_fault_names[EMU_FAULT_NKINDS] = {
	"latency", "internal-error", "unavailable", "throttle",
	"close-before", "close-after", "stall-after", "drip", "non-json",
	"no-request-id", "reconsume-later", "500-after", "504-after",
	"throttle-hint", "ack-no-effect"
};

const char *
emu_fault_name(enum emu_fault_kind k)
{
	if (k < 0 || k >= EMU_FAULT_NKINDS)
		return "none";
	return emu_fault_names[k];
}

struct emu_faults *
emu_faults_new(uint64_t seed)
{
	struct emu_faults *f;
	int i;

	f = calloc(1, sizeof *f);
	if (f == NULL)
		return NULL;
	f->seed = seed;
	for (i = 0; i < EMU_FAULT_NKINDS; i++)
		atomic_init(&f->count[i], 0);
	return f;
}

static void
emu_fault_rule_free(struct emu_fault_rule *r)
{
	if (r == NULL)
		return;
	free(r->group);
	free(r->topic);
	free(r->action);
	free(r);
}

void
emu_faults_destroy(struct emu_faults *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		emu_fault_rule_free(f->rules[i]);
	free(f->rules);
	free(f);
}

size_t
emu_faults_count(const struct emu_faults *f)
{
	return f->n;
}

/* Parse an unsigned decimal into *out; 0 on success. */
static int
emu_fault_num(const char *s, size_t n, uint64_t *out)
{
	char tmp[32], *end;
	unsigned long long v;

	if (n == 0 || n >= sizeof tmp || s[0] == '-' || s[0] == '+')
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	v = strtoull(tmp, &end, 10);
	if (*end != '\0' || errno != 0)
		return -1;
	*out = v;
	return 0;
}

static int
emu_fault_prob(const char *s, size_t n, double *out)
{
	char tmp[32], *end;
	double v;

	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	v = strtod(tmp, &end);
	if (*end != '\0' || errno != 0 || !(v >= 0.0 && v <= 1.0))
		return -1;
	*out = v;
	return 0;
}

/* Apply one key=value pair to r; 0 on success. */
static int
emu_fault_kv(struct emu_fault_rule *r, const char *k, size_t kn,
    const char *v, size_t vn)
{
	uint64_t u;
	char **dst = NULL;

#define EMU_KEY_IS(s) (kn == sizeof(s) - 1 && strncmp(k, s, kn) == 0)
	if (EMU_KEY_IS("p"))
		return emu_fault_prob(v, vn, &r->p);
	if (EMU_KEY_IS("every"))
		return emu_fault_num(v, vn, &r->every) != 0 || r->every == 0 ?
		    -1 : 0;
	if (EMU_KEY_IS("max"))
		return emu_fault_num(v, vn, &r->max) != 0 || r->max == 0 ?
		    -1 : 0;
	if (EMU_KEY_IS("ms") || EMU_KEY_IS("jitter")) {
		if (emu_fault_num(v, vn, &u) != 0 || u > 86400000)
			return -1;
		*(EMU_KEY_IS("ms") ? &r->ms : &r->jitter) = (int64_t)u;
		return 0;
	}
	if (EMU_KEY_IS("group"))
		dst = &r->group;
	else if (EMU_KEY_IS("topic"))
		dst = &r->topic;
	else if (EMU_KEY_IS("action"))
		dst = &r->action;
#undef EMU_KEY_IS
	if (dst == NULL || vn == 0)
		return -1;
	free(*dst);
	*dst = strndup(v, vn);
	return *dst == NULL ? -1 : 0;
}

err_code
emu_faults_add(struct emu_faults *f, const char *spec, struct err *e)
{
	struct emu_fault_rule *r, **nr;
	const char *colon, *p, *end, *eq;
	size_t klen;
	int k;

	colon = strchr(spec, ':');
	klen = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	for (k = 0; k < EMU_FAULT_NKINDS; k++)
		if (strlen(emu_fault_names[k]) == klen &&
		    strncmp(spec, emu_fault_names[k], klen) == 0)
			break;
	if (k == EMU_FAULT_NKINDS)
		return err_set(e, ERR_USAGE, "fault '%s': unknown kind '%.*s' "
		    "(see mqreset-emulator(1), FAULTS)", spec, (int)klen, spec);
	r = calloc(1, sizeof *r);
	if (r == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	r->kind = (enum emu_fault_kind)k;
	r->p = 1.0;
	r->ms = k == EMU_FAULT_STALL_AFTER ? 60000 :
	    k == EMU_FAULT_DRIP ? 100 :
	    k == EMU_FAULT_THROTTLE_HINT ? 1000 : 0;
	atomic_init(&r->matched, 0);
	atomic_init(&r->fired, 0);
	for (p = colon != NULL ? colon + 1 : spec + klen; *p != '\0';
	    p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || emu_fault_kv(r, p, (size_t)(eq - p), eq + 1,
		    (size_t)(end - eq - 1)) != 0) {
			emu_fault_rule_free(r);
			return err_set(e, ERR_USAGE, "fault '%s': bad setting "
			    "'%.*s' (p=0..1, every=N, max=N, ms=N, jitter=N, "
			    "group=, topic=, action=)", spec, (int)(end - p),
			    p);
		}
	}
	if (k == EMU_FAULT_LATENCY && r->ms == 0 && r->jitter == 0) {
		emu_fault_rule_free(r);
		return err_set(e, ERR_USAGE, "fault '%s': latency needs ms=N "
		    "and/or jitter=N", spec);
	}
	nr = realloc(f->rules, (f->n + 1) * sizeof *nr);
	if (nr == NULL) {
		emu_fault_rule_free(r);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	f->rules = nr;
	f->rules[f->n++] = r;
	return ERR_OK;
}

static int
emu_fault_matches(const struct emu_fault_rule *r, const char *action,
    const char *group, const char *topic, int type)
{
	if (r->action != NULL && (action == NULL ||
	    strcmp(r->action, action) != 0))
		return 0;
	if (r->group != NULL && (group == NULL || strcmp(r->group, group) != 0))
		return 0;
	if (r->topic != NULL && (topic == NULL || strcmp(r->topic, topic) != 0))
		return 0;
	/* reconsumeLater is the answer of a Type 0 clear only. */
	if (r->kind == EMU_FAULT_RECONSUME_LATER && (action == NULL ||
	    strcmp(action, "OnsConsumerResetOffset") != 0 || type != 0))
		return 0;
	/* Only a reset has an effect to withhold. */
	if (r->kind == EMU_FAULT_ACK_NO_EFFECT && (action == NULL ||
	    strcmp(action, "OnsConsumerResetOffset") != 0))
		return 0;
	return 1;
}

/* Take one firing from the rule's `max` budget; 1 when allowed. */
static int
emu_fault_take(struct emu_fault_rule *r)
{
	uint_fast64_t cur = atomic_load(&r->fired);

	do {
		if (r->max != 0 && cur >= r->max)
			return 0;
	} while (!atomic_compare_exchange_weak(&r->fired, &cur, cur + 1));
	return 1;
}

void
emu_faults_decide(struct emu_faults *f, const char *action,
    const char *group, const char *topic, int type,
    struct emu_fault_decision *out)
{
	struct emu_fault_rule *r;
	struct rng g;
	uint64_t k;
	size_t i;
	int fires;

	out->delay_ms = 0;
	out->kind = EMU_FAULT_NONE;
	out->wire_ms = 0;
	for (i = 0; i < f->n; i++) {
		r = f->rules[i];
		if (!emu_fault_matches(r, action, group, topic, type))
			continue;
		k = atomic_fetch_add(&r->matched, 1) + 1;
		/* One stream per (seed, rule, k): order-free determinism. */
		rng_seed(&g, f->seed ^ ((uint64_t)(i + 1) *
		    0x9e3779b97f4a7c15ULL) ^ (k * 0xd1b54a32d192ed03ULL));
		fires = r->every != 0 ? k % r->every == 0 :
		    rng_double(&g) < r->p;
		if (!fires)
			continue;
		if (r->kind == EMU_FAULT_LATENCY) {
			if (!emu_fault_take(r))
				continue;
			out->delay_ms += r->ms + (r->jitter > 0 ?
			    (int64_t)rng_below(&g, (uint64_t)r->jitter + 1) :
			    0);
			atomic_fetch_add(&f->count[EMU_FAULT_LATENCY], 1);
			continue;
		}
		if (out->kind != EMU_FAULT_NONE || !emu_fault_take(r))
			continue;
		out->kind = r->kind;
		out->wire_ms = r->ms;
		atomic_fetch_add(&f->count[r->kind], 1);
	}
}

uint64_t
emu_faults_fired(const struct emu_faults *f, enum emu_fault_kind k)
{
	if (k < 0 || k >= EMU_FAULT_NKINDS)
		return 0;
	return atomic_load(&((struct emu_faults *)f)->count[k]);
}

err_code
emu_faults_summary(const struct emu_faults *f, struct buf *out)
{
	err_code rc;
	int k;

	rc = buf_puts(out, "faults:");
	for (k = 0; rc == ERR_OK && k < EMU_FAULT_NKINDS; k++)
		rc = buf_printf(out, " %s=%llu", emu_fault_names[k],
		    (unsigned long long)emu_faults_fired(f,
		    (enum emu_fault_kind)k));
	return rc;
}
