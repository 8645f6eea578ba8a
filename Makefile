# `make run`: install what is missing, build, prepare busybox:latest, start the server.
# `make test`: install what is missing, build, run every test.
BUILD ?= build
DATA ?= .wharf
LISTEN ?= 127.0.0.1:4566

.PHONY: setup configure build server run test clean

setup:
	@bash scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD)

# Only what `make run` needs: the server and its container supervisor.
server: configure
	@cmake --build $(BUILD) --target wharf wharf-supervisor

run: server
	@bash scripts/run.sh $(BUILD) $(DATA) $(LISTEN)

test: build
	@bash scripts/test.sh $(BUILD)

clean:
	rm -rf $(BUILD)
