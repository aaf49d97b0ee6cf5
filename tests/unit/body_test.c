// SPDX-License-Identifier: MIT
/*
 * Tests for user/body/decode.c: Content-Encoding decoders with a cap.
 *
 * gzip and deflate inputs are made here with zlib. br and zstd inputs are
 * embedded below (this test links no br/zstd encoder), made by:
 *
 * /usr/bin/python3 - <<'PY'
 * import brotli, zstandard as z
 * JSON = b'{"id":"chatcmpl-9","object":"chat.completion","usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}}'
 * def mixed(n=1 << 20):  # the same bytes as mixed() below
 *     x, r = 0x12345678, bytearray()
 *     for _ in range(256):
 *         x ^= (x << 13) & 0xffffffff; x ^= x >> 17; x ^= (x << 5) & 0xffffffff
 *         r.append(x >> 24)
 *     out, i = bytearray(), 0
 *     while len(out) < n:
 *         j = i % 64
 *         if i % 4 == 0: out += b'{"id":%d,"model":"gpt-4o","tokens":%d}\n' % (j, j * 37 % 1000)
 *         elif i % 4 == 1: o = j * 131 % 128; out += r[o:o + 128]
 *         elif i % 4 == 2: out += bytes(j + 16)
 *         else: out += bytes(range(256))
 *         i += 1
 *     return bytes(out[:n])
 * zc = z.ZstdCompressor(level=19, write_checksum=True)
 * arrays = [("br_empty", brotli.compress(b"")), ("br_json", brotli.compress(JSON)),
 *     ("br_mixed", brotli.compress(mixed())),
 *     ("br_bomb", brotli.compress(bytes(64 << 20), lgwin=24)),
 *     ("zstd_empty", zc.compress(b"")), ("zstd_json", zc.compress(JSON)),
 *     ("zstd_mixed", zc.compress(mixed()))]
 * for name, data in arrays:
 *     print("static const uint8_t %s[] = /" "* %d bytes *" "/" % (name, len(data)))
 *     for k in range(0, len(data), 22):
 *         print('\t"' + "".join("\\x%02x" % b for b in data[k:k + 22]) + '"' + (";" if k + 22 >= len(data) else ""))
 * PY
 *
 * The zstd bomb (64 MiB of zeros as 512 RLE blocks) and the zstd frames
 * with chosen windows are built by zstd_frame() from RFC 8878 instead:
 * 2 KiB of RLE blocks would be most of this file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include "body/decode.h"
#include "tt_test.h"

#define ALEN(a) (sizeof(a) - 1) /* string-literal arrays: drop the NUL */

static const uint8_t br_empty[] = /* 1 bytes */
	"\x3b";
static const uint8_t br_json[] = /* 82 bytes */
	"\x1b\x73\x00\x50\x04\x9e\x76\xfe\xb4\xbf\xf9\x0c\x90\x72\xdb\x22\x31\x50\x94\xfe\xb7\x89"
	"\x4e\x0e\xf4\x80\xfe\x7d\x9f\x1f\xb3\xc0\x02\x0b\x31\x83\x1c\xe3\x1a\x16\xdc\x06\x7b\x5d"
	"\xe1\xd7\x65\x34\x94\xda\xcb\xa9\x6b\x4f\x93\x10\x1a\xd2\x75\x44\x28\x84\xca\x40\x2f\xfb"
	"\x63\x4e\xde\xb8\x7e\xd4\x3a\xc1\x18\xf0\x81\x69\xa3\x43\x7c\x0f";
