// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tokentap's kernel side, one object:
 *   maps.bpf.h      the maps and settings every part shares
 *   sni.bpf.h       server names matched against the host rules
 *   tls.bpf.h       plaintext at C-ABI TLS libraries (OpenSSL, GnuTLS,
 *                   BoringSSL), one entry and one return program
 *   go.bpf.h        plaintext at Go crypto/tls
 *   observer.bpf.h  every outbound TCP connection: the ClientHello's name,
 *                   the hold, the tie to a TLS connection, the end
 *   aead.bpf.h      rustls at aws-lc's AEAD, tied by socket reads
 *   proc.bpf.h      exec, exit, library loads
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "tt_abi.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#include "maps.bpf.h"
#include "sni.bpf.h"
#include "tls.bpf.h"
#include "go.bpf.h"
#include "observer.bpf.h"
#include "aead.bpf.h"
#include "proc.bpf.h"
