/*
 * emu_cli.c - mqreset-emulator's option table.  See include/emulator/emu_cli.h.
 */
#include "emu_cli.h"

#define EMU_OPT(name, sh, type, meta, lo, hi, def, field, help)          \
	{ name, sh, type, meta, lo, hi, NULL, def,                       \
	  offsetof(struct emu_cli, field), help }

/* Sorted by name; every row is documented in man/mqreset-emulator.1
 * (tests/unit/test_emu_manpage.c checks). */
static const struct opts_spec emu_opts[] = {
	EMU_OPT("fault", 0, OPTS_LIST, "SPEC", 0, 0, NULL, faults,
	    "inject a fault, KIND[:p=P|every=N,max=N,group=G,topic=T,"
	    "action=A,ms=N,jitter=N]"),
	EMU_OPT("header-timeout-ms", 0, OPTS_INT, "N", 100, 3.6e6, "10000",
	    header_ms, "a request's headers must arrive within N ms"),
	EMU_OPT("help", 'h', OPTS_FLAG, NULL, 0, 0, NULL, help,
	    "show this help and exit"),
	EMU_OPT("imdsv2-only", 0, OPTS_FLAG, NULL, 0, 0, NULL, imdsv2_only,
	    "--metadata: refuse requests without an IMDSv2 token"),
	EMU_OPT("instance", 0, OPTS_STRING, "ID", 0, 0, NULL, instance,
	    "instance of a --rehearse plan without an instance column"),
	EMU_OPT("journal", 0, OPTS_STRING, "FILE", 0, 0, NULL, journal,
	    "append one JSON line per applied reset"),
	EMU_OPT("listen", 'l', OPTS_STRING, "ADDR:PORT", 0, 0,
	    "127.0.0.1:0", listen, "address to listen on (port 0: any free)"),
	EMU_OPT("max-connections", 0, OPTS_INT, "N", 1, 1e6, "1000",
	    max_conns, "connections at once, all clients together"),
	EMU_OPT("max-connections-per-ip", 0, OPTS_INT, "N", 1, 1e6, "256",
	    max_conns_per_ip, "connections at once from one client address"),
	EMU_OPT("max-seconds", 0, OPTS_INT, "N", 0, 1e9, "0", max_seconds,
	    "stop after N seconds (0: run until SIGINT/SIGTERM)"),
	EMU_OPT("metadata", 0, OPTS_FLAG, NULL, 0, 0, NULL, metadata,
	    "serve the ECS metadata service's RAM role paths"),
	EMU_OPT("nonce-cache", 0, OPTS_INT, "N", 1024, 1e9, "1048576",
	    nonce_cache, "remember up to N signature nonces"),
	EMU_OPT("qps", 0, OPTS_DOUBLE, "N", 0, 1e9, "0", qps,
	    "per-account limit for every action (0: the documented limits)"),
	EMU_OPT("qps-action", 0, OPTS_STRING, "ACTION=N[,...]", 0, 0, NULL,
	    qps_action, "per-account limit of named actions (0: unlimited)"),
	EMU_OPT("qps-window", 0, OPTS_STRING, "KIND", 0, 0, "token",
	    qps_window, "enforce the limits as a token bucket, a fixed or a "
	    "sliding one-second window"),
	EMU_OPT("quiet", 'q', OPTS_FLAG, NULL, 0, 0, NULL, quiet,
	    "print errors and warnings only"),
	EMU_OPT("rehearse", 0, OPTS_STRING, "PLAN", 0, 0, NULL, rehearse,
	    "add what every row of PLAN needs to the state"),
	EMU_OPT("request-log", 0, OPTS_STRING, "FILE", 0, 0, NULL,
	    request_log, "append one JSON line per request received"),
	EMU_OPT("save-state", 0, OPTS_STRING, "FILE", 0, 0, NULL, save_state,
	    "write the final state to FILE on exit"),
	EMU_OPT("seed", 0, OPTS_INT, "N", 0, 9.2e18, "1", seed,
	    "seed of the fault decisions and the rehearsal"),
	EMU_OPT("state", 0, OPTS_STRING, "FILE", 0, 0, NULL, state,
	    "load the state (credentials, instances...) from FILE"),
	EMU_OPT("sts", 0, OPTS_FLAG, NULL, 0, 0, NULL, sts,
	    "serve STS AssumeRole and AssumeRoleWithOIDC"),
	EMU_OPT("sts-duration", 0, OPTS_INT, "SECONDS", 1, 43200, "3600",
	    sts_duration, "issued temporary credentials expire after at "
	    "most SECONDS"),
	EMU_OPT("threads", 't', OPTS_INT, "N", 1, 256, "2", threads,
	    "HTTP server threads"),
	EMU_OPT("throttle-hint-ms", 0, OPTS_INT, "N", 0, 8.64e7, "0",
	    throttle_hint_ms, "QPS throttling replies carry x-acs-retry-after: "
	    "N (0: none)"),
	EMU_OPT("tls-cert", 0, OPTS_STRING, "FILE", 0, 0, NULL, tls_cert,
	    "serve HTTPS with this PEM certificate (chain)"),
	EMU_OPT("tls-key", 0, OPTS_STRING, "FILE", 0, 0, NULL, tls_key,
	    "PEM private key of --tls-cert"),
	EMU_OPT("version", 'V', OPTS_FLAG, NULL, 0, 0, NULL, version,
	    "print the version and exit"),
	EMU_OPT("write-credentials", 0, OPTS_STRING, "FILE", 0, 0, NULL,
	    write_creds, "write the first credential to FILE (mode 0600)"),
};

#define EMU_NOPTS (sizeof emu_opts / sizeof emu_opts[0])

const struct opts_spec *
emu_cli_opts(size_t *n)
{
	*n = EMU_NOPTS;
	return emu_opts;
}

const char emu_cli_usage[] =
    "mqreset-emulator [--state FILE] [--rehearse PLAN] [--listen ADDR:PORT]"
    " [--fault SPEC]... [options]";
const char emu_cli_summary[] =
    "A local Ons (ApsaraMQ for RocketMQ 2019-02-14) OpenAPI server that "
    "misbehaves on request.";

