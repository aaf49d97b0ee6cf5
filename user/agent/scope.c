// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/jsonw.h"
#include "util/log.h"
#include "alloc/event.h"
#include "agent/discover.h"
#include "agent/scope.h"

#define STATUS_MAX (256u << 10)
#define STATUS_PIDS_MAX 256       /* armed processes listed in the status */
#define IDLE_CHECK_NS 10000000000ull
#define STATUS_EVERY_NS 1000000000ull
#define TT_SCOPE_LATE_REASON "connection open at start"

struct tt_scope {
	const struct tt_config *cfg;
	struct tt_attach *am;
	struct tt_capture *cap;
	struct tt_procs *procs;
	char *status_path;
	int status_dirty;
	uint64_t last_idle_check, last_status;
	uint64_t start_ns;
	struct tt_scope_stats st;
};

static int scoped(const struct tt_scope *s)
{
	return s->cfg->capture.mode == TT_CAPTURE_SCOPED;
}

struct tt_scope *tt_scope_new(const struct tt_config *cfg, struct tt_attach *am,
			      struct tt_capture *cap, struct tt_procs *procs,
			      const char *status_path)
{
	struct tt_scope *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->am = am;
	s->cap = cap;
	s->procs = procs;
	if (status_path && !(s->status_path = strdup(status_path))) {
		free(s);
		return NULL;
	}
	s->status_dirty = 1;
	return s;
}

void tt_scope_free(struct tt_scope *s)
{
	if (!s)
		return;
	if (s->status_path)
		unlink(s->status_path); /* no agent, no status */
	free(s->status_path);
	free(s);
}

static void arm(struct tt_scope *s, uint32_t pid, const char *reason,
		uint64_t now, int held)
{
	const struct tt_armed_info *before = tt_attach_armed(s->am, (pid_t)pid);
	int ret;

	s->st.arm_requests++;
	ret = tt_attach_arm(s->am, (pid_t)pid, reason, now);
	if (!before && ret >= 0)
		s->status_dirty = 1;
	/* Its held ClientHello goes out now, not at TCP's next try. */
	if (held && ret >= 0 && !tt_attach_kick(s->am, (pid_t)pid))
		s->st.kicks++;
}

/* The name an observer record carries, NUL-terminated. */
static void sock_name(const struct tt_ai_sock *sk, char *out, size_t cap)
{
	size_t n = sk->name_len < cap - 1 ? sk->name_len : cap - 1;

	memcpy(out, sk->name, n);
	out[n] = '\0';
}

void tt_scope_on_sock(struct tt_scope *s, const struct tt_ev_sock *ev,
		      uint64_t now_ns)
{
	char name[TT_SOCK_NAME_MAX + 1], reason[TT_ARM_REASON_MAX];
	const struct tt_ai_sock *sk = &ev->sock;

	if (!scoped(s) || sk->tgid == (uint32_t)getpid())
		return;
	if (ev->what == TT_SOCK_EV_CLOSE)
		return;
	sock_name(sk, name, sizeof(name));
	/* A name the kernel could not decide: the whole host table does. */
	if (sk->state == TT_SOCK_MAYBE && (!name[0] ||
					   !tt_hosts_match(&s->cfg->hosts, name))) {
		if (!name[0] && (sk->flags & TT_SOCKF_PREEXISTING))
			tt_attach_touch(s->am, (pid_t)sk->tgid, now_ns);
		return;
	}
	if (tt_attach_armed(s->am, (pid_t)sk->tgid)) {
		tt_attach_touch(s->am, (pid_t)sk->tgid, now_ns);
		if ((sk->flags & TT_SOCKF_HELD) && ev->what == TT_SOCK_EV_OPEN &&
		    !tt_attach_kick(s->am, (pid_t)sk->tgid))
			s->st.kicks++;
		return;
	}
	snprintf(reason, sizeof(reason), "connection to %s", name);
	s->st.armed_by_name++;
	arm(s, sk->tgid, reason, now_ns, sk->flags & TT_SOCKF_HELD);
}

/* capture.arm: does a selector name this process? */
static const char *selected(struct tt_scope *s, uint32_t pid)
{
	static char rule[TT_RULE_NAME_MAX];
	struct tt_owner_result res;
	struct tt_procinfo *pi;
	struct tt_proc_facts pf;
	struct tt_facts f;
	int hit;

	if (!s->cfg->capture.arm.n || !s->procs)
		return NULL;
	pi = tt_procs_get(s->procs, pid, 0, "");
	if (!pi)
		return NULL;
	tt_procs_facts(s->procs, pi, &pf);
	tt_alloc_process_facts(&pf, &f);
	hit = tt_rules_match(&s->cfg->capture.arm, &f, &res);
	if (hit)
		snprintf(rule, sizeof(rule), "%s", res.rule);
	tt_procs_put(s->procs, pi);
	return hit ? rule : NULL;
}

