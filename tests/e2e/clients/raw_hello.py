"""A client with no TLS library at all (so nothing to trace): it sends a
ClientHello naming NAME, then EXTRA payload bytes, reads REPLY bytes from
its own server and closes, in the order asked. Prints the payload byte
counts each way as JSON: what a dark connection event must report.

    raw_hello.py PORT NAME client_first|server_first|reset EXTRA REPLY
"""
import json
import os
import socket
import struct
import sys
import threading
import time


def client_hello(name):
    sni = name.encode()
    ext = struct.pack("!HHHBH", 0, len(sni) + 5, len(sni) + 3, 0, len(sni)) + sni
    body = (b"\x03\x03" + os.urandom(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
            + struct.pack("!H", len(ext)) + ext)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def serve(lsock, want, reply, order, out):
    c, _ = lsock.accept()
    c.settimeout(10)
    got = 0
    while got < want:
        d = c.recv(65536)
        if not d:
            break
        got += len(d)
    c.sendall(b"s" * reply)
    if order != "server_first":
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass
    c.close()
    out.append(got)


def main():
    port, name, order = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    extra, reply = int(sys.argv[4]), int(sys.argv[5])
    hello = client_hello(name)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    out = []
    t = threading.Thread(target=serve, args=(ls, len(hello) + extra, reply, order, out))
    t.start()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(hello)
    time.sleep(0.05)
    s.sendall(b"c" * extra)
    got = 0
    while got < reply:
        d = s.recv(65536)
        if not d:
            break
        got += len(d)
    if order == "server_first":
        while s.recv(65536):
            pass
        time.sleep(0.1)
    elif order == "reset":
        # Unread data at close: the kernel sends a RST, not a FIN.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    t.join()
    print(json.dumps({"sent": len(hello) + extra, "received": got, "server_got": out[0]}))


if __name__ == "__main__":
    main()