static const uint8_t br_mixed[] = /* 761 bytes */
	"\x5b\xff\xff\x0f\xea\x62\xc0\x71\x65\xba\x8a\xa8\xb2\xc2\xf9\x10\xd9\x7c\xbb\xe3\xb4\x3e"
	"\x47\xa8\xe4\x03\x70\x5b\x4d\x0a\x09\x1c\xd9\x66\xcf\x1f\x0e\x2c\xf0\x39\xee\xde\xdb\x6d"
	"\xb3\xb2\x80\xbe\x72\xa8\x4d\x5c\xee\x6d\xcd\x4a\xe3\x29\x1c\xbd\x47\x61\x40\xcf\xcd\xf1"
	"\xad\xf1\x8d\xbd\xac\x8b\x16\x06\x5a\x60\xf3\xe1\x21\x49\xa0\x11\x45\x1a\x52\x81\x8e\xe6"
	"\x83\x21\x9e\x76\xbe\x65\x27\x89\x8e\xc2\xe0\x22\x34\xd7\x64\x93\x82\x1d\x79\xe9\xc0\x8b"
	"\x34\x0f\x4c\x93\xb9\xe4\x85\x6b\xfe\xa0\xf4\x08\x6e\x8a\x47\x11\x7c\xea\x2d\x3e\xcb\xa8"
	"\xc3\x15\x20\x70\xf7\x9d\x59\x9b\x91\xf0\xe0\x30\xdb\x79\x8c\x0f\xb3\xb7\x93\x1b\x3d\xdb"
	"\x97\x84\x6e\xf6\x7c\x2f\xd7\xa5\x7f\xf0\x80\x09\x76\x52\x44\x8f\xaf\xf2\x58\x2b\xfc\xb1"
	"\xc7\x7d\xcc\x3f\x5c\x0a\xd1\xdf\x50\x2f\x7e\x9a\x8b\x37\x72\x88\x5f\x66\x33\xb3\xec\x97"
	"\x73\x1f\xab\x4d\x4f\x31\x3a\x3c\xdb\x7c\xd0\x32\x06\x34\x8e\x11\xd3\x5e\x03\xa4\x36\xff"
	"\x8d\x81\x48\xb2\xe1\xd3\x88\x23\xce\xd3\x4b\x8c\xaf\x64\x1f\x21\x43\xb6\x30\xc2\x9f\x61"
	"\xcb\x5d\x28\x50\xdd\x11\x40\x3b\x85\xc9\xfd\xc6\x8a\x54\xcf\xd3\x08\xb2\xaf\x9c\x27\x28"
	"\xa5\x08\x22\x19\x17\x7b\xca\x0e\xd2\x4a\xa7\x26\xe3\x9b\xa8\x85\x43\x8b\xb9\x0f\x9c\xd8"
	"\x05\xcc\x2e\x52\x5d\xae\xba\x70\xf5\x27\xcc\xaf\x33\x9d\xcd\x17\xcb\xd5\x7a\xb3\xdd\xed"
	"\x0f\xc7\xd3\x19\x14\x35\x8f\xac\xbe\x5c\x6f\xf7\xc7\xf3\x25\x2c\x22\x2a\x26\x2e\x21\x29"
	"\x25\x2d\x23\x2b\x27\xaf\xa0\xa8\xa4\xac\xa2\xaa\xa6\xae\xa1\xa9\xa5\xad\xa3\xab\xa7\x6f"
	"\x60\x68\x64\x6c\x62\x6a\x66\x6e\x61\x69\x65\x6d\x63\x6b\x67\xef\xe0\xe8\xe4\xec\xe2\xea"
	"\xe6\xee\xe1\xe9\xe5\xed\xe3\xeb\xe7\x1f\x10\x18\x14\x6c\xb5\xd9\x1d\x4e\x97\xdb\xe3\xf5"
	"\xf9\x03\x42\x30\x14\x8e\x44\x63\xf1\x44\x32\x95\xce\x88\xd9\x5c\xbe\x50\x2c\x95\x2b\xd5"
	"\x5a\xbd\xd1\x6c\xb5\x3b\xdd\x5e\x7f\x30\x1c\x8d\x27\xd3\xd9\x7c\xb1\x5c\xad\x37\xdb\xdd"
	"\xfe\x70\x1c\x1e\x19\x1d\x1b\x9f\x98\x9c\x9a\x9e\x99\x9d\x9b\x5f\x58\x5c\x5a\x5e\x59\x5d"
	"\x5b\xdf\xd8\xdc\xda\xde\xd9\xdd\xdb\x3f\x38\x3c\x3a\x3e\x39\x3d\x3b\xbf\xb8\xbc\xba\xbe"
	"\xb9\xbd\xbb\x7f\x78\x7c\x4a\xb9\x58\x6d\x7d\xcc\xb5\xcf\x7d\x5f\x8d\xb5\x49\xab\x6e\x67"
	"\x25\xd3\x66\xce\x22\xdb\x61\x2b\xb1\x89\x1a\x65\xb5\x48\xed\xd8\x82\x74\xd8\x79\xc9\x25"
	"\x07\xfa\xee\xcb\x69\x83\xec\x8a\x2a\x0f\x8b\xd5\xef\x29\x25\x60\x66\x76\x68\x32\x32\x4e"
	"\x1e\xde\xf2\xd8\xc6\x5a\x60\x9a\x48\x91\x2d\x22\x1b\xf0\x16\x3b\x38\x59\xa8\x17\x05\x88"
	"\xff\x50\x3f\x75\x4e\xab\x4e\xbc\x90\x55\x01\xd2\x60\x87\x27\x7d\x41\x35\x34\xf0\x64\xcd"
	"\x77\x98\xbf\xe9\xcb\x18\x93\x35\x54\x95\x1d\xa0\x54\xba\x7f\x22\x51\x01\x7c\xdb\x49\x26"
	"\x67\x50\xb6\x5e\xa7\x31\x60\x52\x2a\x37\xc0\xc8\x84\x38\xe9\xf8\xe7\x9f\x19\x44\x9d\x55"
	"\x95\xc9\xb2\xb0\x83\x94\x01\xb0\xf5\xf7\xd5\x16\x2d\xa3\xbb\xe5\xc4\xad\xbc\x61\xd9\x80"
	"\xaa\xd8\x61\x4a\x14\xb2\xc9\x3d\x61\x7f\xc6\xb3\x04\x78\x17\x24\x72\xdc\xaa\x01\x56\xb0"
	"\x03\x95\x4a\x06\xa1\x37\x05\x2d\xfe\x23\x14\x3a\xb9\x03\xb3\x86\x90\xb2\xbc\xd1\xeb\x97"
	"\x6a\xcc\x1e\x99\x2d\x64\x86\x1d\xec\x52\x2e\xc6\xf8\xa1\xab\x2e\x68\x31\x37\xdc\xf5\x30"
	"\x38\xdb\x16\xc0\x66\xe3\x6d\x29\x03\x26\xd7\xd3\x7e\xdc\x06\xde\xd5\xc0\x14\x41\x34\xb2"
	"\xe5\x25\xd6\xb8\x15\xd0\xbf\x3b\xda\x0f\xff\x5d\x01";
static const uint8_t br_bomb[] = /* 54 bytes */
	"\xcf\xff\xff\x7f\xf8\x27\x00\xe2\xb1\x40\x20\xf7\xfe\x9f\xff\xff\xff\xf0\x4f\x00\xc4\x61"
	"\x01\x80\xee\xfd\x3f\xff\xff\xff\xe1\x9f\x00\x88\xc3\x22\x00\xdd\xfb\x7f\xfe\xff\xff\xc3"
	"\x3f\x01\x10\x87\x05\x00\xba\xf7\xff\x03";
static const uint8_t zstd_empty[] = /* 13 bytes */
	"\x28\xb5\x2f\xfd\x24\x00\x01\x00\x00\x99\xe9\xd8\x51";
static const uint8_t zstd_json[] = /* 102 bytes */
	"\x28\xb5\x2f\xfd\x24\x74\xcd\x02\x00\x12\x45\x12\x18\x80\xab\x0e\x4b\x41\xed\x50\xca\xe1"
	"\xfb\x23\x11\x44\x34\x31\x3a\x38\xb7\x46\x66\x1a\x23\x6c\x04\x73\x16\xa8\xa9\xe6\xbe\x22"
	"\xe2\x3a\x08\xe9\xf1\xad\x86\xfb\x68\xe8\xd8\x81\x97\xe9\x4b\x51\xf1\xb9\xfe\x31\xeb\xd5"
	"\xa0\xe3\x0d\x7a\x17\x83\xf0\xf5\x06\xd0\xa0\xdb\x56\xcb\x3e\x3d\x61\x97\x01\x04\x00\x6e"
	"\x39\x9d\x05\x88\xa9\x5d\xcc\x6c\xe2\x01\x7a\x75\xa5\x4f";
