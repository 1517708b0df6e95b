/* Copyright (c) 2026 Open vSwitch NFV developers.
 * SPDX-License-Identifier: Apache-2.0 */

/* The nsod(service=NAME) action.
 *
 * OpenFlow: the NXAST_NFV extension action of kind NFV_ACTION_NSOD whose
 * arguments are the service name (1 to 64 bytes of [A-Za-z0-9_.-], no
 * terminator).  A flow-mod naming a service that ovs-vswitchd does not
 * have fails with OFPBAC_BAD_ARGUMENT.
 *
 * Datapath: translation writes one OVS_ACTION_ATTR_NFV action nesting
 *
 *     NSOD_ODP_SERVICE   u32: the service's id in this ovs-vswitchd
 *     NSOD_ODP_BRANCH    one per backend that may receive packets:
 *         NSOD_ODP_BACKEND   u32: the backend's id in the service
 *         NSOD_ODP_ACTIONS   nested datapath actions: the backend's
 *                            rewrite and output, translated from OpenFlow
 *
 * and per packet the userspace datapath picks the backend (nsod_pick())
 * and runs that branch's actions.  The megaflow does not depend on the
 * session, so new sessions cause no upcall. */

#include <config.h>

#include <string.h>

#include "coverage.h"
#include "dp-packet.h"
#include "hash.h"
#include "netlink.h"
#include "nfv/lib/nfv-action.h"
#include "nfv/nsod/nsod.h"
#include "nfv/nsod/nsod-packet.h"
#include "odp-execute.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(nsod_action);

BUILD_ASSERT_DECL(NSOD_BATCH_MAX == NETDEV_MAX_BURST);

COVERAGE_DEFINE(nsod_xlate_unknown_service);
COVERAGE_DEFINE(nsod_drop_no_backend);

enum {
    NSOD_ODP_UNSPEC,
    NSOD_ODP_SERVICE,
    NSOD_ODP_BRANCH,
};

enum {
    NSOD_ODP_BRANCH_UNSPEC,
    NSOD_ODP_BACKEND,
    NSOD_ODP_ACTIONS,
};

/* "service=NAME" or "NAME". */
static char *
nsod_parse(const char *arg, struct ofpbuf *args)
{
    const char *name = arg;

    if (!strncmp(arg, "service=", 8)) {
        name = arg + 8;
    } else if (strchr(arg, '=')) {
        return xasprintf("nsod: unknown argument \"%s\" (expected "
                         "service=NAME)", arg);
    }
    if (!nsod_service_name_valid(name, strlen(name))) {
        return xasprintf("nsod: service name \"%s\" must be 1 to %d "
                         "letters, digits, '_', '-' or '.'", name,
                         NSOD_NAME_MAX);
    }
    ofpbuf_put(args, name, strlen(name));
    return NULL;
}

static enum ofperr
nsod_decode(const void *args, size_t len)
{
    return (nsod_service_name_valid(args, len)
            ? 0 : OFPERR_OFPBAC_BAD_ARGUMENT);
}

static void
nsod_format(const void *args, size_t len, struct ds *s)
{
    ds_put_format(s, "nsod(service=%.*s)", (int) len, (const char *) args);
}

static enum ofperr
nsod_check(const void *args, size_t len)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    if (nsod_checks_enabled() && !nsod_service_find(args, len)) {
        VLOG_WARN_RL(&rl, "flow refused: nsod(service=%.*s) names no NSOD "
                     "service (NSOD_Service table)", (int) len,
                     (const char *) args);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    return 0;
}

