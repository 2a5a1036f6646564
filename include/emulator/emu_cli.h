/*
 * emu_cli.h - mqreset-emulator's options: the config struct and the one
 * option table (opts.h) that parses it, prints --help and that the man
 * page test (tests/unit/test_emu_manpage.c) checks against
 * man/mqreset-emulator.1.
 */
#ifndef MQR_EMU_CLI_H
#define MQR_EMU_CLI_H

#include <stddef.h>

#include "opts.h"

struct emu_cli {
	int help;                 /* --help */
	int version;              /* --version */
	int quiet;                /* --quiet */
	const char *listen;       /* --listen ADDR:PORT */
	const char *tls_cert;     /* --tls-cert FILE */
	const char *tls_key;      /* --tls-key FILE */
	long long threads;        /* --threads N */
	long long max_seconds;    /* --max-seconds N, 0 = none */
	const char *state;        /* --state FILE */
	const char *save_state;   /* --save-state FILE */
	const char *journal;      /* --journal FILE */
	long long seed;           /* --seed N */
	double qps;               /* --qps N, 0 = documented limits */
	const char *qps_action;   /* --qps-action A=N[,A=N...] */
	const char *qps_window;   /* --qps-window token|fixed|sliding */
	struct opts_list faults;  /* --fault SPEC, repeatable, in order */
	const char *rehearse;     /* --rehearse PLAN */
	const char *instance;     /* --instance ID for --rehearse */
	const char *write_creds;  /* --write-credentials FILE */
	long long nonce_cache;    /* --nonce-cache N */
	const char *request_log;  /* --request-log FILE */
	long long throttle_hint_ms; /* --throttle-hint-ms N, 0 = none */
	long long max_conns;      /* --max-connections N */
	long long max_conns_per_ip; /* --max-connections-per-ip N */
	long long header_ms;      /* --header-timeout-ms N */
	int sts;                  /* --sts: serve AssumeRole(WithOIDC) */
	long long sts_duration;   /* --sts-duration SECONDS */
	int metadata;             /* --metadata: serve the ECS metadata */
	int imdsv2_only;          /* --imdsv2-only */
};

/* The option table (sorted by name) and its length in *n. */
const struct opts_spec *
emu_cli_opts(size_t *n);

/* Usage line and one-line summary for --help. */
extern const char emu_cli_usage[];
extern const char emu_cli_summary[];

#endif /* MQR_EMU_CLI_H */
