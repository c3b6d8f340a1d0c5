# tests/run.mk - check-run: `pidcycle run` (the emulated ns_last_pid) as uid 65534 in private namespaces.
RUN_TEST_BINS := $(B)/tests/run/restorer $(B)/tests/run/crac $(B)/tests/run/lastpid_write \
	$(B)/tests/run/value_vs_kernel $(B)/tests/run/enosys

# Plain libc programs: the hosts CMD would be.
$(B)/tests/run/%: tests/run/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE $(LDFLAGS) -o $@ $<

# The emulation's parser against the kernel's.
$(B)/tests/run/value_vs_kernel: tests/run/value_vs_kernel.c emul/value.c emul/value.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iemul $(LDFLAGS) -o $@ $< emul/value.c

check-run: $(CLI) $(SHIM) $(RUN_TEST_BINS) $(B)/tests/preload/hostile
	$(Q)$(SAN_NOLEAK) sh tests/run/run.sh $(B)

CHECKS += check-run
.PHONY: check-run