static const uint8_t zstd_mixed[] = /* 912 bytes */
	"\x28\xb5\x2f\xfd\xa4\x00\x00\x10\x00\x8c\x19\x00\x74\x27\x7b\x22\x69\x64\x22\x3a\x30\x2c"
	"\x22\x6d\x6f\x64\x65\x6c\x22\x3a\x22\x67\x70\x74\x2d\x34\x6f\x22\x2c\x22\x74\x6f\x6b\x65"
	"\x6e\x73\x7d\x0a\x81\x70\x29\x89\xc5\xd3\x3a\x69\x4e\xfc\x35\x8c\xf6\xcd\xee\xe7\x40\x2d"
	"\xea\x29\xcf\xf7\xf4\xac\xc1\xea\x4c\x0f\xf8\xc0\xcb\x97\x98\x84\xcf\xe5\x7a\x68\xd7\x77"
	"\x44\x2c\x1c\x34\x28\x68\x14\x96\xbe\x2d\x6f\x86\xc9\x78\xbe\x23\x6a\xfd\xaf\xbd\x0e\x90"
	"\x6a\x74\x94\x21\x86\xe5\x95\xa2\x7e\xec\x91\x7a\x8e\x96\x16\xce\xc2\x3d\x96\x6b\x4d\xe6"
	"\x4e\x28\xec\x1e\x09\x70\x84\x4c\xfe\xc4\xa0\x53\xc9\xc9\x0e\x32\xdd\x51\x9c\x3f\x48\x4f"
	"\x02\x47\x8c\x8b\xc7\x99\x80\x47\x15\xc8\xc7\x8d\xb0\x10\xce\xdf\x66\xcc\xf6\x2d\xc6\xdb"
	"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15"
	"\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a\x2b"
	"\x2c\x2d\x2e\x2f\x30\x31\x32\x33\x34\x35\x36\x37\x38\x39\x3a\x3b\x3c\x3d\x3e\x3f\x40\x41"
	"\x42\x43\x44\x45\x46\x47\x48\x49\x4a\x4b\x4c\x4d\x4e\x4f\x50\x51\x52\x53\x54\x55\x56\x57"
	"\x58\x59\x5a\x5b\x5c\x5d\x5e\x5f\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d"
	"\x6e\x6f\x70\x71\x72\x73\x74\x75\x76\x77\x78\x79\x7a\x7b\x7c\x7d\x7e\x7f\x80\x81\x82\x83"
	"\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99"
	"\x9a\x9b\x9c\x9d\x9e\x9f\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf"
	"\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7\xb8\xb9\xba\xbb\xbc\xbd\xbe\xbf\xc0\xc1\xc2\xc3\xc4\xc5"
	"\xc6\xc7\xc8\xc9\xca\xcb\xcc\xcd\xce\xcf\xd0\xd1\xd2\xd3\xd4\xd5\xd6\xd7\xd8\xd9\xda\xdb"
	"\xdc\xdd\xde\xdf\xe0\xe1\xe2\xe3\xe4\xe5\xe6\xe7\xe8\xe9\xea\xeb\xec\xed\xee\xef\xf0\xf1"
	"\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe\xff\x34\x31\x34\x38\x7d\x0a\x94\xca"
	"\xe4\x87\xb5\x09\x68\x44\xc6\xaa\x51\x2c\x38\x32\x39\x36\x7d\x0a\xd0\x6e\x2d\xb9\xe7\xc9"
	"\x5e\x99\xa6\xa4\x74\x09\x31\x32\x34\x34\x34\x7d\x0a\x87\x8c\x1f\x85\xb2\xda\xd9\x18\xce"
	"\x30\xc6\x92\x36\x35\x39\x32\x7d\x0a\x9f\x5e\x9b\x3e\x21\xe8\x08\xb7\x55\x4d\x58\xac\x32"
	"\x30\x37\x34\x30\x7d\x0a\x7b\x07\x54\x14\x05\x91\x57\xfb\x84\xb2\xd1\x5d\x34\x38\x38\x38"
	"\x7d\x0a\x50\xed\xf0\x4b\x9a\x52\x00\xc0\x91\xeb\xb7\x24\x38\x33\x36\x7d\x0a\x51\xae\x0a"
	"\x4a\x82\x70\x58\x3d\xcd\xf1\x6c\x1c\x33\x32\x31\x38\x34\x7d\x0a\x7e\x0b\xad\xed\xa9\x66"
	"\xa9\x60\xd2\x67\xc6\xeb\x36\x33\x33\x32\x7d\x0a\x12\x24\x0e\xed\x1f\xbd\x96\xeb\xa2\x01"
	"\xec\x80\x30\x34\x38\x30\x7d\x0a\x50\x66\x40\xf4\x4e\x9b\xa1\xff\x30\x6d\x12\x2c\x34\x36"
	"\x32\x38\x7d\x0a\x38\x37\x37\x36\x7d\x0a\x35\x32\x39\x32\x34\x7d\x0a\x36\x37\x32\x7d\x0a"
	"\x36\x30\x32\x32\x30\x7d\x0a\x45\xa0\x91\x29\x13\x4c\xcb\x72\xaf\x39\x70\x4e\x24\x21\x8f"
	"\xc5\x7e\xe2\x7c\x3d\xb7\x90\x8f\x6a\x60\x54\x71\x10\xd3\xd3\x09\x67\x68\x81\x9e\xea\xef"
	"\x26\x25\xff\x90\x08\x72\xa5\x1d\x62\x88\x47\x35\x2f\x11\xa1\x10\x11\x9e\x94\x84\x16\xda"
	"\x55\x9d\x9e\x15\x28\x44\x74\x27\xa5\x10\x43\xba\xaa\xa3\xa7\xfc\x64\x88\xb0\x9e\x52\x0d"
	"\x67\x28\xb7\xca\x46\x8e\xd5\xd2\x84\x8f\x30\x83\x0f\xa4\x6a\x4c\x62\x74\xd2\x0c\x67\xe8"
	"\x46\xa5\x90\x63\x73\x69\x08\x2f\x60\x5b\xdd\x1e\x1a\x91\x4f\x3b\xc4\x50\x1d\x55\x3a\xc4"
	"\x62\xd3\x08\x67\x88\x4e\x45\xd1\x31\xd8\x69\x0c\x2f\x34\xa3\x4e\x9b\xd8\x5b\x1a\xe1\x0c"
	"\xc9\x56\x41\x71\xcc\x9d\x46\xf1\xf0\x02\xf1\xea\xf4\x88\xb4\xa5\x11\x5e\x01\x6c\xe5\xea"
	"\x08\x4b\x9a\x21\xfd\x75\x83\xd5\x81\xe0\x55\x78\x80\xfe\x01\x54\x00\x00\x00\x01\x00\xfd"
	"\xff\x0c\xf5\xb9\x06\x02\x44\x00\x00\x00\x01\x00\xfd\xff\x39\x00\x02\x44\x00\x00\x00\x01"
	"\x00\xfd\xff\x39\x00\x02\x44\x00\x00\x00\x01\x00\xfd\xff\x39\x00\x02\x44\x00\x00\x00\x01"
	"\x00\xfd\xff\x39\x00\x02\x44\x00\x00\x00\x01\x00\xfd\xff\x39\x00\x02\x45\x00\x00\x00\x01"
	"\x00\xfd\xff\x39\x00\x02\xf9\x2e\x5b\xff";

