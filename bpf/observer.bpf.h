/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The connection observer: every outbound TCP connection of every process,
 * whatever its TLS stack. At connect() the socket gets a record in its
 * local storage; its first data segments are parsed as a TLS ClientHello
 * here, and the server name matched against the host rules. An AI
 * connection is listed in ai_socks and reported to user space, which arms
 * the process's TLS probes; until they are in, the connection is held:
 * its data segments are dropped, so TCP sends them again, for at most
 * hold_ns (fail-open). When the process then writes through a TLS
 * library, the socket is tied to that library's connection object; at the
 * end its byte counts are reported, so an AI connection nobody could
 * decrypt is still booked. Costs are per connection and per packet, never
 * per TLS call.
 */
#ifndef TT_OBSERVER_BPF_H
#define TT_OBSERVER_BPF_H

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define SOL_TCP 6
#define TCP_NODELAY 1
#define TCPF_SYN 0x02
#define TCP_CLOSE_STATE 7
#define TLS_APPDATA 0x17
#define TLS_CCS 0x14
/* A TLS write whose bytes leave through a socket: at most this long
 * before the segment (memory-BIO libraries send after the call). */
#define LINK_WINDOW_NS 10000000ULL
/* For a connection older than the agent (no ClientHello seen): the write
 * must be this recent, the thread's very last one. */
#define LATE_WINDOW_NS 2000000ULL

/* ClientHello parser steps: each reads a big-endian field. */
enum {
	P_REC_TYPE, P_REC_VER, P_REC_LEN, P_HS_TYPE, P_HS_LEN, P_CH_VER,
	P_SID_LEN, P_CS_LEN, P_COMP_LEN, P_EXTS_LEN, P_EXT_TYPE, P_EXT_LEN,
	P_SNI_LIST_LEN, P_SNI_TYPE, P_SNI_NAME_LEN, P_SNI_NAME, P_DONE,
};

/* The socket's record: what user space sees, and the parser's place. */
struct sock_state {
	struct tt_ai_sock s;
	__u64 t_hello;    /* the ClientHello left (or was held) */
	__u32 base_seq;   /* TCP sequence number of stream byte 0 */
	__u32 pos;        /* stream offset of the next byte to parse */
	__u32 skip;       /* bytes to skip before the next field */
	__u32 acc;        /* value of the field being read */
	__u32 ext_end;    /* stream offset where the extensions end */
	__u32 rec_end;    /* ... where the first TLS record ends */
	__u32 ext_type;
	__u32 name_left;  /* server name bytes still to copy */
	__u32 drops;      /* packets dropped while held */
	__u8 step;
	__u8 acc_n;       /* bytes of the field read so far */
	__u8 have_base;
	__u8 released;    /* a hold is over, or never applied */
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_state);
} socks SEC(".maps");

/* The AI connections, by socket cookie: user space lists them after a
 * restart (the map outlives the agent when pinned). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct tt_ai_sock);
} ai_socks SEC(".maps");

/* Storage is made for sockets of armed processes that existed before the
 * agent, for this long after its start (ns since boot; 0: off). */
volatile __u64 late_start_until = 0;

static __always_inline void sock_event(struct sock_state *st, __u8 what,
				       __u64 sent, __u64 rcvd, int wake)
{
	struct tt_ev_sock *ev;

	ev = bpf_ringbuf_reserve(&proc_events, sizeof(*ev), 0);
	if (!ev) {
		count(TT_C_RB_LOST_EVENTS, 1);
		count(TT_C_SOCK_EV_LOST, 1);
		return;
	}
	__builtin_memset(&ev->hdr, 0, sizeof(ev->hdr));
	ev->hdr.type = TT_EV_SOCK;
	ev->hdr.lib = TT_LIB_SOCKET;
	ev->hdr.pid = st->s.tgid;
	ev->hdr.ts_ns = bpf_ktime_get_ns();
	ev->hdr.cgroup_id = st->s.cgroup_id;
	ev->hdr.conn = st->s.cookie;
	ev->what = what;
	__builtin_memset(ev->pad, 0, sizeof(ev->pad));
	ev->bytes_sent = sent;
	ev->bytes_received = rcvd;
	__builtin_memcpy(&ev->sock, &st->s, sizeof(ev->sock));
	/* FORCE: a default wake-up is skipped while older records wait. */
	bpf_ringbuf_submit(ev, proc_rb_flags(wake));
}

