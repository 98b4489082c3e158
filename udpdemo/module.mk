# udpdemo: udpclient and udpserver, the seed's hello counter demo plus a
# measuring client (loss, duplicates, RTT percentiles).

UDPCLIENT_OBJS := $(call objs,udpdemo/udpclient.c udpdemo/hello.c udpdemo/measure.c)
$(eval $(call program,udpclient,$(UDPCLIENT_OBJS),$(LIBM)))

UDPSERVER_OBJS := $(call objs,udpdemo/udpserver.c udpdemo/hello.c)
$(eval $(call program,udpserver,$(UDPSERVER_OBJS),))

$(eval $(call unittest,test_udpdemo_hello,$(call objs,tests/unit/test_udpdemo_hello.c udpdemo/hello.c),))
$(eval $(call unittest,test_udpdemo_measure,$(call objs,tests/unit/test_udpdemo_measure.c udpdemo/measure.c),$(LIBM)))
