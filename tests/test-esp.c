/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

/* ovstest test-esp: IPsec ESP of the userspace datapath (lib/nfv-esp.c).
 *
 *   vectors FILE     published AES-GCM ESP vectors (tests/nfv-esp-vectors.txt)
 *                    through esp_seal() and esp_open()
 *   replay           the anti-replay window and ESN inference
 *   packets          esp_encrypt_packet() and esp_decrypt_packet() on VXLAN
 *                    and GRE frames: round trips, every drop reason,
 *                    sequence numbers, reservation, lifetimes, rekeying
 *   nat-checksum     the inner UDP checksum after NAT-T decryption
 *   encrypt OPTS     hex Ethernet frames on stdin, one per line, encrypted
 *   decrypt OPTS     or decrypted, one per line on stdout (for interop)
 *   bench [OPTS]     single-thread encrypt and decrypt throughput
 *
 * Every check that fails ends the program with a message (exit status 1);
 * the output says what was checked. */

#include <config.h>

#include "nfv/lib/nfv-esp.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command-line.h"
#include "csum.h"
#include "dp-packet.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/util.h"
#include "ovs-rcu.h"
#include "packets.h"
#include "random.h"
#include "sset.h"
#include "tests/ovstest.h"
#include "timeval.h"
#include "util.h"

/* What esp_encrypt_packet() and esp_decrypt_packet() return for a packet
 * they processed (ESP_OK in nfv-esp.c); otherwise an enum esp_drop. */
#define ESP_PASS (-1)

/* Addresses of the tests: LOCAL sends to PEER. */
#define LOCAL_IP "192.0.2.1"
#define PEER_IP "192.0.2.2"

/* Hexadecimal. */

/* Decodes hexadecimal string 's' (pairs of digits, nothing else) into a
 * new buffer; stores its size in '*len'.  Exits with a message naming
 * 'what' if 's' is malformed. */
static uint8_t *
hex_decode(const char *s, size_t *len, const char *what)
{
    size_t n = strlen(s);

    if (n % 2) {
        ovs_fatal(0, "%s: odd number of hex digits", what);
    }
    uint8_t *buf = xmalloc(n / 2 ? n / 2 : 1);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexit_value(s[2 * i]);
        int lo = hexit_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            ovs_fatal(0, "%s: \"%s\" is not hexadecimal", what, s);
        }
        buf[i] = hi * 16 + lo;
    }
    *len = n / 2;
    return buf;
}

/* Decodes hex string 's' into exactly 'n' bytes at 'dst'. */
static void
hex_decode_exact(const char *s, uint8_t *dst, size_t n, const char *what)
{
    size_t len;
    uint8_t *buf = hex_decode(s, &len, what);

    if (len != n) {
        ovs_fatal(0, "%s: %"PRIuSIZE" bytes, expected %"PRIuSIZE,
                  what, len, n);
    }
    memcpy(dst, buf, n);
    free(buf);
}

static void
put_hex(struct ds *s, const void *data_, size_t len)
{
    const uint8_t *data = data_;

    for (size_t i = 0; i < len; i++) {
        ds_put_format(s, "%02x", data[i]);
    }
}

static char *
hex_string(const void *data, size_t len)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    put_hex(&s, data, len);
    return ds_steal_cstr(&s);
}

/* Exits with a message if the 'len' bytes at 'got' differ from 'want'. */
static void
check_bytes(const void *got, size_t got_len, const void *want,
            size_t want_len, const char *what)
{
    if (got_len != want_len || memcmp(got, want, want_len)) {
        char *g = hex_string(got, got_len);
        char *w = hex_string(want, want_len);

        ovs_fatal(0, "%s: got %"PRIuSIZE" bytes\n  %s\nexpected %"PRIuSIZE
                  " bytes\n  %s", what, got_len, g, want_len, w);
    }
}

static ovs_be32
ip(const char *s)
{
    ovs_be32 addr;

    if (!ip_parse(s, &addr)) {
        ovs_fatal(0, "%s: not an IPv4 address", s);
    }
    return addr;
}

/* SAs. */

static const char *
cipher_name(enum esp_cipher cipher)
{
    return cipher == ESP_AES_256_GCM ? "aes-256-gcm" : "aes-128-gcm";
}

static size_t
cipher_key_len(enum esp_cipher cipher)
{
    return cipher == ESP_AES_256_GCM ? 32 : 16;
}

/* The test key and salt of the 'packets' subcommand. */
static const uint8_t test_key[32] = {
    0x4c, 0x80, 0xcd, 0xef, 0xbb, 0x5d, 0x10, 0xda,
    0x90, 0x6a, 0xc7, 0x3c, 0x36, 0x13, 0xa6, 0x34,
    0xab, 0xbc, 0xcd, 0xde, 0xf0, 0x01, 0x12, 0x23,
    0x34, 0x45, 0x56, 0x67, 0x78, 0x89, 0x9a, 0xab,
};
static const uint8_t test_salt[4] = { 0x2e, 0x44, 0x3b, 0x68 };

/* Initializes 'cfg' as SA 'name': outbound to 'remote' (sending from
 * sequence number 1, with all sequence numbers reserved) or inbound from
 * it (window ESP_DEFAULT_REPLAY_WINDOW), with the test key and salt. */
static void
sa_config_init(struct esp_sa_config *cfg, const char *name, bool outbound,
               uint32_t spi, const char *remote, enum esp_cipher cipher,
               bool esn, bool udp_encap)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = name;
    cfg->outbound = outbound;
    cfg->spi = spi;
    cfg->remote_ip = ip(remote);
    cfg->cipher = cipher;
    memcpy(cfg->key, test_key, cipher_key_len(cipher));
    memcpy(cfg->salt, test_salt, sizeof cfg->salt);
    cfg->esn = esn;
    cfg->replay_window = outbound ? 0 : ESP_DEFAULT_REPLAY_WINDOW;
    cfg->udp_encap = udp_encap;
    cfg->udp_port = udp_encap ? ESP_DEFAULT_UDP_PORT : 0;
    cfg->seq_first = outbound ? 1 : 0;
    cfg->seq_reserved = outbound ? UINT64_MAX : 0;
}

/* Adds SA 'cfg' and returns it; exits if esp_sa_add() refuses it. */
static struct esp_sa *
sa_add(const struct esp_sa_config *cfg)
{
    char *error = esp_sa_add(cfg);

    if (error) {
        ovs_fatal(0, "esp_sa_add(%s): %s", cfg->name, error);
    }
    return CONST_CAST(struct esp_sa *, esp_sa_find(cfg->name));
}

static void
sa_remove(const char *name)
{
    if (!esp_sa_remove(name)) {
        ovs_fatal(0, "esp_sa_remove(%s) found no such SA", name);
    }
}

/* Removes every SA and lets RCU free them. */
static void
sa_remove_all(void)
{
    struct sset names = SSET_INITIALIZER(&names);
    const char *name;

    esp_sa_names(&names);
    SSET_FOR_EACH (name, &names) {
        sa_remove(name);
    }
    sset_destroy(&names);
    ovsrcu_quiesce();
}

static struct esp_sa_stats
sa_stats(const struct esp_sa *sa)
{
    struct esp_sa_stats st;

    esp_sa_get_stats(sa, &st);
    return st;
}

static void
check_state(const struct esp_sa *sa, enum esp_sa_state state,
            const char *what)
{
    struct esp_sa_stats st = sa_stats(sa);

    if (st.state != state) {
        ovs_fatal(0, "%s: SA %s is %s, expected %s", what, esp_sa_name(sa),
                  esp_state_name(st.state), esp_state_name(state));
    }
}

static const char *
result_name(int result)
{
    return result == ESP_PASS ? "ok" : esp_drop_name(result);
}

/* The 'vectors' subcommand. */

struct vector {
    char *name;
    uint8_t *key, *salt, *iv, *plaintext, *padding, *ciphertext, *icv;
    size_t key_len, salt_len, iv_len, plaintext_len, padding_len;
    size_t ciphertext_len, icv_len;
    uint32_t spi;
    uint64_t seq;
    bool esn;
    int next_header;
    bool has_spi, has_seq, has_esn;
};

static void
vector_destroy(struct vector *v)
{
    free(v->name);
    free(v->key);
    free(v->salt);
    free(v->iv);
    free(v->plaintext);
    free(v->padding);
    free(v->ciphertext);
    free(v->icv);
    memset(v, 0, sizeof *v);
    v->next_header = -1;
}

/* Sets field 'key' of 'v' to 'value', as read from line 'line_no'. */
static void
vector_set(struct vector *v, const char *key, const char *value,
           const char *file, int line_no)
{
    char *what = xasprintf("%s:%d: %s", file, line_no, key);
    unsigned long long int x;

    if (!strcmp(key, "name")) {
        free(v->name);
        v->name = xstrdup(value);
    } else if (!strcmp(key, "spi") && str_to_ullong(value, 16, &x)
               && x <= UINT32_MAX) {
        v->spi = x;
        v->has_spi = true;
    } else if (!strcmp(key, "seq") && strlen(value) == 16
               && str_to_ullong(value, 16, &x)) {
        v->seq = x;
        v->has_seq = true;
    } else if (!strcmp(key, "esn") && (!strcmp(value, "0")
                                       || !strcmp(value, "1"))) {
        v->esn = value[0] == '1';
        v->has_esn = true;
    } else if (!strcmp(key, "next_header") && str_to_ullong(value, 10, &x)
               && x <= 255) {
        v->next_header = x;
    } else if (!strcmp(key, "key")) {
        v->key = hex_decode(value, &v->key_len, what);
    } else if (!strcmp(key, "salt")) {
        v->salt = hex_decode(value, &v->salt_len, what);
    } else if (!strcmp(key, "iv")) {
        v->iv = hex_decode(value, &v->iv_len, what);
    } else if (!strcmp(key, "plaintext")) {
        v->plaintext = hex_decode(value, &v->plaintext_len, what);
    } else if (!strcmp(key, "padding")) {
        v->padding = hex_decode(value, &v->padding_len, what);
    } else if (!strcmp(key, "ciphertext")) {
        v->ciphertext = hex_decode(value, &v->ciphertext_len, what);
    } else if (!strcmp(key, "icv")) {
        v->icv = hex_decode(value, &v->icv_len, what);
    } else {
        ovs_fatal(0, "%s: bad field or value \"%s\"", what, value);
    }
    free(what);
}

/* Exits if 'v' (ending before line 'line_no') lacks a field or its
 * lengths do not fit together. */
static void
vector_check(const struct vector *v, const char *file, int line_no)
{
    if (!v->name || !v->key || !v->salt || !v->iv || !v->plaintext
        || !v->padding || !v->ciphertext || !v->icv || !v->has_spi
        || !v->has_seq || !v->has_esn || v->next_header < 0) {
        ovs_fatal(0, "%s:%d: vector %s lacks a field", file, line_no,
                  v->name ? v->name : "(unnamed)");
    }
    if ((v->key_len != 16 && v->key_len != 32) || v->salt_len != 4
        || v->iv_len != ESP_IV_LEN || v->icv_len != ESP_ICV_LEN
        || v->ciphertext_len != v->plaintext_len + v->padding_len + 2) {
        ovs_fatal(0, "%s:%d: vector %s: inconsistent lengths", file,
                  line_no, v->name);
    }
}

/* Returns true if 'v''s padding is what esp_seal() writes: the fewest
 * bytes 1, 2, 3... that align the trailer to 4 bytes (RFC 4303 2.4). */
static bool
vector_minimal_padding(const struct vector *v)
{
    size_t pad = (4 - (v->plaintext_len + 2) % 4) % 4;

    if (v->padding_len != pad) {
        return false;
    }
    for (size_t i = 0; i < pad; i++) {
        if (v->padding[i] != i + 1) {
            return false;
        }
    }
    return true;
}

/* Expects esp_open() of 'len' bytes of 'wire' with 'sa' as sequence
 * number 'seq', after flipping bit 'bit' of byte 'ofs' (no flip if 'ofs'
 * is SIZE_MAX), to fail the ICV check (-2). */
