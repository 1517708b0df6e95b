/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

/* libFuzzer target for nsod_classify() and nsod_key_format(); built and run
 * by utilities/nfv-fuzz. */

#include <config.h>

#include "nfv/nsod/nsod-classify.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Classifies the 'size' bytes at 'data' as a frame with every classifier
 * and formats each key.  The bytes are copied into a buffer of exactly
 * 'size' bytes first, so that AddressSanitizer reports any read past the
 * frame's end.  Asserts (and so aborts) if a key breaks the invariants of
 * nsod-classify.h (length within 'data', zero padding and unused bytes) or
 * if classifying the same frame twice gives different keys.  Always returns
 * 0. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *frame = xmalloc(size);
    struct ds s = DS_EMPTY_INITIALIZER;

    memcpy(frame, data, size);
    for (int cls = 0; cls < NSOD_N_CLASSIFIERS; cls++) {
        struct nsod_key key, key2;

        memset(&key, 0xa5, sizeof key);
        memset(&key2, 0x5a, sizeof key2);
        bool ok = nsod_classify(cls, frame, size, &key);
        bool ok2 = nsod_classify(cls, frame, size, &key2);
        ovs_assert(ok == ok2 && !memcmp(&key, &key2, sizeof key));
        ovs_assert(key.len <= NSOD_KEY_MAX && !key.pad[0] && !key.pad[1]);
        for (size_t i = key.len; i < NSOD_KEY_MAX; i++) {
            ovs_assert(!key.data[i]);
        }
        ovs_assert(!ok || cls != NSOD_CLS_5TUPLE
                   || key.type == NSOD_KEY_5TUPLE);

        ds_clear(&s);
        nsod_key_format(&key, &s);
    }
    ds_destroy(&s);
    free(frame);
    return 0;
}