static void
nsod_xlate(const void *args, size_t len, const struct flow *flow OVS_UNUSED,
           struct flow_wildcards *wc OVS_UNUSED, struct ofpbuf *odp_actions,
           const struct nfv_xlate_branch *branch)
{
    struct nsod_service *svc = nsod_service_find(args, len);
    if (!svc) {
        /* Removed since the flow was added: the packets are dropped. */
        COVERAGE_INC(nsod_xlate_unknown_service);
        return;
    }

    struct nsod_branch_config backends[NSOD_MAX_BACKENDS];
    size_t n = nsod_service_branches(svc, backends, ARRAY_SIZE(backends));
    size_t inner_ofs;
    size_t ofs = nfv_odp_start(odp_actions, NFV_ACTION_NSOD, &inner_ofs);
    nl_msg_put_u32(odp_actions, NSOD_ODP_SERVICE, nsod_service_id(svc));

    uint64_t stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    for (size_t i = 0; i < n; i++) {
        const struct nsod_branch_config *bc = &backends[i];

        ofpbuf_clear(&ofpacts);
        if (bc->vlan >= 0) {
            struct ofpact_vlan_vid *vid = ofpact_put_SET_VLAN_VID(&ofpacts);
            vid->vlan_vid = bc->vlan;
            vid->push_vlan_if_needed = true;
        }
        if (bc->has_mac) {
            ofpact_put_SET_ETH_DST(&ofpacts)->mac = bc->mac;
        }
        ofpact_put_OUTPUT(&ofpacts)->port = bc->ofport;

        size_t branch_ofs = nl_msg_start_nested(odp_actions,
                                                NSOD_ODP_BRANCH);
        nl_msg_put_u32(odp_actions, NSOD_ODP_BACKEND, bc->id);
        size_t actions_ofs = nl_msg_start_nested(odp_actions,
                                                 NSOD_ODP_ACTIONS);
        branch->fn(branch->aux, ofpacts.data, ofpacts.size);
        nl_msg_end_nested(odp_actions, actions_ofs);
        nl_msg_end_nested(odp_actions, branch_ofs);
    }
    ofpbuf_uninit(&ofpacts);
    nfv_odp_end(odp_actions, ofs, inner_ofs);
}

/* At most this many rewrite actions in a branch that nsod_execute() runs
 * itself (nsod_branch_analyze()). */
#define NSOD_REWRITE_MAX 4

struct nsod_odp_branch {
    uint32_t backend;
    const struct nlattr *actions;

    /* Filled in by nsod_branch_analyze(): if 'output' is nonnull, the
     * branch's actions are the 'n_rewrites' actions 'rewrites' (each a
     * VLAN push or pop or an Ethernet address set) followed by 'output'
     * alone. */
    const struct nlattr *output;
    struct nsod_rewrite {
        uint16_t type;          /* OVS_ACTION_ATTR_*. */
        const void *arg;        /* The action's argument. */
    } rewrites[NSOD_REWRITE_MAX];
    size_t n_rewrites;

    /* True if the rewrites are one VLAN push, of 'push_tpid' and 'push_tci'
     * (the NTT prototype's backend: a VLAN id per NFV VM). */
    bool push_only;
    ovs_be16 push_tpid;
    ovs_be16 push_tci;
};

/* Decides whether nsod_execute() may run branch 'b''s actions itself: true
 * if they are at most NSOD_REWRITE_MAX pushes or pops of a VLAN tag or
 * (masked) sets of the Ethernet addresses, then exactly one output action.
 * That is what translation makes of a backend on a datapath port (VLAN id,
 * destination MAC, output).  Anything else (a tunnel, a patch port, more
 * fields) runs through odp_execute_actions(). */
