# bridge/ - mpbridge, the relay and impairment emulator (see bridge/README.md)
MPBRIDGE_OPTS := bridge/opts.c bridge/settings.c bridge/profile.c bridge/dist.c bridge/values.c \
	bridge/lossmodel.c bridge/settings_json.c bridge/peer.c bridge/trace.c \
	bridge/usage.c
MPBRIDGE_OBJS := $(call objs,bridge/mpbridge.c bridge/relay.c bridge/impair.c $(MPBRIDGE_OPTS) \
	bridge/rng.c bridge/capture.c)
$(eval $(call program,mpbridge,$(MPBRIDGE_OBJS),$(LIBEV) $(PCAP_LIBS) $(LIBM)))

# unit tests (cmocka)
$(eval $(call unittest,test_impair,$(call objs,tests/unit/test_impair.c tests/unit/markov.c bridge/impair.c \
	bridge/rng.c bridge/trace.c bridge/values.c),$(LIBM)))
$(eval $(call unittest,test_bridge_opts,$(call objs,tests/unit/test_bridge_opts.c $(MPBRIDGE_OPTS) \
	bridge/impair.c bridge/rng.c),$(LIBM)))
$(eval $(call unittest,test_bridge_capture,$(call objs,tests/unit/test_bridge_capture.c \
	bridge/capture.c bridge/impair.c bridge/rng.c bridge/trace.c bridge/values.c),$(PCAP_LIBS) \
	$(LIBM)))
$(eval $(call unittest,test_bridge_mean,$(call objs,tests/unit/test_bridge_mean.c tests/unit/markov.c \
	$(MPBRIDGE_OPTS) bridge/impair.c bridge/rng.c),$(LIBM)))
