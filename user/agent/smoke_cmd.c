// SPDX-License-Identifier: MIT
/*
 * `tokentap smoke`: runs (or watches for) a workload's happy-path and
 * error-path calls, reads what the running agent wrote to the ledger,
 * checks it (user/smoke) and writes the handoff record as JSON and text.
 * Loads no BPF: the agent must be running and writing --ledger.
 *
 * The commands' output is discarded (it may hold a completion) and their
 * text is never recorded (it may hold a key).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "util/sha256.h"
#include "util/timefmt.h"
#include "alloc/event.h"
#include "pricing/pricing.h"
#include "agent/cgroups.h"
#include "agent/run.h"
#include "agent/smoke_tail.h"
#include "agent/smoke_cmd.h"

#define POLL_MS 50

struct smoke_opts {
	const char *workload, *happy_cmd, *error_cmd, *ledger;
	const char *operator_name, *follow_up, *record;
	int max_error_attempts;
	double timeout_s, settle_s;
};

static const char usage_text[] =
	"usage: tokentap smoke --workload RULE|CGROUP [--happy CMD] [--error CMD]\n"
	"                      [--ledger FILE] [--max-error-attempts N]\n"
	"                      [--operator NAME] [--follow-up-owner NAME]\n"
	"                      [--record PREFIX] [--timeout S] [--settle S]\n"
	"  --workload W     an owner rule's name, or a cgroup path as events\n"
	"                   write it (/...: that cgroup and those below it)\n"
	"  --happy CMD      a call that should succeed (sh -c; in the cgroup\n"
	"                   when W is one); without it, the first call of W\n"
	"                   seen in the ledger is checked\n"
	"  --error CMD      a call with an invalid key; without it, W's first\n"
	"                   auth failure seen is checked\n"
	"  --ledger FILE    the running agent's ledger (default " TT_DEFAULT_EVENTS ")\n"
	"  --max-error-attempts N\n"
	"                   auth failures allowed on the error path (default 1:\n"
	"                   an invalid key is not retried)\n"
	"  --record PREFIX  writes PREFIX.json and PREFIX.txt (default\n"
	"                   tokentap-smoke-RUN_ID in the current directory)\n"
	"  --timeout S      per command or watch (default 120)\n"
	"  --settle S       time for late events after each step (default 2)\n"
	"exit status: 0 pass, 1 fail (the reasons are printed), 2 usage or I/O\n";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Child side: into the workload's cgroup when it is one, output to
 * /dev/null, then sh -c. Only async-signal-safe calls after fork. */
static void exec_child(const char *procs, const char *cmd)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (procs) {
		int cg = open(procs, O_WRONLY | O_CLOEXEC);

		if (cg < 0 || write(cg, "0\n", 2) != 2)
			_exit(125);
		close(cg);
	}
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Runs cmd, following the ledger into w while it runs. Returns its exit
 * status (128 + signal), or -1 when it could not start or timed out. */
static int run_cmd(const struct smoke_opts *o, const char *procs,
		   const char *cmd, struct tt_smoke_tail *t,
		   struct tt_smoke_window *w, int *pid_out)
{
	double deadline = now_s() + o->timeout_s;
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		exec_child(procs, cmd);
	*pid_out = (int)pid;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		tt_smoke_tail_read(t, w);
		if (r == pid)
			break;
		if (now_s() > deadline) {
			fprintf(stderr, "tokentap smoke: command timed out after %.0f s\n",
				o->timeout_s);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sleep_ms(POLL_MS);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 125)
		fprintf(stderr, "tokentap smoke: could not move the command into %s\n",
			procs);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Follows the ledger for s seconds: late events of the last step. */
static void settle(struct tt_smoke_tail *t, struct tt_smoke_window *w, double s)
{
	double until = now_s() + s;

	do {
		tt_smoke_tail_read(t, w);
		sleep_ms(POLL_MS);
	} while (now_s() < until);
	tt_smoke_tail_read(t, w);
}

/* Watching: the first event of the workload that is (want_auth) or is
 * not an auth failure, both when want_auth < 0. */
static int seen(const struct tt_smoke_window *w, const char *workload,
		int want_auth)
{
	int happy = 0, auth = 0;

	for (size_t i = 0; i < w->n; i++) {
		const cJSON *o = tt_smoke_at(w->ev[i], "outcome");
		int is_auth = cJSON_IsString(o) && !strcmp(o->valuestring, "auth_error");

		if (!tt_smoke_is_workload(w->ev[i], workload))
			continue;
		auth |= is_auth;
		happy |= !is_auth;
	}
	return want_auth < 0 ? happy && auth : want_auth ? auth : happy;
}

static void watch(const struct smoke_opts *o, int want_auth,
		  struct tt_smoke_tail *t, struct tt_smoke_window *w)
{
	double deadline = now_s() + o->timeout_s;

