// SPDX-License-Identifier: MIT
/*
 * Safe paths (safefile.h). A path is walked from "/" one component at a
 * time with O_NOFOLLOW, as the kernel would resolve it, but checking each
 * step: every directory's owner and mode, and every symbolic link's owner
 * and the directory it sits in, before following it. A link is followed by
 * splicing its target into what is left of the path, so a link inside a
 * link's target is checked too. The result is a directory fd: whatever the
 * path names later, the agent keeps writing into what it checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/log.h"
#include "agent/safefile.h"

#define WALK_CREATE 1    /* make missing directories 0750 */
#define WALK_STICKY_OK 2 /* the last directory may be sticky and shared */
#define WALK_FILE 4      /* the last component is a file, not a directory */
#define LINKS_MAX 40     /* as the kernel's MAXSYMLINKS */

struct walk {
	char rest[PATH_MAX * 2]; /* components still to walk */
	char shown[PATH_MAX];    /* the real path so far, for messages */
	int fd;                  /* the directory reached so far */
	struct stat file;        /* WALK_FILE: the file's own stat */
	char *why;
	size_t whylen;
};

__attribute__((format(printf, 3, 4)))
static int refuse(struct walk *w, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, w->whylen, fmt, ap);
	va_end(ap);
	return err;
}

