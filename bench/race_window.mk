# race_window.mk - `make race-window [ROUNDS=20] [RATE=1000]`: a thread's exposure under run (bench/race_window.sh).
ROUNDS ?= 20
RATE ?= 1000
race-window: $(CLI) $(SHIM) $(B)/tests/run/restorer $(B)/tests/preload/forker
	$(Q)sh bench/race_window.sh $(B) $(ROUNDS) $(RATE)

.PHONY: race-window