	fprintf(stderr, "tokentap smoke: watching %s for %s of %s (up to %.0f s)\n",
		o->ledger, want_auth < 0 ? "a call and an auth failure"
			   : want_auth ? "an auth failure" : "a call", o->workload,
		o->timeout_s);
	while (now_s() < deadline) {
		tt_smoke_tail_read(t, w);
		if (seen(w, o->workload, want_auth))
			break;
		sleep_ms(POLL_MS);
	}
}

/* The table that priced the happy call, read and hashed, for its
 * entry's source URLs. */
static void check_prices(struct tt_smoke_result *res)
{
	const cJSON *path = tt_smoke_at(res->happy, "cost.pricing_table");
	char sha[TT_SHA256_HEX], why[600];
	char *text = NULL;
	cJSON *table = NULL;
	size_t n = 0;
	FILE *f;

	if (!res->happy || !cJSON_IsNumber(tt_smoke_at(res->happy, "cost.amount")))
		return;
	if (!cJSON_IsString(path)) {
		tt_smoke_check_prices(res, NULL, NULL, "the event names no price table");
		return;
	}
	f = fopen(path->valuestring, "re");
	text = malloc(TT_PRICING_TEXT_MAX + 1);
	if (f && text)
		n = fread(text, 1, TT_PRICING_TEXT_MAX + 1, f);
	if (!f || !text || n > TT_PRICING_TEXT_MAX || ferror(f)) {
		snprintf(why, sizeof(why), "cannot read the price table %s: %s",
			 path->valuestring, !f ? strerror(errno) : "too big or unreadable");
	} else if (tt_sha256_hex("", text, n, sha)) {
		snprintf(why, sizeof(why), "cannot hash the price table");
	} else {
		text[n] = '\0';
		table = cJSON_ParseWithLength(text, n);
		snprintf(why, sizeof(why), "the price table %s is not JSON",
			 path->valuestring);
	}
	if (f)
		fclose(f);
	tt_smoke_check_prices(res, table, table ? sha : NULL, why);
	cJSON_Delete(table);
	free(text);
}

static void make_run_id(char out[37])
{
	uint8_t b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)(rand() ^ (time(NULL) >> (i % 8)));
	tt_alloc_uuid(b, out);
}

static const char *default_operator(void)
{
	const char *u = getenv("SUDO_USER");
	struct passwd *pw;

	if (u && *u)
		return u;
	u = getenv("USER");
	if (u && *u)
		return u;
	pw = getpwuid(getuid());
	return pw ? pw->pw_name : NULL;
}

/* PREFIX.json and PREFIX.txt; the text also to stdout. 0 or -errno. */
static int write_record(const struct tt_smoke_record *r, const char *prefix)
{
	char path[4096 + 8];
	cJSON *json = tt_smoke_record_json(r);
	char *text = json ? cJSON_Print(json) : NULL;
	FILE *f;
	int ret = 0;

	if (!text) {
		ret = -ENOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "%s.json", prefix);
	f = fopen(path, "we");
	if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f)) {
		ret = -errno;
		goto out;
	}
	snprintf(path, sizeof(path), "%s.txt", prefix);
	f = fopen(path, "we");
	if (!f) {
		ret = -errno;
		goto out;
	}
	tt_smoke_record_text(r, f);
	if (fclose(f))
		ret = -errno;
	tt_smoke_record_text(r, stdout);
	printf("record: %s.json, %s.txt\n", prefix, prefix);
out:
	free(text);
	cJSON_Delete(json);
	return ret;
}

/* 0, 1 for --help, or -EINVAL. */
static int parse_opts(int argc, char **argv, struct smoke_opts *o)
{
	static const struct option lopts[] = {
		{ "workload", required_argument, NULL, 'w' },
		{ "happy", required_argument, NULL, 'h' },
		{ "error", required_argument, NULL, 'e' },
		{ "ledger", required_argument, NULL, 'l' },
		{ "max-error-attempts", required_argument, NULL, 'm' },
		{ "operator", required_argument, NULL, 'o' },
		{ "follow-up-owner", required_argument, NULL, 'f' },
		{ "record", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "settle", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'H' },
		{ 0 },
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'w': o->workload = optarg; break;
		case 'h': o->happy_cmd = optarg; break;
		case 'e': o->error_cmd = optarg; break;
		case 'l': o->ledger = optarg; break;
		case 'o': o->operator_name = optarg; break;
		case 'f': o->follow_up = optarg; break;
		case 'r': o->record = optarg; break;
		case 'm':
			o->max_error_attempts = (int)strtol(optarg, &end, 10);
			if (*end || o->max_error_attempts < 1)
				return -EINVAL;
			break;
		case 't':
		case 's':
			*(c == 't' ? &o->timeout_s : &o->settle_s) = strtod(optarg, &end);
			if (*end || (c == 't' ? o->timeout_s <= 0 : o->settle_s < 0))
				return -EINVAL;
			break;
		case 'H': return 1;
		default: return -EINVAL;
		}
	}
	if (optind != argc || !o->workload || !o->workload[0])
		return -EINVAL;
	return 0;
}