static void
expect_open_fails(const struct vector *v, const struct esp_sa *sa,
                  uint64_t seq, const uint8_t *wire, size_t len, size_t ofs,
                  const char *what)
{
    uint8_t *buf = xmemdup(wire, len);
    uint8_t next_header;

    if (ofs != SIZE_MAX) {
        buf[ofs] ^= 0x10;
    }
    int n = esp_open(sa, seq, buf, len, &next_header);
    if (n != -2) {
        ovs_fatal(0, "%s: esp_open() with %s returned %d, expected -2 "
                  "(ICV wrong)", v->name, what, n);
    }
    free(buf);
}

/* Runs vector 'v'; prints one line. */
static void
vector_run(const struct vector *v, int *n_run, int *n_seal)
{
    enum esp_cipher cipher = (v->key_len == 32 ? ESP_AES_256_GCM
                              : ESP_AES_128_GCM);
    struct esp_sa_config out_cfg, in_cfg;

    sa_config_init(&out_cfg, "vector-out", true, v->spi, PEER_IP, cipher,
                   v->esn, false);
    memcpy(out_cfg.key, v->key, v->key_len);
    memcpy(out_cfg.salt, v->salt, 4);
    in_cfg = out_cfg;
    in_cfg.name = "vector-in";
    in_cfg.outbound = false;
    in_cfg.remote_ip = ip(LOCAL_IP);
    in_cfg.replay_window = 64;
    in_cfg.seq_first = in_cfg.seq_reserved = 0;

    printf("%s: %s%s, %"PRIuSIZE"-byte payload, seq 0x%016"PRIx64": ",
           v->name, cipher_name(cipher), v->esn ? " esn" : "",
           v->plaintext_len, v->seq);
    if (v->spi < 256) {
        /* SPIs 1 to 255 are reserved and 0 is never sent (RFC 4303 section
         * 2.1), so no SA can have this vector's SPI. */
        char *error = esp_sa_add(&out_cfg);
        if (!error) {
            ovs_fatal(0, "%s: esp_sa_add() accepted SPI %"PRIu32, v->name,
                      v->spi);
        }
        free(error);
        printf("SPI %"PRIu32" refused by esp_sa_add() (RFC 4303 section "
               "2.1), not run\n", v->spi);
        return;
    }
    const struct esp_sa *out = sa_add(&out_cfg);
    const struct esp_sa *in = sa_add(&in_cfg);

    /* The ESP packet on the wire: SPI, low 32 bits of the sequence number,
     * IV, ciphertext (payload, padding, pad length, next header), ICV. */
    size_t wire_len = ESP_HEADER_LEN + ESP_IV_LEN + v->ciphertext_len
                      + ESP_ICV_LEN;
    uint8_t *wire = xmalloc(wire_len);
    put_unaligned_be32(ALIGNED_CAST(ovs_be32 *, wire), htonl(v->spi));
    put_unaligned_be32(ALIGNED_CAST(ovs_be32 *, wire + 4),
                       htonl((uint32_t) v->seq));
    memcpy(wire + ESP_HEADER_LEN, v->iv, ESP_IV_LEN);
    memcpy(wire + ESP_HEADER_LEN + ESP_IV_LEN, v->ciphertext,
           v->ciphertext_len);
    memcpy(wire + wire_len - ESP_ICV_LEN, v->icv, ESP_ICV_LEN);

    /* Sealing, into a separate buffer and in place (the payload where
     * esp_encrypt_packet() has it, right after room for header and IV). */
    if (vector_minimal_padding(v)) {
        uint8_t *out_buf = xmalloc(v->plaintext_len + ESP_MAX_OVERHEAD);
        size_t n = esp_seal(out, v->seq, v->iv, v->plaintext,
                            v->plaintext_len, v->next_header, out_buf);
        check_bytes(out_buf, n, wire, wire_len, v->name);

        memset(out_buf, 0xaa, v->plaintext_len + ESP_MAX_OVERHEAD);
        memcpy(out_buf + ESP_HEADER_LEN + ESP_IV_LEN, v->plaintext,
               v->plaintext_len);
        n = esp_seal(out, v->seq, v->iv,
                     out_buf + ESP_HEADER_LEN + ESP_IV_LEN,
                     v->plaintext_len, v->next_header, out_buf);
        check_bytes(out_buf, n, wire, wire_len, v->name);
        free(out_buf);
        printf("seal ok, ");
        (*n_seal)++;
    } else {
        printf("seal not checked (padding \"");
        for (size_t i = 0; i < v->padding_len; i++) {
            printf("%02x", v->padding[i]);
        }
        printf("\" is not minimal), ");
    }

    /* Opening. */
    uint8_t *buf = xmemdup(wire, wire_len);
    uint8_t next_header = 0;
    int n = esp_open(in, v->seq, buf, wire_len, &next_header);
    if (n < 0) {
        ovs_fatal(0, "%s: esp_open() returned %d", v->name, n);
    }
    check_bytes(buf + ESP_HEADER_LEN + ESP_IV_LEN, n, v->plaintext,
                v->plaintext_len, v->name);
    if (next_header != v->next_header) {
        ovs_fatal(0, "%s: next header %d, expected %d", v->name,
                  next_header, v->next_header);
    }
    free(buf);
    printf("open ok, ");

    /* Tampering: one bit of the ciphertext (first and last byte), of the
     * ICV, of the IV (in the nonce), of the SPI and of the sequence number
     * (in the AAD); with ESN, the high 32 bits of the sequence number (in
     * the AAD, never on the wire). */
    size_t ct = ESP_HEADER_LEN + ESP_IV_LEN;
    expect_open_fails(v, in, v->seq, wire, wire_len, ct,
                      "the first ciphertext byte flipped");
    expect_open_fails(v, in, v->seq, wire, wire_len,
                      ct + v->ciphertext_len - 1,
                      "the last ciphertext byte flipped");
    expect_open_fails(v, in, v->seq, wire, wire_len, wire_len - 1,
                      "the ICV flipped");
    expect_open_fails(v, in, v->seq, wire, wire_len, ESP_HEADER_LEN,
                      "the IV flipped");
    expect_open_fails(v, in, v->seq, wire, wire_len, 3, "the SPI flipped");
    expect_open_fails(v, in, v->seq, wire, wire_len, 7,
                      "the sequence number flipped");
    if (v->esn) {
        expect_open_fails(v, in, v->seq ^ (UINT64_C(1) << 32), wire,
                          wire_len, SIZE_MAX, "other high sequence bits");
    }
    printf("tamper rejected\n");

    sa_remove("vector-out");
    sa_remove("vector-in");
    ovsrcu_quiesce();
    free(wire);
    (*n_run)++;
}

static void
cmd_vectors(struct ovs_cmdl_context *ctx)
{
    const char *file_name = ctx->argv[1];
    FILE *file = fopen(file_name, "r");
    struct ds line = DS_EMPTY_INITIALIZER;
    struct vector v;
    int n_vectors = 0, n_run = 0, n_seal = 0;
    int line_no = 0;

    if (!file) {
        ovs_fatal(errno, "%s: open failed", file_name);
    }
    memset(&v, 0, sizeof v);
    v.next_header = -1;
    for (;;) {
        bool eof = ds_get_line(&line, file) == EOF;
        const char *s = ds_cstr(&line);

        line_no++;
        if (eof || !s[0]) {
            /* A blank line (or the end) ends a vector. */
            if (v.name) {
                vector_check(&v, file_name, line_no);
                vector_run(&v, &n_run, &n_seal);
                n_vectors++;
            }
            vector_destroy(&v);
            if (eof) {
                break;
            }
        } else if (s[0] != '#') {
            char *key = xstrdup(s);
            char *value = strchr(key, '=');
            if (!value) {
                ovs_fatal(0, "%s:%d: not KEY=VALUE", file_name, line_no);
            }
            *value++ = '\0';
            vector_set(&v, key, value, file_name, line_no);
            free(key);
        }
    }
    fclose(file);
    ds_destroy(&line);
    if (!n_vectors) {
        ovs_fatal(0, "%s: no vectors", file_name);
    }
    printf("%d vectors: %d run (%d also sealed), %d not run\n", n_vectors,
           n_run, n_seal, n_vectors - n_run);
}

/* The 'replay' subcommand. */

static struct esp_sa *
replay_sa(const char *name, unsigned int window, bool esn)
{
    struct esp_sa_config cfg;

    sa_config_init(&cfg, name, false, 0x3000, PEER_IP, ESP_AES_128_GCM,
                   esn, false);
    cfg.replay_window = window;
    return sa_add(&cfg);
}

/* Expects esp_replay_check_update('sa', 'seq', 'update') to accept the
 * number (if 'accept') or to reject it as a replay. */
static void
expect_replay(struct esp_sa *sa, uint64_t seq, bool update, bool accept,
              const char *what)
{
    enum esp_drop r = esp_replay_check_update(sa, seq, update);

    if ((int) r != ESP_PASS && r != ESP_DROP_REPLAY) {
        ovs_fatal(0, "%s: %s: seq %"PRIu64" gave %s", esp_sa_name(sa), what,
                  seq, esp_drop_name(r));
    }
    if (((int) r == ESP_PASS) != accept) {
        ovs_fatal(0, "%s: %s: seq %"PRIu64" (%s) was %s, expected %s",
                  esp_sa_name(sa), what, seq,
                  update ? "check and update" : "check only",
                  (int) r == ESP_PASS ? "accepted" : "rejected",
                  accept ? "accepted" : "rejected");
    }
}

static void
expect_top(const struct esp_sa *sa, uint64_t top, const char *what)
{
    struct esp_sa_stats st = sa_stats(sa);

    if (st.seq != top) {
        ovs_fatal(0, "%s: %s: highest seq %"PRIu64", expected %"PRIu64,
                  esp_sa_name(sa), what, st.seq, top);
    }
}

/* A reference anti-replay window (RFC 4303 section 3.4.3, the way the
 * appendix describes it): 'received' has one byte per sequence number. */
struct replay_model {
    unsigned int window;
    uint64_t top;
    uint8_t *received;
    size_t n;
};

static bool
replay_model_check(struct replay_model *m, uint64_t seq, bool update)
{
    bool accept = (seq != 0
                   && (!m->window || seq > m->top
                       || (seq + m->window > m->top && !m->received[seq])));
    if (accept && update) {
        m->received[seq] = 1;
        m->top = MAX(m->top, seq);
    }
    return accept;
}

/* Edge cases of a window of 'w' packets (0: anti-replay off), then random
 * checks against the model. */
