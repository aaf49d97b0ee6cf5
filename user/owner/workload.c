// SPDX-License-Identifier: MIT
/*
 * Workload identity from cgroup v2 paths and kubelet log directory names.
 *
 * The path is read one component at a time, outermost first; each
 * component may name a systemd unit or slice, a container scope
 * ("docker-<id>.scope", "cri-containerd-<id>.scope", ...), a kubelet
 * slice ("kubepods-burstable-pod<uid_with_underscores>.slice"), or be a
 * step of a cgroupfs-driver layout ("/docker/<id>",
 * "/kubepods/burstable/pod<uid>/<id>") tracked by a small state machine.
 * Deeper components override shallower ones, so nested layouts report the
 * innermost workload.
 */
#include <errno.h>
#include <string.h>
#include "owner/workload.h"

#define ID_MIN 12 /* docker's short id: shorter hex is not an id */
#define ID_MAX 64
#define UID_LEN 36

/* What the previous cgroupfs-driver component prepared for. */
enum cgfs_state {
	CGFS_NONE,
	CGFS_DOCKER,   /* after "docker": a container id follows */
	CGFS_KUBEPODS, /* after "kubepods": a QoS level or a pod */
	CGFS_QOS,      /* after "burstable"/"besteffort": a pod */
	CGFS_POD,      /* after "pod<uid>": a container id */
};

/* Container scopes by prefix; the id follows, then ".scope" or nothing
 * (the cgroupfs drivers of CRI-O and podman drop the suffix). Conmon
 * monitors come before the prefixes they share. */
static const struct scope_kind {
	const char *prefix;
	const char *runtime; /* NULL: a monitor, not a container */
} scope_kinds[] = {
	{ "crio-conmon-", NULL },
	{ "libpod-conmon-", NULL },
	{ "docker-", TT_RUNTIME_DOCKER },
	{ "cri-containerd-", TT_RUNTIME_CONTAINERD },
	{ "crio-", TT_RUNTIME_CRIO },
	{ "libpod-", TT_RUNTIME_PODMAN },
	{ "nerdctl-", TT_RUNTIME_CONTAINERD },
};

static const char *const unit_suffixes[] = {
	".service", ".scope", ".socket", ".mount", ".swap",
};

static int is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int is_hex(char c)
{
	return is_lower_hex(c) || (c >= 'A' && c <= 'F');
}

static char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int has_prefix(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && memcmp(s, lit, l) == 0;
}

static int has_suffix(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && memcmp(s + n - l, lit, l) == 0;
}

