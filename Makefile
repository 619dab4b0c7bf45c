# Turnaround: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

BIN        := $(CURDIR)/.bin
BUF        := $(BIN)/buf
KUSTOMIZE  := $(BIN)/kustomize
REDIS_URL  ?= redis://127.0.0.1:6379
GO_TEST    ?= go test -race -count=1 -timeout 20m
TOOLS_STAMP := $(BIN)/.tools-$(shell sha256sum tools/go.mod tools/go.sum | sha256sum | cut -c1-12)
GHZ_STAMP  := $(BIN)/.ghz-$(shell sha256sum tools/ghz/go.mod tools/ghz/go.sum | sha256sum | cut -c1-12)
# The npm packages of the REST contract checks (Redocly, openapi-typescript, Swagger UI), pinned by
# gateway/web/package-lock.json.
WEB        := gateway/web
NPM_STAMP  := $(WEB)/node_modules/.ci-$(shell sha256sum $(WEB)/package.json $(WEB)/package-lock.json | sha256sum | cut -c1-12)
# The staff console's npm packages (GOV.UK Frontend, axe-core for the browser tests), pinned by
# console/web/package-lock.json.
CONSOLE_WEB := console/web
CONSOLE_NPM_STAMP := $(CONSOLE_WEB)/node_modules/.ci-$(shell sha256sum $(CONSOLE_WEB)/package.json $(CONSOLE_WEB)/package-lock.json | sha256sum | cut -c1-12)

.PHONY: console-npm-ci console-assets console-assets-check test-browser npm-ci openapi openapi-lint docs-assets docs-assets-check test-contract run test generate lint fmt-check vet buf-lint drift-check deploy-check build test-cluster tools bench clean

## run: start the whole suite in one process on the embedded in-memory Redis with demo data
run:
	go run ./cmd/turnaround

## build: build the turnaround binary into .bin/
build:
	go build -o $(BIN)/turnaround ./cmd/turnaround

## tools: build the pinned code generators and load tools (tools/go.mod) into .bin/
tools: $(TOOLS_STAMP)
$(TOOLS_STAMP): tools/go.mod tools/go.sum
	mkdir -p $(BIN)
	cd tools && GOWORK=off GOBIN=$(BIN) go install tool
	rm -f $(BIN)/.tools-*
	touch $@

## generate: regenerate Go, gRPC, gateway and OpenAPI code from proto/
generate: tools
	PATH=$(BIN):$$PATH $(BUF) generate
	$(MAKE) openapi

## openapi: derive the published OpenAPI 3.1 contract from the generated Swagger 2.0 document
openapi:
	go run ./gateway/internal/openapigen

## npm-ci: install the pinned npm packages of gateway/web (package-lock.json)
npm-ci: $(NPM_STAMP)
$(NPM_STAMP): $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci
	touch $@

## openapi-lint: lint the OpenAPI 3.1 contract with Redocly CLI; any error fails
openapi-lint: npm-ci
	cd $(WEB) && npx --no-install redocly lint --config redocly.yaml ../openapi/turnaround.openapi.json

# The Swagger UI files /docs serves, copied from the pinned swagger-ui-dist and committed (make run needs only Go).
DOCS_ASSETS := swagger-ui-bundle.js swagger-ui.css LICENSE swagger-ui-bundle.js.LICENSE.txt

## docs-assets: copy the API reference's Swagger UI files from node_modules into gateway/web/docs/vendor
docs-assets: npm-ci
	mkdir -p $(WEB)/docs/vendor
	for f in $(DOCS_ASSETS); do cp $(WEB)/node_modules/swagger-ui-dist/$$f $(WEB)/docs/vendor/$$f; done

## docs-assets-check: fail when the committed Swagger UI files differ from the pinned package's
docs-assets-check: npm-ci
	@fail=0; for f in $(DOCS_ASSETS); do \
	  cmp -s $(WEB)/node_modules/swagger-ui-dist/$$f $(WEB)/docs/vendor/$$f || { echo "gateway/web/docs/vendor/$$f is out of date (run make docs-assets)"; fail=1; }; \
	done; \
	for f in $$(ls $(WEB)/docs/vendor); do \
	  case " $(DOCS_ASSETS) " in *" $$f "*) ;; *) echo "stale file gateway/web/docs/vendor/$$f"; fail=1;; esac; \
	done; exit $$fail

## test-contract: generate TypeScript types from the OpenAPI 3.1 contract (openapi-typescript), type-check
## the openapi-fetch client in gateway/web/tsclient (tsc --strict) and run it with Node against the real binary
test-contract: npm-ci
	cd $(WEB) && rm -rf tsclient/dist && \
	  npx --no-install openapi-typescript ../openapi/turnaround.openapi.json -o tsclient/schema.d.ts && \
	  npx --no-install tsc -p tsclient/tsconfig.json
	TURNAROUND_TSCLIENT=$(CURDIR)/$(WEB)/tsclient/dist/client.js go test -count=1 -run '^TestTypeScriptClient$$' ./cmd/turnaround/