static __always_inline void list_sock(struct sock_state *st)
{
	if (bpf_map_update_elem(&ai_socks, &st->s.cookie, &st->s, BPF_ANY))
		count(TT_C_SOCK_TABLE_FULL, 1);
}

/* ---- connect ---- */

static __always_inline int on_connect(struct bpf_sock_addr *ctx, int family)
{
	struct sock_state *st;
	__u64 id;

	if (ctx->type != SOCK_STREAM || ctx->protocol != IPPROTO_TCP)
		return 1;
	id = bpf_get_current_pid_tgid();
	if ((__u32)(id >> 32) == agent_tgid)
		return 1;
	st = bpf_sk_storage_get(&socks, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st)
		return 1;
	__builtin_memset(st, 0, sizeof(*st)); /* a socket may connect() again */
	st->s.tgid = id >> 32;
	st->s.cgroup_id = bpf_get_current_cgroup_id();
	st->s.cookie = bpf_get_socket_cookie(ctx);
	st->s.t_connect = bpf_ktime_get_ns();
	st->s.family = family;
	if (family == AF_INET) {
		st->s.daddr[0] = ctx->user_ip4;
	} else {
		st->s.daddr[0] = ctx->user_ip6[0];
		st->s.daddr[1] = ctx->user_ip6[1];
		st->s.daddr[2] = ctx->user_ip6[2];
		st->s.daddr[3] = ctx->user_ip6[3];
	}
	st->s.dport = bpf_ntohs((__u16)ctx->user_port);
	count(TT_C_SOCK_CONNECTS, 1);
	return 1;
}

SEC("cgroup/connect4")
int sock_connect4(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx, AF_INET);
}

SEC("cgroup/connect6")
int sock_connect6(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx, AF_INET6);
}

/* ---- the ClientHello ---- */

struct hello_ctx {
	struct __sk_buff *skb;
	struct sock_state *st;
	__u32 off;  /* skb offset of stream byte st->pos */
	__u32 end;  /* skb offset past the payload */
	int result; /* 0: need more, 1: name complete, -1: not one / no name */
};

static __always_inline __u32 field_width(__u8 step)
{
	switch (step) {
	case P_REC_TYPE:
	case P_HS_TYPE:
	case P_SID_LEN:
	case P_COMP_LEN:
	case P_SNI_TYPE:
		return 1;
	case P_HS_LEN:
		return 3;
	default:
		return 2;
	}
}

/* A field is complete: act on its value v. Returns the bpf_loop verdict. */
static __always_inline long field_done(struct hello_ctx *p,
				       struct sock_state *st, __u32 v)
{
	switch (st->step) {
	case P_REC_TYPE:
		if (v != 0x16) /* handshake record */
			goto stop;
		st->step = P_REC_VER;
		break;
	case P_REC_VER:
		if ((v >> 8) != 3)
			goto stop;
		st->step = P_REC_LEN;
		break;
	case P_REC_LEN:
		st->rec_end = st->pos + v;
		st->step = P_HS_TYPE;
		break;
	case P_HS_TYPE:
		if (v != 1) /* client_hello */
			goto stop;
		st->step = P_HS_LEN;
		break;
	case P_HS_LEN:
		st->step = P_CH_VER;
		break;
	case P_CH_VER:
		st->skip = 32; /* random */
		st->step = P_SID_LEN;
		break;
	case P_SID_LEN:
		st->skip = v;
		st->step = P_CS_LEN;
		break;
	case P_CS_LEN:
		st->skip = v;
		st->step = P_COMP_LEN;
		break;
	case P_COMP_LEN:
		st->skip = v;
		st->step = P_EXTS_LEN;
		break;
	case P_EXTS_LEN:
		st->ext_end = st->pos + v;
		/* A ClientHello continued in a second record: not handled. */
		if (st->ext_end > st->rec_end || !v)
			goto stop;
		st->step = P_EXT_TYPE;
		break;
	case P_EXT_TYPE:
		st->ext_type = v;
		st->step = P_EXT_LEN;
		break;
	case P_EXT_LEN:
		if (st->ext_type == 0) { /* server_name */
			st->step = P_SNI_LIST_LEN;
			break;
		}
		if (st->pos + v >= st->ext_end)
			goto stop;
		st->skip = v;
		st->step = P_EXT_TYPE;
		break;
	case P_SNI_LIST_LEN:
		st->step = P_SNI_TYPE;
		break;
	case P_SNI_TYPE:
		if (v != 0) /* host_name */
			goto stop;
		st->step = P_SNI_NAME_LEN;
		break;
	case P_SNI_NAME_LEN:
		if (!v)
			goto stop;
		if (v > TT_SOCK_NAME_MAX - 1) { /* keep the tail: suffix rules */
			st->skip = v - (TT_SOCK_NAME_MAX - 1);
			v = TT_SOCK_NAME_MAX - 1;
			st->s.flags |= TT_SOCKF_NAME_TRUNC;
		}
		st->name_left = v;
		st->s.name_len = 0;
		st->step = P_SNI_NAME;
		break;
	default:
		goto stop;
	}
	return 0;
stop:
	st->step = P_DONE;
	p->result = -1;
	return 1;
}

