# bench/: `make bench` - load generator, reference fan-out relay, bench.sh.
# Results go to bench/results/ (not versioned).
MPT_LOAD_OBJS := $(call objs,bench/mpt-load.c)
$(eval $(call program,mpt-load,$(MPT_LOAD_OBJS),-pthread))

MPT_AEAD_OBJS := $(call objs,bench/mpt-aead.c)
$(eval $(call program,mpt-aead,$(MPT_AEAD_OBJS),$(CRYPTO_LIBS)))

MPT_REFRELAY_OBJS := $(call objs,bench/mpt-refrelay.c)
$(eval $(call program,mpt-refrelay,$(MPT_REFRELAY_OBJS),))

.PHONY: bench
bench: all
	$(Q)BUILD=$(BUILD) bench/bench.sh
