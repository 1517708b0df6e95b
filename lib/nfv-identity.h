/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_LIB_NFV_IDENTITY_H
#define NFV_LIB_NFV_IDENTITY_H 1

struct sset;

/* Adds to 'ids' each identity (TLS certificate common name) of 'list', a
 * comma-separated list such as Open_vSwitch other_config:
 * nfv-provider-identity ("provider-2025, provider-2026"): spaces around a
 * name are ignored (a name may contain spaces inside), empty names are
 * skipped.  'list' may be NULL.  ovs-vswitchd and ovsdb-server both read
 * the key through this function, so they agree on who the provider is. */
void nfv_identity_list_parse(const char *list, struct sset *ids);

#endif /* nfv-identity.h */
