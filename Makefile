# supplyguard front door. Everything a person or CI needs is one of these targets.
#   make demo     install build deps (deps/build.txt), build the tools, run the main job on sample data
#   make test     install build+test+package deps, build everything, run every test (SANITIZE=1: ASan+UBSan)
#   make bench    release build + every benchmark under bench/
#   make fuzz     libFuzzer build (clang) + a short run of every fuzz target
#   make fuzz-long every target until FUZZ_RUNS inputs or FUZZ_SECONDS_LONG (default 10 M / 1800 s),
#                 new coverage merged back into fuzz/<plane>/corpus/, summary table at the end
#   make package  the Debian package (build/supplyguard_<version>_<arch>.deb)
#   make install  cmake --install (same files as the package; PREFIX defaults to /usr)
SANITIZE ?= 0
JOBS     ?= $(shell nproc)
ifeq ($(SANITIZE),1)
BUILD    ?= build-san
CMAKE_FLAGS += -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSG_SANITIZE=ON
else
BUILD    ?= build
CMAKE_FLAGS += -DCMAKE_BUILD_TYPE=Release
endif
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 20
# What the demo runs: the CLI (its inspect half is a dependency) and the scenario generator.
DEMO_TARGETS = supplyguard supplyguard-gen

.PHONY: all deps configure build test demo bench fuzz fuzz-build fuzz-long package install clean

all: build

deps:
	@scripts/install-deps.sh build

# Always re-run: cheap, and it picks up packages installed since the last run (GoogleTest after
# `make demo` configured without it).
configure:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test:
	@scripts/install-deps.sh build package test
	$(MAKE) build CMAKE_FLAGS="$(CMAKE_FLAGS) -DSG_TESTS=ON"
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

demo: deps
	$(MAKE) configure
	cmake --build $(BUILD) -j $(JOBS) --target $(DEMO_TARGETS)
	BUILD=$(BUILD) scripts/demo.sh

bench:
	@scripts/install-deps.sh build bench
	$(MAKE) build BUILD=build-bench SANITIZE=0
	BUILD=build-bench scripts/bench.sh

fuzz-build:
	@scripts/install-deps.sh build fuzz
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSG_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD=$(FUZZ_BUILD) scripts/fuzz.sh

package:
	@scripts/install-deps.sh build package
	$(MAKE) configure
	cmake --build $(BUILD) -j $(JOBS) --target supplyguard man
	cd $(BUILD) && cpack -G DEB

install:
	$(MAKE) configure
	cmake --build $(BUILD) -j $(JOBS) --target supplyguard man
	cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

fuzz-long: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$${FUZZ_SECONDS_LONG:-1800} FUZZ_RUNS=$${FUZZ_RUNS:-10000000} \
	  FUZZ_MERGE=1 scripts/fuzz.sh

clean:
	rm -rf build build-san build-bench $(FUZZ_BUILD)
