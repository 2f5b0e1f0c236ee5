# Reports (report/, docs/report.png): what a person opens instead of a table.
#   make report            the demo's matrix and every session as one HTML page
#                          and a HAR file, in $(REPORT_DIR)
#   make report-screenshot regenerate docs/report.png, the README's picture:
#                          go-sdk's recorded session through the Quick Tunnel
#                          (its held listen stream), rendered by headless chromium
#   make report-test       the chromium tests (they skip without chromium,
#                          fail without it under CI=true)
REPORT_DIR ?= $(or $(TMPDIR),/tmp)/mcpvcr-report
CHROMIUM   ?= chromium
CHROMIUM_FLAGS := --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars

.PHONY: report report-screenshot report-test
report: build
	mkdir -p $(REPORT_DIR)
	./$(BIN) demo --report $(REPORT_DIR)/demo.html --har $(REPORT_DIR)/demo.har >/dev/null

report-screenshot: build
	rm -rf $(REPORT_DIR)/shot && mkdir -p $(REPORT_DIR)/shot
	./$(BIN) demo --fixture gosdk_oauth_session --profile cloudflare-quick-tunnel \
		--report $(REPORT_DIR)/shot/report.html >/dev/null
	$(CHROMIUM) $(CHROMIUM_FLAGS) --user-data-dir=$(REPORT_DIR)/shot/profile \
		--window-size=1320,1800 --screenshot=$(CURDIR)/docs/report.png \
		file://$(REPORT_DIR)/shot/report.html 2>/dev/null
	@echo "docs/report.png from $(REPORT_DIR)/shot/report.html"

report-test:
	$(GO) test -count=1 -run 'Chromium' ./report/ ./scenarios/