static const char JSON[] =
	"{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion\",\"usage\":"
	"{\"prompt_tokens\":12,\"completion_tokens\":34,\"total_tokens\":46}}";

#define MIB (1u << 20)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

struct buf {
	uint8_t *p;
	size_t len, cap, max_piece, calls;
};

static void buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void buf_sink(void *ctx, const uint8_t *p, size_t n)
{
	struct buf *b = ctx;

	buf_put(b, p, n);
	b->calls++;
	if (n > b->max_piece)
		b->max_piece = n;
}

static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* 1 MiB of JSON lines, random bytes, zero runs and ramps (mixed() above). */
static const uint8_t *mixed(void)
{
	static uint8_t *out;
	uint8_t r[256];
	uint32_t x = 0x12345678;
	size_t len = 0;

	if (out)
		return out;
	if (!(out = malloc(MIB + 1024)))
		abort();
	for (int k = 0; k < 256; k++)
		r[k] = (uint8_t)(xorshift(&x) >> 24);
	for (unsigned i = 0, j = 0; len < MIB; i++, j = i % 64) {
		if (i % 4 == 0) {
			len += (size_t)sprintf((char *)out + len,
				"{\"id\":%u,\"model\":\"gpt-4o\",\"tokens\":%u}\n",
				j, j * 37 % 1000);
		} else if (i % 4 == 1) {
			memcpy(out + len, r + j * 131 % 128, 128);
			len += 128;
		} else if (i % 4 == 2) {
			memset(out + len, 0, j + 16);
			len += j + 16;
		} else {
			for (int b = 0; b < 256; b++)
				out[len++] = (uint8_t)b;
		}
	}
	return out;
}

/* zlib (wbits 31 gzip, 15 zlib, -15 raw) of `in` repeated `times` times. */
static void zcompress(int wbits, const void *in, size_t len, int times,
		      struct buf *out)
{
	uint8_t chunk[65536];
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY))
		abort();
	for (int t = 0; t < times; t++) {
		int last = t == times - 1, zr;

		z.next_in = (Bytef *)in;
		z.avail_in = (uInt)len;
		do {
			z.next_out = chunk;
			z.avail_out = sizeof(chunk);
			zr = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
			buf_put(out, chunk, sizeof(chunk) - z.avail_out);
		} while (z.avail_out == 0 || (last && zr != Z_STREAM_END));
	}
	deflateEnd(&z);
}

/* A zstd frame (RFC 8878 3.1.1) without content size or checksum:
 * window descriptor `wd`, then `nrle` RLE blocks of 128 KiB zeros, or one
 * raw block of `raw` when nrle is 0. */
static void zstd_frame(uint8_t wd, int nrle, const char *raw, struct buf *out)
{
	uint8_t head[6] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00, wd };
	int nblocks = nrle ? nrle : 1;

	buf_put(out, head, sizeof(head));
	for (int i = 0; i < nblocks; i++) {
		uint32_t size = nrle ? 131072 : (uint32_t)strlen(raw);
		uint32_t bh = size << 3 | (nrle ? 2u : 0u) | (i == nblocks - 1);
		uint8_t b[3] = { (uint8_t)bh, (uint8_t)(bh >> 8),
				 (uint8_t)(bh >> 16) };

		buf_put(out, b, 3);
		buf_put(out, nrle ? "" : raw, nrle ? 1 : size);
	}
}

/* Counts live and peak bytes; fails allocation number fail_at (0-based). */
struct counting_alloc {
	size_t live, peak;
	long count, fail_at;
};

static void *ca_alloc(void *opaque, size_t n)
{
	struct counting_alloc *ca = opaque;
	size_t *p;

	if (ca->count++ == ca->fail_at || !(p = malloc(n + 16)))
		return NULL;
	*p = n;
	ca->live += n;
	if (ca->live > ca->peak)
		ca->peak = ca->live;
	return (uint8_t *)p + 16;
}

static void ca_free(void *opaque, void *p)
{
	struct counting_alloc *ca = opaque;
	size_t *h = (size_t *)((uint8_t *)p - 16);

	ca->live -= *h;
	free(h);
}

enum split { SPLIT_AT, BYTES, RANDOM };

struct run {
	int feed_ret, finish_ret;
	struct buf out;
	struct tt_body_dec_stats st;
	size_t peak;
};

/*
 * Decodes data fed as [0,arg) + [arg,len) (SPLIT_AT), byte by byte, or in
 * random pieces of 1..arg bytes. Checks the sticky contract on the way:
 * after a failing feed, one more feed fails the same way and emits nothing.
 */
