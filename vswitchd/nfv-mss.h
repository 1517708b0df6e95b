/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_VSWITCHD_NFV_MSS_H
#define NFV_VSWITCHD_NFV_MSS_H 1

/* TCP MSS clamping on tunnel interfaces, configured in OVSDB.
 *
 * An Interface's other_config:nfv-clamp-mss ("auto", or an MSS in bytes from
 * 88 to 65495) makes the userspace datapath clamp the MSS option of TCP SYNs
 * and SYN-ACKs it encapsulates for that tunnel interface; "auto" derives the
 * value from the MTU of the underlay device and the tunnel's own headers
 * (lib/nfv-mss.h, Documentation/topics/nfv-actions.rst).  This module reads
 * the setting and hands it to the translation. */

#include "nfv/vswitchd/nfv.h"

extern const struct nfv_module nfv_mss_module;

#endif /* nfv-mss.h */