/* Copies n bytes and a NUL when they fit; -E2BIG leaves dst untouched. */
static int set_str(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		return -E2BIG;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

static int is_container_id(const char *s, size_t n)
{
	if (n < ID_MIN || n > ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_hex(s[i]))
			return 0;
	return 1;
}

/* A UUID with `dash` between its groups ('-', or '_' as the systemd
 * driver writes pod uids into slice names). */
static int is_uid_sep(const char *s, size_t n, char dash)
{
	if (n != UID_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int at_dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (at_dash ? s[i] != dash : !is_hex(s[i]))
			return 0;
	}
	return 1;
}

int tt_workload_is_uid(const char *s, size_t len)
{
	return s && is_uid_sep(s, len, '-');
}

/* Stores a validated uid in canonical form: lower case, dashes. */
static void set_uid(char *dst, const char *s)
{
	for (size_t i = 0; i < UID_LEN; i++)
		dst[i] = (s[i] == '_') ? '-' : to_lower(s[i]);
	dst[UID_LEN] = '\0';
}

static void set_container(struct tt_workload *w, const char *runtime,
			  const char *id, size_t n)
{
	set_str(w->runtime, sizeof(w->runtime), runtime, strlen(runtime));
	set_str(w->container_id, sizeof(w->container_id), id, n);
}

/* A kubepods marker starts a new Kubernetes node scope: whatever
 * container or pod an outer level named (a kind node's own container) is
 * not the workload. */
static void enter_kubepods(struct tt_workload *w)
{
	strcpy(w->runtime, TT_RUNTIME_NONE);
	w->container_id[0] = '\0';
	w->pod_uid[0] = '\0';
	w->qos[0] = '\0';
}

static const char *qos_name(const char *s, size_t n)
{
	if (eq(s, n, "burstable"))
		return TT_QOS_BURSTABLE;
	if (eq(s, n, "besteffort"))
		return TT_QOS_BESTEFFORT;
	return NULL;
}

/*
 * A systemd-driver kubelet slice: the stem's dash-separated words contain
 * "kubepods", then optionally a QoS word, then optionally "pod<uid_>" as
 * the last word ("kubelet-kubepods-burstable-pod<uid>" under kind).
 */
static void parse_kube_slice(struct tt_workload *w, const char *stem,
			     size_t n)
{
	const char *word = stem, *end = stem + n;
	const char *qos = NULL;
	int seen = 0;

	while (word < end) {
		const char *dash = memchr(word, '-', (size_t)(end - word));
		size_t wl = (size_t)((dash ? dash : end) - word);

		if (!seen) {
			if (eq(word, wl, "kubepods")) {
				seen = 1;
				enter_kubepods(w);
			}
		} else if (!qos && !w->pod_uid[0] && qos_name(word, wl)) {
			qos = qos_name(word, wl);
			strcpy(w->qos, qos);
		} else if (!dash && !w->pod_uid[0] &&
			   has_prefix(word, wl, "pod") &&
			   is_uid_sep(word + 3, wl - 3, '_')) {
			set_uid(w->pod_uid, word + 3);
			if (!qos)
				strcpy(w->qos, TT_QOS_GUARANTEED);
		} else {
			return; /* not a kubelet slice shape: keep what we have */
		}
		if (!dash)
			break;
		word = dash + 1;
	}
}

/* Returns 1 when the component is a container or monitor scope. */
static int parse_scope(struct tt_workload *w, const char *c, size_t n)
{
	size_t body = has_suffix(c, n, ".scope") ? n - strlen(".scope") : n;

	for (size_t i = 0; i < sizeof(scope_kinds) / sizeof(scope_kinds[0]);
	     i++) {
		const struct scope_kind *k = &scope_kinds[i];
		size_t pl = strlen(k->prefix);

		if (!has_prefix(c, body, k->prefix) ||
		    !is_container_id(c + pl, body - pl))
			continue;
		if (k->runtime)
			set_container(w, k->runtime, c + pl, body - pl);
		return 1;
	}
	return 0;
}

static void parse_systemd(struct tt_workload *w, const char *c, size_t n)
{
	if (has_suffix(c, n, ".slice")) {
		if (set_str(w->slice, sizeof(w->slice), c, n))
			w->too_long++;
		parse_kube_slice(w, c, n - strlen(".slice"));
		return;
	}
	for (size_t i = 0;
	     i < sizeof(unit_suffixes) / sizeof(unit_suffixes[0]); i++) {
		/* A bare ".service" is no unit name. */
		if (n > strlen(unit_suffixes[i]) &&
		    has_suffix(c, n, unit_suffixes[i])) {
			if (set_str(w->unit, sizeof(w->unit), c, n))
				w->too_long++;
			return;
		}
	}
}

/* One step of the cgroupfs-driver layouts; returns the next state. */
static enum cgfs_state parse_cgroupfs(struct tt_workload *w,
				      enum cgfs_state st, const char *c,
				      size_t n)
{
	if (eq(c, n, "docker"))
		return CGFS_DOCKER;
	if (eq(c, n, "kubepods")) {
		enter_kubepods(w);
		return CGFS_KUBEPODS;
	}
	if (st == CGFS_KUBEPODS && qos_name(c, n)) {
		strcpy(w->qos, qos_name(c, n));
		return CGFS_QOS;
	}
	if ((st == CGFS_KUBEPODS || st == CGFS_QOS) &&
	    has_prefix(c, n, "pod") && is_uid_sep(c + 3, n - 3, '-')) {
		set_uid(w->pod_uid, c + 3);
		if (st == CGFS_KUBEPODS)
			strcpy(w->qos, TT_QOS_GUARANTEED);
		return CGFS_POD;
	}
	if ((st == CGFS_DOCKER || st == CGFS_POD) && is_container_id(c, n))
		set_container(w, st == CGFS_DOCKER ? TT_RUNTIME_DOCKER
						   : TT_RUNTIME_CRI,
			      c, n);
	return CGFS_NONE;
}

int tt_workload_from_cgroup(const char *path, size_t len,
			    struct tt_workload *out)
{
	enum cgfs_state st = CGFS_NONE;
	size_t i = 0;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	strcpy(out->runtime, TT_RUNTIME_NONE);
	if (!path || len == 0 || len > TT_WORKLOAD_PATH_MAX || path[0] != '/')
		return -EINVAL;
	for (size_t j = 0; j < len; j++) {
		unsigned char b = (unsigned char)path[j];

		if (b < 0x20 || b == 0x7f)
			return -EINVAL;
	}
	while (i < len) {
		const char *c;
		size_t n;

		while (i < len && path[i] == '/')
			i++;
		c = path + i;
		while (i < len && path[i] != '/')
			i++;
		n = (size_t)(path + i - c);
		if (n == 0)
			break;
		/* "/.." leads paths outside the reader's cgroup namespace. */
		if (eq(c, n, ".") || eq(c, n, "..")) {
			st = CGFS_NONE;
			continue;
		}
		parse_systemd(out, c, n);
		if (parse_scope(out, c, n)) {
			st = CGFS_NONE;
			continue;
		}
		st = parse_cgroupfs(out, st, c, n);
	}
	return 0;
}

/* Measures the line at p (without its newline) into *n; returns the
 * start of the next one. */
static const char *next_line(const char *p, const char *end, size_t *n)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	*n = (size_t)((nl ? nl : end) - p);
	return nl ? nl + 1 : end;
}