static void arm_if_selected(struct tt_scope *s, uint32_t pid, uint64_t now)
{
	char reason[TT_ARM_REASON_MAX];
	const char *rule = selected(s, pid);

	if (!rule)
		return;
	snprintf(reason, sizeof(reason), "selector %s", rule);
	s->st.armed_by_selector++;
	arm(s, pid, reason, now, 0);
}

void tt_scope_on_exec(struct tt_scope *s, uint32_t pid, uint64_t now_ns)
{
	if (!scoped(s))
		return;
	/* A new program: the old probes are of no use. */
	if (tt_attach_armed(s->am, (pid_t)pid)) {
		tt_attach_disarm(s->am, (pid_t)pid, "exec");
		s->status_dirty = 1;
	}
	arm_if_selected(s, pid, now_ns);
}

void tt_scope_on_fork(struct tt_scope *s, uint32_t child, uint32_t parent,
		      uint64_t now_ns)
{
	char reason[TT_ARM_REASON_MAX];
	const struct tt_armed_info *p = tt_attach_armed(s->am, (pid_t)parent);

	if (!scoped(s) || !p)
		return;
	snprintf(reason, sizeof(reason), "child of %u", parent);
	arm(s, child, reason, now_ns, 0);
}

void tt_scope_on_exit(struct tt_scope *s, uint32_t pid)
{
	if (tt_attach_armed(s->am, (pid_t)pid)) {
		tt_attach_disarm(s->am, (pid_t)pid, "exit");
		s->status_dirty = 1;
	}
}

struct restart_ctx {
	struct tt_scope *s;
	uint64_t now;
};

static void restart_sock(void *arg, const struct tt_ai_sock *sk)
{
	struct restart_ctx *rc = arg;
	char reason[TT_ARM_REASON_MAX], name[TT_SOCK_NAME_MAX + 1];

	if (kill((pid_t)sk->tgid, 0) && errno == ESRCH)
		return;
	sock_name(sk, name, sizeof(name));
	snprintf(reason, sizeof(reason), "open connection to %s (restart)",
		 name[0] ? name : "an AI host");
	rc->s->st.armed_at_start++;
	arm(rc->s, sk->tgid, reason, rc->now, 0);
}

static void late_pid(void *ctx, uint32_t pid)
{
	struct restart_ctx *rc = ctx;

	if (tt_attach_armed(rc->s->am, (pid_t)pid))
		return;
	rc->s->st.armed_at_start++;
	arm(rc->s, pid, TT_SCOPE_LATE_REASON, rc->now, 0);
}

void tt_scope_start(struct tt_scope *s, uint64_t now_ns)
{
	struct restart_ctx rc = { s, now_ns };
	struct dirent *de;
	DIR *d;

	s->start_ns = now_ns;
	if (!scoped(s))
		return;
	/* Connections an earlier agent saw and that are still open. */
	if (s->cap->skel)
		tt_capture_each_ai_sock(s->cap, restart_sock, &rc);
	/* Connections nobody saw start: their processes, for a while. */
	if (s->cfg->capture.late_start_s)
		tt_discover_outbound(late_pid, &rc);
	if (!s->cfg->capture.arm.n || !(d = opendir("/proc")))
		return;
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]) &&
		    (uint32_t)atoi(de->d_name) != (uint32_t)getpid())
			arm_if_selected(s, (uint32_t)atoi(de->d_name), now_ns);
	closedir(d);
}

/* ---- idle disarming ---- */

static void touch_pid(void *ctx, uint32_t pid)
{
	struct tt_scope *s = ctx;

	tt_attach_touch(s->am, (pid_t)pid, s->last_idle_check);
}

static void check_idle(struct tt_scope *s, struct tt_pipeline *pipe,
		       uint64_t now)
{
	uint64_t idle = (uint64_t)s->cfg->capture.idle_disarm_s * 1000000000ull;
	uint64_t late = (uint64_t)s->cfg->capture.late_start_s * 1000000000ull;

	s->last_idle_check = now;
	if (!idle)
		return;
	/* An open AI connection is talking to an AI host. */
	tt_pipeline_active_pids(pipe, touch_pid, s);
	for (size_t i = tt_attach_armed_count(s->am); i--;) {
		const struct tt_armed_info *a = tt_attach_armed_at(s->am, i);

		/* Selected processes stay armed while they live; those armed
		 * for a late start only for its window, unless they talked
		 * to an AI host since. */
		if (a && !strcmp(a->reason, TT_SCOPE_LATE_REASON) &&
		    a->last_ai_ns == a->since_ns &&
		    now - a->since_ns > late) {
			tt_attach_disarm(s->am, (pid_t)a->pid, "idle");
			s->status_dirty = 1;
		} else if (a && strncmp(a->reason, "selector ", 9) &&
			   now - a->last_ai_ns > idle) {
			tt_attach_disarm(s->am, (pid_t)a->pid, "idle");
			s->status_dirty = 1;
		}
	}
}

