# Thin wrapper: one idempotent dependency script, then CMake. `make run` and `make test` are
# the README's quick start; CI runs `make test` through .ci/run.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: all deps build run test sanitize bench clean web web-serve web-bench

# The browser build: emscripten (Debian's 3.1.6) needs Debian's node modules on NODE_PATH.
WEB_DIR ?= build-web
EMSCRIPTEN_ENV = NODE_PATH=/usr/share/nodejs

all: build

deps:
	./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/app/gui/brokersim-gui

# The unit tests run twice: under AddressSanitizer + UBSan (memory errors fail loudly), then
# the full CTest suite (with the browser build's tests in headless Chromium), whose summary is
# the last line.
test: build sanitize web
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The same engine and GUI as WebAssembly: a static site in $(WEB_DIR)/site.
web: deps
	./scripts/fetch-web-sources.sh $(WEB_DIR)/deps
	$(EMSCRIPTEN_ENV) emcmake cmake -S . -B $(WEB_DIR) -DCMAKE_BUILD_TYPE=Release > /dev/null
	$(EMSCRIPTEN_ENV) cmake --build $(WEB_DIR) -j $(JOBS)
	@echo "web: the site is in $(WEB_DIR)/site (make web-serve serves it)"

web-serve: web
	@echo "web: serving $(WEB_DIR)/site on http://127.0.0.1:8000/ (Ctrl-C stops)"
	cd $(WEB_DIR)/site && python3 -m http.server 8000 --bind 127.0.0.1

# The browser's performance targets (bench/web_bench.mjs), against the native release build.
web-bench: web
	./scripts/install-web-tools.sh $(WEB_DIR)/tools
	cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release > /dev/null
	cmake --build build-release -j $(JOBS) --target brokersim
	node bench/web_bench.mjs $(WEB_DIR)/site build-release/app/brokersim scenarios $(WEB_DIR)/tools

sanitize: deps
	cmake -S . -B $(BUILD_DIR)-asan -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	cmake --build $(BUILD_DIR)-asan -j $(JOBS) --target engine_tests
	./$(BUILD_DIR)-asan/tests/engine_tests

# Benchmarks want an optimised build of their own: Release (with link-time optimisation) and
# profile-guided optimisation. The profile is trained on the lesson scenarios, the tool's
# everyday work, not on the benchmarks; the optimised build starts clean so it uses it.
PGO_DIR = $(CURDIR)/$(BUILD_DIR)-pgo/profile
bench: deps
	cmake -S . -B $(BUILD_DIR)-pgo -DCMAKE_BUILD_TYPE=Release -DBROKERSIM_PGO=generate -DBROKERSIM_PGO_DIR=$(PGO_DIR)
	cmake --build $(BUILD_DIR)-pgo -j $(JOBS) --target brokersim
	rm -rf $(PGO_DIR)
	for f in scenarios/*.yaml; do ./$(BUILD_DIR)-pgo/app/brokersim run $$f > /dev/null || exit 1; done
	cmake -S . -B $(BUILD_DIR)-release -DCMAKE_BUILD_TYPE=Release -DBROKERSIM_PGO=use -DBROKERSIM_PGO_DIR=$(PGO_DIR)
	cmake --build $(BUILD_DIR)-release -j $(JOBS) --clean-first --target bench_throughput bench_memory \
	  bench_scenario_speed bench_amqp_client brokersim brokersim-gui bench_gui_seek
	./$(BUILD_DIR)-release/bench/bench_throughput
	./$(BUILD_DIR)-release/bench/bench_memory
	./$(BUILD_DIR)-release/bench/bench_scenario_speed scenarios/ecommerce_checkout.yaml
	./bench/amqp_vs_rabbitmq.sh $(BUILD_DIR)-release
	./bench/gui_frames.sh $(BUILD_DIR)-release

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR)-release $(BUILD_DIR)-asan $(BUILD_DIR)-pgo