static void decode(int enc, const uint8_t *data, size_t len, size_t cap,
		   enum split how, size_t arg, struct run *r)
{
	struct counting_alloc ca = { .fail_at = -1 };
	struct tt_body_alloc alloc = { ca_alloc, ca_free, &ca };
	struct tt_body_dec *d = tt_body_dec_new_alloc(enc, cap, &alloc);
	uint32_t seed = (uint32_t)arg * 2654435761u + 1;
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	if (!d)
		abort();
	do {
		size_t n = how == SPLIT_AT ? (pos < arg ? arg : len) - pos :
			   how == BYTES ? 1 : 1 + xorshift(&seed) % arg;

		n = n < len - pos ? n : len - pos;
		r->feed_ret = tt_body_dec_feed(d, data + pos, n, buf_sink, &r->out);
		pos += n;
	} while (pos < len && !r->feed_ret);
	if (r->feed_ret) {
		size_t calls = r->out.calls;

		TT_CHECK_EQ_INT(tt_body_dec_feed(d, data, len, buf_sink, &r->out),
				r->feed_ret);
		TT_CHECK_EQ_INT(r->out.calls, calls);
	}
	r->finish_ret = tt_body_dec_finish(d);
	r->st = *tt_body_dec_get_stats(d);
	TT_CHECK(r->out.max_piece <= 16384);
	TT_CHECK_EQ_U64(r->st.out_bytes, r->out.len);
	TT_CHECK_EQ_U64(r->st.sink_calls, r->out.calls);
	TT_CHECK(r->out.len <= cap);
	tt_body_dec_free(d);
	TT_CHECK_EQ_INT(ca.live, 0);
	r->peak = ca.peak;
}

/* Expects a clean decode of `want` (and frees the run). */
static void check_ok(struct run *r, const void *want, size_t want_len)
{
	TT_CHECK_EQ_INT(r->feed_ret, 0);
	TT_CHECK_EQ_INT(r->finish_ret, 0);
	TT_CHECK_EQ_INT(r->out.len, want_len);
	TT_CHECK(r->out.len == want_len &&
		 (!want_len || !memcmp(r->out.p, want, want_len)));
	TT_CHECK_EQ_U64(r->st.dropped_bytes, 0);
	free(r->out.p);
}

/* Expects a failure after a prefix of `want` (NULL: not checked) of
 * out_len bytes (SIZE_MAX: any), and frees the run. */
static void check_err(struct run *r, int err, const void *want, size_t out_len)
{
	TT_CHECK_EQ_INT(r->feed_ret, err);
	TT_CHECK_EQ_INT(r->finish_ret, err);
	if (out_len != SIZE_MAX)
		TT_CHECK_EQ_INT(r->out.len, out_len);
	TT_CHECK(!want || !r->out.len || !memcmp(r->out.p, want, r->out.len));
	free(r->out.p);
}

/*
 * Decodes data whole, at every split point (when every_split), byte by
 * byte and in random pieces; each must give exactly want, the same
 * trailing-garbage count and (unless negative) number of members.
 */
static void expect_all(const char *name, int enc, const uint8_t *data,
		       size_t len, const void *want, size_t want_len,
		       uint64_t trailing, int members, int every_split)
{
	struct run r;

	for (size_t at = every_split ? 0 : len; at <= len; at++) {
		tt_case("%s at %zu", name, at);
		decode(enc, data, len, 2 * MIB, SPLIT_AT, at, &r);
		TT_CHECK_EQ_U64(r.st.in_bytes, len);
		TT_CHECK_EQ_U64(r.st.trailing_bytes, trailing);
		if (members >= 0)
			TT_CHECK_EQ_U64(r.st.members, members);
		check_ok(&r, want, want_len);
	}
	for (size_t max = 0; max <= 3000; max = max ? max * 10 : 3) {
		tt_case("%s pieces of 1..%zu", name, max ? max : 1);
		decode(enc, data, len, 2 * MIB, max ? RANDOM : BYTES, max, &r);
		TT_CHECK_EQ_U64(r.st.trailing_bytes, trailing);
		check_ok(&r, want, want_len);
	}
}

/* ---- samples: every coding of every payload ---- */

struct sample {
	char name[32];
	int enc;
	const uint8_t *plain, *coded;
	size_t plain_len, coded_len;
};

/* Index: coding * 3 + payload (empty, json, mixed). */
enum { S_IDENTITY = 0, S_GZIP = 3, S_ZLIB = 6, S_RAW = 9, S_BR = 12,
       S_ZSTD = 15, NSAMPLES = 18, P_JSON = 1, P_MIXED = 2 };

static const struct sample *samples(void)
{
	static struct sample s[NSAMPLES];
	static const char *pname[3] = { "empty", "json", "mixed" };
	static const struct { const char *name; int enc, wbits; } codings[6] = {
		{ "identity", TT_ENC_IDENTITY, 0 }, { "gzip", TT_ENC_GZIP, 31 },
		{ "zlib", TT_ENC_DEFLATE, 15 },     { "raw", TT_ENC_DEFLATE, -15 },
		{ "br", TT_ENC_BR, 0 },             { "zstd", TT_ENC_ZSTD, 0 },
	};
	const uint8_t *embedded[6] = { br_empty, br_json, br_mixed,
				       zstd_empty, zstd_json, zstd_mixed };
	size_t embedded_len[6] = { ALEN(br_empty), ALEN(br_json),
				   ALEN(br_mixed), ALEN(zstd_empty),
				   ALEN(zstd_json), ALEN(zstd_mixed) };

	for (int i = s[0].plain ? NSAMPLES : 0; i < NSAMPLES; i++) {
		struct sample *x = &s[i];
		int c = i / 3, p = i % 3;
		struct buf z = { 0 };

		snprintf(x->name, sizeof(x->name), "%s/%s", codings[c].name,
			 pname[p]);
		x->enc = codings[c].enc;
		x->plain = p == 0 ? (const uint8_t *)"" :
			   p == 1 ? (const uint8_t *)JSON : mixed();
		x->plain_len = p == 0 ? 0 : p == 1 ? strlen(JSON) : MIB;
		if (i >= S_BR) {
			x->coded = embedded[i - S_BR];
			x->coded_len = embedded_len[i - S_BR];
		} else if (codings[c].wbits) {
			zcompress(codings[c].wbits, x->plain, x->plain_len, 1, &z);
			x->coded = z.p;
			x->coded_len = z.len;
		} else {
			x->coded = x->plain;
			x->coded_len = x->plain_len;
		}
	}
	return s;
}

