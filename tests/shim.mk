# tests/shim.mk - check-shim: CRIU's PID patterns as nobody, with and without the preload shim.
SHIM_TEST_BINS := $(B)/tests/shim/criu_pattern

# The shim's other sources (its link rule lists lib/shim*.c itself).
$(SHIM): lib/shim.h lib/shim_lastpid.c

$(B)/tests/shim/%: tests/shim/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE $(LDFLAGS) -o $@ $<

# The test program is plain libc on purpose: it is the host the shim goes into.
check-shim: $(SHIM) $(SHIM_TEST_BINS)
	$(Q)sh tests/shim/run.sh $(B)

CHECKS += check-shim
.PHONY: check-shim
