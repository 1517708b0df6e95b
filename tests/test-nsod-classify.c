/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#include <config.h>

#include "nfv/nsod/nsod-classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "tests/ovstest.h"
#include "util.h"

/* Decodes the hexadecimal string 's' (pairs of hex digits, no separators;
 * the empty string is a 0-byte frame) into a newly allocated buffer of
 * exactly the decoded size, so that a memory checker sees any read past the
 * frame's end.  Stores the size in '*len'.  Exits on malformed input. */
static uint8_t *
parse_hex_frame(const char *s, size_t *len)
{
    size_t n = strlen(s);
    if (n % 2) {
        ovs_fatal(0, "%s: odd number of hex digits", s);
    }

    uint8_t *frame = xmalloc(n / 2 ? n / 2 : 1);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexit_value(s[2 * i]);
        int lo = hexit_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            ovs_fatal(0, "%s: not a hexadecimal string", s);
        }
        frame[i] = hi * 16 + lo;
    }
    *len = n / 2;
    return frame;
}

/* Checks the invariants of 'key' that nsod-classify.h promises: 'len' fits
 * in 'data', the padding and the unused part of 'data' are zero. */
static void
check_key(const struct nsod_key *key)
{
    if (key->len > NSOD_KEY_MAX) {
        ovs_fatal(0, "key length %d is too long", key->len);
    }
    if (key->pad[0] || key->pad[1]) {
        ovs_fatal(0, "key padding is not zero");
    }
    for (size_t i = key->len; i < NSOD_KEY_MAX; i++) {
        if (key->data[i]) {
            ovs_fatal(0, "key byte %"PRIuSIZE" past its length is not zero",
                      i);
        }
    }
}

/* Appends " host=NAME" to 's', NAME being what nsod_classify_host() finds
 * in the 'len'-byte 'frame' for 'cls', or " host=-" if it finds nothing.
 * Checks that the name lies within the frame and is 1 to 255 bytes
 * long. */
static void
put_host(struct ds *s, enum nsod_classifier cls, const uint8_t *frame,
         size_t len)
{
    const char *name;
    size_t name_len;

    if (!nsod_classify_host(cls, frame, len, &name, &name_len)) {
        ds_put_cstr(s, " host=-");
        return;
    }
    if (!name_len || name_len > 255
        || (const uint8_t *) name < frame
        || (const uint8_t *) name + name_len > frame + len) {
        ovs_fatal(0, "host name is not within the frame");
    }
    ds_put_format(s, " host=%.*s", (int) name_len, name);
}

/* ovstest test-nsod-classify CLASSIFIER HEXFRAME...
 *
 * Classifies each HEXFRAME with CLASSIFIER ("5tuple", "vlan", "pppoe",
 * "l2tp", "sip", "http" or "tls") and prints one line for each: "ok" or
 * "fallback" (what nsod_classify() returned), a space, and the key as
 * nsod_key_format() writes it (fails if nsod_classify_full() gives
 * another result).  For "http" and "tls" the line ends with
 * " host=NAME", the name nsod_classify_host() finds, or " host=-".
 *
 * ovstest test-nsod-classify --match PATTERN NAME
 *
 * Prints "match" or "no-match", what nsod_host_matches(PATTERN, NAME)
 * returns. */
static void
test_nsod_classify_main(int argc, char *argv[])
{
    enum nsod_classifier cls;

    set_program_name(argv[0]);
    if (argc >= 2 && !strcmp(argv[1], "--match")) {
        if (argc != 4) {
            ovs_fatal(0, "usage: %s --match PATTERN NAME", argv[0]);
        }

        /* Copy NAME to a buffer of its exact size, without the null
         * terminator, so that a memory checker sees any read past it. */
        size_t name_len = strlen(argv[3]);
        char *name = xmalloc(name_len ? name_len : 1);
        memcpy(name, argv[3], name_len);
        puts(nsod_host_matches(argv[2], name, name_len)
             ? "match" : "no-match");
        free(name);
        return;
    }
    if (argc < 2) {
        ovs_fatal(0, "usage: %s CLASSIFIER HEXFRAME...", argv[0]);
    }
    if (!nsod_classifier_from_string(argv[1], &cls)) {
        ovs_fatal(0, "%s: unknown classifier", argv[1]);
    }
    if (strcmp(nsod_classifier_to_string(cls), argv[1])) {
        ovs_fatal(0, "%s: classifier name does not round trip", argv[1]);
    }

    struct ds s = DS_EMPTY_INITIALIZER;
    for (int i = 2; i < argc; i++) {
        struct nsod_key key, key2;
        size_t len;
        uint8_t *frame = parse_hex_frame(argv[i], &len);

        /* Fill both keys with garbage first: nsod_classify() must set every
         * byte. */
        memset(&key, 0xa5, sizeof key);
        memset(&key2, 0x5a, sizeof key2);
        bool ok = nsod_classify(cls, frame, len, &key);
        bool ok2 = nsod_classify(cls, frame, len, &key2);
        check_key(&key);
        if (ok != ok2 || memcmp(&key, &key2, sizeof key)) {
            ovs_fatal(0, "classifying a frame twice gave different keys");
        }
        memset(&key2, 0x3c, sizeof key2);
        ok2 = nsod_classify_full(cls, frame, len, &key2);
        if (ok != ok2 || memcmp(&key, &key2, sizeof key)) {
            ovs_fatal(0, "nsod_classify() and nsod_classify_full() differ");
        }

        ds_clear(&s);
        nsod_key_format(&key, &s);
        if (cls == NSOD_CLS_HTTP || cls == NSOD_CLS_TLS) {
            put_host(&s, cls, frame, len);
        } else {
            const char *name;
            size_t name_len;

            if (nsod_classify_host(cls, frame, len, &name, &name_len)) {
                ovs_fatal(0, "classifier %s found a host name", argv[1]);
            }
        }
        printf("%s %s\n", ok ? "ok" : "fallback", ds_cstr(&s));
        free(frame);
    }
    ds_destroy(&s);
}

OVSTEST_REGISTER("test-nsod-classify", test_nsod_classify_main);
