# tests/preload.mk - check-preload: CRIU's PID patterns as nobody, with and without the preload.
SHIM_TEST_BINS := $(B)/tests/preload/criu_pattern

# The shim's other sources (its link rule lists preload/*.c itself).
$(SHIM): preload/preload.h preload/lastpid.c preload/run.c

$(B)/tests/preload/%: tests/preload/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE $(LDFLAGS) -o $@ $<

# The test program is plain libc on purpose: it is the host the shim goes into.
check-preload: $(SHIM) $(SHIM_TEST_BINS)
	$(Q)sh tests/preload/run.sh $(B)

CHECKS += check-preload
.PHONY: check-preload
