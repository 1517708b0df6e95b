/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

#include <config.h>

#include "nfv/lib/nfv-action.h"

#include <errno.h>
#include <string.h>

#include "dp-packet.h"
#include "flow.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofpbuf.h"
#include "sset.h"
#include "util.h"

#include "nfv/lib/nfv-esp.h"
#include "nfv/lib/nfv-frag.h"
#include "nfv/lib/nfv-mss.h"
#include "nfv/nsod/nsod.h"

/* Every NFV action class, indexed by kind.  A kind is never reused: it is
 * part of the OpenFlow encoding. */
static const struct nfv_action_class *const classes[NFV_N_ACTION_KINDS] = {
    [NFV_ACTION_CLAMP_MSS] = &mss_clamp_class,
    [NFV_ACTION_NSOD] = &nsod_action_class,
    [NFV_ACTION_FRAGMENT] = &frag_fragment_class,
    [NFV_ACTION_REASSEMBLE] = &frag_reassemble_class,
    [NFV_ACTION_ESP_ENCRYPT] = &esp_encrypt_class,
    [NFV_ACTION_ESP_DECRYPT] = &esp_decrypt_class,
};

static const struct nfv_action_class *
class_by_kind(uint16_t kind)
{
    return kind < ARRAY_SIZE(classes) ? classes[kind] : NULL;
}

/* Returns the class whose action name is 'name' (case-insensitive, as
 * OpenFlow action names are), or NULL. */
const struct nfv_action_class *
nfv_action_class_by_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
        if (classes[i] && !strcasecmp(classes[i]->name, name)) {
            return classes[i];
        }
    }
    return NULL;
}

/* Appends one OFPACT_NFV of 'kind' with 'len' argument bytes from 'args'
 * to 'ofpacts'. */
static void
put_ofpact(struct ofpbuf *ofpacts, uint16_t kind, const void *args,
           size_t len)
{
    struct ofpact_nfv *nfv = ofpact_put_NFV(ofpacts);

    nfv->kind = kind;
    nfv->length = len;
    ofpbuf_put(ofpacts, args, len);
    nfv = ofpacts->header;
    ofpact_finish_NFV(ofpacts, &nfv);
}

/* Decodes the body of an NXAST_NFV action received in OpenFlow: 'kind' and
 * 'len' bytes of arguments at 'args' (already bounded by the action's
 * length).  On success appends an OFPACT_NFV to 'ofpacts' and returns 0;
 * otherwise returns OFPERR_OFPBAC_BAD_VENDOR_TYPE for an unknown kind or the
 * class's own error for bad arguments, and appends nothing. */
enum ofperr
nfv_action_decode(uint16_t kind, const void *args, size_t len,
                  struct ofpbuf *ofpacts)
{
    const struct nfv_action_class *class = class_by_kind(kind);
    if (!class) {
        return OFPERR_OFPBAC_BAD_VENDOR_TYPE;
    }

    enum ofperr error = class->decode(args, len);
    if (!error) {
        put_ofpact(ofpacts, kind, args, len);
    }
    return error;
}

/* Parses NFV action 'name' with argument text 'arg' (the text between its
 * parentheses, "" when there is none) and appends an OFPACT_NFV to
 * 'ofpacts'.  Returns NULL, or a malloc()'d error message (nothing
 * appended). */
char *
nfv_action_parse(const char *name, const char *arg, struct ofpbuf *ofpacts)
{
    const struct nfv_action_class *class = nfv_action_class_by_name(name);
    if (!class) {
        return xasprintf("unknown NFV action %s", name);
    }

    struct ofpbuf args;
    uint64_t stub[64 / 8];
    ofpbuf_use_stub(&args, stub, sizeof stub);
    char *error = (class->parse ? class->parse(arg ? arg : "", &args)
                   : arg && arg[0]
                   ? xasprintf("%s: takes no argument (got \"%s\")",
                               class->name, arg)
                   : NULL);
    if (!error) {
        if (args.size > UINT16_MAX - 64) {
            error = xasprintf("%s: arguments too long", name);
        } else {
            put_ofpact(ofpacts, class->kind, args.data, args.size);
        }
    }
    ofpbuf_uninit(&args);
    return error;
}

