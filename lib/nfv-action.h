/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#ifndef NFV_LIB_NFV_ACTION_H
#define NFV_LIB_NFV_ACTION_H 1

/* The NFV fork's OpenFlow extension actions.
 *
 * Every NFV action (clamp_mss, later nsod, ...) travels as one Nicira
 * extension action, NXAST_NFV (vendor NX_VENDOR_ID, subtype
 * NFV_NXAST_SUBTYPE, far from upstream's subtypes), whose body names the
 * action's kind and carries its arguments:
 *
 *     struct nx_action_nfv {          (16 bytes, then the arguments)
 *         ovs_be16 type;              OFPAT_VENDOR (0xffff)
 *         ovs_be16 len;               16 + arguments, padded to 8
 *         ovs_be32 vendor;            NX_VENDOR_ID (0x00002320)
 *         ovs_be16 subtype;           NFV_NXAST_SUBTYPE
 *         ovs_be16 kind;              enum nfv_action_kind
 *         ovs_be16 arg_len;           bytes of arguments, before padding
 *         uint8_t pad[2];
 *     };
 *
 * It is accepted in OpenFlow 1.0 through 1.5.  Inside ovs-vswitchd it is
 * one OFPACT_NFV (struct ofpact_nfv: kind plus the same argument bytes)
 * and translates to one userspace datapath action OVS_ACTION_ATTR_NFV that
 * nests a single attribute whose type is the kind.  The upstream hooks
 * (patch 0008) only call the functions below; each kind is a struct
 * nfv_action_class in this library, so ovs-ofctl parses and prints NFV
 * actions as ovs-vswitchd does.
 *
 * Arguments are validated once, when an action is parsed, decoded from
 * OpenFlow or checked against a flow; translation and the per-packet
 * functions trust them. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "odp-execute.h"
#include "openvswitch/ofp-errors.h"
#include "ovs-rcu.h"

struct dp_packet_batch;
struct ds;
struct flow;
struct flow_wildcards;
struct match;
struct nlattr;
struct ofpact;
struct ofpact_nfv;
struct ofpbuf;

/* Translation of OpenFlow actions nested in an NFV action (ofproto-dpif-xlate
 * supplies it): fn(aux, ofpacts, ofpacts_len) appends to the datapath
 * actions being built the translation of 'ofpacts' (a sequence of struct
 * ofpact, 'ofpacts_len' bytes) as if they followed in the rule, and leaves
 * the flow as it was before.  fn(aux, NULL, 0) instead ends the
 * translation of the packet's actions, as "exit" does: for an action that
 * takes the packet. */
struct nfv_xlate_branch {
    void (*fn)(void *aux, const struct ofpact *ofpacts, size_t ofpacts_len);
    void *aux;
};

#define NFV_NXAST_SUBTYPE 20038         /* 0x4e46, "NF". */

enum nfv_action_kind {
    NFV_ACTION_CLAMP_MSS = 1,           /* nfv/lib/nfv-mss.c. */
    NFV_ACTION_NSOD = 2,                /* nfv/nsod/nsod-action.c. */
    NFV_ACTION_FRAGMENT = 3,            /* nfv/lib/nfv-frag.c (datapath). */
    NFV_ACTION_REASSEMBLE = 4,          /* nfv/lib/nfv-frag.c. */
    NFV_ACTION_ESP_ENCRYPT = 5,         /* nfv/lib/nfv-esp.c (datapath). */
    NFV_ACTION_ESP_DECRYPT = 6,         /* nfv/lib/nfv-esp.c. */
    NFV_N_ACTION_KINDS
};

struct nfv_action_class {
    const char *name;                   /* As written in flows: "clamp_mss". */
    enum nfv_action_kind kind;

    /* Parses 'arg', the text between the action's parentheses (or after
     * its ':'), and appends the argument bytes to 'args'.  Returns NULL,
     * or a malloc()'d error message for the user.  NULL for an action
     * without arguments (then any text is an error). */
    char *(*parse)(const char *arg, struct ofpbuf *args);

    /* Checks 'len' argument bytes received in OpenFlow.  Returns 0 or an
     * OpenFlow error (OFPERR_OFPBAC_BAD_LEN, OFPERR_OFPBAC_BAD_ARGUMENT). */
    enum ofperr (*decode)(const void *args, size_t len);

