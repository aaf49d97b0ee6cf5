/* SPDX-License-Identifier: MIT */
/*
 * API key fingerprints: the key never leaves the decoder. It is reduced to
 * an id for exact joins ("k_" + the first 16 hex digits of its SHA-256)
 * and a hint a person recognizes: the provider's well-known prefix and
 * only the last four characters ("sk-proj-...abcd", "AIza...wxyz",
 * "...wxyz"). A key whose secret part (after the prefix) is shorter than
 * 12 characters, or that holds bytes other than printable ASCII, gets no
 * hint: four characters would be a large part of it.
 *
 * Not every credential is a key that stays the same from call to call,
 * so each fingerprint says what it was taken from (source):
 *   "api_key"           a static key: x-api-key, api-key (Azure),
 *                       x-goog-api-key or ?key= (Gemini), Bearer sk-...;
 *   "aws_access_key_id" the access key id of a SigV4 signature
 *                       (Credential=AKIA.../ASIA...), not the signature,
 *                       which changes on every request; ASIA ids are
 *                       temporary (STS) and change with the session;
 *   "gcp_project"       Vertex AI with an OAuth token: the token rotates
 *                       hourly, so the project in the URL is the stable
 *                       fact, fingerprinted instead (hint: the project);
 *   "bearer_token"      another Bearer token (OAuth, Entra ID JWT): it
 *                       may rotate, and its fingerprint with it.
 */
#ifndef TT_KEYFP_H
#define TT_KEYFP_H

#include <stddef.h>

struct tt_keyfp {
	char id[20];     /* "k_" + 16 lowercase hex, or "" */
	char hint[48];   /* "" when not safe to show */
	char source[20]; /* what id was taken from (above), "" with no id */
};

#define TT_KEYFP_PROJECT_MAX 64 /* GCP project ids are 6 to 30 characters */

/*
 * value: an Authorization header value ("Bearer sk-...", scheme matched
 * case-insensitively) or a raw x-api-key / api-key / x-goog-api-key value;
 * surrounding whitespace is ignored. Returns 0, -ENOENT when the value
 * holds no key (*out is then empty), or -EIO if hashing failed.
 */
int tt_keyfp_from_header(const char *value, size_t len, struct tt_keyfp *out);

/* The "key" parameter of a request target's query string (Gemini's
 * legacy ?key=, URL-escapes left as sent). 0, -ENOENT or -EIO. */
int tt_keyfp_from_query(const char *target, size_t len, struct tt_keyfp *out);

/* For a Vertex AI host ("aiplatform.googleapis.com",
 * "<region>-aiplatform.googleapis.com", "aiplatform.<geo>.rep...") and
 * a target ".../projects/<project>/...": the project's fingerprint
 * (source "gcp_project"). 0, -ENOENT (not Vertex, no project) or -EIO. */
int tt_keyfp_gcp_project(const char *host, const char *target, size_t len,
			 struct tt_keyfp *out);

#endif
