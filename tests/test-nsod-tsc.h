/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_TESTS_TEST_NSOD_TSC_H
#define NFV_TESTS_TEST_NSOD_TSC_H 1

/* The time stamp counter, for the NSOD measurement programs
 * (test-nsod-bench, test-nsod-floor): TSC cycles on x86, 0 elsewhere. */

#include <stdint.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

static inline uint64_t
nsod_test_tsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#else
    return 0;
#endif
}

#endif /* test-nsod-tsc.h */