static void
replay_window_cases(unsigned int w)
{
    char name[32];
    snprintf(name, sizeof name, "replay-%u", w);
    struct esp_sa *sa = replay_sa(name, w, false);
    bool on = w > 0;

    /* Sequence number 0 is never valid. */
    expect_replay(sa, 0, false, false, "seq 0");
    expect_replay(sa, 0, true, false, "seq 0");

    /* The first packet: checking alone does not record it. */
    expect_replay(sa, 1, false, true, "first packet");
    expect_replay(sa, 1, false, true, "first packet checked again");
    expect_top(sa, 0, "after checks without update");
    expect_replay(sa, 1, true, true, "first packet");
    expect_top(sa, 1, "after the first packet");
    expect_replay(sa, 1, false, !on, "duplicate");
    expect_replay(sa, 1, true, !on, "duplicate");

    /* The left edge: top - w + 1 is in the window, top - w is not. */
    uint64_t top = 3 * MAX(w, 64) + 100;
    expect_replay(sa, top, true, true, "new top");
    if (on) {
        expect_replay(sa, top - w + 1, false, true, "left edge");
        expect_replay(sa, top - w + 1, true, true, "left edge");
        expect_replay(sa, top - w + 1, false, false, "left edge again");
        expect_replay(sa, top - w, false, false, "left of the edge");
        expect_replay(sa, top - w, true, false, "left of the edge");
        expect_replay(sa, top - 2 * w - 5, false, false, "far left");
    } else {
        expect_replay(sa, 2, true, true, "anything, anti-replay off");
        expect_replay(sa, top, true, true, "top again, anti-replay off");
    }
    expect_top(sa, top, "after the left edge");

    /* Every number in the window received: then jumps to the right of
     * various sizes, each clearing what the window no longer holds (up to
     * and beyond the bitmap's size, the window rounded up to 64). */
    uint64_t jumps[] = { 1, 5, MAX(w, 2) / 2, MAX(w, 2) - 1, w + 7,
                         ROUND_UP(MAX(w, 1), 64) + 1, 3 * 4096 + 3 };
    for (size_t j = 0; on && j < ARRAY_SIZE(jumps); j++) {
        for (uint64_t s = top - w + 1; s <= top; s++) {
            esp_replay_check_update(sa, s, true);
        }
        uint64_t old = top;
        top += jumps[j];
        expect_replay(sa, top, true, true, "jump right");
        for (uint64_t s = top - w + 1; s < top; s++) {
            expect_replay(sa, s, false, s > old,
                          s > old ? "new after a jump" : "old after a jump");
        }
        expect_replay(sa, top, false, false, "the new top again");
        expect_replay(sa, top - w, false, false, "left of the moved edge");
    }
    expect_top(sa, top, "after the jumps");

    /* Random checks and updates against the model, numbers around the
     * top, sometimes a jump. */
    struct replay_model m = {
        .window = w, .top = 0, .n = 4000000,
    };
    m.received = xzalloc(m.n);
    sa_remove(name);
    sa = replay_sa(name, w, false);
    int n_accepted = 0;
    for (int i = 0; i < 20000; i++) {
        uint32_t r = random_uint32();
        uint64_t seq;

        if (r % 100 == 0 && m.top + 3 * w + 200 < m.n) {
            seq = m.top + 1 + random_range(3 * w + 100);
        } else {
            int64_t span = 2 * (int64_t) MAX(w, 8) + 10;
            int64_t s = (int64_t) m.top - span
                        + (int64_t) random_range(2 * span + 1);
            seq = s < 0 ? 0 : s;
            if (seq >= m.n) {
                seq = m.n - 1;
            }
        }
        bool update = random_uint32() & 1;
        bool want = replay_model_check(&m, seq, update);
        expect_replay(sa, seq, update, want, "random");
        n_accepted += want;
    }
    expect_top(sa, m.top, "after the random checks");
    free(m.received);
    sa_remove(name);

    if (on) {
        printf("window %u: seq 0 rejected, first packet, duplicate "
               "rejected, check without update records nothing, left edge "
               "(top - %u + 1 accepted, top - %u rejected), %"PRIuSIZE
               " jumps right up to %d clear old bits: ok\n", w, w, w,
               ARRAY_SIZE(jumps), 3 * 4096 + 3);
    } else {
        printf("window 0 (anti-replay off): seq 0 rejected, duplicates and "
               "old numbers accepted, the top still tracked: ok\n");
    }
    printf("window %u: 20000 random checks agree with the model "
           "(%d accepted, highest %"PRIu64")\n", w, n_accepted, m.top);
}

static void
expect_infer(const struct esp_sa *sa, uint32_t seq_low, uint64_t want,
             const char *what)
{
    uint64_t got = esp_replay_infer_seq(sa, seq_low);

    if (got != want) {
        ovs_fatal(0, "%s: %s: seq_low 0x%08"PRIx32" inferred as 0x%016"
                  PRIx64", expected 0x%016"PRIx64, esp_sa_name(sa), what,
                  seq_low, got, want);
    }
}

#define SEQ(HI, LO) ((uint64_t) (HI) << 32 | (uint32_t) (LO))

/* ESN: inference of the high 32 bits, RFC 4303 appendix A2.2. */
static void
replay_esn_cases(void)
{
    /* Without ESN the high bits are 0. */
    struct esp_sa *sa = replay_sa("esn-off", 64, false);
    esp_replay_check_update(sa, SEQ(0, 0xfffffff0), true);
    expect_infer(sa, 5, 5, "no ESN");
    sa_remove("esn-off");

    /* Nothing received yet: subspace 0, never "below" it. */
    sa = replay_sa("esn", 64, true);
    expect_infer(sa, 5, 5, "nothing received");
    expect_infer(sa, 0xffffffff, 0xffffffff, "nothing received");

    /* Case A, Tl >= W - 1: the window [Tl - W + 1, Tl] lies in subspace
     * Th; a lower number belongs to subspace Th + 1. */
    expect_replay(sa, SEQ(5, 1000), true, true, "case A");
    expect_infer(sa, 1000, SEQ(5, 1000), "case A, the top");
    expect_infer(sa, 937, SEQ(5, 937), "case A, the left edge");
    expect_infer(sa, 936, SEQ(6, 936), "case A, below the left edge");
    expect_infer(sa, 0, SEQ(6, 0), "case A, low 0");
    expect_infer(sa, 5000, SEQ(5, 5000), "case A, right of the window");
    expect_infer(sa, 0xffffffff, SEQ(5, 0xffffffff), "case A, highest");
    expect_replay(sa, SEQ(5, 937), false, true, "case A, the left edge");
    expect_replay(sa, SEQ(5, 936), false, false, "case A, left of it");
    sa_remove("esn");

    /* Case B, Tl < W - 1: the window spans the end of subspace Th - 1 and
     * the start of Th. */
    sa = replay_sa("esn", 64, true);
    expect_replay(sa, SEQ(5, 10), true, true, "case B");
    expect_infer(sa, 10, SEQ(5, 10), "case B, the top");
    expect_infer(sa, 0, SEQ(5, 0), "case B, low 0");
    expect_infer(sa, 0xffffffcb, SEQ(4, 0xffffffcb), "case B, left edge");
    expect_infer(sa, 0xffffffff, SEQ(4, 0xffffffff), "case B, end of Th-1");
    expect_infer(sa, 0xffffffca, SEQ(5, 0xffffffca),
                 "case B, below the left edge");
    expect_infer(sa, 100, SEQ(5, 100), "case B, right of the window");
    expect_replay(sa, SEQ(4, 0xffffffcb), false, true, "case B, left edge");
    expect_replay(sa, SEQ(4, 0xffffffca), false, false,
                  "case B, left of it");
    sa_remove("esn");

    /* Across 2^32: numbers before and after the boundary, in any order. */
    sa = replay_sa("esn", 64, true);
    for (uint32_t lo = 0xfffffff0; lo != 0xfffffff8; lo++) {
        uint64_t seq = esp_replay_infer_seq(sa, lo);
        expect_replay(sa, seq, true, true, "before 2^32");
    }
    expect_top(sa, SEQ(0, 0xfffffff7), "before 2^32");
    expect_infer(sa, 3, SEQ(1, 3), "just after 2^32 (case A)");
    expect_replay(sa, SEQ(1, 3), true, true, "just after 2^32");
    expect_top(sa, SEQ(1, 3), "after 2^32");
    expect_infer(sa, 0xfffffffa, SEQ(0, 0xfffffffa),
                 "late, before 2^32 (case B)");
    expect_replay(sa, SEQ(0, 0xfffffffa), true, true, "late, not received");
    expect_infer(sa, 0xfffffff2, SEQ(0, 0xfffffff2), "late, received");
    expect_replay(sa, SEQ(0, 0xfffffff2), false, false, "late, received");
    expect_infer(sa, 0, SEQ(1, 0), "2^32 itself");
    expect_replay(sa, SEQ(1, 0), true, true, "2^32 itself");
    expect_infer(sa, 0xffffffc4, SEQ(0, 0xffffffc4), "left edge over 2^32");
    expect_infer(sa, 0xffffffc3, SEQ(1, 0xffffffc3),
                 "below the left edge over 2^32");
    sa_remove("esn");

    /* Without an anti-replay window, inference still uses
     * ESP_DEFAULT_REPLAY_WINDOW (the receiver has no other). */
    sa = replay_sa("esn-nowindow", 0, true);
    expect_replay(sa, SEQ(2, 100), true, true, "no window");
    expect_infer(sa, 37, SEQ(2, 37), "no window, within 64");
    expect_infer(sa, 36, SEQ(3, 36), "no window, beyond 64");
    sa_remove("esn-nowindow");

    printf("esn: no ESN gives high bits 0; nothing received gives "
           "subspace 0; case A (top 0x%016"PRIx64"): left edge, below it, "
           "right; case B (top 0x%016"PRIx64"): the window's part in the "
           "previous subspace, left edge, below it; across 2^32 in both "
           "orders: ok\n", SEQ(5, 1000), SEQ(5, 10));
}

static void
cmd_replay(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    unsigned int windows[] = { 64, 32, 4096, 0 };

    random_set_seed(0x45535021);
    for (size_t i = 0; i < ARRAY_SIZE(windows); i++) {
        replay_window_cases(windows[i]);
    }
    replay_esn_cases();
    ovsrcu_quiesce();
}

/* Frames. */

enum frame_kind {
    FRAME_VXLAN,                /* UDP to 4789, VXLAN, Ethernet. */
    FRAME_GRE,                  /* GRE with a key, Ethernet. */
    FRAME_TCP,                  /* TCP: not a tunnel protocol. */
};

struct frame_spec {
    enum frame_kind kind;
    const char *src, *dst;      /* Outer IPv4 addresses. */
    size_t inner_len;           /* Bytes after the inner Ethernet header. */
    bool vlan;                  /* An 802.1Q tag (VLAN 10) on the outside. */
    bool udp_csum;              /* VXLAN: a UDP checksum (otherwise 0). */
    size_t eth_pad;             /* Zero bytes after the IP packet. */
};

static void
put_u8(struct ofpbuf *b, uint8_t x)
{
    ofpbuf_put(b, &x, 1);
}

static void
put_be16(struct ofpbuf *b, uint16_t x)
{
    ovs_be16 v = htons(x);
    ofpbuf_put(b, &v, 2);
}

static void
put_be32(struct ofpbuf *b, uint32_t x)
{
    ovs_be32 v = htonl(x);
    ofpbuf_put(b, &v, 4);
}

static void
put_mac(struct ofpbuf *b, uint8_t last)
{
    uint8_t mac[6] = { 0x50, 0x54, 0x00, 0x00, 0x00, last };
    ofpbuf_put(b, mac, 6);
}

/* Returns a new frame as 'spec' says, with no headroom or tailroom (so
 * that ESP has to make room). */
static struct dp_packet *
frame_make(const struct frame_spec *spec)
{
    struct ofpbuf b;

    ofpbuf_init(&b, 2048);
    put_mac(&b, 2);
    put_mac(&b, 1);
    if (spec->vlan) {
        put_be16(&b, ETH_TYPE_VLAN_8021Q);
        put_be16(&b, 10);
    }
    put_be16(&b, ETH_TYPE_IP);

    size_t l3 = b.size;
    uint8_t proto = (spec->kind == FRAME_VXLAN ? IPPROTO_UDP
                     : spec->kind == FRAME_GRE ? IPPROTO_GRE : IPPROTO_TCP);
    put_u8(&b, 0x45);
    put_u8(&b, 0);
    put_be16(&b, 0);                            /* Total length, below. */
    put_be16(&b, 0x1234 + spec->inner_len);     /* Identification. */
    put_be16(&b, 0x4000);                       /* DF. */
    put_u8(&b, 64);
    put_u8(&b, proto);
    put_be16(&b, 0);                            /* Checksum, below. */
    ofpbuf_put(&b, &(ovs_be32) { ip(spec->src) }, 4);
    ofpbuf_put(&b, &(ovs_be32) { ip(spec->dst) }, 4);

    size_t l4 = b.size;
    if (spec->kind == FRAME_VXLAN) {
        put_be16(&b, 49152 + spec->inner_len % 1000);
        put_be16(&b, 4789);
        put_be16(&b, 0);                        /* Length, below. */
        put_be16(&b, 0);                        /* Checksum, below. */
        put_be32(&b, 0x08000000);               /* VXLAN: VNI valid. */
        put_be32(&b, 100 << 8);                 /* VNI 100. */
    } else if (spec->kind == FRAME_GRE) {
        put_be16(&b, 0x2000);                   /* GRE: key present. */
        put_be16(&b, 0x6558);                   /* Transparent Ethernet. */
        put_be32(&b, 7);                        /* Key. */
    } else {
        put_be16(&b, 40000);
        put_be16(&b, 80);
        put_be32(&b, 1);
        put_be32(&b, 0);
        put_be16(&b, 0x5002);                   /* 20 bytes, SYN. */
        put_be16(&b, 65535);
        put_be32(&b, 0);
    }
    if (spec->kind != FRAME_TCP) {
        put_mac(&b, 0x22);                      /* Inner Ethernet. */
        put_mac(&b, 0x11);
        put_be16(&b, ETH_TYPE_IP);
    }
    for (size_t i = 0; i < spec->inner_len; i++) {
        put_u8(&b, i * 7 + 3);
    }

    uint8_t *data = b.data;
    struct ip_header *iph = ALIGNED_CAST(struct ip_header *, data + l3);
    iph->ip_tot_len = htons(b.size - l3);
    iph->ip_csum = csum(iph, IP_HEADER_LEN);
    if (spec->kind == FRAME_VXLAN) {
        struct udp_header *uh = ALIGNED_CAST(struct udp_header *, data + l4);

        uh->udp_len = htons(b.size - l4);
        if (spec->udp_csum) {
            uint32_t c = packet_csum_pseudoheader(iph);
            uh->udp_csum = csum_finish(csum_continue(c, uh, b.size - l4));
            if (!uh->udp_csum) {
                uh->udp_csum = htons(0xffff);
            }
        }
    }
    ofpbuf_put_zeros(&b, spec->eth_pad);

    struct dp_packet *p = dp_packet_clone_data(b.data, b.size);
    ofpbuf_uninit(&b);
    return p;
}

