# netem/ - kernel impairment scripts and mpt-nlstats, the libnl-route-3 counter reader.
EXTRA_CFLAGS_netem := $(NL_CFLAGS)
$(eval $(call program,mpt-nlstats,$(call objs,netem/nlstats.c),$(NL_LIBS)))
