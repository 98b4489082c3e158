# bench/: `make bench` - load generator, reference fan-out relay, bench.sh.
# Results go to bench/results/ (not versioned).
MPT_LOAD_OBJS := $(call objs,bench/mpt-load.c)
$(eval $(call program,mpt-load,$(MPT_LOAD_OBJS),-pthread))

MPT_AEAD_OBJS := $(call objs,bench/mpt-aead.c)
$(eval $(call program,mpt-aead,$(MPT_AEAD_OBJS),$(CRYPTO_LIBS)))

MPT_REFRELAY_OBJS := $(call objs,bench/mpt-refrelay.c)
$(eval $(call program,mpt-refrelay,$(MPT_REFRELAY_OBJS),))

.PHONY: bench bench-fec
bench: all
	$(Q)BUILD=$(BUILD) bench/bench.sh

# FEC beside broadcast, plain and keyed, 3 mpbridge paths, one run (about 6 minutes):
# over unlimited loopback paths (CPU) and over paths of 300 Mbit/s each (bytes)
bench-fec: all
	$(Q)BUILD=$(BUILD) BENCH_CONFIGS="tunnel+mpbridge:3 tunnel-enc+mpbridge:3 tunnel-fec+mpbridge:3 tunnel-fec-enc+mpbridge:3 tunnel-enc+mpbridge-cap:3 tunnel-fec-enc+mpbridge-cap:3" bench/bench.sh

MPT_SESSIONS_OBJS := $(call objs,bench/mpt-sessions.c)
$(eval $(call program,mpt-sessions,$(MPT_SESSIONS_OBJS),$(ISAL_LIBS) -pthread))
