#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of tests/fuzz/sslfind_fuzz.c.

Usage: mk_sslfind_seeds.py DIR [IMAGE-DIR]

Mode-1 inputs (the harness builds the ELF around them, see build_elf in
sslfind_fuzz.c; the layout here must match it): small programs in which
the finder does find OpenSSL 3 (PIE, ERR __func__ names, .eh_frame),
BoringSSL (non-PIE, ssl_lib.cc error reasons, frame-pointer prologues,
callers), rustls (panic Locations, .eh_frame) and aws-lc's AEAD (aead.c
error reasons, stack-argument reads, vtable calls, .eh_frame; and two
variants it must refuse). Mode 0: the same
OpenSSL image as a whole file. Mode 2: a CIE body. With IMAGE-DIR, the
three images are also written there whole, to check what the finder makes
of them (the fuzz harness builds the same bytes).
"""
import os
import struct
import sys

BASE = 0x400000
OFF_RO = 0x200


def align16(v):
    return (v + 15) & ~15


class Layout:
    """Addresses build_elf gives .rodata, .eh_frame and .text."""

    def __init__(self, pie, nro, neh):
        self.va0 = 0 if pie else BASE
        self.ro = self.va0 + OFF_RO
        self.eh = self.va0 + align16(OFF_RO + nro)
        self.tx = self.va0 + align16(align16(OFF_RO + nro) + neh)


def seed(pie, ro, eh, tx):
    return bytes([1, 1 if pie else 0]) + struct.pack("<HH", len(ro), len(eh)) + ro + eh + tx


def strings(names):
    blob, at = b"", {}
    for n in names:
        at[n] = len(blob)
        blob += n.encode() + b"\0"
    return blob, at


def lea(reg, insn_va, target):
    """lea r64, [rip+disp32] (reg 0..7)."""
    return bytes([0x48, 0x8D, 0x05 | (reg << 3)]) + struct.pack("<i", target - (insn_va + 7))


def call(insn_va, target):
    return b"\xe8" + struct.pack("<i", target - (insn_va + 5))


def pad16(code):
    return code + b"\xcc" * (align16(len(code)) - len(code))


def ehframe(eh_va, funcs):
    """A CIE (zR, pcrel sdata4) and one FDE per (start, size)."""
    cie_body = struct.pack("<I", 0) + bytes([1]) + b"zR\0" + bytes([1, 0x78, 16, 1, 0x1B])
    cie_body += b"\0" * (align16(len(cie_body) + 4) - 4 - len(cie_body))
    out = struct.pack("<I", len(cie_body)) + cie_body
    for start, size in funcs:
        here = len(out)
        body = struct.pack("<I", here + 4)  # back to the CIE at 0
        field_va = eh_va + here + 8
        body += struct.pack("<iI", start - field_va, size) + b"\0"
        body += b"\0" * (align16(len(body) + 4) - 4 - len(body))
        out += struct.pack("<I", len(body)) + body
    return out + struct.pack("<I", 0)


def openssl_seed():
    names = ["ssl_write_internal", "ssl_read_internal", "SSL_write", "SSL_read",
             "ssl3_ctrl", "SSL_shutdown"]
    ro, at = strings(names + ["OpenSSL 3.0.2 15 Mar 2022"])
    nfunc = len(names)
    eh_len = len(ehframe(0, [(0, 0)] * nfunc))
    lay = Layout(True, len(ro), eh_len)
    tx, funcs = b"", []
    for i, n in enumerate(names):
        va = lay.tx + len(tx)
        code = lea(2, va, lay.ro + at[n])
        # the wrappers call their worker; every function calls "ERR_new"
        target = lay.tx + 16 * 2 * (i - 2) if n in ("SSL_write", "SSL_read") else lay.tx
        code += call(va + len(code), target) + b"\xc3"
        code = pad16(code)
        code += b"\xcc" * (32 - len(code))
        funcs.append((va, 32))
        tx += code
    eh = ehframe(lay.eh, funcs)
    assert len(eh) == eh_len
    return seed(True, ro, eh, tx), (ro, eh, tx, lay)


def bssl_seed():
    path = "../../vendor/boringssl/ssl/ssl_lib.cc"
    ro, at = strings(["x", path])
    lay = Layout(False, len(ro), 0)
    file_va = lay.ro + at[path]
    # SSL_write, ssl_read_impl, SSL_read (calls ssl_read_impl), the server
    # name, the handshake, SSL_shutdown: their reasons
    reasons = [[66, 226, 111], [226, 215], [66], [213], [134], [226, 291]]
    tx, entries = b"", []
    for i, rs in enumerate(reasons):
        va = lay.tx + len(tx)
        entries.append(va)
        code = b"\x55\x48\x89\xe5"                     # push rbp; mov rbp, rsp
        for r in rs:
            code += b"\xbf\x10\x00\x00\x00"              # mov edi, 16
            code += b"\x31\xf6"                          # xor esi, esi
            code += b"\xba" + struct.pack("<I", r)       # mov edx, reason
            code += b"\xb9" + struct.pack("<I", file_va)  # mov ecx, file
            code += b"\x41\xb8\x2a\x00\x00\x00"          # mov r8d, 42
            code += call(va + len(code), lay.tx + 0x1000)
        if i == 2:
            code += call(va + len(code), entries[1])
        tx += pad16(code + b"\x5d\xc3") + b"\xcc" * 16
    # a caller of each entry
    va = lay.tx + len(tx)
    code = b"\x55\x48\x89\xe5"
    for e in entries:
        code += call(va + len(code), e)
    tx += pad16(code + b"\x5d\xc3")
    return seed(False, ro, b"", tx)


def rustls_seed():
    base = "/c/.cargo/registry/src/x/rustls-0.23.46/src/"
    files = ["vecbuf.rs", "msgs/fragmenter.rs", "record_layer.rs"]
    paths = b"".join((base + f).encode() for f in files)
    msg = b"illegal `BufRead::consume` usage"
    head = paths + msg
    ro_head = head + b"\0" * (align16(len(head)) - len(head))
    nloc = 4
    ro_len = len(ro_head) + 24 * nloc
    eh_len = len(ehframe(0, [(0, 0)] * 2))
    lay = Layout(True, ro_len, eh_len)
    loc_va = lay.ro + len(ro_head)
    assert loc_va % 8 == 0
    offs, o = [], 0
    for f in files:
        offs.append((lay.ro + o, len(base + f)))
        o += len(base + f)
    locs = [offs[0] + (162, 9), offs[1] + (101, 5), offs[2] + (112, 9), offs[0] + (150, 40)]
    ro = ro_head + b"".join(struct.pack("<QQII", p, n, line, col) for p, n, line, col in locs)
    msg_va = lay.ro + len(paths)
    tx = b""
    # send_appdata_encrypt: fragmenter + record_layer Locations
    va = lay.tx
    code = lea(2, va, loc_va + 24)
    code += lea(2, va + len(code), loc_va + 48) + b"\xc3"
    send = (va, 64)
    tx += code + b"\xcc" * (64 - len(code))
    # consume_first_chunk: the message and a vecbuf Location
    va = lay.tx + len(tx)
    code = lea(7, va, msg_va)
    code += lea(2, va + len(code), loc_va) + b"\xc3"
    consume = (va, 64)
    tx += code + b"\xcc" * (64 - len(code))
    eh = ehframe(lay.eh, [send, consume])
    assert len(eh) == eh_len
    return seed(True, ro, eh, tx)


def awslc_seed(variant="ok"):
    """aws-lc's aead.c (PIE, .eh_frame): EVP_AEAD_CTX_seal, seal_scatter,
    open and open_gather with their CIPHER reasons and shapes. Variants the
    finder must refuse: "noshape" (seal reads no stack argument), "reason"
    (open lacks BAD_DECRYPT: only open_gather's set is left)."""
    path = "/aws-lc/crypto/fipsmodule/cipher/aead.c"
    ro, at = strings(["x", path])
    rbp_args = lambda *ds: b"".join(b"\x48\x8b\x45" + bytes([d]) for d in ds)
    seal_args = b"" if variant == "noshape" else rbp_args(0x10, 0x18)
    open_reasons = [115, 103] if variant == "reason" else [115, 101, 103, 104]
    vt = lambda disp: b"\x4c\x8b\x17" + b"\x41\xff\x52" + bytes([disp])  # r10=[rdi]; call [r10+d]
    funcs = [  # (reasons, code before the sites, code after them)
        ([117, 103, 115], seal_args, vt(0x30)),
        ([115, 112], rbp_args(0x18, 0x20), vt(0x30)),
        # rcx=[rdi]; r12=[rcx+0x28] ... call r12
        (open_reasons, rbp_args(0x10, 0x18) + b"\x48\x8b\x0f\x4c\x8b\x61\x28", b"\x41\xff\xd4"),
        ([115, 104], b"", b"\x48\x8b\x07\xff\x50\x38"),  # rax=[rdi]; call [rax+0x38]
    ]
    eh_len = len(ehframe(0, [(0, 0)] * len(funcs)))
    lay = Layout(True, len(ro), eh_len)
    file_va = lay.ro + at[path]
    tx, bounds = b"", []
    for reasons, pre, post in funcs:
        va = lay.tx + len(tx)
        code = b"\x55\x48\x89\xe5" + pre                # push rbp; mov rbp, rsp
        for r in reasons:
            code += lea(1, va + len(code), file_va)       # lea rcx, [file]
            code += b"\xbf\x1e\x00\x00\x00\x31\xf6"      # mov edi, 30; xor esi, esi
            code += b"\xba" + struct.pack("<I", r)        # mov edx, reason
            code += b"\x41\xb8\x2a\x00\x00\x00"          # mov r8d, 42
            code += call(va + len(code), lay.tx + 0x1000)
        code = pad16(code + post + b"\x5d\xc3")
        bounds.append((va, len(code)))
        tx += code
    eh = ehframe(lay.eh, bounds)
    assert len(eh) == eh_len
    return seed(True, ro, eh, tx)


def build_elf(data):
    """The image sslfind_fuzz.c's build_elf makes of a mode-1 input."""
    d = data[1:]
    pie = d[0] & 1
    nro, neh = struct.unpack("<HH", d[1:5])
    d = d[5:]
    nro = min(nro, len(d))
    neh = min(neh, len(d) - nro)
    ro, eh, tx = d[:nro], d[nro:nro + neh], d[nro + neh:]
    off_eh = align16(OFF_RO + nro)
    off_tx = align16(off_eh + neh)
    shstr = b"\0.rodata\0.eh_frame\0.text\0.shstrtab\0\0"
    off_str = off_tx + len(tx)
    off_sh = align16(off_str + len(shstr))
    va0 = 0 if pie else BASE
    img = bytearray(off_sh + 5 * 64)
    img[OFF_RO:OFF_RO + nro] = ro
    img[off_eh:off_eh + neh] = eh
    img[off_tx:off_tx + len(tx)] = tx
    img[off_str:off_str + len(shstr)] = shstr
    img[0:64] = (b"\x7fELF\x02\x01" + b"\0" * 10 +
                 struct.pack("<HHIQQQIHHHHHH", 3 if pie else 2, 62, 0, 0, 64, off_sh,
                             0, 64, 56, 2, 64, 5, 4))
    img[64:120] = struct.pack("<IIQQQQQQ", 1, 4, 0, va0, va0, off_tx, off_tx, 0x1000)
    img[120:176] = struct.pack("<IIQQQQQQ", 1, 5, off_tx, va0 + off_tx, va0 + off_tx,
                               len(tx), len(tx), 0x1000)
    secs = [(1, 1, 2, va0 + OFF_RO, OFF_RO, nro), (9, 1, 2, va0 + off_eh, off_eh, neh),
            (19, 1, 6, va0 + off_tx, off_tx, len(tx)), (25, 3, 0, 0, off_str, len(shstr))]
    for i, (name, typ, flags, addr, off, size) in enumerate(secs):
        img[off_sh + 64 * (i + 1):off_sh + 64 * (i + 2)] = struct.pack(
            "<IIQQQQIIQQ", name, typ, flags, addr, off, size, 0, 0, 1, 0)
    return bytes(img)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ossl, _ = openssl_seed()
    seeds = {"openssl-pie": ossl, "boringssl-exec": bssl_seed(),
             "rustls-pie": rustls_seed(), "awslc-pie": awslc_seed(),
             "awslc-noshape-pie": awslc_seed("noshape"),
             "awslc-reason-pie": awslc_seed("reason"),
             "cie-zplr": bytes([2, 1]) + b"zPLR\0" + bytes([1, 0x78, 16, 7, 0x9B, 1, 2, 3, 4, 0x1B, 0x1B])}
    seeds["openssl-image"] = b"\0" + build_elf(ossl)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    if len(sys.argv) > 2:  # the images themselves, to look at
        for name in ("openssl-pie", "boringssl-exec", "rustls-pie", "awslc-pie",
                     "awslc-noshape-pie", "awslc-reason-pie"):
            with open(os.path.join(sys.argv[2], name + ".elf"), "wb") as f:
                f.write(build_elf(seeds[name]))


if __name__ == "__main__":
    main()