/* ---- the status file ---- */

static long render_status(struct tt_scope *s, char *buf, size_t cap,
			  uint64_t now)
{
	const struct tt_capture_config *cc = &s->cfg->capture;
	struct tt_jsonw w;
	size_t n = tt_attach_armed_count(s->am);

	tt_jsonw_init(&w, buf, cap);
	tt_jsonw_open(&w, NULL);
	tt_jsonw_str(&w, "mode", tt_capture_mode_name(cc->mode));
	tt_jsonw_int(&w, "pid", getpid());
	tt_jsonw_int(&w, "hold_ms", scoped(s) ? cc->hold_ms : 0);
	tt_jsonw_bool(&w, "observer", s->cap->observer);
	tt_jsonw_bool(&w, "state_pinned", s->cap->pinned);
	tt_jsonw_bool(&w, "uprobe_multi", s->cap->umulti);
	tt_jsonw_int(&w, "armed_processes", (int64_t)n);
	tt_jsonw_open_array(&w, "armed");
	for (size_t i = 0; i < n && i < STATUS_PIDS_MAX; i++) {
		const struct tt_armed_info *a = tt_attach_armed_at(s->am, i);

		if (!a)
			break;
		tt_jsonw_open(&w, NULL);
		tt_jsonw_int(&w, "pid", a->pid);
		tt_jsonw_str(&w, "state", a->state == TT_ARM_ARMED ? "armed"
					  : "untraceable");
		tt_jsonw_str(&w, "reason", a->reason);
		tt_jsonw_int(&w, "for_seconds",
			     (int64_t)((now - a->since_ns) / 1000000000ull));
		tt_jsonw_open_array(&w, "libraries");
		for (size_t f = 0; f < a->nfiles; f++) {
			char one[700];

			snprintf(one, sizeof(one), "%s: %s", a->files[f]->set->lib,
				 a->files[f]->path);
			tt_jsonw_str(&w, NULL, one);
		}
		tt_jsonw_close_array(&w);
		tt_jsonw_close(&w);
	}
	tt_jsonw_close_array(&w);
	tt_jsonw_close(&w);
	return tt_jsonw_finish(&w);
}

/* Whole file or nothing: written beside it, then renamed over it. Root's
 * own directory (0755) and file (0644: pids and host names, no secret). */
static void write_status(struct tt_scope *s, uint64_t now)
{
	char tmp[4200], *buf, *slash;
	long n;
	int fd;

	buf = malloc(STATUS_MAX);
	if (!buf)
		return;
	n = render_status(s, buf, STATUS_MAX - 1, now);
	snprintf(tmp, sizeof(tmp), "%s", s->status_path);
	slash = strrchr(tmp, '/');
	if (slash && slash != tmp) {
		*slash = '\0';
		mkdir(tmp, 0755);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->status_path);
	fd = n < 0 ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
				     O_CLOEXEC, 0644);
	if (fd >= 0) {
		buf[n++] = '\n';
		if (write(fd, buf, (size_t)n) == n && !fsync(fd) && !close(fd) &&
		    !rename(tmp, s->status_path)) {
			s->st.status_writes++;
			s->status_dirty = 0;
			free(buf);
			return;
		}
		close(fd);
	}
	if (!s->st.status_errors++)
		tt_warn("status file %s: %s", s->status_path, strerror(errno));
	free(buf);
}

void tt_scope_tick(struct tt_scope *s, struct tt_pipeline *pipe,
		   uint64_t now_ns)
{
	if (scoped(s) && now_ns - s->last_idle_check >= IDLE_CHECK_NS)
		check_idle(s, pipe, now_ns);
	if (s->status_path && now_ns - s->last_status >= STATUS_EVERY_NS &&
	    (s->status_dirty || now_ns - s->last_status >= 10 * STATUS_EVERY_NS)) {
		s->last_status = now_ns;
		write_status(s, now_ns);
	}
}

const char *tt_scope_dark_reason(struct tt_scope *s,
				 const struct tt_sock_rec *rec)
{
	const struct tt_armed_info *a = tt_attach_past(s->am, (pid_t)rec->s.tgid);

	if (rec->s.flags & TT_SOCKF_FAILOPEN)
		return "hold_expired";
	if (a && a->attach_failed)
		return "attach_failed";
	if (!a && scoped(s) && rec->s.state == TT_SOCK_AI &&
	    !(rec->s.flags & TT_SOCKF_HELD) && s->cfg->capture.hold_ms &&
	    rec->s.t_connect < s->start_ns)
		return "joined_midway";
	return "tls_not_traced";
}

const struct tt_scope_stats *tt_scope_stats(const struct tt_scope *s)
{
	return &s->st;
}
