# Makefile - builds libpidcycle, the preload, the CLI (with run's emulation), tests and examples into build/.
VERSION   := 0.2.0
SOVERSION := 0
PREFIX    ?= /usr/local
LIBDIR    ?= $(PREFIX)/lib
INCDIR    ?= $(PREFIX)/include
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
PCDIR     ?= $(LIBDIR)/pkgconfig
DESTDIR   ?=

CC        ?= cc
B         := build
WARN      := -Wall -Wextra -Werror
CFLAGS    ?= -O2 -g
ALL_CFLAGS = $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -fPIC -fvisibility=hidden -Iinclude -Ilib
LDLIBS_URCU := -lurcu-bp -lurcu-common
FUSE_CFLAGS := $(shell pkg-config --cflags fuse3)
FUSE_LIBS   := $(shell pkg-config --libs fuse3)
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=$(SANITIZE)
# For tests that run whole commands: LeakSanitizer's exit-time tracer takes a
# PID of its own (which breaks their exact cursor counts) and cannot run inside
# a JVM. The in-process test programs keep leak detection on.
SAN_NOLEAK := ASAN_OPTIONS=detect_leaks=0
export SANITIZE
endif

# V=1 shows the full commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_NAMES := sys opts probe cursor procfs procns predictor pool burners anchors engine candidate sigchld fastpath api \
	     holder plan
LIB_OBJS  := $(LIB_NAMES:%=$(B)/lib/%.o)
SONAME    := libpidcycle.so.$(SOVERSION)
SHLIB     := $(B)/libpidcycle.so.$(VERSION)
STLIB     := $(B)/libpidcycle.a
SHIM      := $(B)/libpidcycle-preload.so
CLI       := $(B)/pidcycle
PCFILE    := $(B)/pidcycle.pc

all: $(SHLIB) $(B)/libpidcycle.so $(STLIB) $(PCFILE) $(CLI) $(SHIM)

$(B)/lib/%.o: lib/%.c lib/internal.h lib/sys.h lib/pool.h include/pidcycle.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(SHLIB): $(LIB_OBJS) lib/libpidcycle.map
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) -shared $(LDFLAGS) -Wl,-soname,$(SONAME) -Wl,--version-script=lib/libpidcycle.map \
		-Wl,--no-undefined -o $@ $(LIB_OBJS) $(LDLIBS_URCU)
	$(Q)ln -sf libpidcycle.so.$(VERSION) $(B)/$(SONAME)

$(B)/libpidcycle.so: $(SHLIB)
	$(Q)ln -sf libpidcycle.so.$(VERSION) $@

