# lab/ - network-namespace lab (see lab/README.md).
#
#   make lab [SCENARIO=seed-3path] [LAB_MODE=ns|loopback]   one scenario, report in lab/runs/
#   make lab-all                                            every scenario in lab/scenarios/
#   make lab-sweep                                          per-path loss 0-50% x 1-4 paths, PNG plot
#   make lab-fec-sweep                                      residual loss vs bytes on the wire: broadcast,
#                                                           fec:K:M at 3 x 10% and 3 x 30% (PNG; not in CI)
#   make lab-up [SCENARIO=...]                              keep a lab running (lab/lab.sh exec HOST CMD)
#   make lab-down                                           stop it
#   lab/ci.sh                                               the fast CI suite (run by tests/run)
SCENARIO ?= seed-3path

.PHONY: lab lab-all lab-sweep lab-fec-sweep lab-ci lab-up lab-down

lab: all
	$(Q)BUILD=$(BUILD) lab/lab.sh run $(SCENARIO)

lab-all: all
	$(Q)BUILD=$(BUILD) lab/lab.sh all

lab-sweep: all
	$(Q)BUILD=$(BUILD) lab/lab.sh sweep

lab-fec-sweep: all
	$(Q)BUILD=$(BUILD) lab/lab.sh fec-sweep

lab-ci: all
	$(Q)BUILD=$(BUILD) lab/ci.sh

lab-up: all
	$(Q)BUILD=$(BUILD) lab/lab.sh up $(SCENARIO)

lab-down:
	$(Q)lab/lab.sh down