static long hello_step(__u32 i, void *data)
{
	struct hello_ctx *p = data;
	struct sock_state *st = p->st;
	__u32 avail, n, need, v;
	__u8 b[4] = {};
	__u64 len;

	if (p->off >= p->end)
		return 1; /* segment consumed */
	avail = p->end - p->off;
	if (st->skip) {
		n = st->skip < avail ? st->skip : avail;
		st->skip -= n;
		st->pos += n;
		p->off += n;
		return 0;
	}
	if (st->step == P_SNI_NAME) {
		/* A byte at a time: a name may continue in the next segment. */
		if (bpf_skb_load_bytes(p->skb, p->off,
				       &st->s.name[st->s.name_len & (TT_SOCK_NAME_MAX - 1)], 1))
			goto fail;
		st->s.name_len++;
		st->name_left--;
		st->pos++;
		p->off++;
		if (!st->name_left) {
			st->step = P_DONE;
			p->result = 1;
			return 1;
		}
		return 0;
	}
	if (st->step >= P_DONE)
		goto fail;
	need = field_width(st->step) - st->acc_n;
	n = need < avail ? need : avail;
	if (!n || n > 3)
		goto fail;
	len = n;
	/* Bound len in the register that becomes the helper argument. */
	asm volatile("%[l] &= 3" : [l] "+r"(len));
	if (!len || bpf_skb_load_bytes(p->skb, p->off, b, len))
		goto fail;
	v = st->acc;
	v = (v << 8) | b[0];
	if (n > 1)
		v = (v << 8) | b[1];
	if (n > 2)
		v = (v << 8) | b[2];
	st->acc = v;
	st->acc_n += n;
	st->pos += n;
	p->off += n;
	if (n < need)
		return 1; /* the field continues in the next segment */
	st->acc = 0;
	st->acc_n = 0;
	return field_done(p, st, v);
fail:
	count(TT_C_SOCK_PARSE_GAVEUP, 1);
	st->step = P_DONE;
	p->result = -1;
	return 1;
}

/* ---- egress ---- */

static __always_inline int hold_verdict(struct sock_state *st, __u64 now)
{
	__u8 *arm = bpf_map_lookup_elem(&armed, &st->s.tgid);

	if (arm && (*arm == TT_ARM_ARMED || *arm == TT_ARM_UNTRACEABLE)) {
		st->released = 1;
		list_sock(st);
		if (st->s.flags & TT_SOCKF_HELD)
			sock_event(st, TT_SOCK_EV_RELEASE, 0, 0, 0);
		return 1;
	}
	if (!st->s.t_hold) {
		st->s.t_hold = now;
		st->s.flags |= TT_SOCKF_HELD;
		list_sock(st);
		count(TT_C_SOCK_HELD, 1);
		sock_event(st, TT_SOCK_EV_OPEN, 0, 0, 1);
	} else if (now - st->s.t_hold >= hold_ns) {
		st->released = 1;
		st->s.flags |= TT_SOCKF_FAILOPEN;
		list_sock(st);
		count(TT_C_SOCK_FAILOPEN, 1);
		sock_event(st, TT_SOCK_EV_RELEASE, 0, 0, 1);
		return 1;
	}
	st->drops++;
	count(TT_C_SOCK_HOLD_DROPS, 1);
	return 0;
}

