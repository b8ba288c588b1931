# fieldwork — see README.md. Go is the only prerequisite.
GO      ?= go
BIN     := bin/fieldwork
DEMO    := demo/harborview.fieldwork
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: build run test bench e2e fuzz clean

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/fieldwork

# Opens the workbench on the bundled demo engagement (written once, then reused).
run: build
	@mkdir -p demo
	@test -f $(DEMO) || ./$(BIN) demo $(DEMO)
	./$(BIN) $(DEMO)

test:
	$(GO) vet ./...
	$(GO) test -race -timeout 20m ./...

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# Drives the real binary in tmux (needs tmux).
e2e: build
	./scripts/e2e.sh $(BIN)

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParseRate -fuzztime=30s ./sampling

clean:
	rm -rf bin demo
