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

#ifndef NFV_VERSION_H
#define NFV_VERSION_H 1

/* The fork's release, appended to upstream's VERSION wherever a program
 * prints its version ("ovs-vswitchd (Open vSwitch) 3.1.0-nfv1").
 *
 * This is the single place the fork's version is kept: the top-level
 * configure.ac reads NFV_PACKAGE_VERSION from here for AC_INIT.  Bump the
 * number for every release; keep NFV_PACKAGE_VERSION equal to the upstream
 * version in patches/upstream.pin followed by NFV_VERSION_SUFFIX. */
#define NFV_VERSION_SUFFIX "-nfv1"
#define NFV_PACKAGE_VERSION "3.1.0-nfv1"

#endif /* nfv-version.h */