/* The workload's cgroup.procs when it is a cgroup and a command runs in
 * it; "" otherwise. 0 or -ENOENT (printed). */
static int cgroup_procs(const struct smoke_opts *o, char *out, size_t cap)
{
	char mount[4096];

	out[0] = '\0';
	if (o->workload[0] != '/' || (!o->happy_cmd && !o->error_cmd))
		return 0;
	if (tt_cgroups_find_mount(mount, sizeof(mount))) {
		fprintf(stderr, "tokentap smoke: no cgroup2 mount to run the commands in\n");
		return -ENOENT;
	}
	snprintf(out, cap, "%s%s/cgroup.procs", mount, o->workload);
	if (access(out, W_OK)) {
		fprintf(stderr, "tokentap smoke: %s: %s\n", out, strerror(errno));
		return -ENOENT;
	}
	return 0;
}

/* One path: its command run, or its calls watched for; then late events. */
static int one_path(const struct smoke_opts *o, const char *cmd, int want_auth,
		    const char *procs, struct tt_smoke_tail *t,
		    struct tt_smoke_window *w, int *pid)
{
	int status = -1;

	if (cmd)
		status = run_cmd(o, procs[0] ? procs : NULL, cmd, t, w, pid);
	else
		watch(o, want_auth, t, w);
	settle(t, w, o->settle_s);
	return status;
}

static void fill_record(const struct smoke_opts *o, const struct tt_smoke_spec *spec,
			const struct tt_smoke_result *res, struct tt_smoke_record *r)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	make_run_id(r->run_id);
	tt_record_time((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec,
		       r->reviewed_at);
	r->operator_name = o->operator_name ? o->operator_name : default_operator();
	r->workload = o->workload;
	r->follow_up_owner = o->follow_up ? o->follow_up
			     : res->owner ? res->owner : r->operator_name;
	r->ledger = o->ledger;
	r->max_error_attempts = o->max_error_attempts;
	r->happy_watched = spec->happy_watched;
	r->error_watched = spec->error_watched;
	r->res = res;
}

int tt_smoke_main(int argc, char **argv)
{
	struct smoke_opts o = { .ledger = TT_DEFAULT_EVENTS, .max_error_attempts = 1,
				.timeout_s = 120, .settle_s = 2 };
	static struct tt_smoke_window happy_w, error_w;
	static struct tt_smoke_result res;
	struct tt_smoke_record rec = { .happy_exit = -1, .error_exit = -1 };
	struct tt_smoke_spec spec = { 0 };
	struct tt_smoke_tail t;
	char procs[4096 + 32], prefix[4096];
	int both_watched, ret;

	ret = parse_opts(argc, argv, &o);
	if (ret) {
		fputs(usage_text, ret > 0 ? stdout : stderr);
		return ret > 0 ? 0 : 2;
	}
	if (cgroup_procs(&o, procs, sizeof(procs)))
		return 2;
	spec.workload = o.workload;
	spec.max_error_attempts = o.max_error_attempts;
	spec.happy_watched = !o.happy_cmd;
	spec.error_watched = !o.error_cmd;
	both_watched = spec.happy_watched && spec.error_watched;
	tt_smoke_tail_start(&t, o.ledger);
	if (both_watched) {
		watch(&o, -1, &t, &happy_w);
		settle(&t, &happy_w, o.settle_s);
	} else {
		rec.happy_exit = one_path(&o, o.happy_cmd, 0, procs, &t, &happy_w,
					  &spec.happy_pid);
		rec.error_exit = one_path(&o, o.error_cmd, 1, procs, &t, &error_w,
					  &spec.error_pid);
	}
	tt_smoke_check(&spec, &happy_w, both_watched ? &happy_w : &error_w, &res);
	check_prices(&res);
	fill_record(&o, &spec, &res, &rec);
	if (o.record)
		snprintf(prefix, sizeof(prefix), "%s", o.record);
	else
		snprintf(prefix, sizeof(prefix), "tokentap-smoke-%s", rec.run_id);
	ret = write_record(&rec, prefix);
	if (ret)
		fprintf(stderr, "tokentap smoke: writing %s.json/.txt: %s\n", prefix,
			strerror(-ret));
	tt_smoke_window_free(&happy_w);
	tt_smoke_window_free(&error_w);
	if (ret)
		return 2;
	return res.happy_pass && res.error_pass ? 0 : 1;
}
