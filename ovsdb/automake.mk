# The NFV_Tenant database (Documentation/topics/nfv-tenant.rst): its schema,
# the C IDL ovs-vswitchd's tenant module uses, and its manual, nfv-tenant(5).

pkgdata_DATA += nfv/ovsdb/nfv-tenant.ovsschema
EXTRA_DIST += \
	nfv/ovsdb/nfv-tenant.ovsschema \
	nfv/ovsdb/nfv-tenant.xml \
	nfv/ovsdb/nfv-tenant-idl.ann

OVSIDL_BUILT += \
	nfv/ovsdb/nfv-tenant-idl.c \
	nfv/ovsdb/nfv-tenant-idl.h \
	nfv/ovsdb/nfv-tenant-idl.ovsidl
NFV_TENANT_IDL_FILES = \
	$(srcdir)/nfv/ovsdb/nfv-tenant.ovsschema \
	$(srcdir)/nfv/ovsdb/nfv-tenant-idl.ann
nfv/ovsdb/nfv-tenant-idl.ovsidl: $(NFV_TENANT_IDL_FILES)
	$(AM_V_GEN)$(MKDIR_P) nfv/ovsdb && \
	$(OVSDB_IDLC) annotate $(NFV_TENANT_IDL_FILES) > $@.tmp && \
	mv $@.tmp $@

# The schema's "cksum" must match its contents, as upstream checks its own.
ALL_LOCAL += nfv/ovsdb/nfv-tenant.ovsschema.stamp
nfv/ovsdb/nfv-tenant.ovsschema.stamp: nfv/ovsdb/nfv-tenant.ovsschema
	$(AM_V_GEN)$(MKDIR_P) nfv/ovsdb && \
	$(srcdir)/build-aux/cksum-schema-check $? $@
CLEANFILES += nfv/ovsdb/nfv-tenant.ovsschema.stamp

man_MANS += nfv/ovsdb/nfv-tenant.5
CLEANFILES += nfv/ovsdb/nfv-tenant.5
nfv/ovsdb/nfv-tenant.5: \
	ovsdb/ovsdb-doc $(srcdir)/nfv/ovsdb/nfv-tenant.xml \
	$(srcdir)/nfv/ovsdb/nfv-tenant.ovsschema
	$(AM_V_GEN)$(MKDIR_P) nfv/ovsdb && \
	$(OVSDB_DOC) --version=$(VERSION) \
		$(srcdir)/nfv/ovsdb/nfv-tenant.ovsschema \
		$(srcdir)/nfv/ovsdb/nfv-tenant.xml > $@.tmp && \
	mv $@.tmp $@

# Tenant isolation in ovsdb-server (nfv-ovsdb-acl.h), called from upstream's
# ovsdb library (patch 0009).
ovsdb_libovsdb_la_SOURCES += \
	nfv/ovsdb/nfv-ovsdb-acl.c \
	nfv/ovsdb/nfv-ovsdb-acl.h
