# Omniseg — the two commands: `make demo` and `make test`.
SWIFT ?= swift
BOOTSTRAP := ./scripts/bootstrap

.PHONY: demo test build release bench clean bootstrap

bootstrap:
	@$(BOOTSTRAP)

## build: debug build of everything
build: bootstrap
	$(SWIFT) build

## release: optimized build (what demo and bench run)
release: bootstrap
	$(SWIFT) build -c release

## demo: generate 100k people, ingest, resolve, build features — embedded, no Redis
demo: release
	.build/release/omniseg demo

## test: unit and end-to-end tests, then the multi-host test in network namespaces (root only)
test: bootstrap
	@$(BOOTSTRAP) test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@./scripts/check-worker-links .build/debug/omniseg-worker
	./deploy/test/multihost.sh .build/debug

## bench: release-mode benchmarks; results in bench/results/
bench: release
	./bench/run

clean:
	rm -rf .build demo-output