/* The IPv4 header of 'p' (after Ethernet and at most one VLAN tag). */
static size_t
frame_l3(const struct dp_packet *p)
{
    const uint8_t *data = dp_packet_data(p);

    return (dp_packet_size(p) >= 14 && data[12] == 0x81 && data[13] == 0
            ? 18 : 14);
}

static struct ip_header *
frame_ip(const struct dp_packet *p)
{
    return ALIGNED_CAST(struct ip_header *,
                        (uint8_t *) dp_packet_data(p) + frame_l3(p));
}

/* The length of 'p' without Ethernet padding. */
static size_t
frame_len(const struct dp_packet *p)
{
    return frame_l3(p) + ntohs(frame_ip(p)->ip_tot_len);
}

static void
frame_fix_ip_csum(struct dp_packet *p)
{
    struct ip_header *iph = frame_ip(p);

    iph->ip_csum = 0;
    iph->ip_csum = csum(iph, IP_IHL(iph->ip_ihl_ver) * 4);
}

static uint8_t *
frame_esp(const struct dp_packet *p)
{
    struct ip_header *iph = frame_ip(p);
    uint8_t *l4 = (uint8_t *) iph + IP_IHL(iph->ip_ihl_ver) * 4;

    return iph->ip_proto == IPPROTO_UDP ? l4 + ESP_UDP_LEN : l4;
}

static uint32_t
frame_spi(const struct dp_packet *p)
{
    return ntohl(get_unaligned_be32(ALIGNED_CAST(ovs_be32 *,
                                                 frame_esp(p))));
}

static uint32_t
frame_seq(const struct dp_packet *p)
{
    return ntohl(get_unaligned_be32(ALIGNED_CAST(ovs_be32 *,
                                                 frame_esp(p) + 4)));
}

/* Checks that 'enc' is 'plain' encrypted by SA 'cfg' as sequence number
 * 'seq': the same Ethernet header, the same IPv4 header but for protocol
 * (50, or 17 with UDP encapsulation), total length and a correct checksum;
 * with UDP encapsulation a UDP header from and to the SA's port with the
 * right length and checksum 0 (RFC 3948 section 2.1); then SPI, the low
 * 32 bits of 'seq', IV, payload with minimal padding, ICV. */
static void
check_esp_frame(const struct dp_packet *plain, const struct dp_packet *enc,
                const struct esp_sa_config *cfg, uint64_t seq,
                const char *what)
{
    size_t l3 = frame_l3(plain);
    const uint8_t *p = dp_packet_data(plain);
    const uint8_t *e = dp_packet_data(enc);
    const struct ip_header *pip = frame_ip(plain);
    const struct ip_header *eip = frame_ip(enc);
    size_t ihl = IP_IHL(pip->ip_ihl_ver) * 4;
    size_t payload = ntohs(pip->ip_tot_len) - ihl;
    size_t pad = (4 - (payload + 2) % 4) % 4;
    size_t udp = cfg->udp_encap ? ESP_UDP_LEN : 0;
    size_t esp_len = ESP_HEADER_LEN + ESP_IV_LEN + payload + pad + 2
                     + ESP_ICV_LEN;

    if (frame_l3(enc) != l3 || memcmp(p, e, l3)) {
        ovs_fatal(0, "%s: Ethernet header changed", what);
    }
    if (dp_packet_size(enc) != l3 + ihl + udp + esp_len) {
        ovs_fatal(0, "%s: encrypted frame of %"PRIu32" bytes, expected "
                  "%"PRIuSIZE, what, dp_packet_size(enc),
                  l3 + ihl + udp + esp_len);
    }
    if (ntohs(eip->ip_tot_len) != ihl + udp + esp_len) {
        ovs_fatal(0, "%s: IP total length %d, expected %"PRIuSIZE, what,
                  ntohs(eip->ip_tot_len), ihl + udp + esp_len);
    }
    if (csum(eip, ihl)) {
        ovs_fatal(0, "%s: bad IP header checksum", what);
    }
    if (eip->ip_proto != (udp ? IPPROTO_UDP : IPPROTO_ESP_)) {
        ovs_fatal(0, "%s: IP protocol %d", what, eip->ip_proto);
    }
    if (eip->ip_ihl_ver != pip->ip_ihl_ver || eip->ip_tos != pip->ip_tos
        || eip->ip_id != pip->ip_id || eip->ip_frag_off != pip->ip_frag_off
        || eip->ip_ttl != pip->ip_ttl
        || memcmp(&eip->ip_src, &pip->ip_src, 4)
        || memcmp(&eip->ip_dst, &pip->ip_dst, 4)) {
        ovs_fatal(0, "%s: IP header fields changed", what);
    }
    if (udp) {
        const struct udp_header *uh = ALIGNED_CAST(
            const struct udp_header *, e + l3 + ihl);

        if (ntohs(uh->udp_src) != cfg->udp_port
            || ntohs(uh->udp_dst) != cfg->udp_port
            || ntohs(uh->udp_len) != ESP_UDP_LEN + esp_len
            || uh->udp_csum) {
            ovs_fatal(0, "%s: UDP header %d > %d length %d checksum %#x",
                      what, ntohs(uh->udp_src), ntohs(uh->udp_dst),
                      ntohs(uh->udp_len), ntohs(uh->udp_csum));
        }
    }
    if (frame_spi(enc) != cfg->spi || frame_seq(enc) != (uint32_t) seq) {
        ovs_fatal(0, "%s: SPI 0x%"PRIx32" seq %"PRIu32", expected SPI 0x%"
                  PRIx32" seq %"PRIu32, what, frame_spi(enc),
                  frame_seq(enc), cfg->spi, (uint32_t) seq);
    }
}

static struct dp_packet *
frame_clone(const struct dp_packet *p)
{
    return dp_packet_clone(p);
}

/* Encrypts a copy of 'plain'; returns the result and the copy (possibly
 * replaced) in '*out', which the caller frees. */
static int
encrypt_copy(const struct dp_packet *plain, struct dp_packet **out)
{
    ovs_be32 dst = 0;

    *out = frame_clone(plain);
    int r = esp_encrypt_packet(out, &dst);
    if (r != ESP_DROP_MALFORMED
        && dst != get_16aligned_be32(&frame_ip(plain)->ip_dst)) {
        ovs_fatal(0, "esp_encrypt_packet() stored a wrong destination");
    }
    return r;
}

static int
decrypt_copy(const struct dp_packet *enc, struct dp_packet **out)
{
    *out = frame_clone(enc);
    return esp_decrypt_packet(out);
}

/* Encrypts a copy of 'plain', which must succeed; returns it. */
static struct dp_packet *
encrypt_ok(const struct dp_packet *plain, const char *what)
{
    struct dp_packet *enc;
    int r = encrypt_copy(plain, &enc);

    if (r != ESP_PASS) {
        ovs_fatal(0, "%s: encryption dropped the packet (%s)", what,
                  esp_drop_name(r));
    }
    return enc;
}

/* Expects encrypting a copy of 'plain' to drop it as 'why'. */
static void
encrypt_drop(const struct dp_packet *plain, enum esp_drop why,
             const char *what)
{
    struct dp_packet *enc;
    int r = encrypt_copy(plain, &enc);

    if (r != (int) why) {
        ovs_fatal(0, "%s: encryption gave %s, expected drop %s", what,
                  result_name(r), esp_drop_name(why));
    }
    dp_packet_delete(enc);
}

/* Expects decrypting a copy of 'enc' to give back 'plain' (without its
 * Ethernet padding) exactly; if 'mask_udp_csum', but for the checksum of
 * the UDP header after the IP header. */
static void
decrypt_check(const struct dp_packet *enc, const struct dp_packet *plain,
              bool mask_udp_csum, const char *what)
{
    struct dp_packet *dec;
    int r = decrypt_copy(enc, &dec);

    if (r != ESP_PASS) {
        ovs_fatal(0, "%s: decryption dropped the packet (%s)", what,
                  esp_drop_name(r));
    }

    struct dp_packet *want = frame_clone(plain);
    dp_packet_set_size(want, frame_len(want));
    if (mask_udp_csum && dp_packet_size(dec) == dp_packet_size(want)) {
        size_t ofs = frame_l3(want) + IP_HEADER_LEN + 6;

        memset((uint8_t *) dp_packet_data(dec) + ofs, 0, 2);
        memset((uint8_t *) dp_packet_data(want) + ofs, 0, 2);
    }
    check_bytes(dp_packet_data(dec), dp_packet_size(dec),
                dp_packet_data(want), dp_packet_size(want), what);
    dp_packet_delete(want);
    dp_packet_delete(dec);
}

static void
decrypt_ok(const struct dp_packet *enc, const struct dp_packet *plain,
           const char *what)
{
    decrypt_check(enc, plain, false, what);
}

static void
decrypt_drop(const struct dp_packet *enc, enum esp_drop why,
             const char *what)
{
    struct dp_packet *dec;
    int r = decrypt_copy(enc, &dec);

    if (r != (int) why) {
        ovs_fatal(0, "%s: decryption gave %s, expected drop %s", what,
                  result_name(r), esp_drop_name(why));
    }
    dp_packet_delete(dec);
}

static void
check_drops(const struct esp_sa *sa, enum esp_drop why, uint64_t n,
            const char *what)
{
    struct esp_sa_stats st = sa_stats(sa);

    if (st.drops[why] != n) {
        ovs_fatal(0, "%s: SA %s counted %"PRIu64" %s drops, expected %"
                  PRIu64, what, esp_sa_name(sa), st.drops[why],
                  esp_drop_name(why), n);
    }
}

/* The 'packets' subcommand. */

/* A pair of SAs for packets from LOCAL_IP to PEER_IP: "NAME-out", the
 * sender's outbound SA, and "NAME-in", the receiver's inbound SA with the
 * same keys (both live in this process). */
struct sa_pair {
    char *out_name, *in_name;
    struct esp_sa_config out_cfg, in_cfg;
    struct esp_sa *out, *in;
};

static void
sa_pair_config(struct sa_pair *pair, const char *name, uint32_t spi,
               enum esp_cipher cipher, bool esn, bool udp_encap)
{
    pair->out_name = xasprintf("%s-out", name);
    pair->in_name = xasprintf("%s-in", name);
    sa_config_init(&pair->out_cfg, pair->out_name, true, spi, PEER_IP,
                   cipher, esn, udp_encap);
    sa_config_init(&pair->in_cfg, pair->in_name, false, spi, LOCAL_IP,
                   cipher, esn, udp_encap);
    pair->out = pair->in = NULL;
}