/* The ClientHello named an AI host (rule CAPTURE) or maybe one. */
static __always_inline int decided(struct sock_state *st, __u8 rule, __u64 now)
{
	st->s.state = rule == TT_SNI_CAPTURE ? TT_SOCK_AI : TT_SOCK_MAYBE;
	count(rule == TT_SNI_CAPTURE ? TT_C_SOCK_AI : TT_C_SOCK_MAYBE, 1);
	/* Only a known AI host is held: a maybe is user space's to decide,
	 * and bystanders must not wait for that. */
	if (rule == TT_SNI_CAPTURE && scoped_mode && hold_ns)
		return hold_verdict(st, now);
	st->released = 1;
	list_sock(st);
	sock_event(st, TT_SOCK_EV_OPEN, 0, 0, 1);
	return 1;
}

/* Ties st to lt's TLS connection if that write came after the ClientHello
 * (so not an older connection's) and just now. */
static __always_inline int link_sock(struct sock_state *st,
				     const struct last_tls *lt, __u64 now)
{
	if (lt->ts < st->t_hello || now - lt->ts > LINK_WINDOW_NS)
		return 0;
	st->s.tls_conn = lt->conn;
	st->s.lib = lt->lib;
	st->s.flags |= TT_SOCKF_LINKED;
	list_sock(st);
	count(TT_C_SOCK_LINKED, 1);
	sock_event(st, TT_SOCK_EV_LINK, 0, 0, 0);
	return 1;
}

/* Ties the socket to the TLS connection whose write this segment carries:
 * the sending thread's last TLS write, if it came after the ClientHello
 * (so not an older connection's) and just now. */
static __always_inline void try_link(struct sock_state *st, __u64 now,
				     __u8 first_byte)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct last_tls *lt;

	/* Application data, or a ChangeCipherSpec that a client flushes
	 * together with its Finished and first request (TLS 1.3 middlebox
	 * compatibility: node does). Never the ClientHello (0x16). */
	if ((__u32)(id >> 32) != st->s.tgid ||
	    (first_byte != TLS_APPDATA && first_byte != TLS_CCS))
		return;
	lt = bpf_map_lookup_elem(&last_tls, &tid);
	if (lt)
		link_sock(st, lt, now);
}

struct seg {
	__u32 payload; /* skb offset of the TCP payload */
	__u32 len;     /* payload bytes */
	__u32 seq;     /* sequence number of the first payload byte */
};

/* The TCP payload of an IPv4 or IPv6 skb: 0, or -1 when none. */
static __always_inline int tcp_segment(struct __sk_buff *skb, struct seg *sg)
{
	__u8 ip[20], th[20];
	__u32 l4, doff;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, 0, ip, 20) || ip[9] != IPPROTO_TCP)
			return -1;
		l4 = (ip[0] & 0xf) * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, 0, ip, 8) || ip[6] != IPPROTO_TCP)
			return -1;
		l4 = 40; /* no extension headers on a local TCP socket */
	} else {
		return -1;
	}
	if (bpf_skb_load_bytes(skb, l4, th, 20))
		return -1;
	doff = (th[12] >> 4) * 4;
	if (skb->len < l4 + doff)
		return -1;
	sg->payload = l4 + doff;
	sg->len = skb->len - l4 - doff;
	sg->seq = ((__u32)th[4] << 24) | ((__u32)th[5] << 16) |
		  ((__u32)th[6] << 8) | th[7];
	if (th[13] & TCPF_SYN)
		sg->seq++; /* data after a SYN (TCP Fast Open) */
	return 0;
}

/* Parses the next bytes of the ClientHello. Returns the egress verdict. */
static __noinline int parse_hello(struct __sk_buff *skb, struct sock_state *st,
				  struct seg *sg, __u64 now)
{
	struct hello_ctx p = { .skb = skb, .st = st };
	__u32 soff;
	__u8 rule;

