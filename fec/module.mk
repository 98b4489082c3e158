# fec/: mpt-fecpipe, one direction of the redundancy (broadcast, fec:K:M, auto)
# end to end through real bridges, for the FEC lab scenarios and tests
FECPIPE_OBJS := $(call objs,fec/mpt-fecpipe.c)
$(eval $(call program,mpt-fecpipe,$(FECPIPE_OBJS),$(ISAL_LIBS) $(LIBM)))

# make lab-fec: the FEC scenarios and the redundancy sweep on loopback through mpbridge
# (fec/lab_fec.py; report.json and fec-sweep.png in lab/runs/fec-*; a few minutes)
.PHONY: lab-fec
lab-fec: $(BUILD)/mpt-fecpipe $(BUILD)/mpbridge
	$(Q)BUILD=$(BUILD) python3 fec/lab_fec.py
