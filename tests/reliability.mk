# tests/reliability.mk - bad input, environment faults, concurrency, load, the CLI under stress; fuzzing.
#
# check-reliability  tests/reliability*.c as root and as uid 65534 (pid_max
#                    lowered to 30000 first), each fault of tests/faults.sh in
#                    its own PID + mount namespace, the load test, and
#                    tests/reliability_cli.sh as root and as uid 65534
# reliability-load   only the load test (also part of check-reliability)
# fuzz               libFuzzer on tools/cli_parse.c for FUZZ_TIME seconds
#                    (needs clang; not part of `make check`)

REL_BIN      := $(B)/tests/reliability
REL_NOCLONE3 := $(B)/tests/reliability_noclone3
REL_SRCS     := tests/reliability.c tests/reliability_input.c \
	tests/reliability_faults.c tests/reliability_conc.c \
	tests/reliability_load.c tests/hygiene.c tests/nsutil.c
REL_HDRS     := tests/reliability.h tests/hygiene.h tests/nsutil.h \
	include/pidcycle.h lib/internal.h lib/sys.h

# Own copies of tests.mk's helpers: fragments are included in name order.
REL_NS   = timeout -k 10 $(or $(TEST_TIMEOUT),300) unshare --pid --fork --mount-proc --kill-child
REL_RUN  = $(REL_NS) sh tests/faults.sh
REL_NOBODY := setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all

$(REL_BIN): $(REL_SRCS) $(REL_HDRS) $(STLIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(REL_SRCS) $(STLIB) $(LDLIBS_URCU) -lcmocka -lpthread

$(REL_NOCLONE3): tests/reliability_noclone3.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

tests: $(REL_BIN) $(REL_NOCLONE3)

# Each run happens even if an earlier one failed; the group fails if any did.
check-reliability: $(REL_BIN) $(REL_NOCLONE3) $(CLI)
	$(Q)fail=0; \
	$(REL_NOBODY) test -x $(REL_BIN) || { echo "$(REL_BIN): not reachable by uid 65534" >&2; fail=1; }; \
	echo "== reliability as root"; $(REL_NS) $(REL_BIN) || fail=1; \
	for c in "plain nobody" "hidepid nobody" "sysro root" "nolastpid root" \
		"nolastpid nobody" "nosysctl root" "nosysctl nobody"; do \
		$(REL_RUN) $$c $(REL_BIN) || fail=1; done; \
	$(MAKE) --no-print-directory reliability-load || fail=1; \
	echo "== reliability_cli as root"; \
	$(SAN_NOLEAK) $(REL_NS) sh tests/reliability_cli.sh $(CLI) $(REL_NOCLONE3) || fail=1; \
	echo "== reliability_cli as uid 65534, no capabilities"; \
	$(SAN_NOLEAK) $(REL_NS) $(REL_NOBODY) sh tests/reliability_cli.sh $(CLI) $(REL_NOCLONE3) || fail=1; \
	if [ $$fail = 0 ]; then echo "check-reliability: passed"; else echo "check-reliability: FAILED" >&2; exit 1; fi

# ~1000 forks/s in the background, 50 exact and 20 "at least" requests.
reliability-load: $(REL_BIN)
	$(Q)fail=0; \
	echo "== reliability load as root (strategy ghost)"; \
	$(REL_NS) $(REL_BIN) load || fail=1; \
	$(REL_RUN) plain nobody $(REL_BIN) load || fail=1; \
	[ $$fail = 0 ]

# ---- fuzzing (clang with libFuzzer: Debian packages clang, libclang-rt-14-dev)

FUZZ_CC   ?= clang
FUZZ_TIME ?= 60
FUZZ_BIN  := $(B)/fuzz/fuzz_cli_parse

$(FUZZ_BIN): tests/fuzz_cli_parse.c tools/cli_parse.c tools/cli_parse.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined $(WARN) -std=gnu11 -D_GNU_SOURCE \
		-Itools -o $@ tests/fuzz_cli_parse.c tools/cli_parse.c

# New inputs go to build/fuzz/corpus; the seeds in tests/ stay as they are.
fuzz: $(FUZZ_BIN)
	@mkdir -p $(B)/fuzz/corpus
	$(Q)cd $(B)/fuzz && ./fuzz_cli_parse -max_total_time=$(FUZZ_TIME) -max_len=64 \
		-print_final_stats=1 corpus $(CURDIR)/tests/fuzz_cli_parse_corpus

CHECKS += check-reliability

.PHONY: check-reliability reliability-load fuzz
