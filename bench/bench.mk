# bench.mk - the benchmark harness: `make bench [QUICK=1] [PEER='tool {pid}']` writes build/bench/.
BENCH_DRIVER := $(B)/bench/driver

$(BENCH_DRIVER): bench/driver.c $(STLIB) include/pidcycle.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(STLIB) $(LDLIBS_URCU)

# What two workers' ghosts share, one knob at a time (bench/README.md).
BENCH_LAB := $(B)/bench/ghostlab

$(BENCH_LAB): bench/ghostlab.c $(STLIB) lib/sys.h lib/internal.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(STLIB)

# BENCH_CLI: another build of the CLI may be benchmarked (default: the tree's own).
BENCH_CLI ?= $(CLI)

# PEER goes through the environment untouched: it holds spaces, quotes and {pid}.
bench: export PEER := $(value PEER)
bench: $(BENCH_CLI) $(BENCH_DRIVER) $(BENCH_LAB) all
	$(Q)python3 bench/harness.py --out $(B)/bench --cli $(BENCH_CLI) --driver $(BENCH_DRIVER) \
		--cracspin $(B)/cracspin --lab $(BENCH_LAB) \
		$(if $(filter-out 0,$(QUICK)),--quick)

# The harness's pure logic (ratios, verdicts, tables) on a fixture: no PIDs used.
check-bench: $(BENCH_LAB)
	$(Q)python3 bench/test_report.py

CHECKS += check-bench
.PHONY: bench check-bench
