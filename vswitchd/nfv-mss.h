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
