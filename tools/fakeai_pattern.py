"""Deterministic response-body pattern shared by fakeai.py and test clients.

The body for ``X-Fake-Body-Bytes: N`` is the concatenation of
sha256(str(i).encode()).digest() for i = 0, 1, 2, ... truncated to N bytes.
It is incompressible and position-dependent, so a client (or a tracer) that
drops, duplicates or reorders any piece produces a different hash.

Usage from a test:  from fakeai_pattern import pattern; assert body == pattern(len(body))
CLI:                python3 fakeai_pattern.py N   -> prints sha256 hex of pattern(N)
"""

import hashlib
import sys

DIGEST = 32  # sha256 digest size


def pattern_chunks(n, size=16384):
    """Yield pattern(n) in pieces of `size` bytes (last piece may be shorter)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if size <= 0 or size % DIGEST:
        # Keeping pieces digest-aligned lets each piece be built independently.
        raise ValueError("size must be a positive multiple of 32")
    per = size // DIGEST
    i = 0
    left = n
    while left > 0:
        piece = b"".join(hashlib.sha256(str(j).encode()).digest()
                         for j in range(i, i + per))
        i += per
        if left < len(piece):
            piece = piece[:left]
        left -= len(piece)
        yield piece


def pattern(n):
    """Return the first n bytes of the pattern."""
    return b"".join(pattern_chunks(n))


def pattern_sha256(n):
    """sha256 hex of pattern(n), computed without holding it all in memory."""
    h = hashlib.sha256()
    for piece in pattern_chunks(n):
        h.update(piece)
    return h.hexdigest()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: fakeai_pattern.py N")
    print(pattern_sha256(int(sys.argv[1])))
