// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "tokentap.skel.h"
#include "util/log.h"
#include "agent/links.h"
#include "agent/umulti.h"

#define DETACH_QUEUE_MAX 65536

static int use_umulti = 1;

void tt_links_set_umulti(int on)
{
	use_umulti = on;
}

int tt_links_umulti(void)
{
	return use_umulti;
}

/* A return probe (uretprobe), not an entry or an instruction probe. */
static int is_return(int prog)
{
	return prog == TT_PROG_TLS_RETURN || prog == TT_PROG_AEAD_RETURN;
}

static struct bpf_program *prog_of(struct tokentap_bpf *s, int prog)
{
	switch (prog) {
	case TT_PROG_TLS_ENTRY: return s->progs.tls_entry;
	case TT_PROG_TLS_RETURN: return s->progs.tls_return;
	case TT_PROG_GO_ENTRY: return s->progs.go_tls_entry;
	case TT_PROG_GO_RET: return s->progs.go_tls_ret;
	case TT_PROG_LDSO: return s->progs.ldso_load_notify;
	case TT_PROG_AEAD_ENTRY: return s->progs.aead_entry;
	case TT_PROG_AEAD_RETURN: return s->progs.aead_return;
	}
	return NULL;
}

/* ---- the detach thread ---- */

struct detach_item {
	int fd;                 /* a uprobe_multi link, or -1 */
	struct bpf_link *link;  /* a perf link, or NULL */
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv, idle;
	struct detach_item *q;
	size_t head, len, busy;
	int started;
} dq = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	 PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0, 0 };

static void close_item(struct detach_item *it)
{
	if (it->fd >= 0)
		close(it->fd);
	if (it->link)
		bpf_link__destroy(it->link);
}

static void *detach_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&dq.mu);
	for (;;) {
		struct detach_item it;

		while (!dq.len)
			pthread_cond_wait(&dq.cv, &dq.mu);
		it = dq.q[dq.head];
		dq.head = (dq.head + 1) % DETACH_QUEUE_MAX;
		dq.len--;
		dq.busy = 1;
		pthread_mutex_unlock(&dq.mu);
		close_item(&it);
		pthread_mutex_lock(&dq.mu);
		dq.busy = 0;
		if (!dq.len)
			pthread_cond_broadcast(&dq.idle);
	}
	return NULL;
}

/* Called with dq.mu held. 0 queued, -1 not (no thread or full). */
static int enqueue(struct detach_item it)
{
	if (!dq.started) {
		pthread_t t;

		dq.q = calloc(DETACH_QUEUE_MAX, sizeof(*dq.q));
		if (!dq.q || pthread_create(&t, NULL, detach_main, NULL)) {
			free(dq.q);
			dq.q = NULL;
			return -1;
		}
		pthread_detach(t);
		dq.started = 1;
	}
	if (dq.len == DETACH_QUEUE_MAX)
		return -1;
	dq.q[(dq.head + dq.len) % DETACH_QUEUE_MAX] = it;
	dq.len++;
	pthread_cond_signal(&dq.cv);
	return 0;
}

int tt_links_detach(struct tt_links *l)
{
	int sync = 0;

	pthread_mutex_lock(&dq.mu);
	for (int p = 0; p < TT_PROGS; p++) {
		struct detach_item it = { l->fd[p], NULL };

		if (l->fd[p] < 0)
			continue;
		if (enqueue(it)) {
			close_item(&it);
			sync = 1;
		}
		l->fd[p] = -1;
	}
	for (size_t i = 0; i < l->nperf; i++) {
		struct detach_item it = { -1, l->perf[i] };

		if (enqueue(it)) {
			close_item(&it);
			sync = 1;
		}
	}
	pthread_mutex_unlock(&dq.mu);
	free(l->perf);
	l->perf = NULL;
	l->nperf = 0;
	return sync;
}

void tt_links_drain(void)
{
	pthread_mutex_lock(&dq.mu);
	while (dq.len || dq.busy)
		pthread_cond_wait(&dq.idle, &dq.mu);
	pthread_mutex_unlock(&dq.mu);
}

