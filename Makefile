# Omniseg — the two commands: `make demo` and `make test`.
SWIFT ?= swift
BOOTSTRAP := ./scripts/bootstrap

.PHONY: demo test build release bench fuzz clean bootstrap

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
	@./scripts/check-release-imports
	./deploy/test/multihost.sh .build/debug

## fuzz: seeded mutation fuzzing of every decoder (wire frames, states, partials, shard data, results),
## FUZZ_CASES per target (default a million); a crash leaves fuzz-crash.bin in the folder it ran in
FUZZ_CASES ?= 1000000
FUZZ_SEED ?= 1
fuzz: bootstrap
	$(SWIFT) build -c release --product Fuzz
	mkdir -p .build/fuzz && cd .build/fuzz && ../release/Fuzz --cases $(FUZZ_CASES) --seed $(FUZZ_SEED)

## bench: release-mode benchmarks; results in bench/results/
bench: release
	./bench/run

clean:
	rm -rf .build demo-output
