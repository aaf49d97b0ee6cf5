"""The chaos flood: N requests pipelined on one TLS connection to an AI
host name (argv: HOST PORT N [PATH [RATE [BATCH]]]), RATE requests a
second at most (0: as fast as the connection takes them), BATCH requests
a write (512). Whatever comes back is read and dropped as it comes, all of
it whenever the socket is readable, also while waiting for the rate (a
server that answers is never blocked, and the agent never sees more than
a batch awaiting an answer: over its 128 it gives the oldest up as
unanswered); after the last request, until the connection is quiet for a
second. Trust: SSL_CERT_FILE. Prints "sent N"."""
import select
import socket
import ssl
import sys
import time


def drain(sock):
    """Reads all there is, TLS-buffered bytes included. False at EOF."""
    while True:
        try:
            if not sock.recv(1 << 16):
                return False
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return True


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    path = sys.argv[4] if len(sys.argv) > 4 else "/v1/chat/completions"
    rate = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    batch = int(sys.argv[6]) if len(sys.argv) > 6 else 512
    req = ("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
           "Content-Length: 2\r\n\r\n{}" % (path, host)).encode()
    ctx = ssl.create_default_context()
    raw = socket.create_connection((host, port))
    sock = ctx.wrap_socket(raw, server_hostname=host)
    sock.setblocking(False)
    t0 = time.monotonic()
    left, buf = n, b""
    while True:
        wait = 1.0
        if not buf and left:
            due = t0 + (n - left) / rate if rate else 0
            wait = due - time.monotonic()
            if wait <= 0:
                k = min(batch, left)  # 512: about 64 KB a write
                buf, left, wait = req * k, left - k, 1.0
        r, w, _ = select.select([sock], [sock] if buf else [], [], wait)
        if not r and not w:
            if not buf and not left:
                break  # all sent, nothing more came for a second
            continue
        if r and not drain(sock):
            break
        if w and buf:
            try:
                buf = buf[sock.send(buf):]
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
    sock.close()
    print("sent %d" % n, flush=True)


if __name__ == "__main__":
    main()
