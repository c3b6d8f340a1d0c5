# tests/robust.mk - check-robust: issue 12's regression tests (locks anyone can take, stopped
# helpers, slow burners, limits on tasks, SIGCHLD and atfork in the candidate).
#
# check-robust  tests/robust*.c and tests/robust_hooks.c (issue 11 fault 1,
#               pc_pool_start wrapped) as root and as uid 65534 (pid_max
#               lowered to 8000 first), then the pids cgroup test at pids.max
#               5, 2 and 1 (tests/robust_pids.sh; skips where no pids cgroup
#               can be made), and the RLIMIT_NPROC test alone under a uid of
#               its own (other processes of uid 65534 would share the limit),
#               tests/robust_procns.c in a nested namespace that sees its
#               parent's /proc (tests/robust_procns.sh), the CLI under clone3
#               EPERM, with a user who cannot use settid and with the lock
#               held (tests/robust_cli.sh, root and uid 65534), and 4 kills of the
#               kill storm (tests/kill_storm.sh; `make kill-storm` does 100)

ROBUST_BIN  := $(B)/tests/robust
ROBUST_NPROC_UID := $(shell sed -n 's/^\#define ROBUST_NPROC_UID //p' tests/robust.h)
ROBUST_SRCS := tests/robust.c tests/robust_lock.c tests/robust_stop.c \
	tests/robust_fork.c tests/robust_limits.c $(ENGINE_UTIL)

$(ROBUST_BIN): $(ROBUST_SRCS) tests/robust.h $(ENGINE_HDRS) $(STLIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(ROBUST_SRCS) $(ENGINE_LIBS) -lpthread

# pc_pool_start wrapped: a forker takes a number just before a pool starts.
ROBUST_HOOKS := $(B)/tests/robust_hooks

$(ROBUST_HOOKS): tests/robust_hooks.c $(ENGINE_UTIL) $(ENGINE_HDRS) $(STLIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wl,--wrap=pc_pool_start -o $@ \
		tests/robust_hooks.c $(ENGINE_UTIL) $(ENGINE_LIBS)

# A nested namespace whose /proc is its parent's (item 10).
ROBUST_PROCNS := $(B)/tests/robust_procns

$(ROBUST_PROCNS): tests/robust_procns.c $(ENGINE_UTIL) $(ENGINE_HDRS) $(STLIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/robust_procns.c $(ENGINE_UTIL) $(ENGINE_LIBS)

# SIGKILL callers at random moments (item 2); plain libc + the library.
KILL_STORM := $(B)/tests/kill_storm
KILLS ?= 100

$(KILL_STORM): tests/kill_storm.c $(STLIB) include/pidcycle.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/kill_storm.c $(STLIB) $(LDLIBS_URCU)

# How many numbers a command takes from the machine's own namespace (reads only).
HOST_COST := $(B)/tests/host_cost
HOST_COST_CMD ?= $(MAKE) --no-print-directory check

$(HOST_COST): tests/host_cost.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

# Not in `make check`: run HOST_COST_CMD (default: make check) in a PID
# namespace of its own and report how many numbers it took there, which is
# what it takes from the machine's own namespace too.
host-cost: $(HOST_COST)
	$(Q)timeout -k 10 3600 unshare --pid --fork --mount-proc --kill-child \
		$(HOST_COST) $(HOST_COST_CMD)

tests: $(ROBUST_BIN) $(ROBUST_HOOKS) $(ROBUST_PROCNS) $(KILL_STORM) $(HOST_COST)

# Under SANITIZE, LeakSanitizer's exit-time tracer needs a task of its own
# (none fits at pids.max 1) and /proc of its own namespace (robust_procns has
# its parent's): those two run without leak detection (SAN_NOLEAK).

# Not in `make check`: KILLS kills for each of 1, 2, 64 and 1024 workers,
# a library caller and the CLI, as uid 65534 (a few minutes).
kill-storm: $(KILL_STORM) $(CLI)
	$(Q)$(SAN_NOLEAK) sh tests/kill_storm.sh $(KILL_STORM) $(CLI) $(KILLS)

check-robust: $(ROBUST_BIN) $(ROBUST_HOOKS) $(ROBUST_PROCNS) $(KILL_STORM) $(CLI) $(REL_NOCLONE3)
	$(Q)fail=0; \
	for p in $(ROBUST_BIN) $(ROBUST_HOOKS); do for who in root nobody; do \
		echo "== $$p as $$who (pid_max 8000)"; \
		$(NS_RUN) sh tests/engine_ns.sh 8000 $$who $$p || fail=1; \
	done; done; \
	echo "== $(ROBUST_BIN): RLIMIT_NPROC test as uid $(ROBUST_NPROC_UID) (no other task has it)"; \
	ROBUST_NPROC=1 PIDCYCLE_TEST_FILTER=nproc_one_ghost_room \
		$(NS_RUN) sh tests/engine_ns.sh 8000 uid=$(ROBUST_NPROC_UID) $(ROBUST_BIN) || fail=1; \
	for max in 5 2 1; do for who in root nobody; do \
		$(SAN_NOLEAK) $(NS_RUN) sh tests/robust_pids.sh $$max $$who $(ROBUST_BIN) || fail=1; \
	done; done; \
	for who in root nobody; do \
		$(SAN_NOLEAK) $(NS_RUN) sh tests/robust_procns.sh $$who $(ROBUST_PROCNS) || fail=1; \
	done; \
	$(SAN_NOLEAK) $(NS_RUN) sh tests/robust_cli.sh $(CLI) $(REL_NOCLONE3) || fail=1; \
	$(SAN_NOLEAK) $(NS_RUN) $(AS_NOBODY) sh tests/robust_cli.sh $(CLI) $(REL_NOCLONE3) || fail=1; \
	$(SAN_NOLEAK) sh tests/kill_storm.sh $(KILL_STORM) $(CLI) 4 || fail=1; \
	if [ $$fail = 0 ]; then echo "check-robust: passed"; else echo "check-robust: FAILED" >&2; exit 1; fi

CHECKS += check-robust
.PHONY: check-robust kill-storm host-cost
