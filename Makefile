# tokentap — out-of-tree build in build/. `make V=1` shows the commands.
.DELETE_ON_ERROR:
.SUFFIXES:

ARCH      ?= x86
CC        ?= cc
CLANG     ?= clang
BPFTOOL   ?= bpftool
PYTHON    ?= /usr/bin/python3
B         := build
PREFIX    ?= /usr/local

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Iuser -Iuser/abi -I$(B) -DTT_DATADIR='"$(PREFIX)/share/tokentap"'
# Each compile also writes the headers it read to $@.d (-MP: a header that
# goes away is no error); make reads them back at the end of this file, so
# an object is rebuilt for its own source and the headers it includes.
DEPFLAGS  = -MMD -MP -MF $@.d
# Libraries by who needs them: the pure cores (and so the unit tests and
# fuzzers) only CORE_LDLIBS; the agent's adapters add libbpf, libcurl (OTLP
# export), libmicrohttpd (/metrics) and pthreads.
CORE_LDLIBS := -lelf -lz -lcjson -lcrypto -lbrotlidec -lzstd -lnghttp2 -lcapstone
LDLIBS   := -lbpf -lcurl -lmicrohttpd -lpthread $(CORE_LDLIBS)
# Tests and fuzzers link the cores as an archive, so each takes only the
# objects it uses, and records only the libraries those need.
TEST_LDFLAGS := -Wl,--as-needed

# Pure cores: no BPF, no root; linked into unit tests, fuzzers and the agent.
CORE_DIRS := user/util user/binary user/owner user/pricing user/config user/hosts \
	user/pipeline user/exchange user/http user/body user/framing user/provider user/alloc \
	user/report user/reconcile user/otlp user/metrics user/budget user/smoke \
	user/retry
