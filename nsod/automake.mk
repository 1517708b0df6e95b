# NSOD, the Network Service-Oriented Distributor (Documentation/topics/
# nfv-nsod.rst): the per-packet parts run in the userspace datapath, so they
# are compiled into upstream's lib/libopenvswitch like lib/nfv-*.c.
lib_libopenvswitch_la_SOURCES += \
	nfv/nsod/nsod-classify.c \
	nfv/nsod/nsod-classify.h
lib_libopenvswitch_la_SOURCES += \
	nfv/nsod/nsod-action.c \
	nfv/nsod/nsod-packet.h \
	nfv/nsod/nsod.c \
	nfv/nsod/nsod.h
