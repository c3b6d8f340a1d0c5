# tests/plan.mk - holders, plans and the CRIU image reader; the real-CRIU plan check; fuzzing.
#
# check-plan       tests/criu_images.c (good and bad pstree.img: truncated at
#                  every offset, flipped bytes, wrong magic, huge lengths,
#                  foreign files); tests/plan_api.c and tests/cli_plan.sh as
#                  root and as uid 65534, each in a private PID namespace whose
#                  pid_max root lowered to PLAN_PID_MAX first (cheap wraps)
# check-criu-plan  tests/criu/plan.sh with a real CRIU (CRIU=/path/to/criu, 4.1
#                  or later): dumps a process tree and a multi-threaded process
#                  rootlessly and plans them; SKIPs without CRIU= (not in `make check`)
# fuzz-criu        libFuzzer on the pstree.img reader for FUZZ_TIME seconds
#                  (needs clang; not part of `make check`)

PLAN_PID_MAX ?= 8000
CRIU_IMG_BIN := $(B)/tests/criu_images
PLAN_API_BIN := $(B)/tests/plan_api
PLAN_UTIL    := tests/hygiene.c tests/nsutil.c tests/engine_util.c
PLAN_HDRS    := include/pidcycle.h lib/internal.h tests/hygiene.h tests/nsutil.h tests/engine.h
PLAN_NS      = timeout -k 10 $(or $(TEST_TIMEOUT),300) unshare --pid --fork --mount-proc --kill-child
PLAN_NOBODY  := setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all
CRIU_READER  := tools/criu_image.c $(PSTREE_PB)

$(CRIU_IMG_BIN): tests/criu_images.c $(CRIU_READER) tools/criu_image.h $(PSTREE_PBH)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Itools -I$(GEN_DIR) $(LDFLAGS) -o $@ tests/criu_images.c \
		$(CRIU_READER) $(LDLIBS_PB) -lcmocka

$(PLAN_API_BIN): tests/plan_api.c $(PLAN_UTIL) $(PLAN_HDRS) $(STLIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/plan_api.c $(PLAN_UTIL) \
		$(STLIB) $(LDLIBS_URCU) -lcmocka -lm

tests: $(CRIU_IMG_BIN) $(PLAN_API_BIN)

# Each run happens even if an earlier one failed; the group fails if any did.
check-plan: $(CRIU_IMG_BIN) $(PLAN_API_BIN) $(CLI)
	$(Q)fail=0; \
	$(PLAN_NOBODY) test -x $(PLAN_API_BIN) || { echo "$(PLAN_API_BIN): not reachable by uid 65534" >&2; fail=1; }; \
	echo "== $(CRIU_IMG_BIN)"; $(PLAN_NS) $(CRIU_IMG_BIN) || fail=1; \
	for who in root nobody; do \
		echo "== $(PLAN_API_BIN) as $$who (pid_max $(PLAN_PID_MAX))"; \
		$(PLAN_NS) sh tests/engine_ns.sh $(PLAN_PID_MAX) $$who $(PLAN_API_BIN) || fail=1; \
		echo "== tests/cli_plan.sh as $$who (pid_max $(PLAN_PID_MAX))"; \
		$(SAN_NOLEAK) $(PLAN_NS) sh tests/engine_ns.sh $(PLAN_PID_MAX) $$who \
			sh tests/cli_plan.sh $(CLI) $(CRIU_IMG_BIN) || fail=1; \
	done; \
	if [ $$fail = 0 ]; then echo "check-plan: passed"; else echo "check-plan: FAILED" >&2; exit 1; fi

CHECKS += check-plan

# ---- real CRIU (not in `make check`: CI has none) -------------------------

CRIU ?=
check-criu-plan: $(CLI)
	$(Q)sh tests/criu/plan.sh $(CLI) "$(CRIU)"

# ---- fuzzing (clang with libFuzzer: Debian packages clang, libclang-rt-14-dev)

FUZZ_CRIU_BIN := $(B)/fuzz/fuzz_criu

$(FUZZ_CRIU_BIN): tests/fuzz_criu.c tools/criu_image.c tools/criu_image.h $(PSTREE_PB) $(PSTREE_PBH)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined $(WARN) -std=gnu11 -D_GNU_SOURCE \
		-Itools -I$(GEN_DIR) -o $@ tests/fuzz_criu.c tools/criu_image.c $(PSTREE_PB) \
		$(LDLIBS_PB)

# Seeds: images the test program writes (a tree, threads, the oldest framing).
fuzz-criu: $(FUZZ_CRIU_BIN) $(CRIU_IMG_BIN)
	@mkdir -p $(B)/fuzz/criu-corpus $(B)/fuzz/criu-seeds/a $(B)/fuzz/criu-seeds/b
	$(Q)$(CRIU_IMG_BIN) write $(B)/fuzz/criu-seeds/a 5000 5003:5004,5010 4800:4801
	$(Q)$(CRIU_IMG_BIN) write $(B)/fuzz/criu-seeds/b 1:2,3,4,5,6,7
	$(Q)cp $(B)/fuzz/criu-seeds/a/pstree.img $(B)/fuzz/criu-corpus/seed_a
	$(Q)cp $(B)/fuzz/criu-seeds/b/pstree.img $(B)/fuzz/criu-corpus/seed_b
	$(Q)cd $(B)/fuzz && ./fuzz_criu -max_total_time=$(FUZZ_TIME) -max_len=4096 \
		-print_final_stats=1 criu-corpus

.PHONY: check-plan check-criu-plan fuzz-criu