static int owner_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static int others_write(const struct stat *st)
{
	return (st->st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

/* A directory on the path: owned by root or us, written by nobody else
 * (a sticky one such as /tmp only above the last directory, or last with
 * WALK_STICKY_OK: nobody else can rename what we own inside it). */
static int check_dir(struct walk *w, const struct stat *st, int last,
		     int flags)
{
	int sticky_ok = !last || (flags & WALK_STICKY_OK);

	if (!owner_ok(st->st_uid))
		return refuse(w, -EPERM, "%s: owned by uid %u, not root or this "
			      "user (uid %u)", w->shown, (unsigned)st->st_uid,
			      (unsigned)geteuid());
	if (others_write(st) && !(sticky_ok && (st->st_mode & S_ISVTX)))
		return refuse(w, -EPERM, "%s: writable by others than its owner "
			      "(mode %04o)", w->shown,
			      (unsigned)(st->st_mode & 07777));
	return 0;
}

static void shown_push(struct walk *w, const char *name)
{
	size_t n = strlen(w->shown);

	snprintf(w->shown + n, sizeof(w->shown) - n, "%s%s",
		 n && w->shown[n - 1] == '/' ? "" : "/", name);
}

static void shown_pop(struct walk *w)
{
	char *slash = strrchr(w->shown, '/');

	if (slash && slash != w->shown)
		*slash = '\0';
	else
		snprintf(w->shown, sizeof(w->shown), "/");
}

/* Moves into the directory name (".." included) of the current one. */
static int enter(struct walk *w, const char *name, int last, int flags)
{
	struct stat st;
	int fd = openat(w->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				     O_CLOEXEC);

	if (fd < 0)
		return refuse(w, -errno, "%s/%s: %s", w->shown, name,
			      strerror(errno));
	close(w->fd);
	w->fd = fd;
	if (!strcmp(name, ".."))
		shown_pop(w);
	else
		shown_push(w, name);
	if (fstat(fd, &st))
		return refuse(w, -errno, "%s: %s", w->shown, strerror(errno));
	return check_dir(w, &st, last, flags);
}

/* A symbolic link in the current directory: followed only when only root
 * or we could have made it point anywhere. Its target replaces it in rest
 * (tail: what came after it). */
static int follow(struct walk *w, const char *name, const struct stat *lst,
		  const char *tail, int *links)
{
	char target[PATH_MAX], next[sizeof(w->rest)];
	struct stat dir;
	ssize_t n;

	if (++*links > LINKS_MAX)
		return refuse(w, -ELOOP, "%s/%s: too many symbolic links",
			      w->shown, name);
	if (!owner_ok(lst->st_uid))
		return refuse(w, -EPERM, "%s/%s: a symbolic link owned by uid %u, "
			      "not root or this user", w->shown, name,
			      (unsigned)lst->st_uid);
	if (fstat(w->fd, &dir))
		return refuse(w, -errno, "%s: %s", w->shown, strerror(errno));
	if (others_write(&dir))
		return refuse(w, -EPERM, "%s/%s: a symbolic link in a directory "
			      "others can write (mode %04o)", w->shown, name,
			      (unsigned)(dir.st_mode & 07777));
	n = readlinkat(w->fd, name, target, sizeof(target) - 1);
	if (n < 0)
		return refuse(w, -errno, "%s/%s: %s", w->shown, name,
			      strerror(errno));
	target[n] = '\0';
	if ((size_t)snprintf(next, sizeof(next), "%s/%s", target, tail) >=
	    sizeof(next))
		return refuse(w, -ENAMETOOLONG, "%s/%s: path too long",
			      w->shown, name);
	memcpy(w->rest, next, sizeof(next));
	if (target[0] == '/') { /* an absolute target starts over at / */
		int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return refuse(w, -errno, "/: %s", strerror(errno));
		close(w->fd);
		w->fd = fd;
		snprintf(w->shown, sizeof(w->shown), "/");
	}
	return 0;
}

/* The next component of w->rest into name: 1, 0 when none is left, or
 * -ENAMETOOLONG. */
static int next_component(struct walk *w, char *name, size_t cap)
{
	const char *p = w->rest + strspn(w->rest, "/");
	size_t n = strcspn(p, "/");

	if (!n)
		return 0;
	if (n >= cap)
		return refuse(w, -ENAMETOOLONG, "%s: a name in the path is too "
			      "long", w->shown);
	memcpy(name, p, n);
	name[n] = '\0';
	memmove(w->rest, p + n, strlen(p + n) + 1);
	return 1;
}

static int is_last(const struct walk *w)
{
	return !w->rest[strspn(w->rest, "/.")] &&
	       !strstr(w->rest, ".."); /* only "/" and "." left */
}

/* One component: a directory to enter, a link to follow, a directory to
 * make, or (WALK_FILE, last) the file to check. */
static int step(struct walk *w, const char *name, int flags, int *links)
{
	char tail[sizeof(w->rest)];
	int last = is_last(w);
	struct stat st;

	if (fstatat(w->fd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno != ENOENT || !(flags & WALK_CREATE) ||
		    (last && (flags & WALK_FILE)))
			return refuse(w, -errno, "%s/%s: %s", w->shown, name,
				      strerror(errno));
		if (mkdirat(w->fd, name, 0750) && errno != EEXIST)
			return refuse(w, -errno, "%s/%s: cannot create: %s",
				      w->shown, name, strerror(errno));
		if (fstatat(w->fd, name, &st, AT_SYMLINK_NOFOLLOW))
			return refuse(w, -errno, "%s/%s: %s", w->shown, name,
				      strerror(errno));
	}
	if (S_ISLNK(st.st_mode)) {
		memcpy(tail, w->rest, sizeof(tail));
		return follow(w, name, &st, tail, links);
	}
	if (last && (flags & WALK_FILE)) {
		w->file = st;
		shown_push(w, name);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return refuse(w, -ENOTDIR, "%s/%s: not a directory", w->shown,
			      name);
	return enter(w, name, last, flags);
}

/* Walks path (absolute, or relative to the working directory). Returns
 * the directory fd reached (WALK_FILE: the file's directory) or a
 * negative errno with why filled. */
static int walk(struct walk *w, const char *path, int flags)
{
	char name[NAME_MAX + 1];
	struct stat st;
	int links = 0, ret;

	if (!path[0])
		return refuse(w, -EINVAL, "empty path");
	if (path[0] == '/') {
		snprintf(w->rest, sizeof(w->rest), "%s", path);
	} else {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return refuse(w, -errno, "%s: %s", path, strerror(errno));
		if ((size_t)snprintf(w->rest, sizeof(w->rest), "%s/%s", cwd,
				     path) >= sizeof(w->rest))
			return refuse(w, -ENAMETOOLONG, "%s: path too long", path);
	}
	snprintf(w->shown, sizeof(w->shown), "/");
	w->fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->fd < 0)
		return refuse(w, -errno, "/: %s", strerror(errno));
	ret = fstat(w->fd, &st) ? -errno : check_dir(w, &st, is_last(w), flags);
	while (!ret && (ret = next_component(w, name, sizeof(name))) > 0)
		ret = strcmp(name, ".") ? step(w, name, flags, &links) : 0;
	if (!ret && (flags & WALK_FILE) && !w->file.st_mode)
		ret = refuse(w, -EISDIR, "%s: not a file", path);
	if (ret) {
		close(w->fd);
		return ret;
	}
	return w->fd;
}

/* A walk's state is large (two paths): on the heap. */
static struct walk *walk_new(const char *path, char *why, size_t whylen)
{
	struct walk *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(why, whylen, "%s: out of memory", path);
		return NULL;
	}
	w->why = why;
	w->whylen = whylen;
	return w;
}

int tt_safe_opendir(const char *dir, int create, char *why, size_t whylen)
{
	struct walk *w = walk_new(dir, why, whylen);
	int ret;

	if (!w)
		return -ENOMEM;
	ret = walk(w, dir, create ? WALK_CREATE : 0);
	free(w);
	return ret;
}

int tt_safe_check_trusted(const char *path, char *why, size_t whylen)
{
	struct walk *w = walk_new(path, why, whylen);
	int ret;

	if (!w)
		return -ENOMEM;
	ret = walk(w, path, WALK_FILE | WALK_STICKY_OK);
	if (ret >= 0) {
		close(ret);
		ret = 0;
		if (!owner_ok(w->file.st_uid))
			ret = refuse(w, 1, "%s: owned by uid %u, not root or this "
				     "user", w->shown, (unsigned)w->file.st_uid);
		else if (others_write(&w->file))
			ret = refuse(w, 1, "%s: writable by others than its owner "
				     "(mode %04o)", w->shown,
				     (unsigned)(w->file.st_mode & 07777));
	} else if (ret == -EPERM) {
		ret = 1; /* a rule broken on the way: a warning for a read */
	}
	free(w);
	return ret;
}

/* What makes an existing file unfit for the agent's writes, or NULL. */
static const char *file_problem(const struct stat *st, char *buf, size_t cap)
{
	if (S_ISLNK(st->st_mode))
		return "a symbolic link";
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (!owner_ok(st->st_uid)) {
		snprintf(buf, cap, "owned by uid %u, not root or this user (uid %u)",
			 (unsigned)st->st_uid, (unsigned)geteuid());
		return buf;
	}
	if (st->st_nlink > 1) {
		snprintf(buf, cap, "has %lu hard links",
			 (unsigned long)st->st_nlink);
		return buf;
	}
	return NULL;
}

int tt_safe_openat(int dirfd, const char *dir, const char *name, int flags,
		   mode_t mode, char *why, size_t whylen)
{
	char buf[96];
	const char *bad;
	struct stat st;
	int fd, fl;

	/* Looked at before opening: O_TRUNC must not touch another's file
	 * and a FIFO must not block the open. */
	if (!fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	    (bad = file_problem(&st, buf, sizeof(buf)))) {
		snprintf(why, whylen, "%s/%s: %s", dir, name, bad);
		return -EPERM;
	}
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
				 O_CLOEXEC | flags, mode);
	if (fd < 0) {
		int err = errno;

		snprintf(why, whylen, "%s/%s: %s", dir, name,
			 err == ELOOP ? "a symbolic link" : strerror(err));
		return err == ELOOP ? -EPERM : -err;
	}
	/* The same questions of what was opened: nothing can swap it now. */
	if (fstat(fd, &st) || (bad = file_problem(&st, buf, sizeof(buf)))) {
		snprintf(why, whylen, "%s/%s: %s", dir, name,
			 bad ? bad : strerror(errno));
		close(fd);
		return -EPERM;
	}
	if (others_write(&st)) {
		tt_warn("%s/%s: was writable by others (mode %04o): made %04o",
			dir, name, (unsigned)(st.st_mode & 07777),
			(unsigned)(st.st_mode & 07755));
		if (fchmod(fd, st.st_mode & 07755)) {
			snprintf(why, whylen, "%s/%s: writable by others and "
				 "cannot be changed: %s", dir, name,
				 strerror(errno));
			close(fd);
			return -EPERM;
		}
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK)) {
		snprintf(why, whylen, "%s/%s: %s", dir, name, strerror(errno));
		close(fd);
		return -EIO;
	}
	return fd;
}

int tt_safe_split(const char *path, char *dir, size_t dirlen, char *name,
		  size_t namelen)
{
	const char *slash = strrchr(path, '/');
	size_t dn = slash ? (size_t)(slash - path) : 0;
	const char *base = slash ? slash + 1 : path;

	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return -EINVAL;
	if (strlen(base) >= namelen || dn + 2 > dirlen)
		return -ENAMETOOLONG;
	if (!slash)
		snprintf(dir, dirlen, ".");
	else if (!dn)
		snprintf(dir, dirlen, "/");
	else
		snprintf(dir, dirlen, "%.*s", (int)dn, path);
	snprintf(name, namelen, "%s", base);
	return 0;
}