/* ---- tests ---- */

TT_TEST(parse_table)
{
	static const struct { const char *v; int enc; } cases[] = {
		{ "", TT_ENC_IDENTITY },           { "   ", TT_ENC_IDENTITY },
		{ "identity", TT_ENC_IDENTITY },   { "IDENTITY", TT_ENC_IDENTITY },
		{ "gzip", TT_ENC_GZIP },           { " GZip\t", TT_ENC_GZIP },
		{ "x-gzip", TT_ENC_GZIP },         { "X-GZIP", TT_ENC_GZIP },
		{ "deflate", TT_ENC_DEFLATE },     { "Deflate ", TT_ENC_DEFLATE },
		{ "br", TT_ENC_BR },               { "BR", TT_ENC_BR },
		{ "zstd", TT_ENC_ZSTD },           { "\tzstd\r\n", TT_ENC_ZSTD },
		{ "gzip,", TT_ENC_GZIP },          { ", br ,", TT_ENC_BR },
		{ ",", TT_ENC_IDENTITY },          { "gzip, br", TT_ENC_UNSUPPORTED },
		{ "gzip,gzip", TT_ENC_UNSUPPORTED },
		{ "identity, gzip", TT_ENC_UNSUPPORTED },
		{ "compress", TT_ENC_UNSUPPORTED }, { "x-compress", TT_ENC_UNSUPPORTED },
		{ "gzipx", TT_ENC_UNSUPPORTED },   { "gzi", TT_ENC_UNSUPPORTED },
		{ "g zip", TT_ENC_UNSUPPORTED },   { "b", TT_ENC_UNSUPPORTED },
		{ "zstd;q=1", TT_ENC_UNSUPPORTED }, { "*", TT_ENC_UNSUPPORTED },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		tt_case("%s", cases[i].v);
		TT_CHECK_EQ_INT(tt_enc_parse(cases[i].v, strlen(cases[i].v)),
				cases[i].enc);
	}
	tt_case("null / length bound");
	TT_CHECK_EQ_INT(tt_enc_parse(NULL, 0), TT_ENC_IDENTITY);
	TT_CHECK_EQ_INT(tt_enc_parse("gzip, br", 4), TT_ENC_GZIP);
	TT_CHECK_EQ_INT(tt_enc_parse("br\0zz", 5), TT_ENC_UNSUPPORTED);
}

TT_TEST(names_and_new)
{
	static const char *names[] = { "identity", "gzip", "deflate", "br",
				       "zstd", "unsupported" };

	for (int e = 0; e <= TT_ENC_UNSUPPORTED; e++) {
		TT_CHECK_EQ_STR(tt_enc_name(e), names[e]);
		TT_CHECK_EQ_INT(tt_enc_parse(names[e], strlen(names[e])), e);
	}
	TT_CHECK_EQ_STR(tt_enc_name(-1), "unsupported");
	errno = 0;
	TT_CHECK(tt_body_dec_new(TT_ENC_UNSUPPORTED, 10) == NULL);
	TT_CHECK_EQ_INT(errno, EINVAL);
	TT_CHECK(tt_body_dec_new(-1, 10) == NULL);
	tt_body_dec_free(NULL);
}

/* Round trips of every coding of every payload; every split point for the
 * small ones (the 1 MiB one gets byte-wise and random pieces). */
TT_TEST(round_trip)
{
	const struct sample *s = samples();

	for (int i = 0; i < NSAMPLES; i++)
		expect_all(s[i].name, s[i].enc, s[i].coded, s[i].coded_len,
			   s[i].plain, s[i].plain_len, 0,
			   s[i].enc && s[i].coded_len ? 1 : 0,
			   s[i].plain_len < 1000);
}

TT_TEST(gzip_multi_member)
{
	struct buf z = { 0 }, want = { 0 };

	zcompress(31, JSON, strlen(JSON), 1, &z);
	zcompress(31, "", 0, 1, &z);
	zcompress(31, JSON, 10, 1, &z);
	buf_put(&want, JSON, strlen(JSON));
	buf_put(&want, JSON, 10);
	expect_all("gzip x3", TT_ENC_GZIP, z.p, z.len, want.p, want.len, 0, 3, 1);
	zcompress(31, mixed(), MIB, 1, &z);
	buf_put(&want, mixed(), MIB);
	expect_all("gzip x4", TT_ENC_GZIP, z.p, z.len, want.p, want.len, 0, 4, 0);
	free(z.p);
	free(want.p);
}

/* zstd frames, skippable frames, a hand-made frame with an 8 MiB window
 * (the most allowed) and a raw block; a 16 MiB window is refused. */
TT_TEST(zstd_frames)
{
	static const uint8_t skip[] = "\x5a\x2a\x4d\x18\x03\x00\x00\x00" "abc";
	struct buf z = { 0 }, want = { 0 }, big = { 0 };
	struct run r;

	buf_put(&z, skip, ALEN(skip));
	buf_put(&z, zstd_json, ALEN(zstd_json));
	buf_put(&z, skip, ALEN(skip));
	buf_put(&z, zstd_empty, ALEN(zstd_empty));
	zstd_frame(0x68, 0, "raw block", &z);
	buf_put(&z, zstd_json, ALEN(zstd_json));
	buf_put(&want, JSON, strlen(JSON));
	buf_put(&want, "raw block", 9);
	buf_put(&want, JSON, strlen(JSON));
	expect_all("zstd frames", TT_ENC_ZSTD, z.p, z.len, want.p, want.len, 0,
		   6, 1);
	tt_case("16 MiB window");
	zstd_frame(0x70, 0, "x", &big);
	decode(TT_ENC_ZSTD, big.p, big.len, MIB, SPLIT_AT, 0, &r);
	TT_CHECK_EQ_U64(r.st.window_refused, 1);
	check_err(&r, -EINVAL, "", 0);
	free(z.p);
	free(want.p);
	free(big.p);
}

/* Bytes after the stream: counted and ignored; a partial magic at the end
 * is garbage too, a complete one starts a member that must then end. */
