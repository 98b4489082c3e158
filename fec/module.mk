# fec/: mpt-fecpipe, one direction of the redundancy (broadcast, fec:K:M, auto)
# end to end through real bridges, for the FEC lab scenarios and tests
FECPIPE_OBJS := $(call objs,fec/mpt-fecpipe.c)
$(eval $(call program,mpt-fecpipe,$(FECPIPE_OBJS),$(ISAL_LIBS) $(LIBM)))
