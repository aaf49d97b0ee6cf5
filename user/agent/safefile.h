/* SPDX-License-Identifier: MIT */
/*
 * Opening the files the agent writes (the ledger and its rotated files,
 * the OTLP spool, the ready file) so that no other local user can redirect,
 * pre-create or read them, and checking the files it trusts (the config and
 * the price table). The rules are docs/security.md's "Files the agent
 * writes and trusts":
 *
 *  - a directory the agent writes into, and every directory above it, is
 *    owned by root or the agent's user and writable by nobody else; an
 *    ancestor with the sticky bit (/tmp) is allowed, the directory itself
 *    never;
 *  - a symbolic link on the way there is owned by root or the agent's user
 *    and sits in a directory nobody else can write;
 *  - a file is opened relative to that directory with O_NOFOLLOW: a
 *    symbolic link, anything but a regular file, a file owned by another
 *    user or with other hard links is refused.
 *
 * Refusals name the path and the reason; the caller exits before loading
 * BPF. Every function here may log (it is an adapter, not a core).
 */
#ifndef TT_SAFEFILE_H
#define TT_SAFEFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Opens dir (creating missing directories 0750 when create) as a
 * directory the agent may write into. Returns an O_DIRECTORY fd, or a
 * negative errno with the reason in why ("/tmp/x: writable by others
 * (mode 1777)"): -EPERM a rule is broken, else the system's error. */
int tt_safe_opendir(const char *dir, int create, char *why, size_t whylen);

/* Opens name inside dirfd (from tt_safe_opendir; dir is its path, for
 * messages) write-only with flags added (O_APPEND, O_TRUNC, O_EXCL),
 * creating it with mode. Refused (-EPERM, why filled): a symbolic link,
 * not a regular file, owned by another user, other hard links. A file of
 * this user writable by group or others has those bits removed (logged).
 * Returns the fd or a negative errno. */
int tt_safe_openat(int dirfd, const char *dir, const char *name, int flags,
		   mode_t mode, char *why, size_t whylen);

/* Splits path into its directory (dir, "." when none) and file name
 * (name): 0, or -ENAMETOOLONG, -EINVAL (no file name). */
int tt_safe_split(const char *path, char *dir, size_t dirlen, char *name,
		  size_t namelen);

/* A file the agent reads and trusts (config, price table): 0 when only
 * root or this user can change it, 1 with why when someone else could
 * (the file, or a directory or link on its path, writable by or owned by
 * another user), or a negative errno when it cannot be checked. */
int tt_safe_check_trusted(const char *path, char *why, size_t whylen);

#endif