/* Parses "nfv(NAME(ARGS))" style text: 'arg' is "NAME(ARGS)" or
 * "NAME:ARGS".  Same return values as nfv_action_parse(). */
char *
nfv_action_parse_nested(const char *arg, struct ofpbuf *ofpacts)
{
    char *copy = xstrdup(arg);
    char *pos = copy;
    char *key, *value;
    char *error;

    if (ofputil_parse_key_value(&pos, &key, &value)) {
        error = nfv_action_parse(key, value, ofpacts);
    } else {
        error = xstrdup("nfv: action name expected");
    }
    free(copy);
    return error;
}

/* Appends 'nfv' to 's' as ovs-ofctl writes it. */
void
nfv_action_format(const struct ofpact_nfv *nfv, struct ds *s)
{
    const struct nfv_action_class *class = class_by_kind(nfv->kind);

    if (class) {
        if (class->format) {
            class->format(nfv->data, nfv->length, s);
        } else {
            ds_put_cstr(s, class->name);
        }
    } else {
        ds_put_format(s, "nfv(kind=%"PRIu16")", nfv->kind);
    }
}

/* Checks 'nfv' in a flow that matches 'match', at flow-mod time: the
 * arguments were checked when parsed or decoded; here the class may check
 * them against the running switch (nsod: the service exists).  Returns 0
 * or an OpenFlow error (OFPERR_OFPBAC_BAD_ARGUMENT). */
enum ofperr
nfv_action_check(const struct ofpact_nfv *nfv,
                 const struct match *match OVS_UNUSED)
{
    const struct nfv_action_class *class = class_by_kind(nfv->kind);

    return (class && class->check
            ? class->check(nfv->data, nfv->length)
            : 0);
}

/* Translates 'nfv' for a packet of 'flow': appends its datapath actions to
 * 'odp_actions' and un-wildcards in 'wc' what the translation read. */
void
nfv_action_xlate(const struct ofpact_nfv *nfv, const struct flow *flow,
                 struct flow_wildcards *wc, struct ofpbuf *odp_actions,
                 void (*branch_fn)(void *aux, const struct ofpact *,
                                   size_t ofpacts_len),
                 void *branch_aux)
{
    const struct nfv_action_class *class = class_by_kind(nfv->kind);
    const struct nfv_xlate_branch branch = { branch_fn, branch_aux };

    if (class) {
        class->xlate(nfv->data, nfv->length, flow, wc, odp_actions, &branch);
    }
}

/* See nfv-action.h. */
void
nfv_tunnel_push_xlate(const char *tunnel, const struct netdev *underlay,
                      size_t header_len, const struct flow *flow,
                      struct flow_wildcards *wc, struct ofpbuf *odp_actions)
{
    /* An encrypting tunnel's packets carry ESP too (worst case: NAT-T and
     * the most padding), so that clamped segments fit the underlay. */
    if (esp_tunnel_encrypts(tunnel)) {
        header_len += ESP_MAX_OVERHEAD_NAT_T;
    }
    mss_tunnel_xlate(tunnel, underlay, header_len, flow, wc, odp_actions);
}

/* See nfv-action.h. */
void
nfv_tunnel_output_start(const char *tunnel, const struct netdev *underlay,
                        struct ofpbuf *odp_actions,
                        struct nfv_tunnel_wrap *wrap)
{
    esp_tunnel_output_start(tunnel, odp_actions, &wrap->esp);
    frag_tunnel_output_start(tunnel, underlay, odp_actions, &wrap->frag);
}

/* See nfv-action.h. */
void
nfv_tunnel_output_end(struct ofpbuf *odp_actions,
                      struct nfv_tunnel_wrap *wrap)
{
    frag_tunnel_output_end(odp_actions, &wrap->frag);
    esp_tunnel_output_end(odp_actions, &wrap->esp);
}

/* Appends the datapath action OVS_ACTION_ATTR_NFV for 'kind' with 'len'
 * bytes of 'args' to 'odp_actions'. */
void
nfv_odp_put(struct ofpbuf *odp_actions, enum nfv_action_kind kind,
            const void *args, size_t len)
{
    size_t ofs = nl_msg_start_nested(odp_actions, OVS_ACTION_ATTR_NFV);
    nl_msg_put_unspec(odp_actions, kind, args, len);
    nl_msg_end_nested(odp_actions, ofs);
}