TT_TEST(trailing_garbage)
{
	static const struct {
		int sample;
		const char *tail;
		size_t tail_len;
		int finish;
		uint64_t trailing;
	} cases[] = {
		{ S_GZIP, "junk\0\r\n..", 9, 0, 9 }, { S_ZLIB, "junk\0\r\n..", 9, 0, 9 },
		{ S_RAW, "junk\0\r\n..", 9, 0, 9 },  { S_BR, "junk\0\r\n..", 9, 0, 9 },
		{ S_ZSTD, "junk\0\r\n..", 9, 0, 9 }, { S_GZIP, "\x1f", 1, 0, 1 },
		{ S_GZIP, "\x1f\x1f\x8b", 3, 0, 3 }, { S_GZIP, "\x1f\x8b", 2, -EPIPE, 0 },
		{ S_ZSTD, "\x28\xb5\x2f", 3, 0, 3 }, { S_ZSTD, "\x28\xb5\x2f\xfc", 4, 0, 4 },
		{ S_ZSTD, "\x5f\x2a\x4d", 3, 0, 3 }, { S_ZSTD, "\x28\xb5\x2f\xfd", 4, -EPIPE, 0 },
		{ S_BR, ";", 1, 0, 1 },              { S_ZLIB, "\x78\x9c\x03\x00", 4, 0, 4 },
	};
	const struct sample *s = samples();

	for (size_t i = 0; i < NELEM(cases); i++) {
		const struct sample *x = &s[cases[i].sample + P_JSON];
		struct buf in = { 0 };
		struct run r;
		char name[64];

		buf_put(&in, x->coded, x->coded_len);
		buf_put(&in, cases[i].tail, cases[i].tail_len);
		snprintf(name, sizeof(name), "%s + tail %zu", x->name, i);
		if (!cases[i].finish)
			expect_all(name, x->enc, in.p, in.len, JSON, strlen(JSON),
				   cases[i].trailing, -1, 1);
		for (int how = SPLIT_AT; how <= BYTES && cases[i].finish; how++) {
			tt_case("%s how %d", name, how);
			decode(x->enc, in.p, in.len, MIB, how, 0, &r);
			TT_CHECK_EQ_INT(r.feed_ret, 0);
			TT_CHECK_EQ_INT(r.finish_ret, cases[i].finish);
			TT_CHECK_EQ_INT(r.out.len, strlen(JSON));
			free(r.out.p);
		}
		free(in.p);
	}
}

/* Raw deflate as some servers send it, told from zlib by its first bytes. */
TT_TEST(raw_deflate_forms)
{
	static const struct { const char *in; size_t len; const char *out; } cases[] = {
		{ "\x03\x00", 2, "" },                           /* fixed, empty */
		{ "\x01\x05\x00\xfa\xff" "hello", 10, "hello" },  /* stored, final */
		{ "\x00\x05\x00\xfa\xff" "hello\x03\x00", 12, "hello" },
		{ "\x78\x01\x01\x05\x00\xfa\xff" "hello\x06\x2c\x02\x15", 16,
		  "hello" },                                      /* zlib, stored */
	};

	for (size_t i = 0; i < NELEM(cases); i++)
		expect_all(cases[i].out, TT_ENC_DEFLATE,
			   (const uint8_t *)cases[i].in, cases[i].len,
			   cases[i].out, strlen(cases[i].out), 0, 1, 1);
}

/* Corrupt input: -EINVAL, sticky, output only ever a correct prefix. */
TT_TEST(corrupt_input)
{
	static const struct { const char *name; int enc; const char *in; size_t len; } cases[] = {
		{ "gzip text", TT_ENC_GZIP, "hello world", 11 },
		{ "gzip magic", TT_ENC_GZIP, "\x1f\x8c\x08\0\0\0\0\0\0\x03\x03\0", 12 },
		{ "gzip method", TT_ENC_GZIP, "\x1f\x8b\x07\0\0\0\0\0\0\x03\x03\0", 12 },
		{ "raw block type 3", TT_ENC_DEFLATE, "\x07\x00\x00", 3 },
		{ "zlib dictionary", TT_ENC_DEFLATE, "\x78\xbb\0\0\0\x01\x03\0", 8 },
		{ "br large window", TT_ENC_BR, "\x11\x00\x00\x00", 4 },
		{ "br garbage", TT_ENC_BR, "\xff\xff\xff\xff", 4 },
		{ "zstd text", TT_ENC_ZSTD, "hello world", 11 },
		{ "zstd legacy v0.7", TT_ENC_ZSTD, "\x27\xb5\x2f\xfd\0\0\0\0", 8 },
		{ "zstd reserved bit", TT_ENC_ZSTD, "\x28\xb5\x2f\xfd\x08\x68\x01\0\0", 9 },
	};
	/* Flipped check values: gzip CRC-32, zlib Adler-32, zstd XXH64. */
	static const struct { int sample; size_t from_end; } flips[] = {
		{ S_GZIP + P_JSON, 8 },  { S_ZLIB + P_JSON, 1 },
		{ S_ZSTD + P_JSON, 1 },  { S_GZIP + P_MIXED, 8 },
		{ S_ZSTD + P_MIXED, 2 },
	};
	const struct sample *s = samples();

	for (size_t i = 0; i < NELEM(cases) + NELEM(flips); i++) {
		const struct sample *x = i < NELEM(cases) ? NULL :
					 &s[flips[i - NELEM(cases)].sample];
		size_t len = x ? x->coded_len : cases[i].len;
		uint8_t *in = malloc(len);

		memcpy(in, x ? x->coded : (const uint8_t *)cases[i].in, len);
		if (x)
			in[len - flips[i - NELEM(cases)].from_end] ^= 0x55;
		for (int how = SPLIT_AT; how <= BYTES; how++) {
			struct run r;

			tt_case("%s how %d", x ? x->name : cases[i].name, how);
			decode(x ? x->enc : cases[i].enc, in, len, 2 * MIB, how,
			       len, &r);
			TT_CHECK(r.st.dropped_bytes >= len);
			check_err(&r, -EINVAL, x ? x->plain : (const uint8_t *)"",
				  SIZE_MAX);
		}
		free(in);
	}
}

/* Every proper prefix of a stream: no error while feeding, -EPIPE at the
 * end; identity has no end to miss, and no body at all is complete. */