/* ---- attaching ---- */

static int attach_umulti(struct tokentap_bpf *skel, const struct tt_probe_set *set,
			 const char *path, pid_t pid, int prog, struct tt_links *out)
{
	uint64_t off[TT_PROBES_MAX], cookie[TT_PROBES_MAX];
	struct tt_umulti u = { .path = path, .offsets = off, .cookies = cookie,
			       .retprobe = is_return(prog), .pid = pid };
	int fd;

	for (size_t i = 0; i < set->n; i++) {
		if (set->prog[i] != prog)
			continue;
		off[u.cnt] = set->off[i];
		cookie[u.cnt] = set->cookie[i];
		u.cnt++;
	}
	if (!u.cnt)
		return 0;
	fd = tt_umulti_attach(bpf_program__fd(prog_of(skel, prog)), &u);
	if (fd < 0)
		return fd;
	out->fd[prog] = fd;
	return 0;
}

static int attach_perf(struct tokentap_bpf *skel, const struct tt_probe_set *set,
		       const char *path, pid_t pid, int prog, struct tt_links *out)
{
	for (size_t i = 0; i < set->n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = set->cookie[i],
			    .retprobe = is_return(prog));
		struct bpf_link *link;
		struct bpf_link **grown;
		int err;

		if (set->prog[i] != prog)
			continue;
		link = bpf_program__attach_uprobe_opts(prog_of(skel, prog),
						       pid ? pid : -1, path,
						       set->off[i], &opts);
		err = (int)libbpf_get_error(link);
		if (err)
			return err;
		grown = realloc(out->perf, (out->nperf + 1) * sizeof(*grown));
		if (!grown) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		out->perf = grown;
		out->perf[out->nperf++] = link;
	}
	return 0;
}

/* rustls's socket ties (bpf/aead.bpf.h) run at every socket send and
 * receive on the host (about 150-180 ns each for a process that is not
 * armed): attached with the first probes that need them, so a host that
 * never runs a rustls client never pays. They stay until the agent stops
 * (the skeleton owns the links). */
static void want_socket_ties(struct tokentap_bpf *skel,
			     const struct tt_probe_set *set)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct { struct bpf_link **slot; struct bpf_program *prog; } t[] = {
		{ &skel->links.sock_send, skel->progs.sock_send },
		{ &skel->links.sock_recv, skel->progs.sock_recv },
	};
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->prog[i] == TT_PROG_AEAD_ENTRY)
			break;
	if (i == set->n)
		return;
	pthread_mutex_lock(&lock);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct bpf_link *link;

		/* Not loaded: the kernel has no such tracepoint (logged). */
		if (*t[i].slot || !bpf_program__autoload(t[i].prog))
			continue;
		link = bpf_program__attach(t[i].prog);
		if (libbpf_get_error(link)) {
			tt_warn("cannot attach %s: rustls records will go untied",
				bpf_program__name(t[i].prog));
			continue;
		}
		*t[i].slot = link;
	}
	pthread_mutex_unlock(&lock);
}

int tt_links_attach(struct tokentap_bpf *skel, const struct tt_probe_set *set,
		    const char *path, pid_t pid, struct tt_links *out)
{
	/* Returns (and RET-instruction probes) first. */
	static const int order[TT_PROGS] = {
		TT_PROG_TLS_RETURN, TT_PROG_GO_RET, TT_PROG_AEAD_RETURN,
		TT_PROG_TLS_ENTRY, TT_PROG_GO_ENTRY, TT_PROG_AEAD_ENTRY,
		TT_PROG_LDSO,
	};
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (int p = 0; p < TT_PROGS; p++)
		out->fd[p] = -1;
	for (int k = 0; k < TT_PROGS && !err; k++)
		err = use_umulti ? attach_umulti(skel, set, path, pid, order[k], out)
				 : attach_perf(skel, set, path, pid, order[k], out);
	if (err)
		tt_links_detach(out);
	else
		want_socket_ties(skel, set);
	return err;
}