/* Starts an OVS_ACTION_ATTR_NFV action of 'kind' whose payload the caller
 * then appends (e.g. nested attributes) to 'odp_actions'.  Returns the
 * offset to give nfv_odp_end() with '*inner_ofs'. */
size_t
nfv_odp_start(struct ofpbuf *odp_actions, enum nfv_action_kind kind,
              size_t *inner_ofs)
{
    size_t ofs = nl_msg_start_nested(odp_actions, OVS_ACTION_ATTR_NFV);
    *inner_ofs = nl_msg_start_nested(odp_actions, kind);
    return ofs;
}

/* Ends the action nfv_odp_start() started. */
void
nfv_odp_end(struct ofpbuf *odp_actions, size_t ofs, size_t inner_ofs)
{
    nl_msg_end_nested(odp_actions, inner_ofs);
    nl_msg_end_nested(odp_actions, ofs);
}

/* Returns the single attribute nested in OVS_ACTION_ATTR_NFV 'a', or NULL
 * if 'a' does not hold exactly one well-formed attribute of a known
 * kind. */
static const struct nlattr *
odp_inner(const struct nlattr *a)
{
    const struct nlattr *inner = nl_attr_get(a);
    size_t size = nl_attr_get_size(a);

    if (size < NLA_HDRLEN || inner->nla_len < NLA_HDRLEN
        || NLA_ALIGN(inner->nla_len) != size
        || !class_by_kind(nl_attr_type(inner))) {
        return NULL;
    }
    return inner;
}

/* Appends datapath action 'a' (OVS_ACTION_ATTR_NFV) to 'ds' as
 * "nfv(NAME(ARGS))". */
void
nfv_odp_format(const struct nlattr *a, struct ds *ds)
{
    const struct nlattr *inner = odp_inner(a);

    if (!inner) {
        ds_put_format(ds, "nfv(<malformed, %"PRIuSIZE" bytes>)",
                      nl_attr_get_size(a));
        return;
    }

    const struct nfv_action_class *class = class_by_kind(nl_attr_type(inner));
    ds_put_format(ds, "nfv(%s(", class->name);
    class->odp_format(nl_attr_get(inner), nl_attr_get_size(inner), ds);
    ds_put_cstr(ds, "))");
}

/* Parses a datapath action "nfv(NAME(ARGS))" at the start of 's' and
 * appends it to 'odp_actions'.  Returns the number of bytes parsed, or
 * -EINVAL (nothing appended). */
int
nfv_odp_parse(const char *s, struct ofpbuf *odp_actions)
{
    if (strncmp(s, "nfv(", 4)) {
        return -EINVAL;
    }

    const char *name = s + 4;
    size_t name_len = strcspn(name, "()");
    if (name[name_len] != '(') {
        return -EINVAL;
    }
    const char *arg = name + name_len + 1;
    size_t arg_len = strcspn(arg, "()");
    if (arg[arg_len] != ')' || arg[arg_len + 1] != ')') {
        return -EINVAL;
    }

    char *name_s = xmemdup0(name, name_len);
    char *arg_s = xmemdup0(arg, arg_len);
    const struct nfv_action_class *class = nfv_action_class_by_name(name_s);
    int retval = -EINVAL;
    if (class) {
        struct ofpbuf args;
        uint64_t stub[64 / 8];

        ofpbuf_use_stub(&args, stub, sizeof stub);
        char *error = (class->odp_parse ? class->odp_parse(arg_s, &args)
                       : arg_s[0] ? xstrdup("no payload expected")
                       : NULL);
        if (!error) {
            nfv_odp_put(odp_actions, class->kind, args.data, args.size);
            retval = arg + arg_len + 2 - s;
        }
        free(error);
        ofpbuf_uninit(&args);
    }
    free(name_s);
    free(arg_s);
    return retval;
}

/* Executes datapath action 'a' (OVS_ACTION_ATTR_NFV) on every packet of
 * 'batch', called by odp_execute_actions() with its 'dp', 'steal' (true if
 * this is the last action and the packets may be taken) and
 * 'dp_execute_action'.  Returns true if the action took the packets (the
 * batch is then empty), false if they go on to the next action.  'a' comes
 * from translation or from nfv_odp_parse(), so it is well formed; a
 * malformed one is ignored. */