static void
sa_pair_add(struct sa_pair *pair)
{
    pair->out = sa_add(&pair->out_cfg);
    pair->in = sa_add(&pair->in_cfg);
}

static void
sa_pair_destroy(struct sa_pair *pair)
{
    if (pair->out) {
        sa_remove(pair->out_name);
    }
    if (pair->in) {
        sa_remove(pair->in_name);
    }
    free(pair->out_name);
    free(pair->in_name);
    ovsrcu_quiesce();
}

static const char *
kind_name(enum frame_kind kind)
{
    return (kind == FRAME_VXLAN ? "vxlan" : kind == FRAME_GRE ? "gre"
            : "tcp");
}

/* What a NAT between sender and receiver does to an ESP-in-UDP packet:
 * it changes the source address (and the IP header checksum). */
#define NAT_IP "198.51.100.7"

static void
nat_source(struct dp_packet *enc)
{
    put_16aligned_be32(&frame_ip(enc)->ip_src, ip(NAT_IP));
    frame_fix_ip_csum(enc);
}

/* Round trips: frames of every padding length and sizes up to 1400 bytes,
 * one with an outer VLAN tag, one with Ethernet padding, one without a
 * UDP checksum; with UDP encapsulation also one whose source a NAT
 * changed on the way. */
static void
packets_round_trips(void)
{
    static const size_t inner_lens[] = { 0, 1, 2, 3, 4, 101, 1400 };
    int n = 0;

    for (int kind = FRAME_VXLAN; kind <= FRAME_GRE; kind++) {
        for (int c = ESP_AES_128_GCM; c <= ESP_AES_256_GCM; c++) {
            for (int esn = 0; esn < 2; esn++) {
                for (int encap = 0; encap < 2; encap++) {
                    struct sa_pair pair;
                    uint64_t seq = 0;
                    int frames = 0;

                    sa_pair_config(&pair, "rt", 0x1000 + n, c, esn, encap);
                    sa_pair_add(&pair);
                    for (size_t i = 0; i < ARRAY_SIZE(inner_lens) + 3; i++) {
                        struct frame_spec spec = {
                            .kind = kind, .src = LOCAL_IP, .dst = PEER_IP,
                            .inner_len = inner_lens[i % ARRAY_SIZE(
                                                        inner_lens)],
                            .vlan = i == ARRAY_SIZE(inner_lens),
                            .eth_pad = (i == ARRAY_SIZE(inner_lens) + 1
                                        ? 12 : 0),
                            .udp_csum = i != ARRAY_SIZE(inner_lens) + 2,
                        };
                        char *what = xasprintf(
                            "%s %s%s%s inner %"PRIuSIZE"%s%s", kind_name(kind),
                            cipher_name(c), esn ? " esn" : "",
                            encap ? " udp-encap" : "", spec.inner_len,
                            spec.vlan ? " vlan" : "",
                            spec.eth_pad ? " eth-pad" : "");
                        struct dp_packet *plain = frame_make(&spec);
                        struct dp_packet *enc = encrypt_ok(plain, what);

                        check_esp_frame(plain, enc, &pair.out_cfg, ++seq,
                                        what);
                        /* With UDP encapsulation the inner UDP checksum
                         * is zeroed (RFC 3948 section 3.1.2): see the
                         * 'nat-checksum' subcommand. */
                        decrypt_check(enc, plain,
                                      encap && kind == FRAME_VXLAN, what);
                        if (encap) {
                            /* A NAT on the way changed the source: the
                             * receiver restores the SA's peer address.
                             * (A new packet: a copy of 'enc' would be a
                             * replay.)  The inner UDP checksum is left
                             * to the 'nat-checksum' subcommand. */
                            dp_packet_delete(enc);
                            enc = encrypt_ok(plain, what);
                            check_esp_frame(plain, enc, &pair.out_cfg, ++seq,
                                            what);
                            nat_source(enc);
                            decrypt_check(enc, plain, kind == FRAME_VXLAN,
                                          what);
                        }
                        dp_packet_delete(plain);
                        dp_packet_delete(enc);
                        free(what);
                        frames++;
                    }

                    struct esp_sa_stats st = sa_stats(pair.in);
                    if (st.packets != seq || st.seq != seq) {
                        ovs_fatal(0, "inbound SA counted %"PRIu64" packets, "
                                  "highest seq %"PRIu64", expected %"PRIu64,
                                  st.packets, st.seq, seq);
                    }
                    printf("round trip %s %s%s%s: %d frames (inner 0 to "
                           "1400 bytes, padding 0 to 3, outer VLAN tag, "
                           "Ethernet padding%s): exact ESP frame, original "
                           "back byte for byte (with UDP encapsulation the "
                           "inner UDP checksum zeroed)%s\n",
                           kind_name(kind), cipher_name(c),
                           esn ? " esn" : "", encap ? " udp-encap" : "",
                           frames, (kind == FRAME_VXLAN
                                    ? ", without UDP checksum" : ""),
                           (!encap ? ""
                            : kind == FRAME_VXLAN
                            ? "; also with the source NATed (source "
                              "restored; UDP checksum: nat-checksum)"
                            : "; also with the source NATed"));
                    sa_pair_destroy(&pair);
                    n++;
                }
            }
        }
    }
}

static struct dp_packet *
vxlan_frame(size_t inner_len)
{
    struct frame_spec spec = {
        .kind = FRAME_VXLAN, .src = LOCAL_IP, .dst = PEER_IP,
        .inner_len = inner_len, .udp_csum = true,
    };
    return frame_make(&spec);
}

/* Every reason to drop a packet. */
static void
packets_drops(void)
{
    struct sa_pair pair;
    struct dp_packet *plain = vxlan_frame(100);
    struct dp_packet *enc, *bad;

    sa_pair_config(&pair, "drops", 0x2000, ESP_AES_128_GCM, false, false);
    sa_pair_add(&pair);

    /* A wrong ICV, a changed ciphertext byte: ESP_DROP_AUTH, and the
     * window does not move, so the genuine packet still passes; then it is
     * a replay. */
    enc = encrypt_ok(plain, "drops");
    bad = frame_clone(enc);
    ((uint8_t *) dp_packet_data(bad))[dp_packet_size(bad) - 1] ^= 1;
    decrypt_drop(bad, ESP_DROP_AUTH, "ICV flipped");
    dp_packet_delete(bad);
    bad = frame_clone(enc);
    frame_esp(bad)[ESP_HEADER_LEN + ESP_IV_LEN + 20] ^= 0x80;
    decrypt_drop(bad, ESP_DROP_AUTH, "ciphertext flipped");
    dp_packet_delete(bad);
    check_drops(pair.in, ESP_DROP_AUTH, 2, "auth");
    decrypt_ok(enc, plain, "after forgeries");
    decrypt_drop(enc, ESP_DROP_REPLAY, "replayed packet");
    check_drops(pair.in, ESP_DROP_REPLAY, 1, "replay");
    printf("drop auth_failed: a flipped ICV bit, a flipped ciphertext bit; "
           "the window stays, the genuine packet then passes\n");
    printf("drop replayed: the same packet again\n");

    /* Unknown SPI. */
    bad = frame_clone(enc);
    put_unaligned_be32(ALIGNED_CAST(ovs_be32 *, frame_esp(bad)),
                       htonl(0x2001));
    decrypt_drop(bad, ESP_DROP_NO_SA, "unknown SPI");
    dp_packet_delete(bad);
    printf("drop no_sa: unknown SPI\n");

    /* Not from the SA's peer (no UDP encapsulation, so the address counts):
     * ESP_DROP_POLICY, even though the ICV is right (the IP header is not
     * authenticated). */
    dp_packet_delete(enc);
    enc = encrypt_ok(plain, "drops");
    bad = frame_clone(enc);
    put_16aligned_be32(&frame_ip(bad)->ip_src, ip("192.0.2.99"));
    frame_fix_ip_csum(bad);
    decrypt_drop(bad, ESP_DROP_POLICY, "wrong source");
    dp_packet_delete(bad);
    decrypt_ok(enc, plain, "after a wrong source");
    printf("drop policy: a packet from another address than the SA's peer\n");

    /* Plain GRE is not ESP; ESP in UDP for an SA without UDP
     * encapsulation; a non-ESP marker (IKE) on port 4500; a payload that
     * is not a tunnel protocol (TCP). */
    struct frame_spec gre_spec = {
        .kind = FRAME_GRE, .src = LOCAL_IP, .dst = PEER_IP, .inner_len = 20,
    };
    bad = frame_make(&gre_spec);
    decrypt_drop(bad, ESP_DROP_POLICY, "plain GRE");
    dp_packet_delete(bad);
    struct sa_pair encap;
    sa_pair_config(&encap, "drops-encap", 0x2000, ESP_AES_128_GCM, false,
                   true);
    encap.out_cfg.remote_ip = ip("192.0.2.3");
    encap.out = sa_add(&encap.out_cfg);         /* Only the sender's. */
    struct frame_spec spec3 = {
        .kind = FRAME_VXLAN, .src = LOCAL_IP, .dst = "192.0.2.3",
        .inner_len = 100,
    };
    struct dp_packet *plain3 = frame_make(&spec3);
    bad = encrypt_ok(plain3, "udp-encap to 192.0.2.3");
    decrypt_drop(bad, ESP_DROP_POLICY, "ESP in UDP for a non-UDP SA");
    memset(frame_esp(bad), 0, 4);
    decrypt_drop(bad, ESP_DROP_POLICY, "non-ESP marker");
    dp_packet_delete(bad);
    dp_packet_delete(plain3);

    struct frame_spec tcp_spec = {
        .kind = FRAME_TCP, .src = LOCAL_IP, .dst = PEER_IP, .inner_len = 10,
    };
    struct dp_packet *tcp = frame_make(&tcp_spec);
    bad = encrypt_ok(tcp, "tcp");
    decrypt_drop(bad, ESP_DROP_POLICY, "TCP inside ESP");
    dp_packet_delete(bad);
    dp_packet_delete(tcp);
    check_drops(pair.in, ESP_DROP_POLICY, 3, "policy");
    printf("drop policy: plain GRE, ESP in UDP for an SA without UDP "
           "encapsulation, a non-ESP marker, TCP inside ESP\n");

    /* Malformed: cut short, a total length beyond the frame, a fragment,
     * not IPv4. */
    bad = frame_clone(enc);
    dp_packet_set_size(bad, frame_l3(bad) + IP_HEADER_LEN + ESP_HEADER_LEN
                            + ESP_IV_LEN + ESP_ICV_LEN + 1);
    frame_ip(bad)->ip_tot_len = htons(dp_packet_size(bad) - frame_l3(bad));
    frame_fix_ip_csum(bad);
    decrypt_drop(bad, ESP_DROP_MALFORMED, "too short");
    dp_packet_delete(bad);
    bad = frame_clone(enc);
    frame_ip(bad)->ip_tot_len = htons(dp_packet_size(bad));
    decrypt_drop(bad, ESP_DROP_MALFORMED, "total length beyond the frame");
    dp_packet_delete(bad);
    bad = frame_clone(enc);
    frame_ip(bad)->ip_frag_off = htons(IP_MORE_FRAGMENTS);
    decrypt_drop(bad, ESP_DROP_MALFORMED, "a fragment");
    dp_packet_delete(bad);
    bad = frame_clone(plain);
    frame_ip(bad)->ip_frag_off = htons(IP_MORE_FRAGMENTS);
    encrypt_drop(bad, ESP_DROP_MALFORMED, "encrypting a fragment");
    ((uint8_t *) dp_packet_data(bad))[12] = 0x86;
    ((uint8_t *) dp_packet_data(bad))[13] = 0xdd;
    encrypt_drop(bad, ESP_DROP_MALFORMED, "encrypting IPv6");
    decrypt_drop(bad, ESP_DROP_MALFORMED, "decrypting IPv6");
    dp_packet_delete(bad);
    printf("drop malformed: too short, total length beyond the frame, a "
           "fragment (both ways), not IPv4 (both ways)\n");

    /* Too long to encapsulate: an IPv4 packet of 65510 bytes would make an
     * ESP packet beyond 65535 (the total length's limit), one of 65450 an
     * ESP frame too large for a dp_packet with its slack (65484 bytes of
     * IP, but 65626 with Ethernet and the slack); one of 65000
     * passes.  No sequence number is used up by the drops. */
    struct esp_sa_stats st_before, st_after;
    esp_sa_get_stats(pair.out, &st_before);
    struct frame_spec long_spec = {
        .kind = FRAME_VXLAN, .src = LOCAL_IP, .dst = PEER_IP,
        .inner_len = 65510 - 50,
    };
    bad = frame_make(&long_spec);
    ovs_assert(ntohs(frame_ip(bad)->ip_tot_len) == 65510);
    encrypt_drop(bad, ESP_DROP_MALFORMED, "65510 bytes of IP");
    dp_packet_delete(bad);
    long_spec.inner_len = 65450 - 50;
    bad = frame_make(&long_spec);
    encrypt_drop(bad, ESP_DROP_MALFORMED, "65450 bytes of IP");
    dp_packet_delete(bad);
    esp_sa_get_stats(pair.out, &st_after);
    ovs_assert(st_after.seq == st_before.seq);
    long_spec.inner_len = 65000 - 50;
    bad = frame_make(&long_spec);
    struct dp_packet *long_enc = encrypt_ok(bad, "65000 bytes of IP");
    decrypt_check(long_enc, bad, false, "65000 bytes of IP");
    dp_packet_delete(long_enc);
    dp_packet_delete(bad);
    printf("drop malformed: an ESP packet beyond 65535 bytes of IP or a "
           "frame beyond a packet buffer (no sequence number used); 65000 "
           "bytes of IP pass\n");

    /* No outbound SA for the destination. */
    struct frame_spec nosa = {
        .kind = FRAME_GRE, .src = LOCAL_IP, .dst = "192.0.2.77",
        .inner_len = 10,
    };
    bad = frame_make(&nosa);
    encrypt_drop(bad, ESP_DROP_NO_SA, "no outbound SA");
    dp_packet_delete(bad);
    printf("drop no_sa: no outbound SA for the destination\n");

    dp_packet_delete(enc);
    dp_packet_delete(plain);
    sa_pair_destroy(&encap);
    sa_pair_destroy(&pair);
}

