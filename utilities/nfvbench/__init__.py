# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""The Open vSwitch NFV benchmark harness (utilities/nfv-bench)."""
