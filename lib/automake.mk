# Open vSwitch NFV sources compiled into upstream's lib/libopenvswitch.
lib_libopenvswitch_la_SOURCES += \
	nfv/lib/nfv-version.h
