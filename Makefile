# mptunnel - multipath UDP tunnel, bridge emulator, demo and lab.
#
#   make                 build every program into $(BUILD)/
#   make test            unit, integration and lab tests (closing "N passed, N failed")
#   make demo            the seed's three-path sample on loopback
#   make deps            install the Debian packages (as root)
#   make install         PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined test
#   make V=1             show the commands

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DESTDIR ?=
CC ?= gcc
CFLAGS ?= -O2 -g
LDFLAGS ?=
PKG_CONFIG ?= pkg-config
SANITIZE ?=
WERROR ?=

ifeq ($(SANITIZE),)
BUILD ?= build
else
BUILD ?= build-san
endif
OBJ := $(BUILD)/obj

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARNFLAGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual \
	-Wpointer-arith
ifneq ($(WERROR),)
WARNFLAGS += -Werror
endif
SANFLAGS :=
ifneq ($(SANITIZE),)
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

BASE_CPPFLAGS := -std=c11 -D_GNU_SOURCE -DMPT_VERSION='"$(VERSION)"' -Ilib -I. -MMD -MP
ALL_CFLAGS = $(BASE_CPPFLAGS) $(CPPFLAGS) $(WARNFLAGS) $(CFLAGS) $(SANFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

LIBEV := -lev
LIBM := -lm
PCAP_LIBS := $(shell $(PKG_CONFIG) --libs libpcap 2>/dev/null || echo -lpcap)
NL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libnl-route-3.0 2>/dev/null || echo -I/usr/include/libnl3)
NL_LIBS := $(shell $(PKG_CONFIG) --libs libnl-route-3.0 2>/dev/null || echo -lnl-route-3 -lnl-3)
# lib/seal and lib/keyfile: libsodium (KDF, key ids, cookies, key files) and
# OpenSSL's libcrypto (the AEAD suites, see README "Libraries")
CRYPTO_LIBS := $(shell $(PKG_CONFIG) --libs libsodium libcrypto 2>/dev/null || echo -lsodium -lcrypto)
SODIUM_LIBS := $(CRYPTO_LIBS)	# the older name, same libraries
ISAL_LIBS := -lisal
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2);
endif

# Debian packages needed to build, test and run the lab.
DEB_PACKAGES := build-essential pkg-config libev-dev libpcap-dev libnl-3-dev \
	libnl-route-3-dev libcmocka-dev libsodium-dev libssl-dev libisal-dev socat tcpdump iproute2 \
	nftables ethtool gnuplot-nox valgrind python3 tshark iperf3 openvpn iputils-ping

.PHONY: all clean test unit-test integration-test demo deps install uninstall check-deps
.DEFAULT_GOAL := all

objs = $(patsubst %.c,$(OBJ)/%.o,$(1))

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(call objs,$(LIB_SRCS))
EXTRA_CFLAGS_lib := $(NL_CFLAGS)
LIBMPT := $(BUILD)/libmpt.a

PROGRAMS :=
TEST_PROGRAMS :=

# $(call program,NAME,OBJS,LIBS) links $(BUILD)/NAME
define program
PROGRAMS += $(BUILD)/$(1)
$(BUILD)/$(1): $(2) $(LIBMPT)
	$$(call msg,LD,$$@)$$(CC) $$(ALL_LDFLAGS) -o $$@ $(2) $(LIBMPT) $(3)
endef

# $(call unittest,NAME,OBJS,LIBS) links $(BUILD)/tests/NAME against cmocka
define unittest
TEST_PROGRAMS += $(BUILD)/tests/$(1)
$(BUILD)/tests/$(1): $(2) $(LIBMPT)
	@mkdir -p $$(@D)
	$$(call msg,LD,$$@)$$(CC) $$(ALL_LDFLAGS) -o $$@ $(2) $(LIBMPT) $(3) $$(CMOCKA_LIBS)
endef

include $(sort $(wildcard */module.mk))

all: $(PROGRAMS)

$(LIBMPT): $(LIB_OBJS)
	$(call msg,AR,$@)$(AR) rcs $@ $^

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC,$<)$(CC) $(ALL_CFLAGS) $(EXTRA_CFLAGS_$(<D)) -c -o $@ $<

tests: $(TEST_PROGRAMS)

test: all tests
	$(Q)BUILD=$(BUILD) tests/run

unit-test: all tests
	$(Q)BUILD=$(BUILD) tests/run unit

integration-test: all tests
	$(Q)BUILD=$(BUILD) tests/run integration

demo: all
	$(Q)BUILD=$(BUILD) tests/demo.sh

deps:
	@if [ "$$(id -u)" = 0 ]; then \
		echo 'wireshark-common wireshark-common/install-setuid boolean false' | \
			debconf-set-selections && \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PACKAGES); \
	else \
		echo "run as root:"; \
		echo "  apt-get install -y $(DEB_PACKAGES)"; \
		exit 1; \
	fi

DATADIR ?= $(PREFIX)/share/mptunnel

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/profiles
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -m 0644 bridge/profiles/* $(DESTDIR)$(DATADIR)/profiles/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(PROGRAMS)))
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-san

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