static void
nsod_branch_analyze(struct nsod_odp_branch *b)
{
    const struct nlattr *a;
    size_t left;

    b->output = NULL;
    b->n_rewrites = 0;
    NL_NESTED_FOR_EACH (a, left, b->actions) {
        enum ovs_action_attr type = nl_attr_type(a);

        if (b->output) {
            goto general;       /* Something after the output. */
        }
        if (type == OVS_ACTION_ATTR_OUTPUT
            && nl_attr_get_size(a) == sizeof(odp_port_t)) {
            b->output = a;
            continue;
        }
        if (b->n_rewrites >= NSOD_REWRITE_MAX) {
            goto general;
        }
        if (type == OVS_ACTION_ATTR_PUSH_VLAN
            && nl_attr_get_size(a) == sizeof(struct ovs_action_push_vlan)) {
            /* eth_push_vlan(). */
        } else if (type == OVS_ACTION_ATTR_POP_VLAN) {
            /* eth_pop_vlan(). */
        } else if (type == OVS_ACTION_ATTR_SET
                   && nl_attr_type(nl_attr_get(a)) == OVS_KEY_ATTR_ETHERNET
                   && (nl_attr_get_size(nl_attr_get(a))
                       == sizeof(struct ovs_key_ethernet))) {
            /* Both addresses. */
        } else if (type == OVS_ACTION_ATTR_SET_MASKED
                   && nl_attr_type(nl_attr_get(a)) == OVS_KEY_ATTR_ETHERNET
                   && (nl_attr_get_size(nl_attr_get(a))
                       == 2 * sizeof(struct ovs_key_ethernet))) {
            /* Value, then mask. */
        } else {
            goto general;
        }
        b->rewrites[b->n_rewrites].type = type;
        b->rewrites[b->n_rewrites].arg = (type == OVS_ACTION_ATTR_SET
                                          || type == OVS_ACTION_ATTR_SET_MASKED
                                          ? nl_attr_get(nl_attr_get(a))
                                          : nl_attr_get(a));
        b->n_rewrites++;
    }
    if (b->output) {
        b->push_only = (b->n_rewrites == 1
                        && b->rewrites[0].type == OVS_ACTION_ATTR_PUSH_VLAN);
        if (b->push_only) {
            const struct ovs_action_push_vlan *vlan = b->rewrites[0].arg;

            b->push_tpid = vlan->vlan_tpid;
            b->push_tci = vlan->vlan_tci;
        }
        return;
    }
general:
    b->output = NULL;
    b->push_only = false;
}

/* Sets the bits of '*addr' that are 1 in 'mask' to those of 'value'. */
static inline void
nsod_eth_addr_set_masked(struct eth_addr *addr, const struct eth_addr value,
                         const struct eth_addr mask)
{
    for (size_t i = 0; i < ARRAY_SIZE(addr->be16); i++) {
        addr->be16[i] = ((value.be16[i] & mask.be16[i])
                         | (addr->be16[i] & ~mask.be16[i]));
    }
}

/* Applies branch 'b''s rewrites (see nsod_branch_analyze()) to 'packet',
 * as odp_execute_actions() would. */
static inline void
nsod_branch_rewrite(const struct nsod_odp_branch *b, struct dp_packet *packet)
{
    for (size_t i = 0; i < b->n_rewrites; i++) {
        uint16_t type = b->rewrites[i].type;

        if (type == OVS_ACTION_ATTR_PUSH_VLAN) {
            const struct ovs_action_push_vlan *vlan = b->rewrites[i].arg;

            nsod_push_vlan(packet, vlan->vlan_tpid, vlan->vlan_tci);
        } else if (type == OVS_ACTION_ATTR_POP_VLAN) {
            eth_pop_vlan(packet);
        } else {
            /* OVS_ACTION_ATTR_SET or _SET_MASKED of OVS_KEY_ATTR_ETHERNET:
             * a value, then for _SET_MASKED a mask. */
            const struct ovs_key_ethernet *key = b->rewrites[i].arg;
            struct eth_header *eh = dp_packet_eth(packet);

            if (!eh) {
                continue;
            }
            if (type == OVS_ACTION_ATTR_SET) {
                eh->eth_src = key->eth_src;
                eh->eth_dst = key->eth_dst;
            } else {
                const struct ovs_key_ethernet *mask = key + 1;

                nsod_eth_addr_set_masked(&eh->eth_src, key->eth_src,
                                         mask->eth_src);
                nsod_eth_addr_set_masked(&eh->eth_dst, key->eth_dst,
                                         mask->eth_dst);
            }
        }
    }
}

