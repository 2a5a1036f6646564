# mqreset - top-level Makefile (GNU make).
#
#   make            build bin: $(BUILD)/mqreset, $(BUILD)/mqreset-emulator
#   make check      install missing build deps (as root), build, run all tests
#   make demo       install missing build deps, build, run the main job on
#                   the bundled emulator
#   make bench      benchmarks (print figures; never pass/fail on time)
#   make soak       100 kill -9 chains on a 20,000-row plan (up to 40 min)
#   make sanitize   the test suite under ASan+UBSan, then TSan
#   make valgrind   the unit tests under valgrind --leak-check=full
#   make fuzz       build and briefly run the libFuzzer targets (clang)
#   make golden     rewrite tests/golden from the current code (no test)
#   make install    PREFIX=/usr/local DESTDIR= : binaries and man pages
#
# Each variant builds in its own directory (BUILD=...), so parallel builds
# by different people or sanitizers never share objects.
#
# Three source folders, three archives: src/common (modules both programs
# use), src/mqreset (the tool), src/emulator (the emulator), each with its
# headers in include/<folder>.  A folder is compiled with its own headers
# and common's only, so the tool cannot include an emulator header nor the
# emulator a tool header (the compiler refuses), and common includes
# neither; tests/layout.sh checks the same on the sources.

CC      ?= cc
BUILD   ?= build
SAN     ?=
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
OPT     ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE
CFLAGS  += -std=c11 $(WARN) $(OPT) -pthread
LDLIBS  += -lcurl -lssl -lcrypto -lcsv -lcjson -lmicrohttpd -lpthread -lm
TEST_LDLIBS = -lcunit

ifeq ($(SAN),asan)
  CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SAN),tsan)
  CFLAGS  += -fsanitize=thread -fno-omit-frame-pointer
  LDFLAGS += -fsanitize=thread
  # gcc 12's TSan cannot place its shadow memory when the kernel
  # randomises mmap with more than 28 bits ("FATAL: ThreadSanitizer:
  # unexpected memory mapping"); then its tests run without ASLR.
  TSAN_WRAP ?= $(shell [ "$$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null \
      || echo 0)" -gt 28 ] && echo setarch -R)
endif

