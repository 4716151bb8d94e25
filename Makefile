# Samspill. `make` or `make help` lists the targets and variables: a
# target's `## ` comment is its help line, and a `## NAME text` line above a
# variable describes it.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

GO ?= go
GOFMT ?= $(shell $(GO) env GOROOT)/bin/gofmt

# The modules that ship. CI vets and tests each on its own (GOWORK=off), so
# every go.mod must be complete without go.work.
MODULES := pkg schemas services/auth services/command services/gap services/graph services/picture services/samspill services/web
# Modules that only check the repository (not in go.work).
TOOL_MODULES := tools/natsconf tools/benchtable
ALL_MODULES := $(MODULES) $(TOOL_MODULES)

## DATA        data folder of `make run`
DATA ?= .samspill
## DEMO_SEED   demo region `make run` loads on first start (0: none)
DEMO_SEED ?= 1
## FUZZTIME    how long `make fuzz` runs each fuzz target
FUZZTIME ?= 60s
## BENCHCOUNT  -count of `make bench` (6 or more for benchstat)
BENCHCOUNT ?= 1

NATS_CONFIGS := $(sort $(wildcard deploy/nats/*.conf deploy/nats/*/*.conf))
# The nats-server Samspill embeds, read from pkg/go.mod (evaluated on use).
NATS_SERVER_VERSION = $(shell cd pkg && GOWORK=off $(GO) list -m -f '{{.Version}}' github.com/nats-io/nats-server/v2)

.PHONY: help
help: ## Show this help
	@echo 'Usage: make [TARGET] [VARIABLE=value]'
	@echo
	@echo 'Targets:'
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo 'Variables:'
	@awk '/^## [A-Z_]+ / {name = $$2; desc = $$0; sub(/^## [A-Z_]+ +/, "", desc); next} \
		name != "" && $$1 == name {v = $$0; sub(/^[^=]*= */, "", v); printf "  %-13s %s (default: %s)\n", name, desc, v} \
		{name = ""}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build bin/samspill
	$(GO) build -o bin/samspill ./services/samspill

.PHONY: run
run: build ## Build, then run `samspill up` with the demo region; it prints where to look
	bin/samspill up --data $(DATA) --demo-seed $(DEMO_SEED)

.PHONY: cluster
cluster: build nats-server dev-certs ## Start a three-node JetStream cluster (bin/nats-server on loopback, TLS, encrypted) and `samspill up` on it with the demo, replicas 3; Ctrl-C stops all
	@set -a; . deploy/nats/tls/dev.env; set +a; \
	mkdir -p .samspill/nats-cluster; \
	pids=""; for n in 1 2 3; do \
		bin/nats-server -c deploy/nats/cluster/n$$n.conf > .samspill/nats-cluster/n$$n.log 2>&1 & pids="$$pids $$!"; \
	done; \
	trap 'kill $$pids 2>/dev/null; wait $$pids 2>/dev/null' EXIT INT TERM; \
	echo "==> nats-server samspill-n1, -n2, -n3 (logs in .samspill/nats-cluster/)"; \
	bin/samspill up --data $(DATA)/cluster --demo-seed $(DEMO_SEED) --replicas 3 --nats-tls deploy/nats/tls \
		--nats tls://127.0.0.1:4222,tls://127.0.0.1:4223,tls://127.0.0.1:4224

.PHONY: test
test: chromium ## Vet and test every module on its own (GOWORK=off), as CI does
	@$(call each_module,GOWORK=off $(GO) vet ./... && GOWORK=off $(GO) test -count=1 ./...)

.PHONY: test-short
test-short: ## Like test, with -short (skips the slow tests)
	@$(call each_module,GOWORK=off $(GO) vet ./... && GOWORK=off $(GO) test -count=1 -short ./...)

## FAULT_COMMANDS  commands of `make fault`'s kill -9 load
FAULT_COMMANDS ?= 100000
## FAULT_CLUSTER_COMMANDS  commands of `make fault`'s three-node cluster load (R3, about 100/s)
FAULT_CLUSTER_COMMANDS ?= 20000

