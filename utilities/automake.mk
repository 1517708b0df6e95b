# Open vSwitch NFV command-line tools.

# ovs-tenantctl(8): operators manage NFV_Tenant (nfv-tenant(5)).  Copied
# into the build tree, where the test suites find it (AUTOTEST_PATH).
bin_SCRIPTS += nfv/utilities/ovs-tenantctl
CLEANFILES += nfv/utilities/ovs-tenantctl
EXTRA_DIST += nfv/utilities/ovs-tenantctl.in nfv/utilities/ovs-tenantctl.8
man_MANS += nfv/utilities/ovs-tenantctl.8
nfv/utilities/ovs-tenantctl: $(srcdir)/nfv/utilities/ovs-tenantctl.in \
	$(srcdir)/nfv/lib/nfv-version.h
	$(AM_V_GEN)$(MKDIR_P) nfv/utilities && \
	version=`sed -n 's/^#define NFV_PACKAGE_VERSION "\(.*\)"$$/\1/p' \
	  $(srcdir)/nfv/lib/nfv-version.h` && \
	sed -e "s|@VERSION[@]|$$version|" \
	    $(srcdir)/nfv/utilities/ovs-tenantctl.in > $@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@
