# Open vSwitch NFV sources compiled into upstream's lib/libopenvswitch.
lib_libopenvswitch_la_SOURCES += \
	nfv/lib/nfv-action.c \
	nfv/lib/nfv-action.h \
	nfv/lib/nfv-esp.c \
	nfv/lib/nfv-esp.h \
	nfv/lib/nfv-frag.c \
	nfv/lib/nfv-frag.h \
	nfv/lib/nfv-identity.c \
	nfv/lib/nfv-identity.h \
	nfv/lib/nfv-mss.c \
	nfv/lib/nfv-mss.h \
	nfv/lib/nfv-version.h

# AES-GCM for ESP (nfv-esp.c): Intel's Multi-Buffer Crypto for IPsec
# library, Debian's libipsec-mb-dev.
lib_libopenvswitch_la_LIBADD += -lIPSec_MB
