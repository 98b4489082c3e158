# tunnel/: mpclient and mpserver
TUNNEL_COMMON := tunnel/params.c tunnel/stats.c tunnel/daemon.c tunnel/keys.c tunnel/preflight.c
MPCLIENT_OBJS := $(call objs,tunnel/mpclient.c tunnel/client.c tunnel/config.c $(TUNNEL_COMMON))
MPSERVER_OBJS := $(call objs,tunnel/mpserver.c tunnel/server.c $(TUNNEL_COMMON))
$(eval $(call program,mpclient,$(MPCLIENT_OBJS),$(LIBEV) $(SODIUM_LIBS) $(LIBM)))
$(eval $(call program,mpserver,$(MPSERVER_OBJS),$(LIBEV) $(SODIUM_LIBS) $(LIBM)))
MPCTL_OBJS := $(call objs,tunnel/mpctl.c)
$(eval $(call program,mpctl,$(MPCTL_OBJS),$(LIBEV)))