.PHONY: fault
fault: build nats-server dev-certs ## Fault tests (docs/faults.md): kill -9 samspill up under FAULT_COMMANDS commands, kill the gap service mid-stream, kill cluster nodes and the stream leader; loopback only
	cd services/samspill && FAULT_COMMANDS=$(FAULT_COMMANDS) FAULT_CLUSTER_COMMANDS=$(FAULT_CLUSTER_COMMANDS) \
		FAULT_SAMSPILL=$(CURDIR)/bin/samspill FAULT_NATS_SERVER=$(CURDIR)/bin/nats-server \
		$(GO) test -tags fault -run Fault -count=1 -v -timeout 30m ./...

.PHONY: fuzz
fuzz: ## Run every fuzz target of every package for FUZZTIME, one at a time
	@for m in $(MODULES); do \
		pkgs=$$(cd $$m && GOWORK=off $(GO) list ./...); \
		for p in $$pkgs; do \
			list=$$(cd $$m && GOWORK=off $(GO) test -list 'Fuzz.*' $$p); \
			for f in $$(grep '^Fuzz' <<<"$$list" || true); do \
				echo "==> $$p $$f ($(FUZZTIME))"; \
				(cd $$m && GOWORK=off $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$p); \
			done; \
		done; \
	done

.PHONY: bench
bench: graphviz build benchtable ## Run the benchmarks of every module (artifacts/bench.txt), then `samspill load` and networkx; the table of figures beside their anchors in artifacts/bench.md and .json
	@mkdir -p artifacts
	@: > artifacts/bench.txt
	@failed=; \
	for m in $(MODULES); do \
		echo "==> $$m"; \
		(cd $$m && GOWORK=off $(GO) test -run '^$$' -bench . -benchmem -count=$(BENCHCOUNT) -timeout 30m ./...) | tee -a artifacts/bench.txt || failed="$$failed $$m"; \
	done; \
	echo "==> artifacts/bench.txt"; \
	echo "==> bin/benchtable (samspill load against samspill up, networkx)"; \
	bin/benchtable -in artifacts/bench.txt -md artifacts/bench.md -json artifacts/bench.json -samspill bin/samspill || failed="$$failed benchtable"; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed" >&2; exit 1; fi

# bin/benchtable, the table of `make bench` (tools/benchtable).
.PHONY: benchtable
benchtable:
	@cd tools/benchtable && GOWORK=off $(GO) build -o $(CURDIR)/bin/benchtable .

# Debian's graphviz package, for pkg/draw's benchmark that sets Samspill's
# drawing beside Graphviz's own `dot -Tsvg`; nothing else needs it (the
# benchmark says so and skips the comparison without it). Installed only
# where dot is missing, apt-get exists and we are root or may sudo.
.PHONY: graphviz
graphviz: ## Install Debian's graphviz (dot) for `make bench`, if missing and apt-get can
	@if command -v dot >/dev/null 2>&1; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "graphviz: no dot and no apt-get: BenchmarkSVG skips its comparison with dot" >&2; exit 0; fi; \
	sudo=; \
	if [ "$$(id -u)" != 0 ]; then \
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=sudo; \
		else echo "graphviz: not root and no sudo: BenchmarkSVG skips its comparison with dot" >&2; exit 0; fi; \
	fi; \
	echo "==> $$sudo apt-get install -y graphviz"; \
	$$sudo apt-get install -y graphviz || { $$sudo apt-get update && $$sudo apt-get install -y graphviz; } || \
		echo "graphviz: apt-get failed: BenchmarkSVG skips its comparison with dot" >&2