	if (!st->have_base) {
		st->base_seq = sg->seq;
		st->have_base = 1;
		st->t_hello = now;
	}
	soff = sg->seq - st->base_seq;
	if (soff + sg->len <= st->pos)
		return 1; /* bytes parsed already (a retransmission) */
	if (soff > st->pos)
		goto other; /* we missed bytes */
	p.off = sg->payload + (st->pos - soff);
	p.end = sg->payload + sg->len;
	bpf_loop(256, hello_step, &p, 0);
	if (p.result < 0 || (!p.result && p.off < p.end))
		goto other;
	if (!p.result)
		return 1; /* the ClientHello continues */
	rule = sni_match_sock(st->s.name, st->s.name_len);
	if (rule)
		return decided(st, rule, now);
other:
	st->s.state = TT_SOCK_OTHER;
	count(TT_C_SOCK_NOT_TLS, 1);
	return 1;
}

/* A socket of an armed process that existed before the agent: its record
 * starts at the first write it carries. */
static __always_inline struct sock_state *late_record(struct bpf_sock *sk,
						      struct __sk_buff *skb,
						      __u64 now)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct last_tls *lt;
	struct sock_state *st;

	if (now > late_start_until || !bpf_map_lookup_elem(&armed, &tgid))
		return NULL;
	/* The sending task must be the socket's: a segment sent from a
	 * softirq runs on whatever task was interrupted (on loopback, often
	 * the client whose request the server now answers). */
	if (bpf_skb_cgroup_id(skb) != bpf_get_current_cgroup_id())
		return NULL;
	lt = bpf_map_lookup_elem(&last_tls, &tid);
	if (!lt || now - lt->ts > LATE_WINDOW_NS)
		return NULL;
	st = bpf_sk_storage_get(&socks, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st)
		return NULL;
	__builtin_memset(st, 0, sizeof(*st));
	st->s.tgid = tgid;
	st->s.cgroup_id = bpf_get_current_cgroup_id();
	st->s.cookie = bpf_get_socket_cookie(skb);
	st->s.family = sk->family;
	st->s.dport = bpf_ntohs(sk->dst_port);
	st->s.daddr[0] = sk->dst_ip4;
	if (sk->family == AF_INET6) {
		st->s.daddr[0] = sk->dst_ip6[0];
		st->s.daddr[1] = sk->dst_ip6[1];
		st->s.daddr[2] = sk->dst_ip6[2];
		st->s.daddr[3] = sk->dst_ip6[3];
	}
	/* Not its connect(), which was before the agent: when it was first
	 * seen (0 would date its dark event at boot). */
	st->s.t_connect = now;
	/* No name: user space learns it from the connection it carries. */
	st->s.state = TT_SOCK_MAYBE;
	st->s.flags = TT_SOCKF_PREEXISTING;
	st->step = P_DONE;
	st->released = 1;
	list_sock(st);
	sock_event(st, TT_SOCK_EV_OPEN, 0, 0, 0);
	return st;
}

SEC("cgroup_skb/egress")
int sock_egress(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	struct sock_state *st;
	struct seg sg;
	__u8 first;
	__u64 now;

	if (!sk || !(sk = bpf_sk_fullsock(sk)))
		return 1;
	st = bpf_sk_storage_get(&socks, sk, 0, 0);
	if (!st) {
		/* Not an outbound connection we saw start (the common case:
		 * one lookup per packet). */
		if (!late_start_until || sk->protocol != IPPROTO_TCP)
			return 1;
		now = bpf_ktime_get_ns();
		st = late_record(sk, skb, now);
		if (!st)
			return 1;
	}
	if (st->s.state == TT_SOCK_OTHER)
		return 1;
	if (st->s.state != TT_SOCK_PARSING && st->released &&
	    (st->s.flags & TT_SOCKF_LINKED))
		return 1; /* decided, passing, tied: nothing more to learn */
	if (tcp_segment(skb, &sg) || !sg.len)
		return 1; /* the handshake, ACKs, FIN, RST */
	now = bpf_ktime_get_ns();
	if (st->s.state == TT_SOCK_PARSING)
		return parse_hello(skb, st, &sg, now);
	if (!st->released && st->s.state == TT_SOCK_AI && scoped_mode && hold_ns)
		return hold_verdict(st, now);
	if (!(st->s.flags & TT_SOCKF_LINKED) &&
	    !bpf_skb_load_bytes(skb, sg.payload, &first, 1))
		try_link(st, now, first);
	return 1;
}

