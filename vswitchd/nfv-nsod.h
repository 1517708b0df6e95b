/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_VSWITCHD_NFV_NSOD_H
#define NFV_VSWITCHD_NFV_NSOD_H 1

/* NSOD services configured in OVSDB (NSOD_Service and NSOD_Backend tables
 * of the NFV_Tenant database, nfv-tenant(5)): this module hands them to the
 * NSOD library (nsod/nsod.h), expires idle sessions, writes statistics
 * back and serves "ovs-appctl nsod/show" and "nsod/sessions". */

#include "nfv/vswitchd/nfv.h"

extern const struct nfv_module nfv_nsod_module;

#endif /* nfv-nsod.h */
