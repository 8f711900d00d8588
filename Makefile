# wiretale: `make run` analyses the bundled captures, `make test` checks
# everything. Both install what they need on a fresh Debian machine.

GO          ?= go
BIN         := bin/wiretale
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X main.version=$(VERSION)
GOBIN       := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
STATICCHECK_VERSION := v0.8.2

.PHONY: all build run test deps vet lint unit nocgo fuzz fuzz-short stress chromium-deps test-browser screenshot pcaps golden bench clean

all: build

# libpcap-dev is needed by `wiretale live` (cgo); installed through apt
# when its header is missing.
deps:
	@if [ ! -f /usr/include/pcap/pcap.h ] && [ ! -f /usr/include/pcap.h ]; then \
		echo "installing libpcap-dev"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpcap-dev >/dev/null; \
	fi

build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/wiretale

# Analyse every sample capture, each on its own, as an operator would.
run: build
	@$(GO) run ./internal/samples/gen -commands | while read -r file args; do \
		echo "=== wiretale analyze $$args $$file"; \
		./$(BIN) analyze $$args $$file; status=$$?; \
		if [ $$status -ne 0 ]; then echo "(exit status $$status)"; fi; \
		echo; \
	done

test: deps vet lint unit nocgo fuzz-short stress test-browser

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint: $(STATICCHECK)
	$(STATICCHECK) ./...

# As root (CI), cmd/wiretale's live tests build a network namespace with a
# bridge and capture on it; elsewhere they skip and say why.
unit:
	$(GO) test -count=1 ./...

# The HTML report rendered in headless Chromium (Debian's package,
# installed when missing): no console errors, every finding shown.
chromium-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium for the HTML render test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	}

test-browser: chromium-deps
	$(GO) test -count=1 ./cmd/wiretale -run TestHTMLInChromium -browser

# Refresh the screenshot README links to.
screenshot: chromium-deps
	$(GO) test -count=1 ./cmd/wiretale -run TestHTMLInChromium -browser -screenshot docs/report-screenshot.png

# Performance: Go benchmarks (ns and allocations per frame for the decoder,
# every detector and the readers), then wiretale against
# `tcpdump -r FILE -w /dev/null` on a ~3-million-frame, ~2 GB capture
# generated once in BENCH_DIR (outside the repository), as pcap, pcapng and
# gzip. Medians of BENCH_RUNS runs.
BENCH_DIR  ?= /var/tmp/wiretale-bench
BENCH_RUNS ?= 5
bench: build
	@command -v tcpdump >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcpdump >/dev/null; }
	$(GO) test -run '^$$' -bench . -benchmem ./decode ./detectors ./source ./engine
	$(GO) run ./internal/bench -dir $(BENCH_DIR) -runs $(BENCH_RUNS) -wiretale $(BIN)

# Bounded state: 10 million frames of hostile traffic (new MACs, VLANs,
# VRIDs, routers and DHCP clients on every frame) through a real wiretale
# process; peak RSS must stay under 200 MB and every detector must report
# its evictions. (The live flood test runs with the unit tests, as root.)
stress:
	$(GO) test -count=1 ./cmd/wiretale -run TestStressBoundedState -stress 10000000 -v

# Every fuzz target (decoders, capture readers, the whole pipeline) for
# FUZZTIME each; crashers are kept under testdata/fuzz as regression cases.
FUZZTIME ?= 60s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for fn in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$fn in $$pkg for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

# The brief run CI does on every change.
fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=5s

# A build without cgo must still analyse files; live then says it needs
# libpcap. Vet that build and run the tests that cover it.
nocgo:
	CGO_ENABLED=0 $(GO) vet ./...
	CGO_ENABLED=0 $(GO) test -count=1 ./capture ./cmd/wiretale ./report

# Regenerate the sample captures (byte for byte the same) and their README.
pcaps:
	$(GO) run ./internal/samples/gen -dir pcaps

# Rewrite golden reports after an intended change; review the diff.
golden:
	$(GO) test ./... -run Golden -update

clean:
	rm -rf bin