/* Sequence numbers: exhaustion without ESN, going on past 2^32 with. */
static void
packets_seq(void)
{
    struct dp_packet *plain = vxlan_frame(64);

    for (int esn = 0; esn < 2; esn++) {
        struct sa_pair pair;
        struct dp_packet *enc[4];

        sa_pair_config(&pair, "seq", 0x3000, ESP_AES_128_GCM, esn, false);
        pair.out_cfg.seq_first = 0xfffffffe;
        sa_pair_add(&pair);
        for (int i = 0; i < 2; i++) {
            enc[i] = encrypt_ok(plain, "near 2^32");
            check_esp_frame(plain, enc[i], &pair.out_cfg, 0xfffffffe + i,
                            "near 2^32");
        }
        if (!esn) {
            encrypt_drop(plain, ESP_DROP_SEQ, "seq 2^32 without ESN");
            check_state(pair.out, ESP_SA_EXPIRED, "exhausted");
            encrypt_drop(plain, ESP_DROP_NO_SA, "after exhaustion");
            if (sa_stats(pair.out).seq != 0xffffffff) {
                ovs_fatal(0, "exhausted SA's last seq is %"PRIu64,
                          sa_stats(pair.out).seq);
            }
            decrypt_ok(enc[0], plain, "seq 0xfffffffe");
            decrypt_ok(enc[1], plain, "seq 0xffffffff");
            printf("seq without ESN from 0xfffffffe: 0xfffffffe and "
                   "0xffffffff sent and received, then drop seq_exhausted "
                   "and the SA expired (then drop no_sa)\n");
        } else {
            for (int i = 2; i < 4; i++) {
                enc[i] = encrypt_ok(plain, "past 2^32");
                check_esp_frame(plain, enc[i], &pair.out_cfg,
                                0xfffffffeULL + i, "past 2^32");
            }
            check_state(pair.out, ESP_SA_ACTIVE, "past 2^32");
            for (int i = 0; i < 4; i++) {
                decrypt_ok(enc[i], plain, "ESN past 2^32");
            }
            if (sa_stats(pair.in).seq != SEQ(1, 1)) {
                ovs_fatal(0, "receiver's highest seq is %"PRIu64,
                          sa_stats(pair.in).seq);
            }
            for (int i = 2; i < 4; i++) {
                dp_packet_delete(enc[i]);
            }
            printf("seq with ESN from 0xfffffffe: 0x100000000 and "
                   "0x100000001 sent as 0 and 1 on the wire, the receiver "
                   "infers the high bits and decrypts all 4\n");
        }
        dp_packet_delete(enc[0]);
        dp_packet_delete(enc[1]);
        sa_pair_destroy(&pair);
    }
    dp_packet_delete(plain);
}

/* Sequence number reservation. */
static void
packets_reservation(void)
{
    struct dp_packet *plain = vxlan_frame(64);
    struct sa_pair pair;
    struct ds s = DS_EMPTY_INITIALIZER;
    const uint64_t block = 8;

    sa_pair_config(&pair, "resv", 0x4000, ESP_AES_128_GCM, false, false);
    pair.out_cfg.seq_reserved = pair.out_cfg.seq_first + 2;
    sa_pair_add(&pair);

    /* Numbers 1 to 3 reserved: three packets, then drops. */
    for (int i = 0; i < 3; i++) {
        struct dp_packet *enc = encrypt_ok(plain, "reserved");
        check_esp_frame(plain, enc, &pair.out_cfg, 1 + i, "reserved");
        dp_packet_delete(enc);
    }
    encrypt_drop(plain, ESP_DROP_SEQ, "beyond the reservation");
    check_drops(pair.out, ESP_DROP_SEQ, 1, "beyond the reservation");
    check_state(pair.out, ESP_SA_ACTIVE, "beyond the reservation");
    uint64_t seq = sa_stats(pair.out).seq;
    if (seq != 3) {
        ovs_fatal(0, "a dropped packet used up a sequence number (last "
                  "%"PRIu64", expected 3)", seq);
    }

    /* The SA asks for a block beyond what it used (the dropped packet used
     * up no number); once reserved, packets pass again, with numbers after
     * 'seq'. */
    uint64_t want = esp_sa_seq_wanted(pair.out, block);
    if (want != seq + block) {
        ovs_fatal(0, "esp_sa_seq_wanted() = %"PRIu64", expected %"PRIu64,
                  want, seq + block);
    }
    esp_sa_seq_reserve(pair.out, want);
    int n_quiet = 0;
    while (esp_sa_seq_wanted(pair.out, block) == 0) {
        struct dp_packet *enc = encrypt_ok(plain, "after reserving");
        check_esp_frame(plain, enc, &pair.out_cfg, ++seq, "after reserving");
        dp_packet_delete(enc);
        if (++n_quiet > block) {
            ovs_fatal(0, "esp_sa_seq_wanted() never asked for more");
        }
    }
    /* It asks once fewer than half a block are left. */
    uint64_t left = want - seq;
    if (left >= block / 2 || left + 1 < block / 2) {
        ovs_fatal(0, "esp_sa_seq_wanted() asked with %"PRIu64" of %"PRIu64
                  " numbers left", left, block);
    }
    uint64_t want2 = esp_sa_seq_wanted(pair.out, block);
    if (want2 != want + block) {
        ovs_fatal(0, "esp_sa_seq_wanted() = %"PRIu64", expected %"PRIu64,
                  want2, want + block);
    }
    esp_sa_seq_reserve(pair.out, want2);
    esp_sa_seq_reserve(pair.out, want);       /* Never lowers it. */
    for (uint64_t i = seq + 1; i <= want2; i++) {
        struct dp_packet *enc = encrypt_ok(plain, "second block");
        check_esp_frame(plain, enc, &pair.out_cfg, i, "second block");
        dp_packet_delete(enc);
    }
    encrypt_drop(plain, ESP_DROP_SEQ, "beyond the second block");

    /* Without ESN a reservation stops at 2^32 - 1. */
    esp_sa_seq_reserve(pair.out, UINT64_MAX);
    esp_format(&s, pair.out_name);
    if (!strstr(ds_cstr(&s), "reserved up to 4294967295")) {
        ovs_fatal(0, "reservation not capped at 2^32 - 1: %s", ds_cstr(&s));
    }
    ds_destroy(&s);
    printf("reservation: 3 packets pass with seq_reserved = seq_first + 2, "
           "the 4th drops seq_exhausted (using up no number); "
           "esp_sa_seq_wanted(%"PRIu64") asks for up to %"PRIu64", then "
           "nothing until %"PRIu64" of it are left (after %d packets), then "
           "%"PRIu64"; a reservation never goes down and stops at 2^32 - 1 "
           "without ESN\n", block, want, left, n_quiet, want2);

    /* An SA with nothing reserved sends nothing and asks for a first
     * block. */
    sa_pair_destroy(&pair);
    sa_pair_config(&pair, "resv0", 0x4001, ESP_AES_128_GCM, true, false);
    pair.out_cfg.seq_first = 1000;
    pair.out_cfg.seq_reserved = 0;
    sa_pair_add(&pair);
    encrypt_drop(plain, ESP_DROP_SEQ, "nothing reserved");
    want = esp_sa_seq_wanted(pair.out, 100);
    if (want != 999 + 100) {
        ovs_fatal(0, "first esp_sa_seq_wanted() = %"PRIu64, want);
    }
    esp_sa_seq_reserve(pair.out, want);
    struct dp_packet *enc = encrypt_ok(plain, "first block");
    check_esp_frame(plain, enc, &pair.out_cfg, 1000, "first block");
    decrypt_ok(enc, plain, "first block");
    dp_packet_delete(enc);
    printf("reservation: nothing reserved drops seq_exhausted and asks for "
           "a first block (up to %"PRIu64")\n", want);
    sa_pair_destroy(&pair);
    dp_packet_delete(plain);
}

