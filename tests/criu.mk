# tests/criu.mk - check-criu: the end-to-end suite with a real CRIU (not in `make check`: CI has none).
#   make check-criu CRIU=/path/to/criu [CRIU_CASES="threads:20 jvm:10 ..."]
#   (without CRIU_CASES: every restore case once, then check-criu-plan)
CRIU ?=
CRIU_CASES ?=
CRIU_TEST_BINS := $(B)/tests/criu/target $(B)/tests/criu/detach $(B)/tests/run/enosys \
	$(B)/tests/preload/forker

$(B)/tests/criu/target: tests/criu/target.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -pthread $(LDFLAGS) -o $@ $<

$(B)/tests/criu/%: tests/criu/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE $(LDFLAGS) -o $@ $<

# The JVM case's program; without a JDK the case fails and says why.
$(B)/tests/criu/Ticker.class: tests/criu/Ticker.java
	@mkdir -p $(dir $@)
	$(Q)javac -d $(dir $@) $< || echo "check-criu: javac failed: the jvm case will fail" >&2

# The whole suite also plans real dumps (tests/criu/plan.sh, check-criu-plan);
# CRIU_CASES picks restore cases only.
check-criu: $(CLI) $(SHIM) $(CRIU_TEST_BINS) $(B)/tests/criu/Ticker.class
	$(Q)$(SAN_NOLEAK) sh tests/criu/suite.sh $(B) "$(CRIU)" $(CRIU_CASES)
	$(if $(CRIU_CASES),,$(Q)sh tests/criu/plan.sh $(CLI) "$(CRIU)")

.PHONY: check-criu
