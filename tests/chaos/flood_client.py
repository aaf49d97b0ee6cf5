"""The chaos flood: N requests pipelined on one TLS connection to an AI
host name (argv: HOST PORT N [PATH [RATE]]), RATE requests a second at
most (0: as fast as the connection takes them). Whatever comes back is read and
dropped as it comes (so a server that answers is never blocked), and after
the last request until the connection is quiet for a second. Trust:
SSL_CERT_FILE. Prints "sent N"."""
import select
import socket
import ssl
import sys
import time


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    path = sys.argv[4] if len(sys.argv) > 4 else "/v1/chat/completions"
    rate = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    t0 = time.monotonic()
    req = ("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
           "Content-Length: 2\r\n\r\n{}" % (path, host)).encode()
    ctx = ssl.create_default_context()
    raw = socket.create_connection((host, port))
    sock = ctx.wrap_socket(raw, server_hostname=host)
    sock.setblocking(False)
    left, buf = n, b""
    while True:
        if not buf and left:
            if rate and time.monotonic() - t0 < (n - left) / rate:
                time.sleep(0.005)
                continue
            k = min(512, left)  # about 64 KB a write
            buf, left = req * k, left - k
        want_w = [sock] if buf else []
        r, w, _ = select.select([sock], want_w, [], 1.0)
        if not r and not w:
            if not buf and not left:
                break  # all sent, nothing more came for a second
            continue
        if r:
            try:
                if not sock.recv(1 << 16):
                    break
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
        if w and buf:
            try:
                buf = buf[sock.send(buf):]
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
    sock.close()
    print("sent %d" % n, flush=True)


if __name__ == "__main__":
    main()