/* Size of nsod_execute()'s map from backend id to branch. */
#define NSOD_BRANCH_MAP 64

/* Returns the index in 'branches' (n of them) of the branch of backend
 * 'id', or -1 if there is none.  'map[id % NSOD_BRANCH_MAP]' is 1 + the
 * index of the first branch whose id has that remainder, or 0. */
static inline int
nsod_branch_find(const struct nsod_odp_branch *branches, size_t n,
                 const uint8_t *map, uint32_t id)
{
    unsigned int slot = map[id % NSOD_BRANCH_MAP];

    if (OVS_LIKELY(slot) && branches[slot - 1].backend == id) {
        return slot - 1;
    }
    for (size_t j = 0; j < n; j++) {
        if (branches[j].backend == id) {
            return j;
        }
    }
    return -1;
}

/* A datapath nsod action, parsed: what nsod_execute() needs of it. */
struct nsod_plan {
    uint32_t service_id;            /* 0: none. */
    size_t n_branches;
    struct nsod_odp_branch branches[NSOD_MAX_BACKENDS];
    uint8_t map[NSOD_BRANCH_MAP];   /* See nsod_branch_find(). */

    /* If every branch is rewrites then the same output action (see
     * nsod_branch_analyze()), that output; else NULL. */
    const struct nlattr *output;
    bool push_only;                 /* And every branch's rewrite is one
                                     * VLAN push. */
};

/* Parses the nsod datapath action whose 'len' bytes of arguments are at
 * 'args' (as translation wrote them: see the top of this file) into
 * '*plan', whose pointers then point into 'args'.  Ignores malformed
 * branches (no packet goes there). */
static void
nsod_plan_parse(const void *args, size_t len, struct nsod_plan *plan)
{
    const struct nlattr *a;
    size_t left;

    BUILD_ASSERT(NSOD_MAX_BACKENDS < UINT8_MAX);
    plan->service_id = 0;
    plan->n_branches = 0;
    memset(plan->map, 0, sizeof plan->map);
    NL_ATTR_FOR_EACH (a, left, args, len) {
        if (nl_attr_type(a) == NSOD_ODP_SERVICE
            && nl_attr_get_size(a) == sizeof(uint32_t)) {
            plan->service_id = nl_attr_get_u32(a);
        } else if (nl_attr_type(a) == NSOD_ODP_BRANCH
                   && plan->n_branches < ARRAY_SIZE(plan->branches)) {
            struct nsod_odp_branch *b = &plan->branches[plan->n_branches];
            const struct nlattr *ba;
            size_t bleft;

            b->backend = NSOD_NO_BACKEND;
            b->actions = NULL;
            NL_NESTED_FOR_EACH (ba, bleft, a) {
                if (nl_attr_type(ba) == NSOD_ODP_BACKEND
                    && nl_attr_get_size(ba) == sizeof(uint32_t)) {
                    b->backend = nl_attr_get_u32(ba);
                } else if (nl_attr_type(ba) == NSOD_ODP_ACTIONS) {
                    b->actions = ba;
                }
            }
            if (b->backend == NSOD_NO_BACKEND || !b->actions) {
                continue;       /* Malformed: no packet goes there. */
            }
            if (!plan->map[b->backend % NSOD_BRANCH_MAP]) {
                plan->map[b->backend % NSOD_BRANCH_MAP]
                    = plan->n_branches + 1;
            }
            nsod_branch_analyze(b);
            plan->n_branches++;
        }
    }

    /* Whether every branch ends in the same output action, after rewrites
     * nsod_branch_rewrite() can do: then a batch needs no splitting. */
    plan->output = plan->n_branches ? plan->branches[0].output : NULL;
    plan->push_only = plan->output != NULL;
    for (size_t j = 0; plan->output && j < plan->n_branches; j++) {
        const struct nlattr *out = plan->branches[j].output;

        if (!out || (nl_attr_get_odp_port(out)
                     != nl_attr_get_odp_port(plan->output))) {
            plan->output = NULL;
        }
        plan->push_only = plan->push_only && plan->branches[j].push_only;
    }
    plan->push_only = plan->push_only && plan->output;
}

