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


# TCP states in which the peer's FIN has been received (include/net/tcp_states.h).
PEER_FIN_STATES = {6, 8, 9, 11}  # TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSING
TCP_CLOSE = 7


def tcp_sample(sock):
    """(state, unacked, bytes_acked, bytes_received) of the socket, or None."""
    try:
        raw = socket.socket.getsockopt(sock, socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_LEN)
    except OSError:
        return None
    if len(raw) < TCPI_BYTES_ACKED + 16:
        return None
    (unacked,) = struct.unpack_from("=I", raw, TCPI_UNACKED)
    acked, received = struct.unpack_from("=QQ", raw, TCPI_BYTES_ACKED)
    return raw[0], unacked, acked, received


class TcpCounts:
    """The payload bytes of a connection as the kernel counted them: what
    the client sent ("bytes_received") and what it acknowledged of ours
    ("bytes_acked"), TLS records and handshake included: the bytes an
    observer below TLS sees. The kernel's own counters add one for a FIN
    received (and, on the connecting side, one for the SYN): taken out
    here, so the numbers are the client's payload both ways.
    mark() when the conversation ends (before close_notify), result()
    before closing the socket."""

    def __init__(self, sock):
        self.sock = sock
        self.fin = False

    def mark(self):
        st = tcp_sample(self.sock)
        self.fin = bool(st) and st[0] in PEER_FIN_STATES

    def result(self, wait=0.3):
        """Waits up to `wait` s for our data in flight to be acknowledged."""
        deadline = time.time() + wait
        while True:
            st = tcp_sample(self.sock)
            if st is None:
                return None
            if not st[1] or time.time() >= deadline:
                break
            time.sleep(0.01)
        state, _, acked, received = st
        # After a reset (TCP_CLOSE) the state no longer tells: the mark's does.
        fin = state in PEER_FIN_STATES or (state == TCP_CLOSE and self.fin)
        return {"bytes_received": received - (1 if fin and received else 0),
                "bytes_acked": acked}