/* Lifetimes. */
static void
packets_lifetimes(void)
{
    struct dp_packet *plain = vxlan_frame(100);
    size_t payload = ntohs(frame_ip(plain)->ip_tot_len) - IP_HEADER_LEN;
    struct sa_pair pair;

    /* Hard packet limit. */
    sa_pair_config(&pair, "life", 0x5000, ESP_AES_128_GCM, false, false);
    pair.out_cfg.hard_packets = 5;
    pair.in_cfg.hard_packets = 2;
    sa_pair_add(&pair);
    struct dp_packet *enc[5];
    for (int i = 0; i < 5; i++) {
        enc[i] = encrypt_ok(plain, "hard_packets");
    }
    encrypt_drop(plain, ESP_DROP_EXPIRED, "6th packet, hard_packets 5");
    check_state(pair.out, ESP_SA_EXPIRED, "hard_packets");
    decrypt_ok(enc[0], plain, "inbound hard_packets");
    decrypt_ok(enc[1], plain, "inbound hard_packets");
    decrypt_drop(enc[2], ESP_DROP_EXPIRED, "inbound 3rd, hard_packets 2");
    check_state(pair.in, ESP_SA_EXPIRED, "inbound hard_packets");
    decrypt_drop(enc[3], ESP_DROP_EXPIRED, "inbound after expiry");
    for (int i = 0; i < 5; i++) {
        dp_packet_delete(enc[i]);
    }
    sa_pair_destroy(&pair);
    printf("lifetime hard_packets 5: 5 packets pass, the 6th drops "
           "expired; inbound hard_packets 2: the 3rd drops expired\n");

    /* Hard byte limit: two payloads. */
    sa_pair_config(&pair, "life", 0x5001, ESP_AES_128_GCM, false, false);
    pair.out_cfg.hard_bytes = 2 * payload;
    sa_pair_add(&pair);
    for (int i = 0; i < 2; i++) {
        dp_packet_delete(encrypt_ok(plain, "hard_bytes"));
    }
    encrypt_drop(plain, ESP_DROP_EXPIRED, "3rd packet, hard_bytes");
    check_state(pair.out, ESP_SA_EXPIRED, "hard_bytes");
    sa_pair_destroy(&pair);
    printf("lifetime hard_bytes %"PRIuSIZE" (2 payloads): 2 packets pass, "
           "the 3rd drops expired\n", 2 * payload);

    /* Soft packet limit: dying after esp_run(), still sending. */
    sa_pair_config(&pair, "life", 0x5002, ESP_AES_128_GCM, false, false);
    pair.out_cfg.soft_packets = 3;
    pair.out_cfg.hard_packets = 10;
    sa_pair_add(&pair);
    for (int i = 0; i < 3; i++) {
        dp_packet_delete(encrypt_ok(plain, "soft_packets"));
    }
    check_state(pair.out, ESP_SA_ACTIVE, "before esp_run()");
    esp_run(time_msec());
    check_state(pair.out, ESP_SA_DYING, "soft_packets");
    struct dp_packet *e = encrypt_ok(plain, "dying");
    decrypt_ok(e, plain, "dying");
    dp_packet_delete(e);
    check_state(pair.out, ESP_SA_DYING, "soft_packets");
    sa_pair_destroy(&pair);
    printf("lifetime soft_packets 3: after 3 packets esp_run() makes the SA "
           "dying, the 4th still passes\n");

    /* Time limits: esp_run() at a given time. */
    sa_pair_config(&pair, "life", 0x5003, ESP_AES_128_GCM, false, false);
    pair.out_cfg.soft_seconds = 10;
    pair.out_cfg.hard_seconds = 20;
    long long int start = time_msec();
    sa_pair_add(&pair);
    esp_run(start + 5000);
    check_state(pair.out, ESP_SA_ACTIVE, "after 5 s");
    esp_run(start + 10000 + 1000);
    check_state(pair.out, ESP_SA_DYING, "after 11 s");
    dp_packet_delete(encrypt_ok(plain, "dying after 11 s"));
    esp_run(start + 20000 + 1000);
    check_state(pair.out, ESP_SA_EXPIRED, "after 21 s");
    encrypt_drop(plain, ESP_DROP_NO_SA, "after 21 s");
    sa_pair_destroy(&pair);
    printf("lifetime soft_seconds 10, hard_seconds 20: active at 5 s, dying "
           "(and sending) at 11 s, expired at 21 s (then drop no_sa)\n");

    /* The largest lifetimes the schema allows (2**63 - 1 seconds) are too
     * far away to reach, not past (their milliseconds overflow). */
    sa_pair_config(&pair, "life", 0x5005, ESP_AES_128_GCM, false, false);
    pair.out_cfg.soft_seconds = INT64_MAX - 1;
    pair.out_cfg.hard_seconds = INT64_MAX;
    start = time_msec();
    sa_pair_add(&pair);
    esp_run(start + 1000);
    check_state(pair.out, ESP_SA_ACTIVE, "largest lifetimes");
    dp_packet_delete(encrypt_ok(plain, "largest lifetimes"));
    sa_pair_destroy(&pair);
    printf("lifetime soft_seconds 2^63-2, hard_seconds 2^63-1: active\n");

    /* New lifetimes on a live SA: below its use, it expires at once. */
    sa_pair_config(&pair, "life", 0x5004, ESP_AES_128_GCM, false, false);
    sa_pair_add(&pair);
    for (int i = 0; i < 4; i++) {
        dp_packet_delete(encrypt_ok(plain, "set_lifetimes"));
    }
    struct esp_sa_config cfg = pair.out_cfg;
    cfg.soft_packets = 2;
    esp_sa_set_lifetimes(pair.out, &cfg);
    check_state(pair.out, ESP_SA_DYING, "soft limit lowered");
    cfg.hard_packets = 3;
    esp_sa_set_lifetimes(pair.out, &cfg);
    check_state(pair.out, ESP_SA_EXPIRED, "hard limit lowered");
    sa_pair_destroy(&pair);
    printf("lifetimes changed on a live SA after 4 packets: soft 2 makes it "
           "dying, hard 3 expired, at once\n");
    dp_packet_delete(plain);
}

/* Make-before-break rekeying: the newest usable outbound SA of a peer. */
static void
packets_rekey(void)
{
    struct dp_packet *plain = vxlan_frame(100);
    struct esp_sa_config old_cfg, new_cfg, next_cfg;
    struct dp_packet *enc;

    sa_config_init(&old_cfg, "rekey-old", true, 0x6001, PEER_IP,
                   ESP_AES_128_GCM, false, false);
    struct esp_sa *old = sa_add(&old_cfg);
    enc = encrypt_ok(plain, "old SA");
    check_esp_frame(plain, enc, &old_cfg, 1, "old SA");
    dp_packet_delete(enc);

    /* A newer SA with nothing reserved yet is not usable. */
    new_cfg = old_cfg;
    new_cfg.name = "rekey-new";
    new_cfg.spi = 0x6002;
    new_cfg.seq_reserved = 0;
    new_cfg.hard_packets = 2;
    struct esp_sa *new = sa_add(&new_cfg);
    enc = encrypt_ok(plain, "new SA not yet usable");
    check_esp_frame(plain, enc, &old_cfg, 2, "new SA not yet usable");
    dp_packet_delete(enc);
    if (!sa_stats(old).in_use || sa_stats(new).in_use) {
        ovs_fatal(0, "the old SA should be in use");
    }

    /* Once it is, it takes over. */
    esp_sa_seq_reserve(new, 100);
    for (uint64_t i = 1; i <= 2; i++) {
        enc = encrypt_ok(plain, "new SA");
        check_esp_frame(plain, enc, &new_cfg, i, "new SA");
        dp_packet_delete(enc);
    }
    if (sa_stats(old).in_use || !sa_stats(new).in_use) {
        ovs_fatal(0, "the new SA should be in use");
    }

    /* Past its hard limit, esp_run() expires it and the old one sends
     * again, without losing a packet. */
    esp_run(time_msec());
    check_state(new, ESP_SA_EXPIRED, "new SA after 2 packets");
    enc = encrypt_ok(plain, "old SA again");
    check_esp_frame(plain, enc, &old_cfg, 3, "old SA again");
    dp_packet_delete(enc);

    /* Without esp_run(), the packet that finds the limit is dropped; the
     * next one takes the old SA. */
    next_cfg = old_cfg;
    next_cfg.name = "rekey-next";
    next_cfg.spi = 0x6003;
    next_cfg.hard_packets = 1;
    struct esp_sa *next = sa_add(&next_cfg);
    enc = encrypt_ok(plain, "next SA");
    check_esp_frame(plain, enc, &next_cfg, 1, "next SA");
    dp_packet_delete(enc);
    encrypt_drop(plain, ESP_DROP_EXPIRED, "next SA's limit");
    check_state(next, ESP_SA_EXPIRED, "next SA");
    enc = encrypt_ok(plain, "old SA once more");
    check_esp_frame(plain, enc, &old_cfg, 4, "old SA once more");
    dp_packet_delete(enc);
    if (!sa_stats(old).in_use) {
        ovs_fatal(0, "the old SA should be in use again");
    }
    printf("make-before-break: the old SA (SPI 0x6001) sends while the new "
           "one has nothing reserved; then the new one (SPI 0x6002) on the "
           "wire; when esp_run() expires it, the old one again with no "
           "packet lost; a newer one (0x6003) expiring in the packet path "
           "loses that packet, then the old one sends\n");

    sa_remove_all();
    dp_packet_delete(plain);
}

/* With UDP encapsulation and a NAT that changed the source on the way,
 * the receiver gives the decrypted packet the SA's peer address back as
 * its source; the inner UDP checksum covers addresses a NAT may have
 * changed (on either side), so it is zeroed (RFC 3948 section 3.1.2) and
 * the rest of the original frame comes back byte for byte. */
static void
cmd_nat_checksum(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct dp_packet *plain = vxlan_frame(100);
    struct sa_pair pair;

    sa_pair_config(&pair, "nat", 0x8000, ESP_AES_128_GCM, false, true);
    sa_pair_add(&pair);

    struct dp_packet *enc = encrypt_ok(plain, "nat-checksum");
    nat_source(enc);

    struct dp_packet *dec;
    int r = decrypt_copy(enc, &dec);
    if (r != ESP_PASS) {
        ovs_fatal(0, "nat-checksum: decryption dropped the packet (%s)",
                  esp_drop_name(r));
    }
    struct ip_header *iph = frame_ip(dec);
    struct udp_header *uh = ALIGNED_CAST(struct udp_header *, iph + 1);
    if (get_16aligned_be32(&iph->ip_src) != ip(LOCAL_IP) || uh->udp_csum) {
        ovs_fatal(0, "nat-checksum: after decryption the source is "
                  IP_FMT" and the inner UDP checksum 0x%04"PRIx16
                  " (expected "LOCAL_IP" and 0: the checksum covered "
                  "addresses a NAT may have changed)",
                  IP_ARGS(get_16aligned_be32(&iph->ip_src)),
                  ntohs(uh->udp_csum));
    }

    /* Everything else is the original frame, byte for byte. */
    struct dp_packet *want = frame_clone(plain);
    dp_packet_set_size(want, frame_len(want));
    ALIGNED_CAST(struct udp_header *, frame_ip(want) + 1)->udp_csum = 0;
    check_bytes(dp_packet_data(dec), dp_packet_size(dec),
                dp_packet_data(want), dp_packet_size(want), "nat-checksum");
    dp_packet_delete(want);
    printf("nat-checksum: source "NAT_IP" (NAT) back to "LOCAL_IP", inner "
           "UDP checksum zeroed (RFC 3948 section 3.1.2), the rest of the "
           "original frame byte for byte\n");
    dp_packet_delete(dec);
    dp_packet_delete(enc);
    dp_packet_delete(plain);
    sa_pair_destroy(&pair);
}

static void
cmd_packets(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    packets_round_trips();
    packets_drops();
    packets_seq();
    packets_reservation();
    packets_lifetimes();
    packets_rekey();
    sa_remove_all();
}

/* Options of 'encrypt', 'decrypt' and 'bench': "--name=value" or
 * "--name". */

struct esp_options {
    uint32_t spi;
    uint8_t key[32];
    size_t key_len;
    uint8_t salt[4];
    bool esn;
    uint32_t esn_high;
    bool udp_encap;
    uint16_t udp_port;
    uint64_t seq;
    ovs_be32 remote;
    unsigned int window;

    /* bench. */
    size_t sizes[16];
    size_t n_sizes;
    double seconds;
    enum esp_cipher cipher;
};

static unsigned long long int
option_number(const char *name, const char *value, unsigned long long max)
{
    unsigned long long int x;

    if (!value || !str_to_ullong(value, 0, &x) || x > max) {
        ovs_fatal(0, "--%s: bad or missing value", name);
    }
    return x;
}

