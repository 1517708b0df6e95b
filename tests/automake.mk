# Open vSwitch NFV test suites.
#
# They are autotest suites of their own (upstream's tests/testsuite.at is
# not touched) that reuse upstream's macros (tests/ovs-macros.at,
# ofproto-macros.at, system-*-macros.at) and run in upstream's tests/
# directory with its atconfig and atlocal, the way upstream's suites run.
# The generated scripts live in the build tree, never in the source tree.
#
#   make check-nfv                 our suite: no root, no traffic
#   make check-nfv-system          root: userspace datapath, real traffic
#   make check-nfv-dpdk            root: DPDK datapath, hugepages, real traffic
#   make check-upstream-ci         the documented subset of upstream's suite
#
# TESTSUITEFLAGS is passed to each suite (e.g. TESTSUITEFLAGS='-j2 -v 3').

NFV_TESTSUITE = nfv/tests/nfv-testsuite
NFV_SYSTEM_TESTSUITE = nfv/tests/nfv-system-testsuite
NFV_SYSTEM_DPDK_TESTSUITE = nfv/tests/nfv-system-dpdk-testsuite

NFV_TESTSUITE_AT = \
	nfv/tests/nfv-upstream-macros.at \
	nfv/tests/nfv-testsuite.at \
	nfv/tests/nfv-build.at \
	nfv/tests/nfv-version.at \
	nfv/tests/nfv-tenant.at \
	nfv/tests/nfv-tenant-isolation.at \
	nfv/tests/nfv-mss.at \
	nfv/tests/nfv-nsod.at \
	nfv/tests/nfv-nsod-classify.at \
	nfv/tests/nfv-cloud-cli.at \
	nfv/tests/nfv-cloud.at \
	nfv/tests/nfv-frag.at \
	nfv/tests/nfv-esp-cli.at \
	nfv/tests/nfv-esp.at \
	nfv/tests/nfv-esp-flows.at \
	nfv/tests/nfv-tenant-ovsdb-acl.at

NFV_SYSTEM_TESTSUITE_AT = \
	nfv/tests/nfv-upstream-macros.at \
	nfv/tests/nfv-system-testsuite.at \
	nfv/tests/nfv-system-macros.at \
	nfv/tests/nfv-system-traffic.at \
	nfv/tests/nfv-system-install.at \
	nfv/tests/nfv-system-tenant.at \
	nfv/tests/nfv-system-isolation.at \
	nfv/tests/nfv-system-mss.at \
	nfv/tests/nfv-system-nsod.at \
	nfv/tests/nfv-system-cloud.at \
	nfv/tests/nfv-system-esp.at

NFV_SYSTEM_DPDK_TESTSUITE_AT = \
	nfv/tests/nfv-upstream-macros.at \
	nfv/tests/nfv-system-dpdk-testsuite.at \
	nfv/tests/nfv-system-macros.at \
	nfv/tests/nfv-system-dpdk.at \
	nfv/tests/nfv-system-demo.at

NFV_UPSTREAM_MACROS_AT = \
	$(COMMON_MACROS_AT) \
	tests/system-common-macros.at \
	tests/system-userspace-macros.at \
	tests/system-dpdk-macros.at

NFV_TESTSUITES = $(NFV_TESTSUITE) $(NFV_SYSTEM_TESTSUITE) \
	$(NFV_SYSTEM_DPDK_TESTSUITE)
noinst_SCRIPTS += $(NFV_TESTSUITES)
CLEANFILES += $(NFV_TESTSUITES)

$(NFV_TESTSUITE): package.m4 $(NFV_TESTSUITE_AT) $(NFV_UPSTREAM_MACROS_AT)
$(NFV_SYSTEM_TESTSUITE): package.m4 $(NFV_SYSTEM_TESTSUITE_AT) $(NFV_UPSTREAM_MACROS_AT)
$(NFV_SYSTEM_DPDK_TESTSUITE): package.m4 $(NFV_SYSTEM_DPDK_TESTSUITE_AT) $(NFV_UPSTREAM_MACROS_AT)
$(NFV_TESTSUITES):
	$(AM_V_GEN)$(MKDIR_P) nfv/tests && \
	$(AUTOTEST) -I '$(srcdir)' -o $@.tmp '$(srcdir)/$@.at' && mv $@.tmp $@

# Runs suite $(1) in upstream's tests/ directory, with the fork's tools
# (nfv/utilities) after upstream's.
nfv_run_suite = set $(SHELL) '$(abs_top_builddir)/$(1)' -C tests \
	AUTOTEST_PATH='$(AUTOTEST_PATH):nfv/utilities'; "$$@" $(TESTSUITEFLAGS) $(2) || \
	(test X'$(RECHECK)' = Xyes && "$$@" --recheck)

check-nfv: all $(check_DATA) $(check_SCRIPTS) $(NFV_TESTSUITE)
	$(call nfv_run_suite,$(NFV_TESTSUITE))

check-nfv-system: all $(check_DATA) $(check_SCRIPTS) $(NFV_SYSTEM_TESTSUITE)
	$(call nfv_run_suite,$(NFV_SYSTEM_TESTSUITE),-j1)

check-nfv-dpdk: all $(check_DATA) $(check_SCRIPTS) $(NFV_SYSTEM_DPDK_TESTSUITE)
	$(call nfv_run_suite,$(NFV_SYSTEM_DPDK_TESTSUITE),-j1)

# The subset of upstream's own suite that CI runs: every test group of the
# upstream .at files listed in tests/upstream-ci-subset, selected by number
# from the suite's own listing.  See Documentation/topics/nfv-testing.rst.
check-upstream-ci: all $(check_DATA) $(check_SCRIPTS) $(TESTSUITE)
	@files=`sed -e 's/#.*//' -e '/^[[:space:]]*$$/d' '$(srcdir)/nfv/tests/upstream-ci-subset'`; \
	groups=`$(SHELL) '$(TESTSUITE)' -l | \
	  awk -v files=" $$(echo $$files) " \
	    '/^ *[0-9]+: / { f = $$2; sub(/:.*/, "", f); \
	                     if (index(files, " " f " ")) { n = $$1; sub(/:/, "", n); print n } }'`; \
	echo "upstream CI subset: `echo $$groups | wc -w` test groups from $$files"; \
	set $(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH=$(AUTOTEST_PATH); \
	"$$@" $$groups $(TESTSUITEFLAGS) || (test X'$(RECHECK)' = Xyes && "$$@" --recheck)

.PHONY: check-nfv check-nfv-system check-nfv-dpdk check-upstream-ci

# ovstest commands of the fork's autotests.
tests_ovstest_SOURCES += nfv/tests/test-nsod-classify.c
tests_ovstest_SOURCES += nfv/tests/test-esp.c
tests_ovstest_SOURCES += nfv/tests/test-nsod-bench.c
tests_ovstest_SOURCES += nfv/tests/test-nsod-floor.c
tests_ovstest_SOURCES += nfv/tests/test-nsod-tsc.h
tests_ovstest_SOURCES += nfv/tests/test-nsod-packet.c