CORE_SRCS := $(foreach d,$(CORE_DIRS),$(wildcard $(d)/*.c))
# OS adapters and commands.
AGENT_SRCS := $(wildcard user/agent/*.c) user/main.c
CORE_OBJS := $(CORE_SRCS:%.c=$(B)/%.o)
AGENT_OBJS := $(AGENT_SRCS:%.c=$(B)/%.o)
# The agent's counter table (user/agent/counters.h) calls no adapter: unit
# tests and tools/counters_doc.c link it with the cores.
TABLE_OBJS := $(B)/user/agent/counters.o $(B)/user/agent/counters_doc.o
# The docs whose counter lists and agent_stats names counters-doc checks.
COUNTER_DOCS := README.md $(wildcard docs/*.md)
CORE_LIB  := $(B)/libttcore.a

UNIT_SRCS := $(wildcard tests/unit/*_test.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

BPF_SRC   := bpf/tokentap.bpf.c
BPF_OBJ   := $(B)/bpf/tokentap.bpf.o
BPF_LINK  := $(B)/bpf/tokentap.o
SKEL      := $(B)/tokentap.skel.h

BENCH_BIN := $(B)/bench/ssl_rtt
GNUTLS_BENCH_BIN := $(B)/bench/gnutls_rtt
CONNS_BENCH_BIN := $(B)/bench/tls_conns

# Go test programs (tests/go/<name>), built when go is installed; the unit
# tests that read them fail when they are missing. No network (GOPROXY=off),
# no home directory, no VCS stamping (a checkout owned by another user).
GO        ?= $(shell command -v go 2>/dev/null)
GO_ENV    := GOCACHE=$(abspath $(B))/go/cache GOPATH=$(abspath $(B))/go/path \
	GOENV=off GOPROXY=off GOFLAGS= CGO_ENABLED=0
GO_BINS   := $(if $(GO),$(addprefix $(B)/go/,tlsclient tlsclient-stripped \
	tlsclient-pie))
GO_BENCH_BIN := $(if $(GO),$(B)/go/rtt)

# A TLS client linked statically with Debian's libssl.a (tests/sslstatic),
# with symbols and stripped, as an executable and as a static PIE: the
# stripped ones stand for programs that carry OpenSSL without symbols
# (sslfind_test, e2e test_static_tls). The warnings about getaddrinfo in
# static programs are libcrypto's, for code this client never calls.
SSLSTATIC_BINS := $(addprefix $(B)/sslstatic/,tlsclient tlsclient-stripped \
	tlsclient-spie tlsclient-spie-stripped)

# A TLS client the agent cannot trace (tests/e2e/test_dark.py): mbedTLS,
# linked statically, built when its headers are installed (libmbedtls-dev);
# the test says SKIP otherwise.
MBEDTLS_H := $(wildcard /usr/include/mbedtls/ssl.h)
E2E_BINS  := $(if $(MBEDTLS_H),$(B)/e2e/mbed_chat)

# libFuzzer targets: tests/fuzz/<name>_fuzz.c, cores rebuilt with sanitizers.
FUZZ_SRCS := $(wildcard tests/fuzz/*_fuzz.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_CORE_OBJS := $(CORE_SRCS:%.c=$(B)/fuzz-obj/%.o)
FUZZ_CORE_LIB := $(B)/fuzz-obj/libttcore.a
FUZZ_OBJS := $(FUZZ_SRCS:%.c=$(B)/fuzz-obj/%.o)
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 5
.SECONDARY: $(FUZZ_CORE_OBJS) $(FUZZ_OBJS) $(UNIT_BINS:=.o)

.PHONY: all deps test unit report-test unit-bins rules-test check-build e2e chaos bench bench-decode \
	bench-capture clean install fuzz fuzz-smoke golden demo docs prices coverage
all: $(B)/tokentap $(E2E_BINS)

$(BPF_OBJ): $(BPF_SRC) $(wildcard bpf/*.bpf.h) $(wildcard user/abi/*.h) vmlinux/$(ARCH)/vmlinux.h
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(DEPFLAGS) \
		-Ivmlinux/$(ARCH) -Iuser/abi -Wall -Werror -c $< -o $@

$(BPF_LINK): $(BPF_OBJ)
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(SKEL): $(BPF_LINK)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name tokentap_bpf > $@

# Only the objects whose source includes the skeleton wait for it (as in
# libbpf-bootstrap's examples/c/Makefile); every other object, so every
# unit test and fuzzer, builds without clang and bpftool. Found by grep, so
# a new includer is covered; tests/check_build.sh holds this.
SKEL_OBJS := $(patsubst %.c,$(B)/%.o,$(shell grep -l 'tokentap\.skel\.h' $(CORE_SRCS) $(AGENT_SRCS)))
$(SKEL_OBJS): $(SKEL)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(DEPFLAGS) -c $< -o $@

$(B)/tokentap: $(CORE_OBJS) $(AGENT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# Rebuilt whole, so an object whose source is gone does not linger.
$(CORE_LIB) $(FUZZ_CORE_LIB): %/libttcore.a:
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(CORE_LIB): $(CORE_OBJS)
$(FUZZ_CORE_LIB): $(FUZZ_CORE_OBJS)

$(B)/fuzz-obj/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZ_CFLAGS) $(WARN) $(DEPFLAGS) -c $< -o $@

# A target's own object is built by the rule above (fuzz-obj/tests/fuzz/).
$(FUZZ_BINS): $(B)/fuzz/%: $(B)/fuzz-obj/tests/fuzz/%.o $(FUZZ_CORE_LIB)
	@mkdir -p $(@D)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined $^ -o $@ $(TEST_LDFLAGS) $(CORE_LDLIBS)

fuzz: $(FUZZ_BINS)

# The same program three ways: with symbols, stripped, and position
# independent (how distributions often build Go).
GO_FLAGS_tlsclient :=
GO_FLAGS_tlsclient-stripped := -ldflags="-s -w"
GO_FLAGS_tlsclient-pie := -buildmode=pie
$(GO_BINS): $(B)/go/%: $(wildcard tests/go/tlsclient/*.go) tests/go/tlsclient/go.mod
	@mkdir -p $(@D)
	$(call msg,GO,$@)
	$(Q)cd tests/go/tlsclient && $(GO_ENV) $(GO) build -buildvcs=false \
		$(GO_FLAGS_$*) -o $(abspath $@) .

# The Go round-trip driver of make bench (bench/run_bench.py).
$(B)/go/rtt: $(wildcard tests/go/rtt/*.go) tests/go/rtt/go.mod
	@mkdir -p $(@D)
	$(call msg,GO,$@)
	$(Q)cd tests/go/rtt && $(GO_ENV) $(GO) build -buildvcs=false -o $(abspath $@) .

# The ledger writer's test runs the agent's own file code on real files
# (no BPF, no libbpf): its objects are linked in beside the cores.
$(B)/tests/output_test: $(B)/user/agent/output.o $(B)/user/agent/safefile.o

$(B)/e2e/mbed_chat: tests/e2e/clients/mbed_chat.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -D_GNU_SOURCE $< -o $@ \
		-Wl,-Bstatic -lmbedtls -lmbedx509 -lmbedcrypto -Wl,-Bdynamic

# gobin_test reads the Go binaries (make unit and make test both build them).
$(B)/tests/gobin_test: | $(GO_BINS)

SSLSTATIC_LINK_tlsclient := -static
SSLSTATIC_LINK_tlsclient-spie := -static-pie
$(B)/sslstatic/tlsclient $(B)/sslstatic/tlsclient-spie: $(B)/sslstatic/%: \
		tests/sslstatic/tlsclient.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) $(SSLSTATIC_LINK_$*) $< -o $@ -lssl -lcrypto \
		-Wl,--no-warnings

$(B)/sslstatic/%-stripped: $(B)/sslstatic/%
	$(call msg,STRIP,$@)
	$(Q)strip -o $@ $<

# sslfind_test reads the static clients; tlslib_test also links the agent's
# table of TLS libraries (pure: no BPF, no /proc).
$(B)/tests/sslfind_test $(B)/tests/tlslib_test: | $(SSLSTATIC_BINS)
$(B)/tests/tlslib_test: $(B)/user/agent/tlslib.o

# Each target briefly from its checked-in corpus (make test); run longer
# with FUZZ_SECONDS=600.
fuzz-smoke: $(FUZZ_BINS)
	$(Q)$(PYTHON) tests/run_fuzz.py --seconds $(FUZZ_SECONDS) $(FUZZ_BINS)

# Compiled and linked apart: a change in a core relinks the tests, and
# recompiles only those whose source includes a header that changed.
$(B)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(WARN) $(DEPFLAGS) -c $< -o $@

$(B)/counters-doc: tools/counters_doc.c $(TABLE_OBJS) $(CORE_LIB)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $< $(TABLE_OBJS) $(CORE_LIB) -o $@ \
		$(TEST_LDFLAGS) $(CORE_LDLIBS)

# The counter lists in docs/metrics.md, rewritten from the table.
docs: $(B)/counters-doc
	$(Q)$(B)/counters-doc --write $(COUNTER_DOCS)

# Objects before the archive, whatever order extra prerequisites came in.
$(UNIT_BINS): $(B)/tests/%: $(B)/tests/%.o $(TABLE_OBJS) $(CORE_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(filter %.o,$^) $(filter %.a,$^) -o $@ $(TEST_LDFLAGS) \
		$(CORE_LDLIBS)

$(B)/bench/decode_bench: bench/decode_bench.c $(CORE_LIB)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(DEPFLAGS) $< $(CORE_LIB) -o $@ \
		$(TEST_LDFLAGS) $(CORE_LDLIBS)

$(B)/bench/sslfind_bench: bench/sslfind_bench.c $(CORE_LIB)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(DEPFLAGS) $< $(CORE_LIB) -o $@ \
		$(TEST_LDFLAGS) $(CORE_LDLIBS)

# Decode throughput on one core (no root): docs/performance.md.
bench-decode: $(B)/bench/decode_bench $(B)/tokentap
	$(Q)$(PYTHON) bench/run_decode_bench.py --bench $(B)/bench/decode_bench \
		--agent $(B)/tokentap

$(BENCH_BIN): bench/ssl_rtt.c bench/bench_tls.h
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -fno-inline $< -o $@ -lssl -lcrypto -lpthread

$(CONNS_BENCH_BIN): bench/tls_conns.c bench/bench_tls.h
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) $< -o $@ -lssl -lcrypto

$(GNUTLS_BENCH_BIN): bench/gnutls_rtt.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -fno-inline $< -o $@ -lgnutls -lpthread

# Debian packages for build, tests and benchmarks (idempotent, quiet).
DEPS := clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libcjson-dev \
	libssl-dev libbrotli-dev libzstd-dev libnghttp2-dev libclang-rt-14-dev \
	pkg-config make \
	gcc curl openssl ca-certificates python3 python3-requests python3-brotli \
	python3-zstandard python3-jsonschema nodejs wget iproute2 util-linux procps \
	libcapstone-dev golang-go python3-h2 python3-httpx libgnutls28-dev \
	libcurl4-openssl-dev libmicrohttpd-dev prometheus libmbedtls-dev python3-botocore \
	nginx nghttp2-client python3-websockets
deps:
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "deps: all present"; fi
	@# The official SDKs the end-to-end tests drive (npm registry).
	@if [ ! -d tests/e2e/node/node_modules ]; then \
		echo "deps: npm ci in tests/e2e/node"; \
		cd tests/e2e/node && npm ci --silent --no-audit --no-fund; fi
	@# The coding agents (two versions each, npm aliases) and the openai SDK's
	@# WebSocket clients the agent e2e tests drive: ~1.5 GB, ~35 s from an
	@# empty npm cache; installed when missing or older than its lock file.
	@if [ ! -f tests/e2e/agents/node_modules/.package-lock.json ] || \
	    [ tests/e2e/agents/package-lock.json -nt tests/e2e/agents/node_modules/.package-lock.json ]; then \
		echo "deps: npm ci in tests/e2e/agents"; \
		cd tests/e2e/agents && npm ci --silent --no-audit --no-fund; fi

# T picks tests: `make unit T=h1_test` runs one binary, T=h1_test:NAME one
# test in it (several: T="h1_test:a,b sse_test"); only those are built.
UNIT_RUN := $(if $(T),$(addprefix $(B)/tests/,$(T)),$(UNIT_BINS))
UNIT_SEL := $(foreach t,$(UNIT_RUN),$(firstword $(subst :, ,$(t))))
unit-bins: $(UNIT_SEL)
unit: $(UNIT_SEL) $(if $(T),,$(GO_BINS) $(SSLSTATIC_BINS) $(B)/counters-doc)
	$(Q)$(PYTHON) tests/run_unit.py $(UNIT_RUN)
	$(Q)$(if $(T),true,$(B)/counters-doc $(COUNTER_DOCS))
	$(Q)$(if $(T),true,$(MAKE) --no-print-directory rules-test)

# The shipped Prometheus rules (packaging/prometheus/) against their unit
# tests: promtool comes with Debian's prometheus (make deps).
PROMTOOL ?= $(shell command -v promtool 2>/dev/null)
RULES := packaging/prometheus/tokentap-rules.yml
rules-test:
	$(Q)if [ -z "$(PROMTOOL)" ]; then \
		echo "SKIP rules-test: promtool not installed (make deps: prometheus)"; \
	else $(PROMTOOL) check rules $(RULES) >/dev/null && \
		$(PROMTOOL) test rules tests/prometheus/*.test.yml; fi

# The build's own promises (no skeleton for unit tests, header-exact
# rebuilds, per-target libraries): see the script.
check-build:
	$(Q)tests/check_build.sh

e2e: $(B)/tokentap $(SSLSTATIC_BINS) $(E2E_BINS)
	$(Q)$(PYTHON) tests/e2e/run.py --agent $(B)/tokentap

# The chaos suite (root, real agent): disk full, symlink and foreign-owner
# attacks, oversized heads, a ledger flood, kill -9, SIGSTOP, OTLP outage,
# reload storm (docs/testing.md). Short form within 5 minutes; CHAOS=long
# for the long one, K=NAME for one case.
chaos: $(B)/tokentap
	$(Q)$(PYTHON) tests/chaos/run.py --agent $(B)/tokentap \
		$(if $(filter long,$(CHAOS)),--long) $(if $(K),-k $(K))

# Golden replay: recorded capture streams in, expected records out.
# The runners, in order (make coverage runs the same list).
GOLDEN_RUNNERS := tests/run_golden.py tests/report_check.py \
	tests/reconcile_check.py tests/pricing_check.py tests/smoke_check.py
golden: $(B)/tokentap
	$(Q)set -e; for r in $(GOLDEN_RUNNERS); do \
		$(PYTHON) $$r --agent $(B)/tokentap; done

# The report and reconcile commands alone: their unit tests and the
# checks against replayed ledgers and exports built from the fake
# provider's log (also part of golden and test).
report-test: $(B)/tokentap $(B)/tests/report_test $(B)/tests/report_out_test \
		$(B)/tests/report_ratio_test $(B)/tests/report_units_test $(B)/tests/recon_test
	$(Q)$(PYTHON) tests/run_unit.py $(B)/tests/report_test $(B)/tests/report_out_test \
		$(B)/tests/report_ratio_test $(B)/tests/report_units_test $(B)/tests/recon_test
	$(Q)$(PYTHON) tests/report_check.py --agent $(B)/tokentap
	$(Q)$(PYTHON) tests/reconcile_check.py --agent $(B)/tokentap

# Line coverage of the golden suite (no root): the agent built apart with
# gcc --coverage in $(B)/cov (its own objects and skeleton), the golden
# runners (GOLDEN_RUNNERS) run on it, gcov's counts summed by folder, the pipeline
# core's files one by one (tests/coverage.py). Fails when golden fails or
# runs no line of user/pipeline.
COV_B := $(B)/cov
coverage:
	$(Q)$(MAKE) --no-print-directory B=$(COV_B) CFLAGS='-O0 -g --coverage' \
		$(COV_B)/tokentap
	@# The agent finds the shipped price table at ../config beside its
	@# binary (build/tokentap); $(COV_B)/tokentap looks in $(B)/config.
	$(Q)ln -sfn $(CURDIR)/config $(B)/config
	$(Q)$(PYTHON) tests/coverage.py --agent $(COV_B)/tokentap --objdir $(COV_B) \
		$(GOLDEN_RUNNERS)

# Unit, golden and fuzz smoke need no root; end-to-end tests need root and
# real BPF.
test: $(B)/tokentap $(UNIT_BINS) $(FUZZ_BINS) $(B)/counters-doc $(SSLSTATIC_BINS) $(E2E_BINS)
	$(Q)tests/check_build.sh
	$(Q)$(PYTHON) tests/run_unit.py $(UNIT_BINS)
	$(Q)$(B)/counters-doc $(COUNTER_DOCS)
	$(Q)$(MAKE) --no-print-directory rules-test
	$(Q)$(PYTHON) tests/run_golden.py --agent $(B)/tokentap
	$(Q)$(PYTHON) tests/report_check.py --agent $(B)/tokentap
	$(Q)$(PYTHON) tests/reconcile_check.py --agent $(B)/tokentap
	$(Q)$(PYTHON) tests/pricing_check.py --agent $(B)/tokentap
	$(Q)$(PYTHON) tests/smoke_check.py --agent $(B)/tokentap
	$(Q)$(PYTHON) tests/run_fuzz.py --seconds $(FUZZ_SECONDS) $(FUZZ_BINS)
	$(Q)$(PYTHON) tests/e2e/run.py --agent $(B)/tokentap
	$(Q)$(PYTHON) tests/chaos/run.py --agent $(B)/tokentap

bench: $(B)/tokentap $(BENCH_BIN) $(GNUTLS_BENCH_BIN) $(GO_BENCH_BIN) $(CONNS_BENCH_BIN)
	$(Q)$(PYTHON) bench/run_bench.py --agent $(B)/tokentap --bench $(BENCH_BIN) \
		--gnutls-bench $(GNUTLS_BENCH_BIN) $(if $(GO),--go-bench $(GO_BENCH_BIN))
	$(Q)$(MAKE) --no-print-directory bench-capture

# What capture by connection costs the host (root): processes that never
# talk to an AI host (nginx and a client loop: bystanders), the observer on
# non-AI connections, the agent's memory with 10,000 idle AI connections,
# the latency the hold adds to a process's first AI connection.
# docs/performance.md has the figures and how they were taken.
bench-capture: $(B)/tokentap $(CONNS_BENCH_BIN)
	$(Q)$(PYTHON) bench/bystander.py --agent $(B)/tokentap
	$(Q)$(PYTHON) bench/observer_cost.py --agent $(B)/tokentap --bench $(CONNS_BENCH_BIN)
	$(Q)$(PYTHON) bench/idle_conns.py --agent $(B)/tokentap --bench $(CONNS_BENCH_BIN)
	$(Q)$(PYTHON) bench/firstcall.py --agent $(B)/tokentap
	$(Q)$(PYTHON) bench/rustls_cost.py --agent $(B)/tokentap

# A few workloads in their own cgroups, the agent and the fake provider
# (root): prints the allocation events and a per-owner summary.
demo: $(B)/tokentap
	$(Q)/usr/bin/python3 tools/demo.py --agent $(B)/tokentap

# DESTDIR for staging (packages, images); PREFIX for the layout. The
# systemd unit gets the installed paths; /etc/tokentap and /var/lib/tokentap
# are made by systemd (ConfigurationDirectory, StateDirectory).
install: $(B)/tokentap
	install -D -m 0755 $(B)/tokentap $(DESTDIR)$(PREFIX)/bin/tokentap
	install -D -m 0644 config/prices.json $(DESTDIR)$(PREFIX)/share/tokentap/prices.json
	install -D -m 0644 packaging/prometheus/tokentap-rules.yml $(DESTDIR)$(PREFIX)/share/tokentap/prometheus/tokentap-rules.yml
	install -D -m 0644 docs/events.schema.json $(DESTDIR)$(PREFIX)/share/tokentap/events.schema.json
	install -d -m 0755 $(DESTDIR)$(PREFIX)/share/doc/tokentap
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/tokentap/
	install -d -m 0755 $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@DOCDIR@|$(PREFIX)/share/doc/tokentap|g' \
		packaging/systemd/tokentap.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/tokentap.service
	chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/tokentap.service

# The shipped price table, made from LiteLLM's table (a copy of the
# upstream file at one commit, config/sources/) and the hand-kept
# overrides (docs/pricing.md). PRICES_DATE is when the copy was taken;
# refresh: copy a new upstream file in, set the date (and PRICES_COMMIT
# for the full upstream file, which does not name its commit), `make
# prices` (docs/pricing.md).
# tests/run_golden.py checks that this reproduces config/prices.json
# byte for byte (PRICES_OUT=elsewhere).
PRICES_SOURCE    ?= config/sources/litellm-prices.json
PRICES_OVERRIDES ?= config/prices-overrides.json
PRICES_DATE      ?= 2026-12-07
PRICES_OUT       ?= config/prices.json
prices: $(B)/tokentap
	$(call msg,PRICES,$(PRICES_OUT))
	$(Q)$(B)/tokentap prices import litellm $(PRICES_SOURCE) \
		--overrides $(PRICES_OVERRIDES) --date $(PRICES_DATE) \
		$(if $(PRICES_COMMIT),--commit $(PRICES_COMMIT)) --output $(PRICES_OUT)

clean:
	rm -rf $(B)

# The header dependencies the compiles wrote (see DEPFLAGS).
-include $(wildcard $(addsuffix .d,$(CORE_OBJS) $(AGENT_OBJS) $(BPF_OBJ) $(UNIT_BINS:=.o) \
	$(FUZZ_CORE_OBJS) $(FUZZ_OBJS) $(B)/bench/decode_bench $(B)/bench/sslfind_bench))