/* Each thread's last parsed actions, so that the per-packet path parses an
 * action once, not once per batch.  The datapath keeps a flow's actions in
 * place and unchanged while the flow lives, so an action at the same
 * address with the same bytes as a memo's is the same action and its plan
 * still points into it; the bytes are compared on every use, because a new
 * flow's actions may take a freed one's address.  NSOD_MEMO_SLOTS memos
 * per thread, picked by the action's address, so that a thread serving a
 * few nsod flows in turn keeps each parsed.  A memo in use is 'busy': a
 * branch's actions may run another nsod action on the same thread (a patch
 * port's peer bridge, a recirculation), which must not overwrite the plan
 * its caller is still reading; it parses into its own scratch plan. */
#define NSOD_MEMO_MAX 2048              /* Bytes of arguments memoized. */
#define NSOD_MEMO_SLOTS 4
struct nsod_memo {
    const void *args;                   /* NULL: empty. */
    size_t len;
    bool busy;
    struct nsod_plan plan;
    uint8_t copy[NSOD_MEMO_MAX];        /* 'len' bytes of 'args'. */
};
DEFINE_PER_THREAD_MALLOCED_DATA(struct nsod_memo *, nsod_memos);

/* Returns the plan of the nsod action with the 'len' bytes of arguments at
 * 'args': one of this thread's memos if it holds that action, else a new
 * parse, stored in the memo if it fits and is not busy, else in
 * '*scratch'.  If it returns a memo's plan, stores the memo in '*memop'
 * and marks it busy (the caller clears 'busy' when done); else stores
 * NULL. */
static const struct nsod_plan *
nsod_plan_get(const void *args, size_t len, struct nsod_plan *scratch,
              struct nsod_memo **memop)
{
    struct nsod_memo *memos = nsod_memos_get();
    struct nsod_memo *memo;

    if (OVS_UNLIKELY(!memos)) {
        memos = xzalloc(NSOD_MEMO_SLOTS * sizeof *memos);
        nsod_memos_set(memos);
    }
    memo = &memos[hash_pointer(args, 0) % NSOD_MEMO_SLOTS];
    *memop = NULL;
    if (OVS_UNLIKELY(memo->busy || len > NSOD_MEMO_MAX)) {
        nsod_plan_parse(args, len, scratch);
        return scratch;
    }
    if (OVS_UNLIKELY(memo->args != args || memo->len != len
                     || memcmp(memo->copy, args, len))) {
        memo->args = args;
        memo->len = len;
        memcpy(memo->copy, args, len);
        nsod_plan_parse(args, len, &memo->plan);
    }
    memo->busy = true;
    *memop = memo;
    return &memo->plan;
}

/* nsod_execute() when every branch of 'plan' is rewrites then 'output':
 * rewrites each packet of 'batch' (which the caller gives away) for the
 * branch of backend 'ids[i]' ('lens[i]' bytes before), drops those with no
 * branch, and outputs the rest as one batch, in their order. */