INC_COMMON = -Iinclude/common
INC_TOOL   = $(INC_COMMON) -Iinclude/mqreset
INC_EMU    = $(INC_COMMON) -Iinclude/emulator
HEADERS    = $(wildcard include/*/*.h)

MAINS      = src/mqreset/main.c src/emulator/emulator_main.c
COMMON_SRCS = $(wildcard src/common/*.c)
TOOL_SRCS  = $(filter-out $(MAINS),$(wildcard src/mqreset/*.c))
EMU_SRCS   = $(filter-out $(MAINS),$(wildcard src/emulator/*.c))
COMMON_OBJS = $(COMMON_SRCS:src/%.c=$(BUILD)/obj/%.o)
TOOL_OBJS  = $(TOOL_SRCS:src/%.c=$(BUILD)/obj/%.o)
EMU_OBJS   = $(EMU_SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_COMMON = $(BUILD)/libcommon.a
LIB_TOOL   = $(BUILD)/libmqreset.a
LIB_EMU    = $(BUILD)/libemulator.a
BIN       = $(BUILD)/mqreset
EMU       = $(BUILD)/mqreset-emulator
TEST_SRCS = $(wildcard tests/unit/test_*.c)
TEST_BINS = $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TEST_SUPPORT_SRCS = $(filter-out $(TEST_SRCS),$(wildcard tests/unit/*.c))
TEST_SUPPORT_OBJS = $(TEST_SUPPORT_SRCS:tests/unit/%.c=$(BUILD)/tobj/%.o)
MANS      = $(wildcard man/*.[1-9])

.SECONDARY:

.PHONY: all deps check tests test demo bench soak sanitize valgrind fuzz \
        install uninstall clean lint-man golden

all: $(BIN) $(EMU)

# Build dependencies: install when missing (root) or print the apt line.
deps:
	@scripts/install-deps --if-missing

$(BUILD)/obj/common/%.o: src/common/%.c $(HEADERS) | $(BUILD)/obj/common
	$(CC) $(CPPFLAGS) $(INC_COMMON) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/mqreset/%.o: src/mqreset/%.c $(HEADERS) | $(BUILD)/obj/mqreset
	$(CC) $(CPPFLAGS) $(INC_TOOL) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/emulator/%.o: src/emulator/%.c $(HEADERS) | $(BUILD)/obj/emulator
	$(CC) $(CPPFLAGS) $(INC_EMU) $(CFLAGS) -c -o $@ $<

$(BUILD)/tobj/%.o: tests/unit/%.c $(HEADERS) $(wildcard tests/unit/*.h) \
    | $(BUILD)/tobj
	$(CC) $(CPPFLAGS) $(INC_COMMON) -Itests/unit $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/common $(BUILD)/obj/mqreset $(BUILD)/obj/emulator \
    $(BUILD)/tobj $(BUILD)/tests:
	mkdir -p $@

$(LIB_COMMON): $(COMMON_OBJS)
	rm -f $@
	ar rcs $@ $^

$(LIB_TOOL): $(TOOL_OBJS)
	rm -f $@
	ar rcs $@ $^

$(LIB_EMU): $(EMU_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/obj/mqreset/main.o $(LIB_TOOL) $(LIB_COMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(EMU): $(BUILD)/obj/emulator/emulator_main.o $(LIB_EMU) $(LIB_COMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests of the emulator (test_emu_*) see the emulator's headers and
# archive, the others the tool's; both see common's.
$(BUILD)/tests/test_emu_%: tests/unit/test_emu_%.c $(TEST_SUPPORT_OBJS) \
    $(LIB_EMU) $(LIB_COMMON) $(HEADERS) $(wildcard tests/unit/*.h) \
    | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(INC_EMU) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ \
	    $< $(TEST_SUPPORT_OBJS) $(LIB_EMU) $(LIB_COMMON) $(TEST_LDLIBS) \
	    $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(TEST_SUPPORT_OBJS) $(LIB_TOOL) \
    $(LIB_COMMON) $(HEADERS) $(wildcard tests/unit/*.h) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(INC_TOOL) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ \
	    $< $(TEST_SUPPORT_OBJS) $(LIB_TOOL) $(LIB_COMMON) $(TEST_LDLIBS) \
	    $(LDLIBS)

# Build the test binaries without running them (CI's clang build).
tests: all $(TEST_BINS)

test: all $(TEST_BINS)
	@BUILD=$(BUILD) $(TSAN_WRAP) tests/run

check: deps
	@$(MAKE) --no-print-directory test

lint-man:
	mandoc -Tlint -Wwarning $(MANS)

# Rewrite the expected outputs in tests/golden from the current code (then
# review `git diff tests/golden`).  It checks nothing: the tests only ever
# compare with these files.
golden: all $(BUILD)/tests/test_report
	$(BUILD)/tests/test_report --write-golden tests/golden
	MQRESET=$(CURDIR)/$(BIN) bash tests/e2e/validate.sh --write-golden

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/demo

bench: deps
	@$(MAKE) --no-print-directory all OPT="-O2 -g"
	@BUILD=$(BUILD) bench/run

soak: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bash tests/soak/killchain.sh

sanitize: deps
	@$(MAKE) --no-print-directory test SAN=asan BUILD=build-asan
	@$(MAKE) --no-print-directory test SAN=tsan BUILD=build-tsan

valgrind: deps
	@$(MAKE) --no-print-directory all $(TEST_BINS)
	@BUILD=$(BUILD) VALGRIND=1 tests/run --unit-only

fuzz: deps
	@BUILD=build-fuzz tests/fuzz/run

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 0755 $(BIN) $(EMU) $(DESTDIR)$(BINDIR)/
	for m in $(MANS); do \
	    s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; \
	done
	install -d $(DESTDIR)$(BASHCOMPDIR)
	$(BIN) completion bash >$(BUILD)/mqreset.bash
	install -m 0644 $(BUILD)/mqreset.bash $(DESTDIR)$(BASHCOMPDIR)/mqreset

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mqreset $(DESTDIR)$(BINDIR)/mqreset-emulator
	rm -f $(DESTDIR)$(BASHCOMPDIR)/mqreset
	for m in $(MANS); do \
	    s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; \
	done

clean:
	rm -rf build build-*
