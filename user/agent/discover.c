// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/proctcp.h"
#include "agent/discover.h"

#define NETNS_MAX 4096
#define LISTEN_MAX 4096

struct scan {
	uint64_t netns[NETNS_MAX];    /* namespaces read already */
	size_t nnetns;
	uint64_t *inodes;             /* outbound sockets, sorted at the end */
	size_t ninodes;
	uint16_t listen[LISTEN_MAX];  /* of the namespace being read */
	size_t nlisten;
	/* Established sockets of the namespace being read, before the
	 * listeners are known. */
	struct { uint64_t inode; uint16_t port; } *est;
	size_t nest;
};

static int on_tcp(const struct tt_tcp_entry *e, void *ctx)
{
	struct scan *s = ctx;

	if (e->state == TT_TCP_LISTEN && s->nlisten < LISTEN_MAX)
		s->listen[s->nlisten++] = e->local_port;
	else if (e->state == TT_TCP_ESTABLISHED && e->inode &&
		 s->nest < TT_DISCOVER_SOCKETS_MAX) {
		s->est[s->nest].inode = e->inode;
		s->est[s->nest].port = e->local_port;
		s->nest++;
	}
	return 0;
}

static void read_table(struct scan *s, const char *pid, const char *name, int v6)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/net/%s", pid, name);
	f = fopen(path, "re");
	if (!f)
		return;
	tt_proctcp_each(f, v6, on_tcp, s);
	fclose(f);
}

/* The outbound sockets of pid's network namespace, once per namespace. */
static void read_netns(struct scan *s, const char *pid)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/net", pid);
	if (stat(path, &st))
		return;
	for (size_t i = 0; i < s->nnetns; i++)
		if (s->netns[i] == (uint64_t)st.st_ino)
			return;
	if (s->nnetns == NETNS_MAX)
		return;
	s->netns[s->nnetns++] = (uint64_t)st.st_ino;
	s->nlisten = s->nest = 0;
	read_table(s, pid, "tcp", 0);
	read_table(s, pid, "tcp6", 1);
	/* A connection to a listener of the namespace was accepted there:
	 * its local port is the listener's. */
	for (size_t i = 0; i < s->nest; i++) {
		size_t k;

		for (k = 0; k < s->nlisten && s->listen[k] != s->est[i].port; k++)
			;
		if (k == s->nlisten && s->ninodes < TT_DISCOVER_SOCKETS_MAX)
			s->inodes[s->ninodes++] = s->est[i].inode;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* 1 when one of pid's descriptors is an outbound socket. */
static int holds_outbound(const struct scan *s, const char *pid)
{
	char path[300], link[64];
	struct dirent *de;
	int found = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		char fdpath[600];
		unsigned long long ino;
		ssize_t n;

		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, de->d_name);
		n = readlink(fdpath, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%llu]", &ino) == 1) {
			uint64_t key = ino;

			found = bsearch(&key, s->inodes, s->ninodes, sizeof(key),
					cmp_u64) != NULL;
		}
	}
	closedir(d);
	return found;
}

int tt_discover_outbound(void (*cb)(void *ctx, uint32_t pid), void *ctx)
{
	struct scan *s = calloc(1, sizeof(*s));
	char self[16];
	struct dirent *de;
	DIR *d = NULL;
	int n = 0;

	if (!s)
		return -ENOMEM;
	s->inodes = calloc(TT_DISCOVER_SOCKETS_MAX, sizeof(*s->inodes));
	s->est = calloc(TT_DISCOVER_SOCKETS_MAX, sizeof(*s->est));
	if (!s->inodes || !s->est || !(d = opendir("/proc"))) {
		n = -ENOMEM;
		goto out;
	}
	snprintf(self, sizeof(self), "%d", (int)getpid());
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			read_netns(s, de->d_name);
	qsort(s->inodes, s->ninodes, sizeof(*s->inodes), cmp_u64);
	rewinddir(d);
	while (s->ninodes && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]) || !strcmp(de->d_name, self))
			continue;
		if (holds_outbound(s, de->d_name)) {
			cb(ctx, (uint32_t)atoi(de->d_name));
			n++;
		}
	}
out:
	if (d)
		closedir(d);
	free(s->inodes);
	free(s->est);
	free(s);
	return n;
}
