# `make run`: install what is missing, build, prepare busybox:latest, start the server.
# `make test`: install what is missing, build, run every test.
BUILD ?= build
DATA ?= .wharf
LISTEN ?= 127.0.0.1:4566

.PHONY: setup build run test clean

setup:
	@bash scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD)

run: build
	@bash scripts/run.sh $(BUILD) $(DATA) $(LISTEN)

test: build
	@bash scripts/test.sh $(BUILD)

clean:
	rm -rf $(BUILD)
