# tests/preload.mk - check-preload: CRIU's PID patterns as nobody, with and without the preload.
SHIM_TEST_BINS := $(B)/tests/preload/criu_pattern $(B)/tests/preload/hostile \
	$(B)/tests/preload/sibling $(B)/tests/preload/forker $(B)/tests/preload/secure

# The shim's other sources (its link rule lists preload/*.c itself).
$(SHIM): preload/preload.h preload/lastpid.c preload/run.c

$(B)/tests/preload/%: tests/preload/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE $(LDFLAGS) -o $@ $<

# A set-uid program ignores LD_PRELOAD: this one has the preload linked in.
$(B)/tests/preload/secure: tests/preload/secure.c $(SHIM)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE $(LDFLAGS) -o $@ $< \
		-L$(B) -l:libpidcycle-preload.so -Wl,-rpath,$(abspath $(B))

# Their clone3 calls as CRIU makes them (forker makes none).
$(filter-out %/forker,$(SHIM_TEST_BINS)): tests/preload/clone3.h

# The test programs are plain libc on purpose: they are the hosts the shim goes into.
check-preload: $(SHIM) $(SHIM_TEST_BINS)
	$(Q)sh tests/preload/run.sh $(B)

CHECKS += check-preload
.PHONY: check-preload