$(STLIB): $(LIB_OBJS)
	$(if $(Q),@echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# Rebuilt whenever PREFIX/LIBDIR/INCDIR change, so `make install PREFIX=...` installs the right paths.
$(B)/pc.vars: FORCE
	@mkdir -p $(B)
	@echo '$(PREFIX)|$(LIBDIR)|$(INCDIR)|$(BINDIR)|$(VERSION)' | cmp -s - $@ || echo '$(PREFIX)|$(LIBDIR)|$(INCDIR)|$(BINDIR)|$(VERSION)' > $@

$(PCFILE): pidcycle.pc.in $(B)/pc.vars
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|; s|@VERSION@|$(VERSION)|' $< > $@

CLI_SRCS := tools/pidcycle.c tools/cli_parse.c tools/cli_progress.c tools/cli_report.c \
	tools/cli_signal.c tools/cli_json.c tools/cli_limits.c tools/cli_fds.c tools/cli_plan.c \
	tools/criu_image.c tools/cli_run.c
CLI_HDRS := $(CLI_SRCS:.c=.h)
# run's emulated ns_last_pid (emul/): namespaces, the FUSE mount, the server.
EMUL_NAMES := emul ns mount fdpass server file writer steer last_step check value logsink
EMUL_SRCS  := $(EMUL_NAMES:%=emul/%.c)
EMUL_HDRS  := $(wildcard emul/*.h)
# The preload finds itself beside the binary, else here (see cli_run.c).
CLI_PATHS  := -DPIDCYCLE_LIBDIR='"$(LIBDIR)"' -DPIDCYCLE_BINDIR='"$(BINDIR)"'

# The CRIU image reader parses pstree.img with protobuf-c, from our own
# tools/criu_pstree.proto (the fields we read); the code is generated into build/.
GEN_DIR   := $(B)/gen
PSTREE_PB := $(GEN_DIR)/criu_pstree.pb-c.c
PSTREE_PBH := $(GEN_DIR)/criu_pstree.pb-c.h
LDLIBS_PB := -lprotobuf-c

$(PSTREE_PB): tools/criu_pstree.proto
	@mkdir -p $(GEN_DIR)
	$(if $(Q),@echo "  PROTOC  $@")
	$(Q)protoc-c --proto_path=tools --c_out=$(GEN_DIR) $<
$(PSTREE_PBH): $(PSTREE_PB)

$(CLI): $(CLI_SRCS) $(filter-out tools/pidcycle.h,$(CLI_HDRS)) $(PSTREE_PB) $(PSTREE_PBH) \
		$(EMUL_SRCS) $(EMUL_HDRS) $(STLIB) include/pidcycle.h $(B)/pc.vars
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -I$(GEN_DIR) -Iemul $(FUSE_CFLAGS) $(CLI_PATHS) $(LDFLAGS) -o $@ \
		$(CLI_SRCS) $(EMUL_SRCS) $(PSTREE_PB) $(STLIB) $(LDLIBS_URCU) $(LDLIBS_PB) $(FUSE_LIBS) -lm

# The shim is its own .so with an anonymous version script: a named node
# would silently stop it from interposing libc's symbols.
# It parses ns_last_pid writes and logs as run's server does (emul/value.c, logsink.c).
SHIM_SRCS := preload/preload.c preload/lastpid.c preload/run.c emul/value.c emul/logsink.c
$(SHIM): $(SHIM_SRCS) preload/preload.h emul/value.h emul/logsink.h $(LIB_OBJS) preload/preload.map
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Iemul -shared $(LDFLAGS) -Wl,--version-script=preload/preload.map \
		-Wl,--no-undefined -o $@ $(SHIM_SRCS) $(LIB_OBJS) $(LDLIBS_URCU) -ldl

# The exported set must be exactly the map's global list.
check-abi: $(SHLIB)
	$(Q)nm -D --defined-only $(SHLIB) | awk '$$2 ~ /^[TDBR]$$/ {print $$3}' | sed 's/@.*//' | sort -u > $(B)/abi.exported
	$(Q)sed -n 's/^[[:space:]]*\(pidcycle_[a-z0-9_]*\);.*/\1/p' lib/libpidcycle.map | sort -u > $(B)/abi.map
	$(Q)if diff -u $(B)/abi.map $(B)/abi.exported; then echo "check-abi: $$(wc -l < $(B)/abi.map) symbols match the map"; \
	else echo "check-abi: exported symbols and lib/libpidcycle.map disagree" >&2; exit 1; fi

# Each part adds its own rules; `make check` runs every entry of CHECKS in turn
# (each is a phony target that builds and runs one group of tests) and ends
# with one line counting the groups: "check: N passed, M failed".
CHECKS :=
-include $(sort $(wildcard tests/*.mk bench/*.mk examples/*/*.mk))

check: all check-abi
	$(Q)pass=0; fail=0; failed=; for t in $(CHECKS); do \
		if $(MAKE) --no-print-directory $$t; then pass=$$((pass + 1)); \
		else fail=$$((fail + 1)); failed="$$failed $$t"; fi; done; \
	[ $$fail = 0 ] || echo "make check: failed:$$failed" >&2; \
	echo "check: $$pass passed, $$fail failed"; [ $$fail = 0 ]

MAN1 := $(wildcard man/*.1)
MAN3 := $(wildcard man/*.3)
MAN7 := $(wildcard man/*.7)

install: all
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(PCDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	install -m 0755 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libpidcycle.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libpidcycle.so
	install -m 0644 $(STLIB) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(SHIM) $(DESTDIR)$(LIBDIR)/
	install -m 0644 include/pidcycle.h $(DESTDIR)$(INCDIR)/
	install -m 0644 $(PCFILE) $(DESTDIR)$(PCDIR)/
	install -m 0755 $(CLI) $(DESTDIR)$(BINDIR)/
	$(if $(MAN1),install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(MAN3),install -m 0644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/)
	$(if $(MAN7),install -m 0644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/)

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libpidcycle.so* $(DESTDIR)$(LIBDIR)/libpidcycle.a \
		$(DESTDIR)$(LIBDIR)/libpidcycle-preload.so $(DESTDIR)$(INCDIR)/pidcycle.h \
		$(DESTDIR)$(PCDIR)/pidcycle.pc $(DESTDIR)$(BINDIR)/pidcycle
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(MAN3))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))

clean:
	rm -rf $(B)

FORCE:

.PHONY: FORCE all install uninstall clean check-abi check
