// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <openssl/evp.h>
#include "util/sha256.h"

int tt_sha256_hex(const char *pre, const void *data, size_t len,
		  char out[TT_SHA256_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
		 EVP_DigestUpdate(ctx, pre, strlen(pre)) &&
		 EVP_DigestUpdate(ctx, data, len) &&
		 EVP_DigestFinal_ex(ctx, md, &n) && n == 32;

	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -EIO;
	for (unsigned int i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}
