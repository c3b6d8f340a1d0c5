# tests/tests.mk - unit tests (cmocka), integration tests in private PID namespaces, CLI smoke tests.
#
# check-unit         unit tests (no PID is allocated; run in a private namespace anyway)
# check-integration  the real kernel: as root, as uid 65534 without capabilities,
#                    and the wrap tests as uid 65534 after root lowered pid_max
# check-cli          tests/cli.sh against $(CLI), as root and as uid 65534

TEST_LIBS   := $(STLIB) $(LDLIBS_URCU) -lcmocka
TEST_UNITS  := $(B)/tests/unit $(B)/tests/unit_probe
TEST_INTEG  := $(B)/tests/integration
TEST_HDRS   := include/pidcycle.h lib/internal.h lib/sys.h

# Every PID-allocating test runs inside its own PID namespace; the
# unprivileged runs drop to nobody with no capabilities inside it. The
# timeout is only a safety net against a hung library (never an assertion):
# --kill-child takes the whole namespace down with it.
TEST_TIMEOUT ?= 300
NS_RUN      := timeout -k 10 $(TEST_TIMEOUT) unshare --pid --fork --mount-proc --kill-child
AS_NOBODY   := setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all

# The CLI's parts (numbers, progress line, JSON, task limits) are tested alone.
ifneq ($(wildcard tools/cli_parse.c),)
TEST_UNITS  += $(B)/tests/unit_cli
endif

$(B)/tests/unit: tests/unit.c $(STLIB) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIBS)

# The probe's error mapping: pc_sys_clone3 answers what the test says.
$(B)/tests/unit_probe: tests/unit_probe.c $(STLIB) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wl,--wrap=pc_sys_clone3 -o $@ $< $(TEST_LIBS)

UNIT_CLI_SRCS := tools/cli_parse.c tools/cli_progress.c tools/cli_signal.c \
	tools/cli_json.c tools/cli_limits.c

$(B)/tests/unit_cli: tests/unit_cli.c $(UNIT_CLI_SRCS) $(UNIT_CLI_SRCS:.c=.h) include/pidcycle.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Itools $(LDFLAGS) -o $@ tests/unit_cli.c $(UNIT_CLI_SRCS) -lcmocka -lm

INTEG_SRCS := tests/integration.c tests/integration_limits.c tests/hygiene.c tests/nsutil.c

$(TEST_INTEG): $(INTEG_SRCS) tests/integration.h tests/hygiene.h tests/nsutil.h $(STLIB) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(INTEG_SRCS) $(TEST_LIBS)

tests: $(TEST_UNITS) $(TEST_INTEG)

# Each program runs even if an earlier one failed; the group fails if any did.
check-unit: $(TEST_UNITS)
	$(Q)fail=0; for t in $(TEST_UNITS); do \
		echo "== $$t"; $(NS_RUN) $$t || fail=1; done; \
	if [ $$fail = 0 ]; then echo "check-unit: passed"; else echo "check-unit: FAILED" >&2; exit 1; fi

check-integration: $(TEST_INTEG)
	$(Q)fail=0; \
	echo "== integration as root"; \
	$(NS_RUN) $(TEST_INTEG) || fail=1; \
	echo "== integration as uid 65534, no capabilities"; \
	$(call NOBODY_CAN_READ,$(TEST_INTEG)); \
	$(NS_RUN) $(AS_NOBODY) $(TEST_INTEG) || fail=1; \
	echo "== wrap tests as uid 65534 (root lowered pid_max to 5000 first)"; \
	$(NS_RUN) sh tests/wrap_nobody.sh $(TEST_INTEG) || fail=1; \
	if [ $$fail = 0 ]; then echo "check-integration: passed"; else echo "check-integration: FAILED" >&2; exit 1; fi

check-cli: $(CLI)
	$(Q)fail=0; \
	echo "== cli as root"; \
	$(SAN_NOLEAK) $(NS_RUN) sh tests/cli.sh $(CLI) || fail=1; \
	echo "== cli as uid 65534, no capabilities"; \
	$(call NOBODY_CAN_READ,$(CLI)); \
	$(SAN_NOLEAK) $(NS_RUN) $(AS_NOBODY) sh tests/cli.sh $(CLI) || fail=1; \
	if [ $$fail = 0 ]; then echo "check-cli: passed"; else echo "check-cli: FAILED" >&2; exit 1; fi

# The unprivileged runs need the checkout to be reachable by uid 65534.
NOBODY_CAN_READ = $(AS_NOBODY) test -x $(1) || { \
	echo "$(1): not reachable by uid 65534: put the checkout in a world-readable directory" >&2; \
	fail=1; }

CHECKS += check-unit check-integration check-cli

.PHONY: tests check-unit check-integration check-cli

# make install into a staging DESTDIR; a program built with pkg-config runs against it.
check-install: all
	$(Q)B=$(B) sh tests/install.sh

CHECKS += check-install
.PHONY: check-install