static void
nsod_execute_one_output(void *dp, struct dp_packet_batch *batch,
                        struct nsod_service *svc,
                        const struct nsod_plan *plan, const uint32_t *ids,
                        const size_t *lens, odp_execute_cb dp_execute_action)
{
    const size_t n_branches = plan->n_branches;
    size_t bytes[NSOD_MAX_BACKENDS];
    size_t counts[NSOD_MAX_BACKENDS];
    uint32_t backends[NSOD_MAX_BACKENDS];
    const size_t n = dp_packet_batch_size(batch);
    int8_t which[NSOD_BATCH_MAX];
    struct dp_packet *packet;
    size_t n_dropped = 0;
    size_t i;

    /* Branches first, in a loop of their own: the lookups of different
     * packets do not wait for each other or for the rewrites. */
    memset(counts, 0, n_branches * sizeof counts[0]);
    memset(bytes, 0, n_branches * sizeof bytes[0]);
    for (i = 0; i < n; i++) {
        int j = nsod_branch_find(plan->branches, n_branches, plan->map,
                                 ids[i]);

        which[i] = j;
        if (OVS_LIKELY(j >= 0)) {
            counts[j]++;
            bytes[j] += lens[i];
        }
    }
    DP_PACKET_BATCH_REFILL_FOR_EACH (i, n, packet, batch) {
        int j = which[i];

        if (OVS_UNLIKELY(j < 0)) {
            dp_packet_delete(packet);
            n_dropped++;
            continue;
        }
        if (plan->push_only) {
            nsod_push_vlan(packet, plan->branches[j].push_tpid,
                           plan->branches[j].push_tci);
        } else {
            nsod_branch_rewrite(&plan->branches[j], packet);
        }
        dp_packet_batch_refill(batch, packet, i);
    }
    if (n_dropped) {
        COVERAGE_ADD(nsod_drop_no_backend, n_dropped);
    }
    if (svc) {
        for (size_t j = 0; j < n_branches; j++) {
            backends[j] = plan->branches[j].backend;
        }
        nsod_account(svc, backends, counts, bytes, n_branches);
    }
    if (!dp_packet_batch_is_empty(batch)) {
        odp_execute_actions(dp, batch, true, plan->output,
                            NLA_ALIGN(plan->output->nla_len),
                            dp_execute_action);
    }
    dp_packet_batch_init(batch);
}

/* nsod_execute() with the action's 'plan'. */
static bool
nsod_execute__(void *dp, struct dp_packet_batch *batch, bool steal,
               const struct nsod_plan *plan, odp_execute_cb dp_execute_action)
{
    struct nsod_service *svc = (plan->service_id
                                ? nsod_service_find_by_id(plan->service_id)
                                : NULL);
    const size_t n_branches = plan->n_branches;
    const void *frames[NSOD_BATCH_MAX];
    size_t lens[NSOD_BATCH_MAX];
    uint32_t ids[NSOD_BATCH_MAX];
    size_t n = dp_packet_batch_size(batch);
    struct dp_packet *packet;

    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        frames[i] = dp_packet_data(packet);
        lens[i] = dp_packet_size(packet);
    }
    if (svc) {
        nsod_pick_batch(svc, frames, lens, n, time_msec(), ids);
    } else {
        for (size_t i = 0; i < n; i++) {
            ids[i] = NSOD_NO_BACKEND;
        }
    }

    if (steal && plan->output) {
        nsod_execute_one_output(dp, batch, svc, plan, ids, lens,
                                dp_execute_action);
        return true;
    }

    /* Group the packets by branch, in their order (a counting sort):
     * branch j's packets are sorted[start[j]] up to sorted[start[j + 1]]. */
    size_t bytes[NSOD_MAX_BACKENDS];
    size_t counts[NSOD_MAX_BACKENDS];
    int8_t which[NSOD_BATCH_MAX];
    uint8_t start[NSOD_MAX_BACKENDS + 1];
    size_t n_dropped = 0;

    memset(start, 0, (n_branches + 1) * sizeof start[0]);
    memset(bytes, 0, n_branches * sizeof bytes[0]);
    for (size_t i = 0; i < n; i++) {
        int j = nsod_branch_find(plan->branches, n_branches, plan->map,
                                 ids[i]);

        which[i] = j;
        if (j >= 0) {
            start[j + 1]++;
            bytes[j] += lens[i];
        } else {
            n_dropped++;
        }
    }
    if (n_dropped) {
        COVERAGE_ADD(nsod_drop_no_backend, n_dropped);
    }
    for (size_t j = 0; j < n_branches; j++) {
        start[j + 1] += start[j];
    }

    struct dp_packet *sorted[NSOD_BATCH_MAX];
    uint8_t next[NSOD_MAX_BACKENDS];

    memcpy(next, start, n_branches * sizeof next[0]);
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        if (which[i] >= 0) {
            sorted[next[which[i]]++] = packet;
        } else if (steal) {
            dp_packet_delete(packet);
        }
    }

    for (size_t j = 0; j < n_branches; j++) {
        const struct nsod_odp_branch *b = &plan->branches[j];
        struct dp_packet_batch sub;

        if (start[j] == start[j + 1]) {
            continue;
        }
        dp_packet_batch_init(&sub);
        for (size_t k = start[j]; k < start[j + 1]; k++) {
            dp_packet_batch_add(&sub, (steal ? sorted[k]
                                       : dp_packet_clone(sorted[k])));
        }
        counts[j] = dp_packet_batch_size(&sub);
        nsod_account(svc, &b->backend, &counts[j], &bytes[j], 1);
        odp_execute_actions(dp, &sub, true, nl_attr_get(b->actions),
                            nl_attr_get_size(b->actions), dp_execute_action);
    }

    if (steal) {
        dp_packet_batch_init(batch);
        return true;
    }
    return false;
}

