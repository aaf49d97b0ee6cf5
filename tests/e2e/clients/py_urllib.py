"""POST a body with urllib and check the response against the expected
SHA-256. argv: URL BODYFILE API_KEY EXPECT_SHA256 [WAIT_FILE]
With WAIT_FILE, ssl is loaded first, then the client waits for the file
(to start before the agent and make its request after)."""
import hashlib
import os
import ssl  # loads libssl now: maps it before any request
import sys
import time
import urllib.request


def libssl_path():
    with open("/proc/self/maps") as f:
        for line in f:
            if "libssl" in line:
                return line.split()[-1]
    return ""


def main():
    url, body_file, key, expect = sys.argv[1:5]
    wait = sys.argv[5] if len(sys.argv) > 5 else None
    ctx = ssl.create_default_context()
    print("libssl=" + libssl_path(), flush=True)
    if wait:
        deadline = time.time() + 60
        while not os.path.exists(wait) and time.time() < deadline:
            time.sleep(0.02)
    with open(body_file, "rb") as f:
        body = f.read()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": "Bearer " + key,
        "Content-Type": "application/json",
        "X-Fake-Body-Bytes": "1048576",
    })
    with urllib.request.urlopen(req, context=ctx, timeout=60) as resp:
        got = resp.read()
    digest = hashlib.sha256(got).hexdigest()
    if digest != expect:
        print("response mismatch: %d bytes %s" % (len(got), digest), file=sys.stderr)
        return 1
    return 0


sys.exit(main())
