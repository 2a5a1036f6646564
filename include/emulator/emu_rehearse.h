/*
 * emu_rehearse.h - build a state in which every row of a plan is valid.
 *
 * Design: an operator rehearses a plan without writing a state by hand,
 * and benchmarks run plans of any size.  The plan is validated first with
 * the same reader `mqreset run` uses (plan.h); a plan with errors is
 * refused (its diagnostics are printed), because `run` would refuse it
 * too.  Then, for every row: the instance, the topic, the group and the
 * subscription are created if missing.  Each topic gets a week of
 * history: EarliestTime = now - 7 days (earlier if a row resets to an
 * earlier time), LatestTime = now (later if a row's time is later), and
 * a message count between 100,000 and 1,000,000 drawn from the seed and
 * the topic's name, so the same plan and seed give the same state.  Each
 * subscription starts one hour behind (a backlog of about an hour's
 * messages), groups are online with SubString "*".  Objects already in
 * the state (from --state) keep their settings; their time range is
 * widened when a row needs it.
 *
 * Honesty: a name the plan uses that the state does not hold may be a
 * typo ("GID_ordr_sync"), which a made-up world would rehearse green.  So
 * every group and topic created here gets one warning line on stderr
 * ("invented group 'X' in instance I: the state does not have it"; the
 * first 100 of each kind, the rest are counted), and a summary line says
 * how many groups, topics, instances and subscriptions were invented.
 * With --state, only names missing from it are invented.
 *
 * Not thread-safe: call before the server starts.
 */
#ifndef MQR_EMU_REHEARSE_H
#define MQR_EMU_REHEARSE_H

#include <stdint.h>

#include "emu_state.h"
#include "err.h"

/* One week, the history a rehearsal topic holds. */
#define EMU_REHEARSE_HISTORY_MS ((int64_t)7 * 24 * 3600 * 1000)

/*
 * Add what plan `path` needs to st.  `instance` is the plan's --instance
 * (NULL when the plan has an instance column).  *rows receives the number
 * of rows.  ERR_PLAN when the plan has errors (diagnostics printed),
 * ERR_IO / ERR_NOMEM with detail in *e.
 */
err_code
emu_rehearse(struct emu_state *st, const char *path, const char *instance,
    int64_t now_ms, uint64_t seed, unsigned long *rows, struct err *e);

#endif /* MQR_EMU_REHEARSE_H */
