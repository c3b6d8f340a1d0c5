# examples/jvm-launcher/jlaunch.mk - builds jlaunch (JVM with a chosen PID), cracspin, Java test classes; check-jvm.
JL_DIR := examples/jvm-launcher

# The JDK: $(JAVA_HOME), else the one the `javac` on PATH belongs to. No JDK is
# needed to link jlaunch (libjvm.so is found at run time), only jni.h to compile.
JL_JDK := $(or $(JAVA_HOME),$(patsubst %/bin/javac,%,$(realpath $(shell command -v javac 2>/dev/null))))
JL_JNI_H := $(if $(JL_JDK),$(wildcard $(JL_JDK)/include/jni.h))
JL_JAVAC := $(wildcard $(JL_JDK)/bin/javac)
JL_JAVA := $(wildcard $(JL_JDK)/bin/java)
JL_CLASSDIR := $(B)/jvm
JL_JAVA_SRC := $(JL_DIR)/PidReport.java tests/jvm/ExitProbe.java

all: $(B)/cracspin

$(B)/cracspin: $(JL_DIR)/cracspin.c $(STLIB) include/pidcycle.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(STLIB) $(LDLIBS_URCU) -ldl -lpthread

ifneq ($(JL_JNI_H),)
all: $(B)/jlaunch

$(B)/jlaunch: $(JL_DIR)/jlaunch.c $(JL_DIR)/jvm.c $(JL_DIR)/jlaunch.h $(STLIB) include/pidcycle.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -I$(JL_JDK)/include -I$(JL_JDK)/include/linux $(LDFLAGS) -o $@ \
		$(JL_DIR)/jlaunch.c $(JL_DIR)/jvm.c $(STLIB) $(LDLIBS_URCU) -ldl -lpthread
else
all: jlaunch-skip

jlaunch-skip:
	@echo "jlaunch: skipped, no jni.h (set JAVA_HOME or install openjdk-17-jdk-headless)"
.PHONY: jlaunch-skip
endif

$(JL_CLASSDIR)/.stamp: $(JL_JAVA_SRC)
	@mkdir -p $(JL_CLASSDIR)
	$(if $(Q),@echo "  JAVAC   $(JL_CLASSDIR)")
	$(Q)$(JL_JAVAC) -d $(JL_CLASSDIR) $(JL_JAVA_SRC)
	$(Q)touch $@

CHECKS += check-jvm
ifneq ($(and $(JL_JNI_H),$(JL_JAVAC),$(JL_JAVA)),)
check-jvm: $(B)/jlaunch $(B)/cracspin $(CLI) $(JL_CLASSDIR)/.stamp
	$(Q)$(SAN_NOLEAK) JLAUNCH=$(B)/jlaunch PIDCYCLE=$(CLI) JAVA=$(JL_JAVA) JAVA_HOME=$(JL_JDK) \
		CLASSES=$(JL_CLASSDIR) bash tests/jvm/check-jvm.sh
else
check-jvm:
	@echo "jvm: SKIP: no JDK (install openjdk-17-jdk-headless)"
endif
.PHONY: check-jvm