# Debian's chromium, the headless browser of services/samspill's browser
# tests (chromedp drives it; $CHROMIUM names another binary). Installed
# only where it is missing, apt-get exists and we are root or may sudo;
# without it the browser tests fail and say to run `make chromium`.
.PHONY: chromium
chromium: ## Install Debian's chromium (and DejaVu fonts) for the browser tests, if missing and apt-get can
	@if [ -n "$${CHROMIUM:-}" ] && [ -x "$$CHROMIUM" ]; then exit 0; fi; \
	if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi dejavu; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "chromium: no chromium and no apt-get: install Chromium and set CHROMIUM for the browser tests" >&2; exit 0; fi; \
	sudo=; \
	if [ "$$(id -u)" != 0 ]; then \
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=sudo; \
		else echo "chromium: not root and no sudo: install chromium yourself for the browser tests" >&2; exit 0; fi; \
	fi; \
	echo "==> $$sudo apt-get install -y --no-install-recommends chromium fonts-dejavu-core fontconfig"; \
	$$sudo apt-get install -y --no-install-recommends chromium fonts-dejavu-core fontconfig || \
		{ $$sudo apt-get update && $$sudo apt-get install -y --no-install-recommends chromium fonts-dejavu-core fontconfig; } || \
		echo "chromium: apt-get failed: the browser tests will fail until Chromium is installed" >&2

.PHONY: lint
lint: ## gofmt -l must print nothing; every go.mod tidy (go mod tidy -diff); go vet every module
	@out=$$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -not -path './bin/*' -exec $(GOFMT) -l {} +); \
	if [ -n "$$out" ]; then echo "gofmt -l (run gofmt -w on these):"; echo "$$out"; exit 1; fi
	@$(call each_module,GOWORK=off $(GO) mod tidy -diff && GOWORK=off $(GO) vet ./...)

.PHONY: tidy
tidy: ## go mod tidy in every module
	@$(call each_module,GOWORK=off $(GO) mod tidy)

.PHONY: deploy-check
deploy-check: nats-server dev-certs ## Validate every NATS config in deploy/nats (nats-server -t, then tools/natsconf: TLS, encryption, users = pkg/natsperm)
	@set -a; . deploy/nats/tls/dev.env; set +a; \
	for f in $(NATS_CONFIGS); do bin/nats-server -t -c $$f; done; \
	bin/natsconf $(NATS_CONFIGS)

.PHONY: dev-certs
dev-certs: natsconf ## Make a development CA, server and client certificates and JS_KEY in deploy/nats/tls (git-ignored; kept if present)
	@bin/natsconf -dev-certs deploy/nats/tls

.PHONY: nats-auth
nats-auth: natsconf ## Write deploy/nats/authorization.inc (the NATS users) from the table in pkg/natsperm
	@bin/natsconf -authorization > deploy/nats/authorization.inc
	@echo "==> deploy/nats/authorization.inc"

# bin/natsconf, the configuration checker and generator (tools/natsconf).
.PHONY: natsconf
natsconf:
	@cd tools/natsconf && GOWORK=off $(GO) build -o $(CURDIR)/bin/natsconf .

# bin/nats-server at the version pinned in pkg/go.mod, installed again only
# when that version changes.
.PHONY: nats-server
nats-server:
	@v='$(NATS_SERVER_VERSION)'; \
	if [ -z "$$v" ]; then echo "cannot read the nats-server version from pkg/go.mod" >&2; exit 1; fi; \
	if [ "$$(bin/nats-server --version 2>/dev/null)" != "nats-server: $$v" ]; then \
		echo "==> GOBIN=bin go install github.com/nats-io/nats-server/v2@$$v"; \
		GOBIN=$(CURDIR)/bin $(GO) install github.com/nats-io/nats-server/v2@$$v; \
	fi

.PHONY: clean
clean: ## Remove bin/ and artifacts/ (not the data folder)
	rm -rf bin artifacts

# each_module runs a shell command in every module, goes on after a failure,
# and fails at the end naming the modules that failed.
define each_module
failed=; \
for m in $(ALL_MODULES); do \
	echo "==> $$m"; \
	(cd $$m && $(1)) || failed="$$failed $$m"; \
done; \
if [ -n "$$failed" ]; then echo "FAILED:$$failed" >&2; exit 1; fi
endef
