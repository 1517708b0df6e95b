/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_VSWITCHD_NFV_ESP_H
#define NFV_VSWITCHD_NFV_ESP_H 1

/* ESP security associations configured in OVSDB (the ESP_SA table of the
 * NFV_Tenant database, nfv-tenant(5)): this module hands them to the ESP
 * library (lib/nfv-esp.h), reserves and persists outbound sequence
 * numbers, applies lifetimes, writes statistics and status back and serves
 * "ovs-appctl nfv/esp-show".  Which tunnels encrypt is Interface
 * other_config:nfv-esp (read by the tunnel settings module, nfv-mss.c). */

#include "nfv/vswitchd/nfv.h"

extern const struct nfv_module nfv_esp_module;

#endif /* nfv-esp.h */