/* ---- the end ---- */

/* The payload bytes of a connection that ends now (oldstate: the state it
 * leaves). The kernel's bytes_acked and bytes_received count sequence
 * space: our SYN (acked once established), our FIN once acked and the
 * peer's FIN once received take one each, and are no payload. */
static __always_inline void payload_bytes(struct sock *sk, struct tcp_sock *tp,
					  int oldstate, __u64 *sent, __u64 *rcvd)
{
	*sent = tp->bytes_acked;
	*rcvd = tp->bytes_received;
	if (*sent)
		(*sent)--; /* the SYN */
	/* Our FIN was sent in these states; all acked: it too. */
	if ((oldstate == TCP_FIN_WAIT1 || oldstate == TCP_FIN_WAIT2 ||
	     oldstate == TCP_CLOSING || oldstate == TCP_LAST_ACK) &&
	    tp->snd_una == tp->write_seq && *sent)
		(*sent)--;
	/* tcp_fin() marks the socket done when the peer's FIN arrives in
	 * order (tcp_done() marks it only after this tracepoint). */
	if ((sk->__sk_common.skc_flags & (1UL << SOCK_DONE)) && *rcvd)
		(*rcvd)--;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sock_state_change, struct sock *sk, int oldstate, int newstate)
{
	struct sock_state *st;
	struct tcp_sock *tp;
	__u64 sent = 0, rcvd = 0;

	if (newstate != TCP_CLOSE_STATE || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	st = bpf_sk_storage_get(&socks, sk, 0, 0);
	if (!st || st->s.state == TT_SOCK_PARSING || st->s.state == TT_SOCK_OTHER)
		return 0;
	tp = bpf_skc_to_tcp_sock(sk);
	if (tp)
		payload_bytes(sk, tp, oldstate, &sent, &rcvd);
	sock_event(st, TT_SOCK_EV_CLOSE, sent, rcvd, 0);
	/* rustls's keys are freed with no call to probe: its connection
	 * ends with its socket (aead.bpf.h). */
	if ((st->s.flags & TT_SOCKF_LINKED) && st->s.lib == TT_LIB_RUSTLS)
		conn_end(st->s.tgid, st->s.tls_conn, TT_LIB_RUSTLS);
	bpf_map_delete_elem(&ai_socks, &st->s.cookie);
	st->s.state = TT_SOCK_OTHER; /* reported once */
	return 0;
}

/* ---- the kick ---- */

/* Run by user space once a held connection's process is armed: setting
 * TCP_NODELAY runs tcp_push_pending_frames(), so the held segment goes
 * out now instead of at TCP's next retry (200 ms or more later). */
SEC("iter/tcp")
int sock_kick(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	int one = 1, zero = 0, old = 0;
	struct sock_state *st;
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	st = bpf_sk_storage_get(&socks, tp, 0, 0);
	if (!st || !(st->s.flags & TT_SOCKF_HELD) ||
	    (st->s.flags & TT_SOCKF_KICKED))
		return 0;
	if (!st->released) {
		__u8 *arm = bpf_map_lookup_elem(&armed, &st->s.tgid);

		if (!arm || (*arm != TT_ARM_ARMED && *arm != TT_ARM_UNTRACEABLE))
			return 0;
	}
	bpf_getsockopt(tp, SOL_TCP, TCP_NODELAY, &old, sizeof(old));
	bpf_setsockopt(tp, SOL_TCP, TCP_NODELAY, &one, sizeof(one));
	if (!old)
		bpf_setsockopt(tp, SOL_TCP, TCP_NODELAY, &zero, sizeof(zero));
	st->s.flags |= TT_SOCKF_KICKED;
	count(TT_C_SOCK_KICKED, 1);
	return 0;
}

#endif
