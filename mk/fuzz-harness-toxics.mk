# Fuzz targets of the harness (SSE parser, cassette loading, redaction +
# fill) and of the toxics' HTTP/SSE parsing, run by `make fuzz` and
# `make fuzz-ci` (mk/fuzz.mk). Seed corpora: harness/testdata/fuzz and
# toxics/testdata/fuzz; `make test` replays them.
FUZZ_TARGETS += ./harness:FuzzSSEParser ./harness:FuzzLoadCassette ./harness:FuzzRedactAndFill
FUZZ_TARGETS += ./toxics:FuzzWireParser ./toxics:FuzzSSEScanner ./toxics:FuzzPassThroughToxics