TT_TEST(truncated)
{
	const struct sample *s = samples();

	for (int i = 0; i < NSAMPLES; i++) {
		for (size_t cut = 1; cut < s[i].coded_len && i % 3 != P_MIXED;
		     cut++) {
			struct run r;

			tt_case("%s cut %zu", s[i].name, cut);
			decode(s[i].enc, s[i].coded, cut, MIB, SPLIT_AT, cut / 2,
			       &r);
			TT_CHECK_EQ_INT(r.feed_ret, 0);
			TT_CHECK_EQ_INT(r.finish_ret, s[i].enc ? -EPIPE : 0);
			TT_CHECK(!r.out.len ||
				 !memcmp(r.out.p, s[i].plain, r.out.len));
			free(r.out.p);
		}
	}
	for (int enc = 0; enc < TT_ENC_UNSUPPORTED; enc++) {
		struct tt_body_dec *d = tt_body_dec_new(enc, 10);

		tt_case("%s no body", tt_enc_name(enc));
		TT_CHECK_EQ_INT(tt_body_dec_finish(d), 0);
		tt_body_dec_free(d);
	}
}

/* The cap: exactly max_out bytes pass, one more is -E2BIG. */
TT_TEST(cap_boundaries)
{
	const struct sample *s = samples();

	for (int i = 0; i < NSAMPLES; i++) {
		size_t len = s[i].plain_len;
		size_t caps[] = { len, len - 1, 0, 1, 16383, 16384, 16385 };

		for (size_t c = 0; c < NELEM(caps) && len; c++) {
			for (int how = SPLIT_AT; how <= RANDOM && caps[c] <= len;
			     how++) {
				struct run r;

				tt_case("%s cap %zu how %d", s[i].name, caps[c],
					how);
				decode(s[i].enc, s[i].coded, s[i].coded_len,
				       caps[c], how, how == RANDOM ? 200 : 0,
				       &r);
				if (caps[c] == len)
					check_ok(&r, s[i].plain, len);
				else
					check_err(&r, -E2BIG, s[i].plain,
						  caps[c]);
			}
		}
	}
}

/* 64 MiB of zeros, cap 1 MiB: 1 MiB out, -E2BIG, little work, memory set
 * by the codec window and not by the expansion. */
TT_TEST(bombs)
{
	static const uint8_t zeros[65536];
	struct buf gz = { 0 }, zl = { 0 }, raw = { 0 }, zs = { 0 };

	zcompress(31, zeros, sizeof(zeros), 1024, &gz);
	zcompress(15, zeros, sizeof(zeros), 1024, &zl);
	zcompress(-15, zeros, sizeof(zeros), 1024, &raw);
	zstd_frame(0x68, 512, NULL, &zs);
	const struct {
		const char *name;
		int enc;
		const uint8_t *p;
		size_t len, peak_max;
	} bombs[] = {
		{ "gzip", TT_ENC_GZIP, gz.p, gz.len, 128 << 10 },
		{ "zlib", TT_ENC_DEFLATE, zl.p, zl.len, 128 << 10 },
		{ "raw", TT_ENC_DEFLATE, raw.p, raw.len, 128 << 10 },
		{ "br", TT_ENC_BR, br_bomb, ALEN(br_bomb), 17 << 20 },
		{ "zstd", TT_ENC_ZSTD, zs.p, zs.len, 9 << 20 },
	};

	for (size_t i = 0; i < NELEM(bombs); i++) {
		for (int how = SPLIT_AT; how <= RANDOM; how += 2) {
			struct timespec t0, t1;
			struct run r;
			double secs;

			tt_case("%s how %d", bombs[i].name, how);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			decode(bombs[i].enc, bombs[i].p, bombs[i].len, MIB, how,
			       how == RANDOM ? 500 : 0, &r);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			secs = (double)(t1.tv_sec - t0.tv_sec) +
			       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			for (size_t k = 0; k < r.out.len; k += sizeof(zeros))
				TT_CHECK(!memcmp(r.out.p + k, zeros, sizeof(zeros)));
			TT_CHECK(r.peak <= bombs[i].peak_max);
			TT_CHECK(secs < 5.0);
			/* Stopped early: most of the input never decoded. */
			TT_CHECK(r.st.in_bytes - r.st.dropped_bytes <
				 bombs[i].len / 8 + 64);
			if (how == SPLIT_AT)
				TT_NOTE("%s bomb: %zu bytes in, peak %zu KiB, %.3f s",
					bombs[i].name, bombs[i].len,
					r.peak >> 10, secs);
			check_err(&r, -E2BIG, NULL, MIB);
		}
	}
	free(gz.p);
	free(zl.p);
	free(raw.p);
	free(zs.p);
}

/* Every allocation, in the decoder and in the codecs, can fail: NULL with
 * ENOMEM from new, -ENOMEM from feed, never a leak or crash. */
TT_TEST(alloc_failures)
{
	const struct sample *s = samples();

	for (int i = P_JSON; i < NSAMPLES; i += 3) {
		for (long k = 0; k < 64; k++) {
			struct counting_alloc ca = { .fail_at = k };
			struct tt_body_alloc alloc = { ca_alloc, ca_free, &ca };
			struct tt_body_dec *d;
			struct buf out = { 0 };
			int ret, fin;

			tt_case("%s fail alloc %ld", s[i].name, k);
			errno = 0;
			d = tt_body_dec_new_alloc(s[i].enc, MIB, &alloc);
			if (!d) {
				TT_CHECK_EQ_INT(errno, ENOMEM);
				TT_CHECK_EQ_INT(ca.live, 0);
				continue;
			}
			ret = tt_body_dec_feed(d, s[i].coded, s[i].coded_len,
					       buf_sink, &out);
			fin = tt_body_dec_finish(d);
			TT_CHECK(ret == 0 || ret == -ENOMEM);
			TT_CHECK_EQ_INT(fin, ret);
			TT_CHECK(ret || out.len == s[i].plain_len);
			tt_body_dec_free(d);
			free(out.p);
			TT_CHECK_EQ_INT(ca.live, 0);
			if (ca.count <= k)
				break; /* no allocation left to fail */
		}
	}
}
