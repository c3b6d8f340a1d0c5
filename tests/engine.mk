# tests/engine.mk - tests of the unprivileged engine, and the exactness measurement.
#
# check-engine  tests/engine*.c as root and as uid 65534 without capabilities,
#               then tests/seccomp_engine.c the same two ways, under each
#               seccomp filter of SECCOMP_MODES (clone3 answering ENOSYS or
#               EPERM, ghosts refused, rlimits frozen); each in its own private
#               PID namespace whose pid_max root lowered to ENGINE_PID_MAX first
#               (6.14+).
# check-engine-late  a process that used the library before it got the clone3
#               filter: the burners must fall back to clone() by themselves.
# exactness     bench/exactness.c: 200 seeded targets as uid 65534, idle and
#               under a background forker; not part of `make check`.

ENGINE_PID_MAX ?= 8000
SECCOMP_MODES := clone3-enosys clone3-eperm pidfd-eperm rlimit-frozen
EXACTNESS_PID_MAX ?= 20000
ENGINE_LIBS := $(STLIB) $(LDLIBS_URCU) -lcmocka -lm
ENGINE_HDRS := include/pidcycle.h lib/internal.h lib/sys.h tests/hygiene.h \
	tests/nsutil.h tests/engine.h
ENGINE_UTIL := tests/hygiene.c tests/nsutil.c tests/engine_util.c
ENGINE_SRCS := tests/engine.c tests/engine_inuse.c tests/engine_limits.c \
	tests/engine_load.c $(ENGINE_UTIL)
ENGINE_BIN  := $(B)/tests/engine
SECCOMP_BIN := $(B)/tests/seccomp_engine
EXACT_BIN   := $(B)/bench/exactness

$(ENGINE_BIN): $(ENGINE_SRCS) $(ENGINE_HDRS) $(STLIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(ENGINE_SRCS) $(ENGINE_LIBS)

$(SECCOMP_BIN): tests/seccomp_engine.c $(ENGINE_UTIL) $(ENGINE_HDRS) $(STLIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/seccomp_engine.c $(ENGINE_UTIL) $(ENGINE_LIBS)

$(EXACT_BIN): bench/exactness.c $(ENGINE_UTIL) $(ENGINE_HDRS) $(STLIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Itests $(LDFLAGS) -o $@ bench/exactness.c $(ENGINE_UTIL) $(ENGINE_LIBS)

tests: $(ENGINE_BIN) $(SECCOMP_BIN)

# Like check-integration: every program in a fresh namespace, each run even
# if an earlier one failed.
ENGINE_RUN = $(NS_RUN) sh tests/engine_ns.sh $(ENGINE_PID_MAX)

check-engine: $(ENGINE_BIN) $(SECCOMP_BIN)
	$(Q)fail=0; \
	for p in $(ENGINE_BIN) "$(SECCOMP_BIN) $(SECCOMP_MODES)"; do \
		echo "== $$p as root (pid_max $(ENGINE_PID_MAX))"; \
		$(ENGINE_RUN) root $$p || fail=1; \
		echo "== $$p as uid 65534, no capabilities (pid_max $(ENGINE_PID_MAX))"; \
		$(call NOBODY_CAN_READ,$${p%% *}); \
		$(ENGINE_RUN) nobody $$p || fail=1; \
	done; \
	if [ $$fail = 0 ]; then echo "check-engine: passed"; else echo "check-engine: FAILED" >&2; exit 1; fi

check-engine-late: $(SECCOMP_BIN)
	$(Q)fail=0; \
	echo "== late seccomp filter as uid 65534, no capabilities"; \
	$(ENGINE_RUN) nobody $(SECCOMP_BIN) late || fail=1; \
	if [ $$fail = 0 ]; then echo "check-engine-late: passed"; else echo "check-engine-late: FAILED" >&2; exit 1; fi

exactness: $(EXACT_BIN)
	$(Q)$(NS_RUN) sh tests/engine_ns.sh $(EXACTNESS_PID_MAX) nobody $(EXACT_BIN)

CHECKS += check-engine check-engine-late

.PHONY: check-engine check-engine-late exactness
