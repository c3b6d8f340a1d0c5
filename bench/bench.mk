# bench.mk - the benchmark harness: `make bench [QUICK=1] [PEER='tool {pid}']` writes build/bench/.
BENCH_DRIVER := $(B)/bench/driver

$(BENCH_DRIVER): bench/driver.c $(STLIB) include/pidcycle.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(STLIB) $(LDLIBS_URCU)

# BENCH_CLI: another build of the CLI may be benchmarked (default: the tree's own).
BENCH_CLI ?= $(CLI)

# PEER goes through the environment untouched: it holds spaces, quotes and {pid}.
bench: export PEER := $(value PEER)
bench: $(BENCH_CLI) $(BENCH_DRIVER) all
	$(Q)python3 bench/harness.py --out $(B)/bench --cli $(BENCH_CLI) --driver $(BENCH_DRIVER) \
		--cracspin $(B)/cracspin \
		$(if $(filter-out 0,$(QUICK)),--quick)

# The harness's pure logic (ratios, verdicts, tables) on a fixture: no PIDs used.
check-bench:
	$(Q)python3 bench/test_report.py

CHECKS += check-bench
.PHONY: bench check-bench