/* The start of a parser of /proc text into out: out emptied first.
 * -EINVAL without an out buffer, -ENOENT without text, else 0. */
static int text_to_out(const char *text, char *out, size_t outlen)
{
	if (!out || outlen == 0)
		return -EINVAL;
	out[0] = '\0';
	return text ? 0 : -ENOENT;
}

int tt_workload_proc_cgroup(const char *text, size_t len, char *out,
			    size_t outlen)
{
	const char *p = text, *end = text + len;
	static const char deleted[] = " (deleted)";
	int err = text_to_out(text, out, outlen);

	if (err)
		return err;
	while (p < end) {
		const char *line = p;
		size_t n;

		p = next_line(p, end, &n);
		/* Only "0::<path>": hierarchy 0, no controllers. */
		if (n < 3 || memcmp(line, "0::", 3) != 0)
			continue;
		line += 3;
		n -= 3;
		if (has_suffix(line, n, deleted))
			n -= strlen(deleted);
		if (n == 0 || line[0] != '/' || memchr(line, '\0', n))
			return -EINVAL;
		return set_str(out, outlen, line, n);
	}
	return -ENOENT;
}

static int is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Decodes a mountinfo field ("\040" escapes) into out; -E2BIG. */
static int decode_field(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' && i + 3 < n && is_octal(s[i + 1]) &&
		    is_octal(s[i + 2]) && is_octal(s[i + 3])) {
			c = (char)(((s[i + 1] - '0') << 6) |
				   ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= outlen)
			return -E2BIG;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* Splits a mountinfo line and returns the mount point and fstype; 0 or
 * -EINVAL. Fields: id parent maj:min root mountpoint opts [optional...]
 * - fstype source superopts. */
static int mountinfo_fields(const char *line, size_t n, const char **mp,
			    size_t *mpn, const char **fs, size_t *fsn)
{
	const char *p = line, *end = line + n;
	int field = 0, after_dash = 0;

	*mp = *fs = NULL;
	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		size_t wl = (size_t)((sp ? sp : end) - p);

		if (field == 4) {
			*mp = p;
			*mpn = wl;
		} else if (field > 5 && !after_dash && eq(p, wl, "-")) {
			after_dash = 1;
		} else if (after_dash == 1) {
			*fs = p;
			*fsn = wl;
			return *mp ? 0 : -EINVAL;
		}
		field++;
		p = sp ? sp + 1 : end;
	}
	return -EINVAL;
}

int tt_workload_cgroup2_mount(const char *text, size_t len, char *out,
			      size_t outlen)
{
	const char *p = text, *end = text + len;
	int best = 0, ret = text_to_out(text, out, outlen);
	char cand[TT_WORKLOAD_PATH_MAX + 1];

	if (ret)
		return ret;
	ret = -ENOENT;
	while (p < end) {
		const char *line = p, *mp, *fs;
		size_t n, mpn = 0, fsn = 0;
		int rank;

		p = next_line(p, end, &n);
		if (mountinfo_fields(line, n, &mp, &mpn, &fs, &fsn) ||
		    !eq(fs, fsn, "cgroup2"))
			continue;
		if (decode_field(mp, mpn, cand, sizeof(cand)))
			continue;
		rank = !strcmp(cand, "/sys/fs/cgroup")		? 3
		       : !strcmp(cand, "/sys/fs/cgroup/unified") ? 2
								   : 1;
		if (rank <= best)
			continue;
		best = rank;
		ret = set_str(out, outlen, cand, strlen(cand));
		if (ret)
			out[0] = '\0';
	}
	return ret;
}

static int all_in(const char *s, size_t n, const char *extra)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c && strchr(extra, c))))
			return 0;
	}
	return 1;
}

int tt_workload_pod_logdir(const char *name, size_t len,
			   struct tt_pod_ref *out)
{
	const char *us;
	size_t nsl, podl;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	/* "a_b_" + uid at the least. */
	if (!name || len < 4 + UID_LEN || name[len - UID_LEN - 1] != '_' ||
	    !is_uid_sep(name + len - UID_LEN, UID_LEN, '-'))
		return -EINVAL;
	us = memchr(name, '_', len - UID_LEN - 1);
	if (!us)
		return -EINVAL;
	nsl = (size_t)(us - name);
	podl = len - UID_LEN - 1 - nsl - 1;
	/* Namespaces are DNS labels, pod names DNS subdomains. */
	if (nsl == 0 || podl == 0 || !all_in(name, nsl, "-") ||
	    !all_in(us + 1, podl, "-.") ||
	    set_str(out->ns, sizeof(out->ns), name, nsl) ||
	    set_str(out->name, sizeof(out->name), us + 1, podl)) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	set_uid(out->uid, name + len - UID_LEN);
	return 0;
}