    /* Checks arguments against the running switch at flow-mod time (e.g.
     * that a named service exists).  May be NULL.  Returns 0 or an
     * OpenFlow error. */
    enum ofperr (*check)(const void *args, size_t len);

    /* Appends the action as ovs-ofctl writes it, e.g. "clamp_mss(1360)".
     * NULL: the name alone. */
    void (*format)(const void *args, size_t len, struct ds *);

    /* Translates the action for a packet of 'flow' into datapath actions
     * appended to 'odp_actions' (possibly none), un-wildcarding in 'wc'
     * every field the decision read.  'branch' translates OpenFlow actions
     * that the datapath action runs on its own copy of the packet. */
    void (*xlate)(const void *args, size_t len, const struct flow *flow,
                  struct flow_wildcards *wc, struct ofpbuf *odp_actions,
                  const struct nfv_xlate_branch *branch);

    /* The datapath action: 'args' are the bytes the class's xlate() put in
     * the nested attribute.  Runs per packet batch in the PMD threads.
     * 'dp' and 'dp_execute_action' are odp_execute_actions()'s, for
     * running nested datapath actions.  If 'steal' is true the action may
     * take the packets; it returns true if it did (then the batch is
     * empty and the datapath actions end here), false otherwise. */
    bool (*execute)(void *dp, struct dp_packet_batch *, bool steal,
                    const void *args, size_t len,
                    odp_execute_cb dp_execute_action);

    /* Parses the datapath action's nested payload from 'arg' as written by
     * format() (dpctl and tests), appending it to 'args'.  Returns NULL or
     * a malloc()'d error message.  NULL: no payload. */
    char *(*odp_parse)(const char *arg, struct ofpbuf *args);

    /* Appends the datapath action's nested payload as text. */
    void (*odp_format)(const void *args, size_t len, struct ds *);
};

const struct nfv_action_class *nfv_action_class_by_name(const char *name);

/* OpenFlow (called by lib/ofp-actions.c). */
enum ofperr nfv_action_decode(uint16_t kind, const void *args, size_t len,
                              struct ofpbuf *ofpacts);
char *nfv_action_parse(const char *name, const char *arg,
                       struct ofpbuf *ofpacts);
char *nfv_action_parse_nested(const char *arg, struct ofpbuf *ofpacts);
void nfv_action_format(const struct ofpact_nfv *, struct ds *);
enum ofperr nfv_action_check(const struct ofpact_nfv *, const struct match *);

/* Translation (called by ofproto/ofproto-dpif-xlate.c). */
void nfv_action_xlate(const struct ofpact_nfv *, const struct flow *,
                      struct flow_wildcards *, struct ofpbuf *odp_actions,
                      void (*branch_fn)(void *aux, const struct ofpact *,
                                        size_t ofpacts_len),
                      void *branch_aux);

/* Translation of output to a userspace tunnel interface (called by
 * native_tunnel_output() in ofproto/ofproto-dpif-xlate.c): appends to
 * 'odp_actions' what the NFV modules do to a packet of 'flow' (the inner
 * packet) just before it is encapsulated for interface 'tunnel' and sent out
 * of 'underlay' with 'header_len' bytes of outer headers (outer Ethernet
 * included), e.g. clamp_mss for the tunnel's MTU; un-wildcards in 'wc' what
 * the decision read. */
struct netdev;
void nfv_tunnel_push_xlate(const char *tunnel, const struct netdev *underlay,
                           size_t header_len, const struct flow *,
                           struct flow_wildcards *,
                           struct ofpbuf *odp_actions);

/* Translation of what follows the encapsulation for a userspace tunnel
 * interface (called by native_tunnel_output()): nfv_tunnel_output_start()
 * may open datapath actions (ESP encryption, then outer fragmentation for
 * the MTU of 'underlay' inside it) that hold the actions the caller appends
 * next, up to nfv_tunnel_output_end(), which closes them, or removes them
 * if nothing was appended. */
