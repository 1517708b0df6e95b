/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

/* libFuzzer target for nsod_classify(), nsod_classify_host(),
 * nsod_host_matches() and nsod_key_format(); built and run by
 * utilities/nfv-fuzz. */

#include <config.h>

#include "nfv/nsod/nsod-classify.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every byte of the host name 'name', 'name_len' bytes, that
 * nsod_classify_host() found in 'frame', 'size' bytes, so that
 * AddressSanitizer sees the whole range, and asserts that it lies within
 * the frame and is 1 to 255 bytes long.  Also matches it against a
 * wildcard and an exact pattern.  Returns the sum of its bytes. */
static unsigned int
check_host(const uint8_t *frame, size_t size, const char *name,
           size_t name_len)
{
    const uint8_t *p = (const uint8_t *) name;
    unsigned int sum = 0;

    ovs_assert(name_len >= 1 && name_len <= 255);
    ovs_assert(p >= frame && name_len <= size && p - frame <= size - name_len);
    for (size_t i = 0; i < name_len; i++) {
        sum += p[i];
    }
    sum += nsod_host_matches("*.example.com", name, name_len);
    sum += nsod_host_matches("www.example.com", name, name_len);
    return sum;
}

/* Classifies the 'size' bytes at 'data' as a frame with every classifier
 * and formats each key, and looks for a host name with every classifier
 * (only "http" and "tls" may find one).  The bytes are copied into a buffer
 * of exactly 'size' bytes first, so that AddressSanitizer reports any read
 * past the frame's end.  Asserts (and so aborts) if a key breaks the
 * invariants of nsod-classify.h (length within 'data', zero padding and
 * unused bytes), if classifying the same frame twice, or once more with
 * nsod_classify_full(), gives different keys,
 * if "http" or "tls" say "ok" for a frame whose key is not a 5-tuple key, or
 * if a host name is not within the frame.  Always returns 0. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *frame = xmalloc(size);
    struct ds s = DS_EMPTY_INITIALIZER;
    volatile unsigned int sink = 0;

    memcpy(frame, data, size);
    for (int cls = 0; cls < NSOD_N_CLASSIFIERS; cls++) {
        struct nsod_key key, key2;

        memset(&key, 0xa5, sizeof key);
        memset(&key2, 0x5a, sizeof key2);
        bool ok = nsod_classify(cls, frame, size, &key);
        bool ok2 = nsod_classify(cls, frame, size, &key2);
        ovs_assert(ok == ok2 && !memcmp(&key, &key2, sizeof key));
        memset(&key2, 0x3c, sizeof key2);
        ok2 = nsod_classify_full(cls, frame, size, &key2);
        ovs_assert(ok == ok2 && !memcmp(&key, &key2, sizeof key));
        ovs_assert(key.len <= NSOD_KEY_MAX && !key.pad[0] && !key.pad[1]);
        for (size_t i = key.len; i < NSOD_KEY_MAX; i++) {
            ovs_assert(!key.data[i]);
        }
        ovs_assert(!ok || (cls != NSOD_CLS_5TUPLE && cls != NSOD_CLS_HTTP
                           && cls != NSOD_CLS_TLS)
                   || key.type == NSOD_KEY_5TUPLE);

        const char *name;
        size_t name_len;
        if (nsod_classify_host(cls, frame, size, &name, &name_len)) {
            ovs_assert(ok);
            ovs_assert(cls == NSOD_CLS_HTTP || cls == NSOD_CLS_TLS);
            sink += check_host(frame, size, name, name_len);
        }

        ds_clear(&s);
        nsod_key_format(&key, &s);
    }
    ds_destroy(&s);
    free(frame);
    return 0;
}
