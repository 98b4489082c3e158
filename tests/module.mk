# tests/: unit tests of the shared library and the tunnel modules
$(eval $(call unittest,test_window,$(call objs,tests/unit/test_window.c),))
$(eval $(call unittest,test_wire,$(call objs,tests/unit/test_wire.c),))
$(eval $(call unittest,test_parse,$(call objs,tests/unit/test_parse.c),$(LIBM)))
$(eval $(call unittest,test_config,$(call objs,tests/unit/test_config.c tunnel/config.c),))
$(eval $(call unittest,test_batch,$(call objs,tests/unit/test_batch.c),))
$(eval $(call unittest,test_socks5,$(call objs,tests/unit/test_socks5.c tunnel/socks5.c),))
$(eval $(call unittest,test_ctlsock,$(call objs,tests/unit/test_ctlsock.c),$(LIBEV)))
$(eval $(call unittest,test_linkmon,$(call objs,tests/unit/test_linkmon.c),$(LIBEV) $(NL_LIBS)))