struct nfv_wrap {
    bool active;
    size_t start, ofs, inner_ofs, actions_ofs, body;
};
struct nfv_tunnel_wrap {
    struct nfv_wrap esp;        /* ESP encryption (nfv-esp.h), outermost. */
    struct nfv_wrap frag;       /* Outer fragmentation (nfv-frag.h). */
};
void nfv_tunnel_output_start(const char *tunnel,
                             const struct netdev *underlay,
                             struct ofpbuf *odp_actions,
                             struct nfv_tunnel_wrap *);
void nfv_tunnel_output_end(struct ofpbuf *odp_actions,
                           struct nfv_tunnel_wrap *);

/* Datapath actions (called by lib/odp-util.c and lib/odp-execute.c). */
void nfv_odp_put(struct ofpbuf *odp_actions, enum nfv_action_kind,
                 const void *args, size_t len);
void nfv_odp_format(const struct nlattr *, struct ds *);
int nfv_odp_parse(const char *s, struct ofpbuf *odp_actions);
size_t nfv_odp_start(struct ofpbuf *odp_actions, enum nfv_action_kind,
                     size_t *inner_ofs);
void nfv_odp_end(struct ofpbuf *odp_actions, size_t ofs, size_t inner_ofs);
bool nfv_odp_execute(void *dp, struct dp_packet_batch *, bool steal,
                     const struct nlattr *, odp_execute_cb);

/* Helpers shared by the action classes. */

/* Class members for actions without arguments (decode: OFPERR_OFPBAC_BAD_LEN
 * if there are any), for datapath-only actions that OpenFlow cannot carry
 * (decode: OFPERR_OFPBAC_BAD_VENDOR_TYPE; xlate: nothing), and for datapath
 * actions without a payload to print. */
enum ofperr nfv_decode_no_args(const void *args, size_t len);
enum ofperr nfv_decode_datapath_only(const void *args, size_t len);
void nfv_xlate_datapath_only(const void *args, size_t len,
                             const struct flow *, struct flow_wildcards *,
                             struct ofpbuf *odp_actions,
                             const struct nfv_xlate_branch *);
void nfv_odp_format_none(const void *args, size_t len, struct ds *);

/* Translation of an action that takes IPv4 packets whole or as fragments:
 * if the packet of 'flow' is IPv4 and a fragment ('fragments' true) or
 * not one ('fragments' false), appends the datapath action 'kind' without
 * payload and ends the translation of the packet's actions (the action
 * takes it); other packets go on to the rule's next actions.  The megaflow
 * matches the Ethernet type and the fragment bits. */
void nfv_xlate_ipv4_take(const struct flow *, struct flow_wildcards *,
                         struct ofpbuf *odp_actions,
                         const struct nfv_xlate_branch *,
                         enum nfv_action_kind, bool fragments);

/* Sends the packets of 'batch' (taken) through the datapath again, as if
 * received on their input port (recirculation with id 0): for actions that
 * change a packet so much that it needs a new lookup (reassembly,
 * decryption).  'dp' and 'cb' are the class's execute() arguments. */
void nfv_recirculate(void *dp, struct dp_packet_batch *, odp_execute_cb cb);

/* A wrapping datapath action under construction (struct nfv_wrap):
 * nfv_wrap_open() starts an NFV action of 'kind' in 'odp_actions', to
 * which the caller may add attributes; nfv_wrap_body() opens the nested
 * attribute 'type' that holds the actions appended next; nfv_wrap_close()
 * closes both, or removes the whole action if nothing was appended after
 * nfv_wrap_body(). */
void nfv_wrap_open(struct nfv_wrap *, struct ofpbuf *odp_actions,
                   enum nfv_action_kind);
void nfv_wrap_body(struct nfv_wrap *, struct ofpbuf *odp_actions,
                   uint16_t type);
void nfv_wrap_close(struct nfv_wrap *, struct ofpbuf *odp_actions);

/* A set of interface names that the main thread replaces and translation
 * threads read (RCU), e.g. the tunnels that fragment.  Zero-initialise. */
struct sset;
struct nfv_name_set {
    OVSRCU_TYPE(struct sset *) names;
};
void nfv_name_set_replace(struct nfv_name_set *, const struct sset *);
bool nfv_name_set_contains(const struct nfv_name_set *, const char *name);

#endif /* nfv-action.h */
