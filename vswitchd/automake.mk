# Open vSwitch NFV sources linked into ovs-vswitchd.
vswitchd_ovs_vswitchd_SOURCES += \
	nfv/vswitchd/nfv.c \
	nfv/vswitchd/nfv.h \
	nfv/vswitchd/nfv-esp.c \
	nfv/vswitchd/nfv-esp.h \
	nfv/vswitchd/nfv-isolation.c \
	nfv/vswitchd/nfv-isolation.h \
	nfv/vswitchd/nfv-mss.c \
	nfv/vswitchd/nfv-mss.h \
	nfv/vswitchd/nfv-nsod.c \
	nfv/vswitchd/nfv-nsod.h \
	nfv/vswitchd/nfv-tenant.c \
	nfv/vswitchd/nfv-tenant.h
nodist_vswitchd_ovs_vswitchd_SOURCES = \
	nfv/vswitchd/nfv-build.inc \
	nfv/ovsdb/nfv-tenant-idl.c \
	nfv/ovsdb/nfv-tenant-idl.h
BUILT_SOURCES += nfv/vswitchd/nfv-build.inc
CLEANFILES += nfv/vswitchd/nfv-build.inc

# What "ovs-appctl nfv/version" reports about the build: the pinned upstream
# version and checksum, and the patch series, in order.
nfv/vswitchd/nfv-build.inc: $(srcdir)/nfv/patches/upstream.pin $(srcdir)/nfv/patches/series
	$(AM_V_GEN)$(MKDIR_P) nfv/vswitchd && { \
	  echo '/* Generated from patches/upstream.pin and patches/series. */'; \
	  awk '$$1 == "version" { printf "#define NFV_UPSTREAM_VERSION \"%s\"\n", $$2 } \
	       $$1 == "sha256" { printf "#define NFV_UPSTREAM_SHA256 \"%s\"\n", $$2 }' \
	      $(srcdir)/nfv/patches/upstream.pin; \
	  echo 'static const char *const nfv_series[] = {'; \
	  sed -e 's/#.*//' -e '/^[[:space:]]*$$/d' -e 's/.*/    "&",/' \
	      $(srcdir)/nfv/patches/series; \
	  echo '};'; \
	} > $@.tmp && mv $@.tmp $@