/* Per packet batch: picks each packet's backend and runs the backends'
 * branches on their packets (copies of them unless 'steal'). */
static bool
nsod_execute(void *dp, struct dp_packet_batch *batch, bool steal,
             const void *args, size_t len, odp_execute_cb dp_execute_action)
{
    struct nsod_plan scratch;
    struct nsod_memo *memo;
    const struct nsod_plan *plan = nsod_plan_get(args, len, &scratch, &memo);
    bool consumed = nsod_execute__(dp, batch, steal, plan,
                                   dp_execute_action);

    if (memo) {
        memo->busy = false;
    }
    return consumed;
}

static char *
nsod_odp_parse(const char *arg OVS_UNUSED, struct ofpbuf *args OVS_UNUSED)
{
    return xstrdup("nsod: the datapath action is made by translation only");
}

static void
nsod_odp_format(const void *args, size_t len, struct ds *ds)
{
    const struct nlattr *a;
    size_t left;
    bool first = true;

    NL_ATTR_FOR_EACH (a, left, args, len) {
        if (!first) {
            ds_put_char(ds, ',');
        }
        first = false;
        if (nl_attr_type(a) == NSOD_ODP_SERVICE
            && nl_attr_get_size(a) == sizeof(uint32_t)) {
            ds_put_format(ds, "service=%"PRIu32, nl_attr_get_u32(a));
        } else if (nl_attr_type(a) == NSOD_ODP_BRANCH) {
            const struct nlattr *ba;
            size_t bleft;

            ds_put_cstr(ds, "backend(");
            NL_NESTED_FOR_EACH (ba, bleft, a) {
                if (nl_attr_type(ba) == NSOD_ODP_BACKEND
                    && nl_attr_get_size(ba) == sizeof(uint32_t)) {
                    ds_put_format(ds, "id=%"PRIu32",", nl_attr_get_u32(ba));
                } else if (nl_attr_type(ba) == NSOD_ODP_ACTIONS) {
                    ds_put_cstr(ds, "actions(");
                    format_odp_actions(ds, nl_attr_get(ba),
                                       nl_attr_get_size(ba), NULL);
                    ds_put_char(ds, ')');
                }
            }
            ds_put_char(ds, ')');
        } else {
            ds_put_format(ds, "<unknown %"PRIu16">", nl_attr_type(a));
        }
    }
}

const struct nfv_action_class nsod_action_class = {
    .name = "nsod",
    .kind = NFV_ACTION_NSOD,
    .parse = nsod_parse,
    .decode = nsod_decode,
    .format = nsod_format,
    .check = nsod_check,
    .xlate = nsod_xlate,
    .execute = nsod_execute,
    .odp_parse = nsod_odp_parse,
    .odp_format = nsod_odp_format,
};