## console-npm-ci: install the console's pinned npm packages (console/web/package-lock.json)
console-npm-ci: $(CONSOLE_NPM_STAMP)
$(CONSOLE_NPM_STAMP): $(CONSOLE_WEB)/package.json $(CONSOLE_WEB)/package-lock.json
	cd $(CONSOLE_WEB) && npm ci
	touch $@

## console-assets: build GOV.UK Frontend's CSS, JavaScript, fonts and images into console/assets/govuk (committed)
console-assets: console-npm-ci
	bash $(CONSOLE_WEB)/build-assets.sh console/assets/govuk

## console-assets-check: fail when the committed console assets differ from a fresh build of the pinned package
console-assets-check: console-npm-ci
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	bash $(CONSOLE_WEB)/build-assets.sh "$$tmp/govuk"; \
	diff -r "$$tmp/govuk" console/assets/govuk || { echo "console/assets/govuk is out of date (run make console-assets)"; exit 1; }

## test-browser: the console in headless Chromium (Debian's chromium; skipped if absent): every role, the
## sponsor-matching story with and without JavaScript, axe-core WCAG 2.2 AA checks; screenshots in .bin/screenshots
test-browser: console-npm-ci
	mkdir -p $(BIN)/screenshots
	TURNAROUND_SCREENSHOTS=$(BIN)/screenshots go test -count=1 -timeout 20m -run '^TestConsoleBrowser$$' -v ./cmd/turnaround/

## lint: formatting, go vet and buf lint
lint: fmt-check vet buf-lint

fmt-check:
	@out=$$(git ls-files --cached --others --exclude-standard '*.go' | grep -v -E '\.pb(\.gw)?\.go$$' | xargs gofmt -l); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	go vet work

buf-lint: tools
	$(BUF) lint

## drift-check: fail when the committed generated code differs from a fresh generation
drift-check: tools
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	PATH=$(BIN):$$PATH $(BUF) generate -o "$$tmp"; \
	fail=0; \
	for f in $$(cd "$$tmp" && find . -type f | sort); do \
	  if ! cmp -s "$$tmp/$$f" "$$f"; then echo "generated file out of date: $$f (run make generate)"; fail=1; fi; \
	done; \
	for f in $$(find proto -name '*.pb.go' -o -name '*.pb.gw.go' | sort) gateway/openapi/turnaround.swagger.json; do \
	  [ -f "$$tmp/$$f" ] || { echo "stale generated file: $$f (run make generate)"; fail=1; }; \
	done; \
	go run ./gateway/internal/openapigen -check || fail=1; \
	exit $$fail

## deploy-check: build every Kubernetes overlay with the pinned kustomize
deploy-check: tools
	@for o in deploy/k8s/overlays/*/; do \
	  $(KUSTOMIZE) build "$$o" > /dev/null; \
	  echo "kustomize build $$o: ok"; \
	done

## test: every check: gofmt, go vet, buf lint, generated-code drift, the Kubernetes overlays, and the
## race-enabled tests against REDIS_URL (started, and installed from Debian, when nothing answers there) (deploy/ is also checked against the binary by cmd/turnaround's tests)
test: lint drift-check deploy-check openapi-lint docs-assets-check console-assets-check test-contract
	REDIS_URL=$$(bash tools/ensure-redis.sh "$(REDIS_URL)") $(GO_TEST) work

## test-cluster: start a three-master Redis Cluster on loopback, run the store and event suites on it, stop it
test-cluster:
	bash .ci/redis-cluster $(GO_TEST) ./services/platform/store/... ./services/platform/events/...

## test-faults: real-process fault tests (a few minutes): the binary against its own redis-server with AOF
## under write load while Redis is killed and paused, the service killed mid-publish, and a Sentinel failover
## with and without wait_replicas. Needs redis-server and redis-sentinel; prints the MEASURE lines that
## docs/reliability.md reports (all output also in .bin/faults.log).
test-faults:
	mkdir -p $(BIN)
	TURNAROUND_FAULTS=1 go test -count=1 -timeout 15m -run '^TestFault' -v ./cmd/turnaround/ 2>&1 | tee $(BIN)/faults.log | \
	  grep -E '^(=== RUN|\s*--- |ok |FAIL|PASS)|MEASURE|_test.go:[0-9]+:'

## bench: the real binary on REDIS_URL against echo baselines built in the same run; prints a markdown table
## (also written to .bin/bench.md). Needs a real Redis; takes a few minutes.
bench: tools $(GHZ_STAMP)
	REDIS_URL=$(REDIS_URL) TURNAROUND_BENCH=1 TURNAROUND_BENCH_OUT=$(BIN)/bench.md \
	  go test -count=1 -run '^TestBench$$' -timeout 30m -v ./cmd/turnaround/

# ghz has its own module (tools/ghz): its release needs an older grpc than grpcurl allows.
$(GHZ_STAMP): tools/ghz/go.mod tools/ghz/go.sum
	mkdir -p $(BIN)
	cd tools/ghz && GOWORK=off GOBIN=$(BIN) go install tool
	rm -f $(BIN)/.ghz-*
	touch $@

clean:
	rm -rf $(BIN)
