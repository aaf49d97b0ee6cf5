"""The peer of a fake provider connection, as the kernel sees it (Linux
/proc and TCP_INFO; no I/O on the connection itself)."""

import os
import socket
import struct
import time

TCP_INFO_LEN = 232                     # struct tcp_info up to tcpi_bytes_received and beyond
TCPI_UNACKED, TCPI_BYTES_ACKED = 24, 120  # offsets in struct tcp_info (linux/tcp.h)


def peer_process(client_port, server_port):
    """(pid, comm) of the local process owning the client end of a loopback
    TCP connection, from /proc/net/tcp* and /proc/*/fd; (0, "") if unknown."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    lport = int(cols[1].rsplit(":", 1)[1], 16)
                    rport = int(cols[2].rsplit(":", 1)[1], 16)
                    if lport == client_port and rport == server_port:
                        inode = cols[9]
                        break
        except (OSError, ValueError, IndexError, StopIteration):
            continue
        if inode:
            break
    if not inode or inode == "0":
        return 0, ""
    target = "socket:[%s]" % inode
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            for fd in os.listdir("/proc/%s/fd" % pid):
                if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == target:
                    with open("/proc/%s/comm" % pid) as f:
                        return int(pid), f.read().strip()
        except OSError:
            continue
    return 0, ""


def tcp_counts(sock, wait=0.3):
    """The kernel's TCP byte counts of the server's end (TCP_INFO): what the
    client sent ("bytes_received") and what it acknowledged of ours
    ("bytes_acked"), TLS records and handshake included: the bytes an
    observer below TLS sees. Waits up to `wait` s for our data in flight to
    be acknowledged. Counts include a FIN once one was received/acked.
    None when the socket cannot say."""
    deadline = time.time() + wait
    while True:
        try:
            raw = socket.socket.getsockopt(sock, socket.IPPROTO_TCP, socket.TCP_INFO,
                                           TCP_INFO_LEN)
        except OSError:
            return None
        if len(raw) < TCPI_BYTES_ACKED + 16:
            return None
        (unacked,) = struct.unpack_from("=I", raw, TCPI_UNACKED)
        if not unacked or time.time() >= deadline:
            break
        time.sleep(0.01)
    acked, received = struct.unpack_from("=QQ", raw, TCPI_BYTES_ACKED)
    return {"bytes_received": received, "bytes_acked": acked}
