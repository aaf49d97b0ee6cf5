"""A TLS server that reads every request and never answers (the chaos
flood's listener): argv CERT KEY READY_FILE. Listens on 127.0.0.1, an
ephemeral port written to READY_FILE; logs nothing; runs until killed."""
import socket
import ssl
import sys
import threading


def drain(sock):
    try:
        sock.do_handshake()
        while sock.recv(1 << 16):
            pass
    except (OSError, ValueError):
        pass
    finally:
        sock.close()


def main():
    cert, key, ready = sys.argv[1:4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    import os
    os.replace(ready + ".tmp", ready)
    while True:
        raw, _ = lsock.accept()
        sock = ctx.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
        threading.Thread(target=drain, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()
