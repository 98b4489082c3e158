# tunnel/: mpclient and mpserver
# The protocol core (no sockets): shared by both daemons, the unit tests and the fuzzer.
TUNNEL_CORE := tunnel/event.c tunnel/rx.c tunnel/tx.c tunnel/path.c tunnel/pathq.c tunnel/pathsel.c tunnel/flow.c tunnel/session.c tunnel/cookie.c \
	tunnel/stats.c tunnel/params.c tunnel/keys.c tunnel/keyring.c tunnel/redundancy.c
CLIENT_CORE := tunnel/client_core.c tunnel/client_rx.c tunnel/client_keys.c tunnel/client_auto.c
SERVER_CORE := tunnel/server_core.c tunnel/server_rx.c tunnel/server_keys.c tunnel/server_access.c \
	tunnel/srvconf.c
TUNNEL_COMMON := tunnel/daemon.c tunnel/control.c tunnel/sockbuf.c tunnel/preflight.c tunnel/report.c tunnel/report_prom.c $(TUNNEL_CORE)
MPCLIENT_OBJS := $(call objs,tunnel/mpclient.c tunnel/client.c tunnel/dlvq.c tunnel/client_socks.c tunnel/socks5.c \
	tunnel/client_reload.c tunnel/config.c tunnel/pathsock.c tunnel/client_link.c $(CLIENT_CORE) \
	$(TUNNEL_COMMON))
MPSERVER_OBJS := $(call objs,tunnel/mpserver.c tunnel/server.c tunnel/server_conf.c tunnel/workers.c $(SERVER_CORE) $(TUNNEL_COMMON))
$(eval $(call program,mpclient,$(MPCLIENT_OBJS),$(LIBEV) $(SODIUM_LIBS) $(ISAL_LIBS) $(NL_LIBS) $(LIBM)))
$(eval $(call program,mpserver,$(MPSERVER_OBJS),$(LIBEV) $(SODIUM_LIBS) $(ISAL_LIBS) $(LIBM) -lpthread))
MPCTL_OBJS := $(call objs,tunnel/mpctl.c)
$(eval $(call program,mpctl,$(MPCTL_OBJS),$(LIBEV)))

# unit tests of the protocol core of both ends, without sockets (tests/unit/)
EXTRA_CFLAGS_tests/unit += -Itunnel
CORE_TEST_SRCS := tests/unit/rx_util.c $(TUNNEL_CORE)
# the tests that run both cores
BOTH_CORES_TEST_SRCS := tests/unit/cores.c $(CLIENT_CORE) $(SERVER_CORE) $(CORE_TEST_SRCS)
$(eval $(call unittest,test_server_rx,$(call objs,tests/unit/test_server_rx.c $(SERVER_CORE) \
	$(CORE_TEST_SRCS)),$(SODIUM_LIBS) $(ISAL_LIBS) $(LIBM)))
$(eval $(call unittest,test_server_keys,$(call objs,tests/unit/test_server_keys.c $(SERVER_CORE) \
	$(CORE_TEST_SRCS)),$(SODIUM_LIBS) $(ISAL_LIBS) $(LIBM)))
$(eval $(call unittest,test_server_access,$(call objs,tests/unit/test_server_access.c $(SERVER_CORE) \
	$(CORE_TEST_SRCS)),$(SODIUM_LIBS) $(ISAL_LIBS) $(LIBM)))
$(eval $(call unittest,test_client_keys,$(call objs,tests/unit/test_client_keys.c $(CLIENT_CORE) \
	$(CORE_TEST_SRCS)),$(SODIUM_LIBS) $(ISAL_LIBS) $(LIBM)))
$(eval $(call unittest,test_client_rx,$(call objs,tests/unit/test_client_rx.c $(BOTH_CORES_TEST_SRCS)), \
	$(SODIUM_LIBS) $(ISAL_LIBS) $(LIBM)))
$(eval $(call unittest,test_redundancy,$(call objs,tests/unit/test_redundancy.c $(BOTH_CORES_TEST_SRCS)), \
	$(SODIUM_LIBS) $(ISAL_LIBS) $(LIBM)))
$(eval $(call unittest,test_pathq,$(call objs,tests/unit/test_pathq.c tunnel/pathq.c),$(LIBM)))
$(eval $(call unittest,test_pathsel,$(call objs,tests/unit/test_pathsel.c tunnel/pathsel.c),$(LIBM)))
$(eval $(call unittest,test_report,$(call objs,tests/unit/test_report.c tunnel/report.c \
	tunnel/stats.c tunnel/redundancy.c),$(ISAL_LIBS) $(LIBM)))
$(eval $(call unittest,test_dlvq,$(call objs,tests/unit/test_dlvq.c tunnel/dlvq.c),))
