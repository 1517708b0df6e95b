/*
 * Copyright (c) 2026 Open vSwitch NFV developers.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#ifndef NFV_VSWITCHD_NFV_TENANT_H
#define NFV_VSWITCHD_NFV_TENANT_H 1

/* Per-tenant dedicated bridges provisioned from the NFV_Tenant database.
 *
 * The module reads the tenants described in NFV_Tenant (nfv-tenant(5)) and
 * makes the Open_vSwitch database and the bridges' flow tables match them:
 * per tenant an integration bridge, a tunnel bridge, a patch-port pair, an
 * "ex-<t>" endpoint port on the transport bridge, keyed tunnels to the
 * other nodes hosting the tenant and the proactive flow rules of Table I of
 * the tenant-controlled-networks design (Documentation/topics/
 * nfv-tenant.rst).  It is off until Open_vSwitch:other_config:nfv-tenants
 * is "true". */

#include "nfv/vswitchd/nfv.h"

extern const struct nfv_module nfv_tenant_module;

#endif /* nfv-tenant.h */
