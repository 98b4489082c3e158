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
# One spelling per build folder: relative when inside the tree, absolute otherwise. The
# compiler names each object in its .d file as it was given; an object built once as
# /abs/build/obj/x.o and once as build/obj/x.o would lose its header dependencies (the
# .d file's rule names the other spelling) and go stale when a header changes.
override BUILD := $(patsubst $(CURDIR)/%,%,$(abspath $(BUILD)))
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
msg =
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2);
endif

# Debian packages needed to build, test and run the lab.
DEB_PACKAGES := build-essential pkg-config libev-dev libpcap-dev libnl-3-dev \
	libnl-route-3-dev libcmocka-dev libsodium-dev libssl-dev libisal-dev socat tcpdump iproute2 \
	nftables ethtool gnuplot-nox valgrind python3 tshark iperf3 openvpn iputils-ping \
	mandoc systemd debhelper lintian python3-socks

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

# wait for a held apt/dpkg lock (another apt run, unattended-upgrades) instead of failing
APT_WAIT := -o DPkg::Lock::Timeout=120

deps:
	@if [ "$$(id -u)" = 0 ]; then \
		echo 'wireshark-common wireshark-common/install-setuid boolean false' | \
			debconf-set-selections && \
		DEBIAN_FRONTEND=noninteractive apt-get $(APT_WAIT) update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get $(APT_WAIT) install -y -qq \
			--no-install-recommends $(DEB_PACKAGES); \
	else \
		echo "run as root:"; \
		echo "  apt-get install -y $(DEB_PACKAGES)"; \
		exit 1; \
	fi

# make install: the daemons and mpctl in sbin (section 8), mpbridge in bin
# (section 1), every other program (demo, bench and lab helpers, generically
# named) in libexec/mptunnel under its build name; man pages, systemd units
# (ExecStart pointing into SBINDIR), bash completion, bridge profiles, examples.
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/mptunnel
DATADIR ?= $(PREFIX)/share/mptunnel
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/mptunnel
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SBIN_PROGRAMS := mpclient mpserver mpctl
BIN_PROGRAMS := mpbridge
LIBEXEC_PROGRAMS = $(filter-out $(SBIN_PROGRAMS) $(BIN_PROGRAMS),$(notdir $(PROGRAMS)))
MAN_PAGES := $(wildcard dist/man/*.[1-8])
UNITS := mpclient@.service mpserver@.service
COMPLETED := mpclient mpserver mpctl mpbridge

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(DATADIR)/profiles $(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(BASHCOMPDIR) \
		$(addprefix $(DESTDIR)$(MANDIR)/man,$(sort $(patsubst .%,%,$(suffix $(MAN_PAGES)))))
	install -m 0755 $(addprefix $(BUILD)/,$(SBIN_PROGRAMS)) $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(addprefix $(BUILD)/,$(BIN_PROGRAMS)) $(DESTDIR)$(BINDIR)/
	install -m 0755 $(addprefix $(BUILD)/,$(LIBEXEC_PROGRAMS)) $(DESTDIR)$(LIBEXECDIR)/
	for m in $(MAN_PAGES); do \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/ || exit 1; \
	done
	for u in $(UNITS); do \
		sed 's|@SBINDIR@|$(SBINDIR)|g' dist/systemd/$$u.in >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	install -m 0644 dist/completion/mptunnel.bash $(DESTDIR)$(BASHCOMPDIR)/mpclient
	for c in $(filter-out mpclient,$(COMPLETED)); do \
		ln -sf mpclient $(DESTDIR)$(BASHCOMPDIR)/$$c || exit 1; \
	done
	install -m 0644 bridge/profiles/* $(DESTDIR)$(DATADIR)/profiles/
	install -m 0644 dist/examples/* $(DESTDIR)$(DOCDIR)/examples/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(SBIN_PROGRAMS))
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(BIN_PROGRAMS))
	rm -rf $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	rm -f $(foreach m,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(patsubst .%,%,$(suffix $(m)))/$(notdir $(m)))
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(UNITS))
	rm -f $(addprefix $(DESTDIR)$(BASHCOMPDIR)/,$(COMPLETED))

clean:
	rm -rf build build-san

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