bool
nfv_odp_execute(void *dp, struct dp_packet_batch *batch, bool steal,
                const struct nlattr *a, odp_execute_cb dp_execute_action)
{
    const struct nlattr *inner = odp_inner(a);

    return (inner
            && class_by_kind(nl_attr_type(inner))->execute(
                dp, batch, steal, nl_attr_get(inner),
                nl_attr_get_size(inner), dp_execute_action));
}

/* Helpers shared by the action classes (see nfv-action.h). */

enum ofperr
nfv_decode_no_args(const void *args OVS_UNUSED, size_t len)
{
    return len ? OFPERR_OFPBAC_BAD_LEN : 0;
}

enum ofperr
nfv_decode_datapath_only(const void *args OVS_UNUSED, size_t len OVS_UNUSED)
{
    return OFPERR_OFPBAC_BAD_VENDOR_TYPE;
}

void
nfv_xlate_datapath_only(const void *args OVS_UNUSED, size_t len OVS_UNUSED,
                        const struct flow *flow OVS_UNUSED,
                        struct flow_wildcards *wc OVS_UNUSED,
                        struct ofpbuf *odp_actions OVS_UNUSED,
                        const struct nfv_xlate_branch *branch OVS_UNUSED)
{
}

void
nfv_odp_format_none(const void *args OVS_UNUSED, size_t len OVS_UNUSED,
                    struct ds *ds OVS_UNUSED)
{
}

void
nfv_xlate_ipv4_take(const struct flow *flow, struct flow_wildcards *wc,
                    struct ofpbuf *odp_actions,
                    const struct nfv_xlate_branch *branch,
                    enum nfv_action_kind kind, bool fragments)
{
    wc->masks.dl_type = OVS_BE16_MAX;
    if (flow->dl_type == htons(ETH_TYPE_IP)) {
        wc->masks.nw_frag |= FLOW_NW_FRAG_MASK;
        if (!(flow->nw_frag & FLOW_NW_FRAG_ANY) == !fragments) {
            nfv_odp_put(odp_actions, kind, NULL, 0);
            branch->fn(branch->aux, NULL, 0);
        }
    }
}

void
nfv_recirculate(void *dp, struct dp_packet_batch *batch, odp_execute_cb cb)
{
    uint64_t stub[32 / 8];
    struct ofpbuf recirc = OFPBUF_STUB_INITIALIZER(stub);

    nl_msg_put_u32(&recirc, OVS_ACTION_ATTR_RECIRC, 0);
    odp_execute_actions(dp, batch, true, recirc.data, recirc.size, cb);
    ofpbuf_uninit(&recirc);
}

void
nfv_wrap_open(struct nfv_wrap *w, struct ofpbuf *odp_actions,
              enum nfv_action_kind kind)
{
    w->active = true;
    w->start = odp_actions->size;
    w->ofs = nfv_odp_start(odp_actions, kind, &w->inner_ofs);
}

void
nfv_wrap_body(struct nfv_wrap *w, struct ofpbuf *odp_actions, uint16_t type)
{
    w->actions_ofs = nl_msg_start_nested(odp_actions, type);
    w->body = odp_actions->size;
}

void
nfv_wrap_close(struct nfv_wrap *w, struct ofpbuf *odp_actions)
{
    if (!w->active) {
        return;
    }
    if (odp_actions->size == w->body) {
        /* Nothing inside: no action at all. */
        odp_actions->size = w->start;
    } else {
        nl_msg_end_nested(odp_actions, w->actions_ofs);
        nfv_odp_end(odp_actions, w->ofs, w->inner_ofs);
    }
    w->active = false;
}

static void
name_set_free(struct sset *names)
{
    sset_destroy(names);
    free(names);
}

void
nfv_name_set_replace(struct nfv_name_set *set, const struct sset *names)
{
    struct sset *new = xmalloc(sizeof *new);
    struct sset *old = ovsrcu_get_protected(struct sset *, &set->names);

    sset_clone(new, names);
    ovsrcu_set(&set->names, new);
    if (old) {
        ovsrcu_postpone(name_set_free, old);
    }
}

bool
nfv_name_set_contains(const struct nfv_name_set *set, const char *name)
{
    struct sset *names = ovsrcu_get(struct sset *, &set->names);

    return names && sset_contains(names, name);
}
