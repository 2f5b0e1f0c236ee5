# Load: LOAD_SESSIONS (default 500) concurrent sessions, each OAuth (DCR +
# PKCE + token), initialize, a listen stream and 20 tool calls, through a
# tunnel with 10 ms +/- 5 ms latency each way, against an in-process server
# (docs/reliability-load.md). Not part of `make test`: it is heavy.
# The server needs a real Redis at this size: $REDIS_URL when set (.ci/run
# sets it), else a redis-server started here on LOAD_REDIS_PORT and stopped
# after; without either it falls back to the in-process miniredis.
LOAD_SESSIONS   ?= 500
LOAD_FLAGS      ?=
LOAD_REDIS_PORT ?= 6392

.PHONY: load
load: build
	@set -e; redis="$$REDIS_URL"; pid=""; \
	if [ -z "$$redis" ] && command -v redis-server >/dev/null; then \
		redis-server --port $(LOAD_REDIS_PORT) --bind 127.0.0.1 --save '' --appendonly no --loglevel warning >/dev/null & pid=$$!; \
		trap 'kill $$pid' EXIT; \
		for i in $$(seq 50); do redis-cli -p $(LOAD_REDIS_PORT) ping >/dev/null 2>&1 && break; sleep 0.1; done; \
		redis="redis://127.0.0.1:$(LOAD_REDIS_PORT)/0"; \
	fi; \
	echo "redis: $${redis:-in-process miniredis}"; \
	./$(BIN) load --sessions $(LOAD_SESSIONS) --redis "$$redis" $(LOAD_FLAGS)