static void
parse_options(int argc, char *argv[], struct esp_options *o, bool bench)
{
    memset(o, 0, sizeof *o);
    o->spi = 0x1000;
    o->seq = 1;
    o->udp_port = ESP_DEFAULT_UDP_PORT;
    o->window = ESP_DEFAULT_REPLAY_WINDOW;
    o->seconds = 1.0;
    o->cipher = ESP_AES_128_GCM;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        char *name, *value;

        if (strncmp(arg, "--", 2)) {
            ovs_fatal(0, "%s: not an option", arg);
        }
        name = xstrdup(arg + 2);
        value = strchr(name, '=');
        if (value) {
            *value++ = '\0';
        }

        if (bench && !strcmp(name, "size")) {
            char *save = NULL;
            for (char *s = strtok_r(value ? value : "", ",", &save); s;
                 s = strtok_r(NULL, ",", &save)) {
                if (o->n_sizes >= ARRAY_SIZE(o->sizes)) {
                    ovs_fatal(0, "--size: too many sizes");
                }
                o->sizes[o->n_sizes++] = option_number(name, s, 9000);
            }
        } else if (bench && !strcmp(name, "seconds")) {
            o->seconds = value ? atof(value) : 0;
            if (o->seconds <= 0) {
                ovs_fatal(0, "--seconds: bad or missing value");
            }
        } else if (bench && !strcmp(name, "cipher")) {
            if (value && !strcmp(value, "aes-128-gcm")) {
                o->cipher = ESP_AES_128_GCM;
            } else if (value && !strcmp(value, "aes-256-gcm")) {
                o->cipher = ESP_AES_256_GCM;
            } else {
                ovs_fatal(0, "--cipher: aes-128-gcm or aes-256-gcm");
            }
        } else if (!bench && !strcmp(name, "spi")) {
            o->spi = option_number(name, value, UINT32_MAX);
        } else if (!bench && !strcmp(name, "key")) {
            uint8_t *key = hex_decode(value ? value : "", &o->key_len,
                                      "--key");
            if (o->key_len != 16 && o->key_len != 32) {
                ovs_fatal(0, "--key: 16 or 32 bytes");
            }
            memcpy(o->key, key, o->key_len);
            free(key);
        } else if (!bench && !strcmp(name, "salt")) {
            hex_decode_exact(value ? value : "", o->salt, 4, "--salt");
        } else if (!strcmp(name, "esn")) {
            o->esn = true;
            o->esn_high = value ? option_number(name, value, UINT32_MAX) : 0;
        } else if (!bench && !strcmp(name, "udp-encap")) {
            o->udp_encap = true;
        } else if (!bench && !strcmp(name, "port")) {
            o->udp_port = option_number(name, value, UINT16_MAX);
        } else if (!bench && !strcmp(name, "seq")) {
            o->seq = option_number(name, value, UINT32_MAX);
        } else if (!bench && !strcmp(name, "remote")) {
            if (!value) {
                ovs_fatal(0, "--remote: missing address");
            }
            o->remote = ip(value);
        } else if (!bench && !strcmp(name, "window")) {
            o->window = option_number(name, value, ESP_MAX_REPLAY_WINDOW);
        } else {
            ovs_fatal(0, "%s: unknown option", arg);
        }
        free(name);
    }
    if (!bench && (!o->key_len || !o->remote)) {
        ovs_fatal(0, "--key and --remote are required");
    }
}

/* 'encrypt' and 'decrypt'. */

static void
interop_sa(const struct esp_options *o, bool outbound)
{
    struct esp_sa_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.name = "interop";
    cfg.outbound = outbound;
    cfg.spi = o->spi;
    cfg.remote_ip = o->remote;
    cfg.cipher = o->key_len == 32 ? ESP_AES_256_GCM : ESP_AES_128_GCM;
    memcpy(cfg.key, o->key, o->key_len);
    memcpy(cfg.salt, o->salt, 4);
    cfg.esn = o->esn;
    cfg.udp_encap = o->udp_encap;
    cfg.udp_port = o->udp_encap ? o->udp_port : 0;
    if (outbound) {
        cfg.seq_first = SEQ(o->esn_high, o->seq);
        cfg.seq_reserved = UINT64_MAX;
    } else {
        cfg.replay_window = o->window;
    }
    struct esp_sa *sa = sa_add(&cfg);
    if (!outbound && SEQ(o->esn_high, o->seq) > 1) {
        /* The receiver has seen everything before the first number
         * expected: its window (and ESN inference) starts there. */
        esp_replay_check_update(sa, SEQ(o->esn_high, o->seq) - 1, true);
    }
}

/* Reads hex frames from stdin, one per line; encrypts or decrypts each
 * and prints it in hex, or "drop: REASON". */
static void
interop_run(struct ovs_cmdl_context *ctx, bool encrypt)
{
    struct esp_options o;
    struct ds line = DS_EMPTY_INITIALIZER;

    parse_options(ctx->argc, ctx->argv, &o, false);
    interop_sa(&o, encrypt);
    while (!ds_get_line(&line, stdin)) {
        size_t len;
        uint8_t *frame;
        ovs_be32 dst;

        ds_chomp(&line, '\r');
        if (!line.length) {
            continue;
        }
        frame = hex_decode(ds_cstr(&line), &len, "frame");
        struct dp_packet *p = dp_packet_clone_data(frame, len);
        int r = (encrypt ? esp_encrypt_packet(&p, &dst)
                 : esp_decrypt_packet(&p));
        if (r == ESP_PASS) {
            char *hex = hex_string(dp_packet_data(p), dp_packet_size(p));
            puts(hex);
            free(hex);
        } else {
            printf("drop: %s\n", esp_drop_name(r));
        }
        dp_packet_delete(p);
        free(frame);
    }
    ds_destroy(&line);
    sa_remove_all();
}

static void
cmd_encrypt(struct ovs_cmdl_context *ctx)
{
    interop_run(ctx, true);
}

static void
cmd_decrypt(struct ovs_cmdl_context *ctx)
{
    interop_run(ctx, false);
}

/* 'bench'. */

static double
now_sec(void)
{
    struct timespec ts;

    xclock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define BENCH_HEADROOM 128
#define BENCH_RING 4096         /* Encrypted packets for decryption. */
#define BENCH_BATCH 256         /* Packets between looks at the clock. */

/* Puts the 'len' bytes of 'frame' into 'p' at BENCH_HEADROOM, as a
 * freshly received packet. */
static inline void
bench_load(struct dp_packet *p, const uint8_t *frame, size_t len)
{
    dp_packet_set_data(p, (char *) dp_packet_base(p) + BENCH_HEADROOM);
    dp_packet_set_size(p, len);
    memcpy(dp_packet_data(p), frame, len);
}

/* Runs for about 'seconds': loads packet after packet (frame i % n of
 * 'frames', 'len' bytes each) into one packet buffer and, if 'op' is
 * nonnull, gives it to 'op'.  Returns nanoseconds per packet. */
static double
bench_loop(uint8_t **frames, const size_t *lens, size_t n, double seconds,
           int (*op)(struct dp_packet **))
{
    struct dp_packet *p = dp_packet_new_with_headroom(9000 + 256,
                                                      BENCH_HEADROOM);
    uint64_t count = 0;
    double start = now_sec(), end = start + seconds, t;
    size_t i = 0;

    do {
        for (int j = 0; j < BENCH_BATCH; j++) {
            bench_load(p, frames[i], lens[i]);
            if (op) {
                int r = op(&p);
                if (r != ESP_PASS) {
                    ovs_fatal(0, "bench: packet dropped (%s)",
                              esp_drop_name(r));
                }
            }
            if (++i == n) {
                i = 0;
            }
        }
        count += BENCH_BATCH;
        t = now_sec();
    } while (t < end);
    dp_packet_delete(p);
    return (t - start) * 1e9 / count;
}

static int
bench_encrypt_op(struct dp_packet **p)
{
    ovs_be32 dst;

    return esp_encrypt_packet(p, &dst);
}

static void
bench_report(const char *dir, enum esp_cipher cipher, size_t size,
             size_t payload, double ns, double copy_ns)
{
    double net = ns - copy_ns;
    double mpps = 1e3 / net;
    double gbps = payload * 8 / net;

    printf("%s %s %"PRIuSIZE" bytes: %.3f Mpps, %.2f Gbit/s, %.1f MB/s of "
           "ESP payload (%"PRIuSIZE" bytes), %.1f ns/packet (+%.1f ns/packet "
           "copying the packet in, excluded)\n", dir, cipher_name(cipher),
           size, mpps, gbps, gbps * 125, payload, net, copy_ns);
}

static void
bench_size(const struct esp_options *o, size_t size)
{
    struct esp_sa_config out_cfg, in_cfg;

    if (size < 64) {
        ovs_fatal(0, "--size: at least 64 bytes (a VXLAN frame)");
    }
    sa_config_init(&out_cfg, "bench-out", true, 0x7000, PEER_IP, o->cipher,
                   o->esn, false);
    sa_config_init(&in_cfg, "bench-in", false, 0x7000, LOCAL_IP, o->cipher,
                   o->esn, false);
    in_cfg.replay_window = 0;   /* The ring's packets come round again. */
    sa_add(&out_cfg);
    sa_add(&in_cfg);

    /* A VXLAN frame of 'size' bytes. */
    struct frame_spec spec = {
        .kind = FRAME_VXLAN, .src = LOCAL_IP, .dst = PEER_IP,
        .inner_len = size - 64, .udp_csum = true,
    };
    struct dp_packet *plain = frame_make(&spec);
    uint8_t *plain_data = dp_packet_data(plain);
    size_t plain_len = dp_packet_size(plain);
    size_t payload = plain_len - 14 - IP_HEADER_LEN;

    /* Encryption: the copy alone, then copy and encrypt. */
    bench_loop(&plain_data, &plain_len, 1, o->seconds / 10,
               bench_encrypt_op);
    double copy_ns = bench_loop(&plain_data, &plain_len, 1,
                                o->seconds / 4, NULL);
    double ns = bench_loop(&plain_data, &plain_len, 1, o->seconds,
                           bench_encrypt_op);
    bench_report("encrypt", o->cipher, size, payload, ns, copy_ns);

    /* Decryption: a ring of packets encrypted with increasing sequence
     * numbers (the inbound SA has no replay window, so they can come
     * round again). */
    uint8_t **ring = xmalloc(BENCH_RING * sizeof *ring);
    size_t *lens = xmalloc(BENCH_RING * sizeof *lens);
    for (size_t i = 0; i < BENCH_RING; i++) {
        struct dp_packet *enc = encrypt_ok(plain, "bench");
        lens[i] = dp_packet_size(enc);
        ring[i] = xmemdup(dp_packet_data(enc), lens[i]);
        dp_packet_delete(enc);
    }
    bench_loop(ring, lens, BENCH_RING, o->seconds / 10,
               esp_decrypt_packet);
    copy_ns = bench_loop(ring, lens, BENCH_RING, o->seconds / 4, NULL);
    ns = bench_loop(ring, lens, BENCH_RING, o->seconds, esp_decrypt_packet);
    bench_report("decrypt", o->cipher, size, payload, ns, copy_ns);

    for (size_t i = 0; i < BENCH_RING; i++) {
        free(ring[i]);
    }
    free(ring);
    free(lens);
    dp_packet_delete(plain);
    sa_remove_all();
}

static void
cmd_bench(struct ovs_cmdl_context *ctx)
{
    struct esp_options o;

    parse_options(ctx->argc, ctx->argv, &o, true);
    if (!o.n_sizes) {
        o.sizes[o.n_sizes++] = 64;
        o.sizes[o.n_sizes++] = 512;
        o.sizes[o.n_sizes++] = 1400;
    }
    for (size_t i = 0; i < o.n_sizes; i++) {
        bench_size(&o, o.sizes[i]);
        fflush(stdout);
    }
}

static const struct ovs_cmdl_command commands[] = {
    { "vectors", "FILE", 1, 1, cmd_vectors, OVS_RO },
    { "replay", NULL, 0, 0, cmd_replay, OVS_RO },
    { "packets", NULL, 0, 0, cmd_packets, OVS_RO },
    { "nat-checksum", NULL, 0, 0, cmd_nat_checksum, OVS_RO },
    { "encrypt", "--key=HEX --salt=HEX --remote=IP [--spi=N] [--seq=N] "
      "[--esn[=HIGH]] [--udp-encap] [--port=N]", 0, INT_MAX, cmd_encrypt,
      OVS_RO },
    { "decrypt", "--key=HEX --salt=HEX --remote=IP [--spi=N] [--seq=N] "
      "[--esn[=HIGH]] [--udp-encap] [--port=N] [--window=N]", 0, INT_MAX,
      cmd_decrypt, OVS_RO },
    { "bench", "[--size=N[,N...]] [--cipher=aes-128-gcm|aes-256-gcm] "
      "[--seconds=S] [--esn]", 0, INT_MAX, cmd_bench, OVS_RO },
    { NULL, NULL, 0, 0, NULL, OVS_RO },
};

static void
test_esp_main(int argc, char *argv[])
{
    struct ovs_cmdl_context ctx = { .argc = argc - 1, .argv = argv + 1 };

    set_program_name(argv[0]);
    ovs_cmdl_run_command(&ctx, commands);
}

OVSTEST_REGISTER("test-esp", test_esp_main);
