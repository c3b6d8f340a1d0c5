# tests/plan.mk - holders and plans: pidcycle_holder() and pidcycle_plan() against the kernel.
#
# check-plan  tests/plan_api.c as root and as uid 65534, each in a private PID
#             namespace whose pid_max root lowered to PLAN_PID_MAX first (cheap wraps)

PLAN_PID_MAX ?= 8000
PLAN_API_BIN := $(B)/tests/plan_api
PLAN_UTIL    := tests/hygiene.c tests/nsutil.c tests/engine_util.c
PLAN_HDRS    := include/pidcycle.h lib/internal.h tests/hygiene.h tests/nsutil.h tests/engine.h
PLAN_NS      = timeout -k 10 $(or $(TEST_TIMEOUT),300) unshare --pid --fork --mount-proc --kill-child
PLAN_NOBODY  := setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all

$(PLAN_API_BIN): tests/plan_api.c $(PLAN_UTIL) $(PLAN_HDRS) $(STLIB)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/plan_api.c $(PLAN_UTIL) \
		$(STLIB) $(LDLIBS_URCU) -lcmocka -lm

tests: $(PLAN_API_BIN)

# Each run happens even if an earlier one failed; the group fails if any did.
check-plan: $(PLAN_API_BIN)
	$(Q)fail=0; \
	$(PLAN_NOBODY) test -x $(PLAN_API_BIN) || { echo "$(PLAN_API_BIN): not reachable by uid 65534" >&2; fail=1; }; \
	for who in root nobody; do \
		echo "== $(PLAN_API_BIN) as $$who (pid_max $(PLAN_PID_MAX))"; \
		$(PLAN_NS) sh tests/engine_ns.sh $(PLAN_PID_MAX) $$who $(PLAN_API_BIN) || fail=1; \
	done; \
	if [ $$fail = 0 ]; then echo "check-plan: passed"; else echo "check-plan: FAILED" >&2; exit 1; fi

CHECKS += check-plan

.PHONY: check-plan
