# saraban: see README.md. Targets that need PostgreSQL, MinIO or Temporal start them first
# (bash deploy/local/stack.sh up: installs what is missing, leaves running services alone).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:

export PATH := $(PATH):/usr/local/go/bin
GO ?= go
STACK := bash deploy/local/stack.sh
SARABAN := $(GO) run ./cmd/saraban
PKG ?= ./...
TESTFLAGS ?=
FUZZTIME ?= 30s
# workflowcheck is a module of its own with its own numbering (not the SDK's v1.51.0);
# v0.6.0 is the newest on the proxy, builds with our Go, and checks code written against SDK v1.51.
WORKFLOWCHECK ?= go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0

.PHONY: help up down status logs reset migrate demo run test lint fuzz bench build

help:
	@echo 'make run      start the stack, migrate, load the demo agency, run saraban dev (API + worker)'
	@echo 'make test     start the stack, run every test against it'
	@echo 'make up | down | status | logs | reset    the local stack (deploy/local/stack.sh)'
	@echo 'make migrate | demo | build | lint | fuzz | bench'

up:
	$(STACK) up

down:
	$(STACK) down

status:
	$(STACK) status

logs:
	$(STACK) logs

reset:
	$(STACK) reset

migrate: up
	$(SARABAN) migrate

demo: migrate
	$(SARABAN) org import deploy/demo/agency.yaml
	for f in deploy/holidays/*.yaml; do $(SARABAN) holidays import "$$f" >/dev/null; done

run: demo
	$(SARABAN) keys demo --dir .state/keys >/dev/null
	test -f .state/keys/files.key || $(SARABAN) keys files --out .state/keys/files.key
	$(SARABAN) user demo --file .state/demo-accounts.txt
	@echo "saraban: open http://127.0.0.1:8080/ and sign in with one of the accounts above"
	$(SARABAN) dev --sign-keys .state/keys --file-keys .state/keys/files.key --trust .state/keys/ca.pem

test: up
	$(GO) test -count=1 -p 2 -timeout 60m $(TESTFLAGS) $(PKG)

lint:
	@bad=$$( { git ls-files -co --exclude-standard -- '*.go' 2>/dev/null || find . -name '*.go' -not -path './.state/*'; } \
		| while read -r f; do if [ -f "$$f" ]; then echo "$$f"; fi; done | xargs -r gofmt -l ); \
	if [ -n "$$bad" ]; then echo "gofmt: these files need gofmt -w:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(WORKFLOWCHECK) ./workflows/...

fuzz: up
	FUZZTIME=$(FUZZTIME) GO=$(GO) bash deploy/local/fuzz.sh

bench: up
	$(GO) test -run '^$$' -bench . -benchmem $(PKG)

build:
	$(GO) build -o bin/saraban ./cmd/saraban
