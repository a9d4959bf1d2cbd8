# supplyguard front door. Everything a person or CI needs is one of these targets.
#   make demo   install what is missing, build, run the main job on bundled sample data
#   make test   install, build, run every test (SANITIZE=1 for ASan+UBSan)
#   make bench  release build + every benchmark under bench/
#   make fuzz   libFuzzer build (clang) + a short run of every fuzz target
#   make fuzz-long  every target until FUZZ_RUNS inputs or FUZZ_SECONDS (default 10 M / 1800 s),
#               new coverage merged back into fuzz/<plane>/corpus/, summary table at the end
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

.PHONY: all deps configure build test demo bench fuzz fuzz-build fuzz-long clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

demo: deps
	$(MAKE) build
	BUILD=$(BUILD) scripts/demo.sh

bench: deps
	$(MAKE) build BUILD=build-bench SANITIZE=0
	BUILD=build-bench scripts/bench.sh

fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSG_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

fuzz-long: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$${FUZZ_SECONDS_LONG:-1800} FUZZ_RUNS=$${FUZZ_RUNS:-10000000} \
	  FUZZ_MERGE=1 scripts/fuzz.sh

clean:
	rm -rf build build-san build-bench $(FUZZ_BUILD)
