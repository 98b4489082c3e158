# fuzz/ - libFuzzer harnesses, seed corpora, and the seal/keyfile/corpus unit tests.
#
#   make fuzz [FUZZ_SECONDS=30]   build the harnesses with clang and run each, time-boxed;
#                                 new inputs go to $(BUILD)/fuzz/corpus/NAME, crashes to
#                                 $(BUILD)/fuzz/artifacts/ (the tree's corpus is read only)
#   make fuzz-merge               merge what the last runs found into fuzz/corpus/ (minimised)
#   make fuzz-corpus              regenerate the hand-made seeds in fuzz/corpus/ (named
#                                 files, from fuzz/gen_corpus.c; merged finds are named by hash)
#   A crash reproducer worth keeping goes into fuzz/regress/NAME/: the unit test
#   test_fuzz_corpus replays fuzz/corpus/* and fuzz/regress/* through the same harness
#   bodies, built with $(CC) like every unit test (and sanitized with SANITIZE=...).

# --- unit tests (gcc) --------------------------------------------------------
$(eval $(call unittest,test_wireseal,$(call objs,tests/unit/test_wireseal.c),$(CRYPTO_LIBS) $(ISAL_LIBS)))
$(eval $(call unittest,test_seal2,$(call objs,tests/unit/test_seal2.c),$(CRYPTO_LIBS)))
$(eval $(call unittest,test_keyset,$(call objs,tests/unit/test_keyset.c),$(CRYPTO_LIBS)))
$(eval $(call unittest,test_keyfile,$(call objs,tests/unit/test_keyfile.c),$(CRYPTO_LIBS)))

FUZZ_TARGETS := wire open window config fec rx
# the tunnel sources the harnesses need (fuzz_rx: the protocol core of both ends,
# the same list as TUNNEL_CORE, CLIENT_CORE and SERVER_CORE in tunnel/module.mk)
FUZZ_EXTRA_SRCS := tunnel/config.c tunnel/event.c tunnel/rx.c tunnel/tx.c tunnel/path.c tunnel/pathq.c tunnel/pathsel.c tunnel/flow.c \
	tunnel/session.c tunnel/cookie.c tunnel/stats.c tunnel/params.c tunnel/keys.c tunnel/keyring.c tunnel/redundancy.c \
	tunnel/client_core.c tunnel/client_rx.c tunnel/client_keys.c tunnel/client_auto.c tunnel/server_core.c tunnel/server_rx.c \
	tunnel/server_keys.c tunnel/server_access.c tunnel/srvconf.c
$(eval $(call unittest,test_fuzz_corpus,$(call objs,tests/unit/test_fuzz_corpus.c \
	$(FUZZ_TARGETS:%=fuzz/fuzz_%.c) $(FUZZ_EXTRA_SRCS)),$(CRYPTO_LIBS) $(ISAL_LIBS) $(LIBM)))

# --- seed generator (gcc, not installed) -------------------------------------
FUZZ_GEN := $(BUILD)/fuzz/gen_corpus
FUZZ_GEN_OBJS := $(call objs,fuzz/gen_corpus.c fuzz/fuzz_open.c)
$(FUZZ_GEN): $(FUZZ_GEN_OBJS) $(LIBMPT)
	@mkdir -p $(@D)
	$(call msg,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $(FUZZ_GEN_OBJS) $(LIBMPT) $(CRYPTO_LIBS) $(ISAL_LIBS)

# --- libFuzzer harnesses (clang) ---------------------------------------------
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_FLAGS ?=
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_OBJ := $(FUZZ_DIR)/obj
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := $(filter-out -MMD -MP,$(BASE_CPPFLAGS)) $(WARNFLAGS) -g -O1 \
	-fno-omit-frame-pointer $(FUZZ_SAN) -DMPT_LIBFUZZER
FUZZ_LIB := $(FUZZ_DIR)/libmpt-fuzz.a
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(LIB_SRCS) $(FUZZ_EXTRA_SRCS))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_HDRS := $(wildcard lib/*.h tunnel/*.h fuzz/*.h)

# library code: coverage instrumentation without libFuzzer's main
$(FUZZ_OBJ)/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(call msg,FUZZCC,$<)$(FUZZ_CC) $(FUZZ_CFLAGS) $(EXTRA_CFLAGS_$(<D)) \
		-fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)$(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(call msg,FUZZLD,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) \
		$(CRYPTO_LIBS) $(ISAL_LIBS) $(LIBM)

.PHONY: fuzz fuzz-build fuzz-merge fuzz-corpus

fuzz-build: $(FUZZ_BINS)

# Each harness runs FUZZ_SECONDS; a crash or property failure fails the target
# after all harnesses ran.  Summary line per harness: executions, corpus, rss.
fuzz: $(FUZZ_BINS)
	$(Q)fail=0; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts; \
		log=$(FUZZ_DIR)/fuzz_$$t.log; \
		printf '  %-6s %s (%ss)\n' FUZZ fuzz_$$t $(FUZZ_SECONDS); \
		if ! $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- $(FUZZ_FLAGS) \
			$(FUZZ_DIR)/corpus/$$t fuzz/corpus/$$t >$$log 2>&1; then \
			fail=1; echo "fuzz_$$t: FAILED (log $$log)"; tail -n 30 $$log; \
		fi; \
		execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
		rss=$$(sed -n 's/^stat::peak_rss_mb: *//p' $$log); \
		cov=$$(grep -E '^#[0-9]+' $$log | tail -n 1 | sed -nE 's/.*cov: ([0-9]+).*corp: ([0-9]+).*/cov \1, corpus \2/p'); \
		echo "fuzz_$$t: $${execs:-?} executions, $${cov:-?}, peak rss $${rss:-?} MB"; \
	done; \
	ls $(FUZZ_DIR)/artifacts/ 2>/dev/null | sed 's/^/  artifact: /'; \
	exit $$fail

fuzz-merge: $(FUZZ_BINS)
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$t $(FUZZ_DIR)/corpus/$$t; \
		$(FUZZ_DIR)/fuzz_$$t -merge=1 fuzz/corpus/$$t $(FUZZ_DIR)/corpus/$$t \
			>$(FUZZ_DIR)/merge_$$t.log 2>&1 || { echo "merge $$t failed"; exit 1; }; \
		echo "fuzz/corpus/$$t: $$(ls fuzz/corpus/$$t | wc -l) files"; \
	done

fuzz-corpus: $(FUZZ_GEN)
	$(Q)$(FUZZ_GEN) fuzz/corpus
