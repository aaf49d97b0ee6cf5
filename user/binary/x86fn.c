// SPDX-License-Identifier: MIT
/* x86-64 function analysis with Capstone: see x86fn.h. */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "binary/x86fn.h"
#include "util/sorted.h"

#define ARGS_PEEK 256 /* bytes read to see a function's first instructions */

int tt_x86fn_init(struct tt_x86fn *d)
{
	csh h;

	memset(d, 0, sizeof(*d));
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -ENOTSUP;
	if (cs_option(h, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK) {
		cs_close(&h);
		return -ENOTSUP;
	}
	d->handle = h;
	d->open = true;
	return 0;
}

void tt_x86fn_fini(struct tt_x86fn *d)
{
	csh h = d->handle;

	if (d->open)
		cs_close(&h);
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

/* Reads up to want bytes of code at start into d->buf (fewer at the end
 * of its executable segment). 0 and *got, -ERANGE, -errno. */
static int read_code(struct tt_x86fn *d, struct tt_elfview *ev,
		     uint64_t start, uint64_t want, size_t *got)
{
	uint64_t off;

	if (tt_elfview_va2off(ev, start, 1, true, &off))
		return -ERANGE;
	for (size_t i = 0; i < ev->nseg; i++) {
		const struct tt_elfseg *s = &ev->seg[i];

		if ((s->flags & 1 /* PF_X */) && start >= s->va &&
		    start - s->va < s->filesz && s->filesz - (start - s->va) < want)
			want = s->filesz - (start - s->va);
	}
	if (want > d->cap) {
		uint8_t *buf = realloc(d->buf, (size_t)want);

		if (!buf)
			return -ENOMEM;
		d->buf = buf;
		d->cap = (size_t)want;
	}
	*got = (size_t)want;
	return tt_elfview_read(ev, off, d->buf, *got);
}

/* Argument register index 0..5 (rdi..r9, any width), or -1. */
static int arg_index(unsigned r)
{
	switch (r) {
	case X86_REG_RDI: case X86_REG_EDI: case X86_REG_DI: case X86_REG_DIL:
		return 0;
	case X86_REG_RSI: case X86_REG_ESI: case X86_REG_SI: case X86_REG_SIL:
		return 1;
	case X86_REG_RDX: case X86_REG_EDX: case X86_REG_DX: case X86_REG_DL:
		return 2;
	case X86_REG_RCX: case X86_REG_ECX: case X86_REG_CX: case X86_REG_CL:
		return 3;
	case X86_REG_R8: case X86_REG_R8D: case X86_REG_R8W: case X86_REG_R8B:
		return 4;
	case X86_REG_R9: case X86_REG_R9D: case X86_REG_R9W: case X86_REG_R9B:
		return 5;
	default:
		return -1;
	}
}

/* Constants in the argument registers since the last call/jmp. */
struct blk {
	int64_t imm[6];
	uint64_t anchor, anchor_insn;
};

static void blk_reset(struct blk *b)
{
	for (int i = 0; i < 6; i++)
		b->imm[i] = TT_X86FN_NO_IMM;
	b->anchor = b->anchor_insn = 0;
}

static void track(const cs_insn *in, const uint64_t *anchors, size_t na,
		  struct blk *b)
{
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_op *dst = &x->operands[0], *src = &x->operands[1];
	int ai;

	if (x->op_count != 2 || dst->type != X86_OP_REG)
		return;
	ai = arg_index(dst->reg);
	if (in->id == X86_INS_MOV && src->type == X86_OP_IMM) {
		if (tt_sorted_has(anchors, na, (uint64_t)src->imm)) {
			b->anchor = (uint64_t)src->imm;
			b->anchor_insn = in->address;
		} else if (ai >= 0) {
			b->imm[ai] = src->imm;
		}
	} else if (in->id == X86_INS_XOR && src->type == X86_OP_REG &&
		   src->reg == dst->reg && ai >= 0) {
		b->imm[ai] = 0;
	} else if (in->id == X86_INS_LEA && src->type == X86_OP_MEM &&
		   src->mem.base == X86_REG_RIP &&
		   tt_sorted_has(anchors, na, in->address + in->size +
					  (uint64_t)src->mem.disp)) {
		b->anchor = in->address + in->size + (uint64_t)src->mem.disp;
		b->anchor_insn = in->address;
	} else if (ai >= 0) {
		b->imm[ai] = TT_X86FN_NO_IMM; /* overwritten by something else */
	}
}

/* A call or jmp: a site if an anchor was loaded since the last one. */
static void end_block(struct tt_x86sweep *out, struct blk *b)
{
	if (b->anchor && out->nsites < TT_X86FN_SITES_MAX) {
		struct tt_x86site *s = &out->sites[out->nsites++];

		s->insn = b->anchor_insn;
		s->anchor = b->anchor;
		memcpy(s->arg, b->imm, sizeof(s->arg));
	}
	blk_reset(b);
}

/* General register 0..15 (64- or 32-bit name), or -1. */
static int gpr(unsigned r)
{
	static const unsigned r64[16] = {
		X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX, X86_REG_RSP,
		X86_REG_RBP, X86_REG_RSI, X86_REG_RDI, X86_REG_R8, X86_REG_R9,
		X86_REG_R10, X86_REG_R11, X86_REG_R12, X86_REG_R13, X86_REG_R14,
		X86_REG_R15,
	};
	static const unsigned r32[16] = {
		X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX, X86_REG_ESP,
		X86_REG_EBP, X86_REG_ESI, X86_REG_EDI, X86_REG_R8D, X86_REG_R9D,
		X86_REG_R10D, X86_REG_R11D, X86_REG_R12D, X86_REG_R13D,
		X86_REG_R14D, X86_REG_R15D,
	};

	for (int i = 0; i < 16; i++)
		if (r == r64[i] || r == r32[i])
			return i;
	return -1;
}

#define VT_DISP_MAX 0x200 /* struct offsets a vtable call may use */

/* What the shape check needs: loads from [reg+d], and the stack depth. */
struct shape {
	int64_t ldisp[16]; /* register loaded from [reg+d] with this d, or -1 */
	int64_t depth;     /* bytes rsp is below its entry value; -1 unknown */
	bool fp;           /* "push rbp; mov rbp, rsp" at entry */
	bool push_rbp;     /* the first instruction is push rbp */
	size_t n;          /* instructions seen */
};

static void shape_reset(struct shape *sh)
{
	for (int i = 0; i < 16; i++)
		sh->ldisp[i] = -1;
	sh->depth = 0;
	sh->fp = sh->push_rbp = false;
	sh->n = 0;
}

/* d of a "[reg+d]" operand through a struct pointer, or -1. */
static int64_t vt_disp(const cs_x86_op *op)
{
	int b = gpr(op->mem.base);

	if (op->type != X86_OP_MEM || b < 0 || b == 4 || b == 5 ||
	    op->mem.index != X86_REG_INVALID || op->mem.disp < 0 ||
	    op->mem.disp >= VT_DISP_MAX || op->mem.disp % 8)
		return -1;
	return op->mem.disp;
}

/* A memory read of a stack argument: its bit, or 0. */
static uint32_t stack_arg(const struct shape *sh, const cs_x86_op *op)
{
	int64_t k = -1;

	if (op->type != X86_OP_MEM || op->mem.index != X86_REG_INVALID ||
	    op->mem.disp % 8)
		return 0;
	if (op->mem.base == X86_REG_RBP && sh->fp && op->mem.disp >= 0x10)
		k = (op->mem.disp - 0x10) / 8;
	else if (op->mem.base == X86_REG_RSP && sh->depth >= 0 &&
		 op->mem.disp >= sh->depth + 8)
		k = (op->mem.disp - sh->depth - 8) / 8;
	return k >= 0 && k < 32 ? 1u << k : 0;
}

/* The rsp depth after in (only on the path from the entry). */
static void shape_depth(struct shape *sh, const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_op *dst = &x->operands[0];
	bool rsp = x->op_count >= 1 && dst->type == X86_OP_REG &&
		   dst->reg == X86_REG_RSP;

	if (sh->depth < 0)
		return;
	if (in->id == X86_INS_PUSH)
		sh->depth += 8;
	else if (in->id == X86_INS_POP)
		sh->depth -= 8;
	else if (rsp && x->op_count == 2 && x->operands[1].type == X86_OP_IMM &&
		 (in->id == X86_INS_SUB || in->id == X86_INS_ADD))
		sh->depth += in->id == X86_INS_SUB ? x->operands[1].imm
						    : -x->operands[1].imm;
	else if (rsp || in->id == X86_INS_RET || in->id == X86_INS_JMP)
		sh->depth = -1; /* another path follows */
}

/* Before track(): stack argument reads, vtable loads and calls. */
static void shape_step(struct shape *sh, const cs_insn *in,
		       struct tt_x86sweep *out)
{
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_op *dst = &x->operands[0];
	bool branch = in->id == X86_INS_CALL || in->id == X86_INS_JMP;
	int r = x->op_count >= 1 && dst->type == X86_OP_REG ? gpr(dst->reg) : -1;
	int64_t d = -1;

	if (sh->n == 0)
		sh->push_rbp = in->id == X86_INS_PUSH && x->op_count == 1 &&
			       dst->type == X86_OP_REG && dst->reg == X86_REG_RBP;
	if (sh->n == 1 && sh->push_rbp && in->id == X86_INS_MOV && x->op_count == 2 &&
	    dst->type == X86_OP_REG && dst->reg == X86_REG_RBP &&
	    x->operands[1].type == X86_OP_REG && x->operands[1].reg == X86_REG_RSP)
		sh->fp = true;
	sh->n++;
	for (uint8_t i = 0; i < x->op_count && in->id != X86_INS_LEA; i++)
		if (!(i == 0 && in->id == X86_INS_MOV)) /* a store writes */
			out->stack_args |= stack_arg(sh, &x->operands[i]);
	if (branch && x->op_count == 1)
		d = r >= 0 ? sh->ldisp[r] : vt_disp(dst);
	if (d >= 0)
		out->vcalls |= 1ull << (d / 8);
	shape_depth(sh, in);
	if (in->id == X86_INS_CALL) { /* caller-saved registers are gone */
		static const int clobbered[] = { 0, 1, 2, 6, 7, 8, 9, 10, 11 };

		for (size_t i = 0; i < sizeof(clobbered) / sizeof(clobbered[0]); i++)
			sh->ldisp[clobbered[i]] = -1;
	} else if (r >= 0 && !branch && in->id != X86_INS_PUSH &&
		   in->id != X86_INS_CMP && in->id != X86_INS_TEST) {
		sh->ldisp[r] = in->id == X86_INS_MOV && x->op_count == 2 &&
			       dst->size == 8 ? vt_disp(&x->operands[1]) : -1;
	}
}

static void add_call(struct tt_x86sweep *out, uint64_t t)
{
	if (tt_x86fn_calls(out, t))
		return;
	if (out->ncalls < TT_X86FN_CALLS_MAX)
		out->calls[out->ncalls++] = t;
}

/* Drops branch targets inside [start, end): loops and local jumps. */
static void drop_local(struct tt_x86sweep *out)
{
	for (size_t i = 0; i < out->ncalls;) {
		if (out->calls[i] >= out->start && out->calls[i] < out->end)
			out->calls[i] = out->calls[--out->ncalls];
		else
			i++;
	}
}

int tt_x86fn_sweep(struct tt_x86fn *d, struct tt_elfview *ev, uint64_t start,
		   uint64_t size, const uint64_t *anchors, size_t na,
		   const uint64_t *refs, size_t nr, struct tt_x86sweep *out)
{
	const uint8_t *code;
	size_t len, hits = 0, ri = 0;
	uint64_t addr = start;
	struct shape sh;
	struct blk b;
	cs_insn *in;
	int ret;

	memset(out, 0, sizeof(*out));
	out->start = start;
	if (size > TT_X86FN_BYTES_MAX)
		return -E2BIG;
	ret = read_code(d, ev, start, size ? size : TT_X86FN_SWEEP_MAX, &len);
	if (ret)
		return ret;
	in = cs_malloc(d->handle);
	if (!in)
		return -ENOMEM;
	code = d->buf;
	blk_reset(&b);
	shape_reset(&sh);
	while (cs_disasm_iter(d->handle, &code, &len, &addr, in)) {
		const cs_x86 *x = &in->detail->x86;

		out->ninsn++;
		while (ri < nr && refs[ri] + 1 < in->address)
			ri++; /* passed: inside an instruction */
		if (ri < nr && (refs[ri] == in->address ||
				refs[ri] + 1 == in->address)) {
			hits++;
			ri++;
		}
		if (!size && in->id == X86_INS_INT3) {
			addr = in->address; /* padding after the function */
			break;
		}
		shape_step(&sh, in, out);
		track(in, anchors, na, &b);
		if (in->id == X86_INS_CALL || in->id == X86_INS_JMP) {
			if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM)
				add_call(out, (uint64_t)x->operands[0].imm);
			end_block(out, &b);
		} else if (in->id == X86_INS_RET) {
			blk_reset(&b);
		}
	}
	cs_free(in, 1);
	out->end = addr;
	drop_local(out);
	out->sync = hits >= nr;
	return 0;
}

int tt_x86fn_reads_arg(struct tt_x86fn *d, struct tt_elfview *ev,
		       uint64_t start, int arg)
{
	const uint8_t *code;
	uint64_t addr = start;
	size_t len;
	int ret, result = 0;
	bool done = false;
	cs_insn *in;

	if (arg < 0 || arg > 5)
		return -EINVAL;
	ret = read_code(d, ev, start, ARGS_PEEK, &len);
	if (ret)
		return ret;
	in = cs_malloc(d->handle);
	if (!in)
		return -ENOMEM;
	code = d->buf;
	while (!done && cs_disasm_iter(d->handle, &code, &len, &addr, in)) {
		cs_regs rd, wr;
		uint8_t nrd, nwr;

		if (cs_regs_access(d->handle, in, rd, &nrd, wr, &nwr) != CS_ERR_OK)
			break;
		for (uint8_t i = 0; i < nrd && !done; i++)
			if (arg_index(rd[i]) == arg)
				result = 1, done = true;
		for (uint8_t i = 0; i < nwr && !done; i++)
			if (arg_index(wr[i]) == arg)
				done = true; /* written first: not an argument */
		if (in->id == X86_INS_CALL || in->id == X86_INS_JMP ||
		    in->id == X86_INS_RET)
			done = true;
	}
	cs_free(in, 1);
	return result;
}

int tt_x86fn_fp_entry(struct tt_elfview *ev, uint64_t va, uint64_t *entry)
{
	static const uint8_t prologue[4] = { 0x55, 0x48, 0x89, 0xe5 };
	uint64_t top = va & ~(uint64_t)15, lo, off;
	uint8_t *buf;
	size_t len;
	int ret = -ENOENT;

	lo = top > TT_X86FN_SCAN_BACK ? top - TT_X86FN_SCAN_BACK : 0;
	/* The window: file-backed code of the segment holding top. */
	for (size_t i = 0; i < ev->nseg; i++) {
		const struct tt_elfseg *s = &ev->seg[i];

		if ((s->flags & 1 /* PF_X */) && top >= s->va &&
		    top - s->va < s->filesz && lo < s->va)
			lo = (s->va + 15) & ~(uint64_t)15;
	}
	if (lo > top || tt_elfview_va2off(ev, lo, top + 4 - lo, true, &off))
		return -ENOENT;
	len = (size_t)(top + 4 - lo);
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	ret = tt_elfview_read(ev, off, buf, len);
	if (ret)
		goto out;
	ret = -ENOENT;
	for (uint64_t a = top + 16; a > lo; a -= 16) {
		if (!memcmp(buf + (a - 16 - lo), prologue, sizeof(prologue))) {
			*entry = a - 16;
			ret = 0;
			break;
		}
	}
out:
	free(buf);
	return ret;
}

bool tt_x86fn_calls(const struct tt_x86sweep *f, uint64_t target)
{
	for (size_t i = 0; i < f->ncalls; i++)
		if (f->calls[i] == target)
			return true;
	return false;
}
