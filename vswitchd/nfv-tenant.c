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

#include <config.h>

#include "nfv/vswitchd/nfv-tenant.h"
#include "nfv/lib/nfv-identity.h"
#include "nfv/vswitchd/nfv-isolation.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <unistd.h>

#include "coverage.h"
#include "netdev.h"
#include "ofproto/ofproto-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "simap.h"
#include "smap.h"
#include "socket-util.h"
#include "sset.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "vswitch-idl.h"

#include "nfv/lib/nfv-esp.h"
#include "nfv/ovsdb/nfv-tenant-idl.h"

VLOG_DEFINE_THIS_MODULE(nfv_tenant);

COVERAGE_DEFINE(tenant_reconcile);
COVERAGE_DEFINE(tenant_flow_install);
COVERAGE_DEFINE(tenant_flow_repair);
COVERAGE_DEFINE(tenant_flow_error);
COVERAGE_DEFINE(tenant_txn_error);
COVERAGE_DEFINE(tenant_vm_port_foreign); /* VM port on another tenant's bridge. */

/* Interface names are at most IFNAMSIZ - 1 = 15 bytes; "br-int-" is 7, so a
 * tenant's short name is at most 8. */
#define TENANT_SHORT_MAX 8
#define TENANT_NAME_SIZE 16

/* Cookies of provisioned flows: TENANT_COOKIE_MAGIC << 40 | type << 32 |
 * segmentation id (Documentation/topics/nfv-tenant.rst). */
#define TENANT_COOKIE_MAGIC 0x4e4656ULL
enum tenant_rule {
    TENANT_RULE_INGRESS = 1,    /* Table I "local ingress". */
    TENANT_RULE_EGRESS = 2,     /* Table I "local egress"/"remote egress". */
    TENANT_RULE_FLOOD = 3,      /* Table I "local flood". */
    TENANT_RULE_DEFAULT = 4,    /* Tunnel bridge's default drop. */
    TENANT_RULE_INTEGRATION = 5, /* Integration bridge's NORMAL. */
    TENANT_RULE_TRANSPORT = 6,  /* Transport bridge: ex-<t> <-> underlay. */
    TENANT_RULE_CLOUD = 7       /* br-cloud, and ex-cloud's transport rules. */
};

/* external_ids keys on the Open_vSwitch rows the module creates. */
#define EXT_TENANT "nfv-tenant"         /* Tenant:name. */
#define EXT_ROLE "nfv-role"             /* What the row is, below. */
#define EXT_REMOTE "nfv-remote-node"    /* A tunnel's remote node. */
#define EXT_CLOUD_PEER "nfv-cloud-peer" /* A br-cloud tunnel's peer. */
#define EXT_CLOUD_BRIDGE "nfv-cloud-bridge" /* A patch's integration bridge. */

/* Inter-cloud expansion (Documentation/topics/nfv-cloud.rst). */
#define CLOUD_BRIDGE "br-cloud"
#define CLOUD_EX "ex-cloud"             /* Endpoint port on the transport. */
#define CLOUD_ROLE_BRIDGE "cloud"
#define CLOUD_ROLE_ENDPOINT "cloud-endpoint"
#define CLOUD_ROLE_TUNNEL "cloud-tunnel"
#define CLOUD_ROLE_PATCH "cloud-patch"
#define CLOUD_NAME_MAX 12       /* Longest name used as is in "cl-<p>". */

/* How often the module re-checks everything even without a database change
 * (ms): ports and flows removed by hand, endpoint addresses. */
#define TENANT_CHECK_INTERVAL 2000
/* How soon to retry when bridges or ports are not in ofproto yet (ms). */
#define TENANT_RETRY_INTERVAL 100

/* One remote node of a tenant. */
struct tenant_remote {
    const char *node;           /* Key in Tenant:remote_endpoints. */
    ovs_be32 ip;
};

/* A tenant, as this node must materialise it, derived from its row. */
struct tenant {
    struct hmap_node hmap_node; /* In 'tenants', by name. */
    const struct nfvrec_tenant *rec;
    const char *name;
    char *error;                /* Why it cannot be provisioned, or NULL. */

    char short_name[TENANT_SHORT_MAX + 1];
    uint32_t key;               /* Segmentation id. */
    const char *tunnel_type;    /* "gre", "vxlan" or "geneve". */
    int vlan;                   /* Internal VID on the integration bridge. */
    ovs_be32 ep_ip, ep_mask;    /* Endpoint of ex-<t>, or 0. */
    char ep_ip_s[INET_ADDRSTRLEN];
    struct tenant_remote *remotes;   /* Sorted by node name. */
    size_t n_remotes;

    char br_int[TENANT_NAME_SIZE];   /* br-int-<t> */
    char br_tun[TENANT_NAME_SIZE];   /* br-tun-<t> */
    char patch_int[TENANT_NAME_SIZE]; /* pt-<t>: on br-int-<t>. */
    char patch_tun[TENANT_NAME_SIZE]; /* pi-<t>: on br-tun-<t>. */
    char ex[TENANT_NAME_SIZE];       /* ex-<t>: on the transport bridge. */

    bool flows_pending;         /* Some flows wait for ports to appear. */
};

/* A flow the module installs, as last installed. */
struct tenant_flow {
    struct hmap_node hmap_node; /* In struct tenant_bridge_flows, by spec. */
    char *spec;                 /* ovs-ofctl syntax, with cookie. */
    struct ofputil_flow_mod fm; /* 'spec' parsed as OFPFC_ADD. */
};

/* The flows the module installs in one bridge. */
struct tenant_bridge_flows {
    const struct ofproto *ofproto; /* The ofproto they were installed in. */
    struct hmap flows;          /* Contains struct tenant_flow. */
};

/* Databases. */
static char *db_remote;
static struct ovsdb_idl *ovs_idl;       /* Open_vSwitch. */
static struct ovsdb_idl *tenant_idl;    /* NFV_Tenant, NULL while off. */
static struct ovsdb_idl_txn *ovs_txn;   /* In flight, or NULL. */
static struct ovsdb_idl_txn *status_txn;
static unsigned int ovs_seqno, tenant_seqno;
static long long int next_check = LLONG_MIN;

/* The tenants of the last pass, by name. */
static struct hmap tenants = HMAP_INITIALIZER(&tenants);

/* Bridge name -> struct tenant_bridge_flows. */
static struct shash bridge_flows = SHASH_INITIALIZER(&bridge_flows);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

static void cloud_unixctl_show(struct unixctl_conn *, int argc,
                               const char *argv[], void *aux);
static void tenant_unixctl_show(struct unixctl_conn *, int argc,
                                const char *argv[], void *);
static void tenant_bridge_flows_remove(const char *bridge);
static void cloud_write_status(void);
struct cloud_network;
static void cloud_get_counters(const struct cloud_network *, struct smap *);
static bool tenant_parse_endpoint(const char *, ovs_be32 *ip, ovs_be32 *mask);
static void tenant_ensure_port_oc(const struct ovsrec_bridge *,
                                  struct ovsrec_bridge *, const char *name,
                                  const char *type, const struct smap *options,
                                  const struct smap *other_config,
                                  const struct smap *ids);

/* Settings of the NFV_Node row, with defaults. */
struct tenant_node_cfg {
    const char *node;
    const char *transport_bridge;
    const char *datapath_type;
    char *const *transport_ports;
    size_t n_transport_ports;
    char hostname[256];

    /* Inter-cloud expansion: NFV_Node:cloud_endpoint, parsed. */
    const char *cloud_endpoint; /* As written, or NULL. */
    ovs_be32 cloud_ip, cloud_mask; /* 0 if unset or invalid. */
    char cloud_ip_s[INET_ADDRSTRLEN];
};

static void
tenant_node_cfg_read(struct tenant_node_cfg *cfg)
{
    const struct nfvrec_nfv_node *rec = nfvrec_nfv_node_first(tenant_idl);

    memset(cfg, 0, sizeof *cfg);
    if (rec && rec->node) {
        cfg->node = rec->node;
    } else {
        if (gethostname(cfg->hostname, sizeof cfg->hostname - 1)) {
            ovs_strlcpy(cfg->hostname, "localhost", sizeof cfg->hostname);
        }
        cfg->node = cfg->hostname;
    }
    cfg->transport_bridge = (rec && rec->transport_bridge
                             ? rec->transport_bridge : "br-transport");
    cfg->datapath_type = (rec && rec->datapath_type
                          ? rec->datapath_type : "netdev");
    if (rec) {
        cfg->transport_ports = rec->transport_ports;
        cfg->n_transport_ports = rec->n_transport_ports;
        cfg->cloud_endpoint = rec->cloud_endpoint;
    }
    if (cfg->cloud_endpoint
        && tenant_parse_endpoint(cfg->cloud_endpoint, &cfg->cloud_ip,
                                 &cfg->cloud_mask)) {
        inet_ntop(AF_INET, &cfg->cloud_ip, cfg->cloud_ip_s,
                  sizeof cfg->cloud_ip_s);
    }
}

/* Tenant description. */

static bool
tenant_short_name_valid(const char *s)
{
    size_t len = strlen(s);

    return len >= 1 && len <= TENANT_SHORT_MAX
           && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789") == len;
}

static int
compare_remotes(const void *a_, const void *b_)
{
    const struct tenant_remote *a = a_, *b = b_;

    return strcmp(a->node, b->node);
}

/* Parses "A.B.C.D/PLEN" (PLEN 1..32) into 'ip' and 'mask'.  Returns true if
 * successful. */
static bool
tenant_parse_endpoint(const char *s, ovs_be32 *ip, ovs_be32 *mask)
{
    const char *slash = strchr(s, '/');
    char addr[INET_ADDRSTRLEN];
    unsigned int plen;

    if (!slash || slash - s >= sizeof addr) {
        return false;
    }
    memcpy(addr, s, slash - s);
    addr[slash - s] = '\0';
    if (inet_pton(AF_INET, addr, ip) != 1 || !*ip
        || !str_to_uint(slash + 1, 10, &plen) || plen < 1 || plen > 32) {
        return false;
    }
    *mask = be32_prefix_mask(plen);
    return true;
}

static void
tenant_destroy(struct tenant *t)
{
    free(t->error);
    free(t->remotes);
    free(t);
}

static void
tenants_clear(void)
{
    struct tenant *t;

    HMAP_FOR_EACH_POP (t, hmap_node, &tenants) {
        tenant_destroy(t);
    }
}

static struct tenant *
tenant_find(const char *name)
{
    struct tenant *t;

    HMAP_FOR_EACH_WITH_HASH (t, hmap_node, hash_string(name, 0), &tenants) {
        if (!strcmp(t->name, name)) {
            return t;
        }
    }
    return NULL;
}

/* Builds 't' from its row.  On a problem sets t->error. */
static void
tenant_from_rec(struct tenant *t, const struct nfvrec_tenant *rec)
{
    const char *short_name;

    t->rec = rec;
    t->name = rec->name;
    t->tunnel_type = rec->tunnel_type ? rec->tunnel_type : "gre";
    t->vlan = rec->n_local_vlan ? *rec->local_vlan : 1;
    t->key = rec->segmentation_id;

    short_name = rec->short_name ? rec->short_name : rec->name;
    if (!tenant_short_name_valid(short_name)) {
        t->error = (rec->short_name
                    ? xasprintf("short_name \"%s\" is not 1 to %d characters "
                                "of [a-z0-9]", short_name, TENANT_SHORT_MAX)
                    : xasprintf("name \"%s\" cannot name interfaces (1 to %d "
                                "characters of [a-z0-9]): set short_name",
                                rec->name, TENANT_SHORT_MAX));
        return;
    }
    if (!strcmp(short_name, "cloud")) {
        /* ex-cloud is the inter-cloud endpoint's port. */
        t->error = xasprintf("%s \"cloud\" is reserved (port %s is the "
                             "inter-cloud endpoint): set another short_name",
                             rec->short_name ? "short_name" : "name",
                             CLOUD_EX);
        return;
    }
    ovs_strlcpy(t->short_name, short_name, sizeof t->short_name);
    snprintf(t->br_int, sizeof t->br_int, "br-int-%s", short_name);
    snprintf(t->br_tun, sizeof t->br_tun, "br-tun-%s", short_name);
    snprintf(t->patch_int, sizeof t->patch_int, "pt-%s", short_name);
    snprintf(t->patch_tun, sizeof t->patch_tun, "pi-%s", short_name);
    snprintf(t->ex, sizeof t->ex, "ex-%s", short_name);

    if (strcmp(t->tunnel_type, "gre") && t->key > 0xffffff) {
        t->error = xasprintf("segmentation_id %"PRIu32" exceeds the 24-bit "
                             "%s VNI (at most 16777215)", t->key,
                             t->tunnel_type);
        return;
    }

    if (rec->endpoint) {
        if (!tenant_parse_endpoint(rec->endpoint, &t->ep_ip, &t->ep_mask)) {
            t->error = xasprintf("endpoint \"%s\" is not an IPv4 address "
                                 "with prefix length (A.B.C.D/PLEN)",
                                 rec->endpoint);
            return;
        }
        inet_ntop(AF_INET, &t->ep_ip, t->ep_ip_s, sizeof t->ep_ip_s);
    }

    t->n_remotes = smap_count(&rec->remote_endpoints);
    t->remotes = xcalloc(t->n_remotes ? t->n_remotes : 1,
                         sizeof *t->remotes);
    size_t i = 0;
    const struct smap_node *node;
    SMAP_FOR_EACH (node, &rec->remote_endpoints) {
        struct tenant_remote *r = &t->remotes[i++];

        r->node = node->key;
        if (inet_pton(AF_INET, node->value, &r->ip) != 1 || !r->ip) {
            t->error = xasprintf("remote endpoint \"%s\" of node %s is not "
                                 "an IPv4 address", node->value, node->key);
            return;
        }
    }
    qsort(t->remotes, t->n_remotes, sizeof *t->remotes, compare_remotes);

    for (size_t j = 0; j < rec->n_vm_ports; j++) {
        const struct nfvrec_vm_port *vm = rec->vm_ports[j];
        struct eth_addr mac;

        if (!eth_addr_from_string(vm->mac, &mac)
            || eth_addr_is_multicast(mac) || eth_addr_is_zero(mac)) {
            t->error = xasprintf("VM port %s: \"%s\" is not a unicast "
                                 "Ethernet address", vm->iface_id, vm->mac);
            return;
        }
    }
    if (t->n_remotes && !t->ep_ip) {
        t->error = xstrdup("remote endpoints need this node's endpoint");
    }
}

static const struct ovsrec_bridge *ovs_bridge_find(const char *name);

/* Returns true if tenant 'a' rather than 'b' keeps the short name both
 * claim: the tenant whose bridge br-int-<short name> is built (its
 * external_ids name it), else the one whose name sorts first. */
static bool
short_name_prefer(const struct tenant *a, const struct tenant *b)
{
    char name[TENANT_NAME_SIZE];

    snprintf(name, sizeof name, "br-int-%s", a->short_name);
    const struct ovsrec_bridge *br = ovs_bridge_find(name);
    const char *owner = br ? smap_get(&br->external_ids, EXT_TENANT) : NULL;
    if (owner && !strcmp(owner, a->name)) {
        return true;
    } else if (owner && !strcmp(owner, b->name)) {
        return false;
    }
    return strcmp(a->name, b->name) < 0;
}

/* Rebuilds 'tenants' from the NFV_Tenant database (after
 * ovs_bridge_index_rebuild()).  Of the rows that share a short name, one
 * keeps it (short_name_prefer()) and the others are in error: a row added
 * later never takes the names of a tenant already built, and which row
 * keeps them does not depend on the order the rows are read in. */
static void
tenants_read(void)
{
    const struct nfvrec_tenant *rec;
    struct shash short_names = SHASH_INITIALIZER(&short_names);
    struct tenant *t;

    tenants_clear();
    NFVREC_TENANT_FOR_EACH (rec, tenant_idl) {
        t = xzalloc(sizeof *t);
        tenant_from_rec(t, rec);
        if (!t->error) {
            const struct tenant *other = shash_find_data(&short_names,
                                                         t->short_name);
            if (!other || short_name_prefer(t, other)) {
                shash_replace(&short_names, t->short_name, t);
            }
        }
        hmap_insert(&tenants, &t->hmap_node, hash_string(t->name, 0));
    }
    HMAP_FOR_EACH (t, hmap_node, &tenants) {
        const struct tenant *keeper;

        if (!t->error) {
            keeper = shash_find_data(&short_names, t->short_name);
            if (keeper != t) {
                t->error = xasprintf("short name \"%s\" is also tenant %s's",
                                     t->short_name, keeper->name);
            }
        }
    }
    shash_destroy(&short_names);
}

/* Open_vSwitch lookups. */

/* Bridge name -> const struct ovsrec_bridge *, rebuilt on every pass: with
 * a thousand tenant bridges a linear search per lookup would dominate. */
static struct shash bridge_index = SHASH_INITIALIZER(&bridge_index);

static void
ovs_bridge_index_rebuild(void)
{
    const struct ovsrec_bridge *br;

    shash_clear(&bridge_index);
    OVSREC_BRIDGE_FOR_EACH (br, ovs_idl) {
        shash_add_once(&bridge_index, br->name, br);
    }
}

static const struct ovsrec_bridge *
ovs_bridge_find(const char *name)
{
    return shash_find_data(&bridge_index, name);
}

static const struct ovsrec_port *
ovs_port_find(const struct ovsrec_bridge *br, const char *name)
{
    for (size_t i = 0; br && i < br->n_ports; i++) {
        if (!strcmp(br->ports[i]->name, name)) {
            return br->ports[i];
        }
    }
    return NULL;
}

/* Returns true if 'port' has external_ids:nfv-role 'role'. */
static bool
port_has_role(const struct ovsrec_port *port, const char *role)
{
    const char *r = smap_get(&port->external_ids, EXT_ROLE);

    return r && !strcmp(r, role);
}

static bool
row_is_tenants(const struct smap *external_ids, const char *tenant)
{
    const char *owner = smap_get(external_ids, EXT_TENANT);

    return owner && !strcmp(owner, tenant);
}

/* Open_vSwitch writes.  All go into 'ovs_txn'. */

/* Sets 'ids' to external_ids naming tenant 'tenant' (may be NULL) and role
 * 'role'. */
static void
tenant_ids(struct smap *ids, const char *tenant, const char *role)
{
    smap_init(ids);
    if (tenant) {
        smap_add(ids, EXT_TENANT, tenant);
    }
    smap_add(ids, EXT_ROLE, role);
}

/* Returns a new Port row 'name' with one Interface of the same name, 'type'
 * and 'options' (may be NULL), both with 'ids'. */
static struct ovsrec_port *
tenant_port_create(const char *name, const char *type,
                   const struct smap *options, const struct smap *ids)
{
    struct ovsrec_interface *iface = ovsrec_interface_insert(ovs_txn);
    struct ovsrec_port *port = ovsrec_port_insert(ovs_txn);

    ovsrec_interface_set_name(iface, name);
    ovsrec_interface_set_type(iface, type);
    if (options) {
        ovsrec_interface_set_options(iface, options);
    }
    ovsrec_interface_set_external_ids(iface, ids);
    ovsrec_port_set_name(port, name);
    ovsrec_port_set_interfaces(port, &iface, 1);
    ovsrec_port_set_external_ids(port, ids);
    return port;
}

/* Makes bridge 'br' (NULL if it does not exist yet, then 'name' is created)
 * have port 'name' with one interface of 'type' and 'options' (NULL for
 * none).  An existing port's interface is corrected if it differs, except
 * that a NULL 'type' (an underlay port: "" when created, perhaps "dpdk" when
 * the operator made it) is left as it is. */
static void
tenant_ensure_port(const struct ovsrec_bridge *br, struct ovsrec_bridge *new,
                   const char *name, const char *type,
                   const struct smap *options, const struct smap *ids)
{
    tenant_ensure_port_oc(br, new, name, type, options, NULL, ids);
}

/* tenant_ensure_port(), and the interface's other_config holds the keys of
 * 'other_config' (NULL for none) with their values.  Other keys are left as
 * they are. */
static void
tenant_ensure_port_oc(const struct ovsrec_bridge *br,
                      struct ovsrec_bridge *new, const char *name,
                      const char *type, const struct smap *options,
                      const struct smap *other_config, const struct smap *ids)
{
    const struct ovsrec_port *port = ovs_port_find(br, name);
    const struct smap_node *node;

    if (!port) {
        struct ovsrec_port *p = tenant_port_create(name, type ? type : "",
                                                   options, ids);

        if (other_config) {
            ovsrec_interface_set_other_config(p->interfaces[0], other_config);
        }
        ovsrec_bridge_update_ports_addvalue(new ? new : br, p);
        return;
    }
    if (port->n_interfaces != 1) {
        return;                 /* A bond someone made: not ours to fix. */
    }

    const struct ovsrec_interface *iface = port->interfaces[0];
    if (type && strcmp(iface->type, type)) {
        ovsrec_interface_set_type(iface, type);
    }
    if (options && !smap_equal(&iface->options, options)) {
        ovsrec_interface_set_options(iface, options);
    }
    if (other_config) {
        SMAP_FOR_EACH (node, other_config) {
            const char *value = smap_get(&iface->other_config, node->key);

            if (!value || strcmp(value, node->value)) {
                ovsrec_interface_update_other_config_setkey(
                    iface, node->key, node->value);
            }
        }
    }
}

/* Removes 'port' from 'br' (the database deletes the unreferenced rows). */
static void
tenant_remove_port(const struct ovsrec_bridge *br,
                   const struct ovsrec_port *port)
{
    ovsrec_bridge_update_ports_delvalue(br, port);
}

/* Creates bridge 'name' with its local port.  Returns the new row. */
static struct ovsrec_bridge *
tenant_bridge_create(const struct ovsrec_open_vswitch *ovs, const char *name,
                     const char *datapath_type, const struct smap *ids)
{
    struct ovsrec_bridge *br = ovsrec_bridge_insert(ovs_txn);
    struct ovsrec_port *local = tenant_port_create(name, "internal", NULL,
                                                   ids);

    ovsrec_bridge_set_name(br, name);
    ovsrec_bridge_set_datapath_type(br, datapath_type);
    ovsrec_bridge_set_external_ids(br, ids);
    ovsrec_bridge_set_ports(br, &local, 1);
    ovsrec_open_vswitch_update_bridges_addvalue(ovs, br);
    return br;
}

/* Returns true if 'br''s controllers are exactly 't''s, with its packet-in
 * limits. */
static bool
tenant_controllers_match(const struct ovsrec_bridge *br,
                         const struct tenant *t)
{
    const struct nfvrec_tenant *rec = t->rec;

    if (br->n_controller != rec->n_controllers) {
        return false;
    }
    for (size_t i = 0; i < br->n_controller; i++) {
        const struct ovsrec_controller *c = br->controller[i];
        bool found = false;

        for (size_t j = 0; j < rec->n_controllers; j++) {
            if (!strcmp(c->target, rec->controllers[j])) {
                found = true;
                break;
            }
        }
        if (!found
            || c->n_controller_rate_limit != rec->n_packet_in_rate
            || (rec->n_packet_in_rate
                && *c->controller_rate_limit != *rec->packet_in_rate)
            || c->n_controller_burst_limit != rec->n_packet_in_burst
            || (rec->n_packet_in_burst
                && *c->controller_burst_limit != *rec->packet_in_burst)) {
            return false;
        }
    }
    return true;
}

static void
tenant_set_controllers(const struct ovsrec_bridge *br,
                       const struct tenant *t, const struct smap *ids)
{
    const struct nfvrec_tenant *rec = t->rec;
    struct ovsrec_controller **cs = xcalloc(rec->n_controllers + 1,
                                            sizeof *cs);

    for (size_t i = 0; i < rec->n_controllers; i++) {
        struct ovsrec_controller *c = ovsrec_controller_insert(ovs_txn);

        ovsrec_controller_set_target(c, rec->controllers[i]);
        ovsrec_controller_set_controller_rate_limit(
            c, rec->packet_in_rate, rec->n_packet_in_rate);
        ovsrec_controller_set_controller_burst_limit(
            c, rec->packet_in_burst, rec->n_packet_in_burst);
        ovsrec_controller_set_external_ids(c, ids);
        cs[i] = c;
    }
    ovsrec_bridge_set_controller(br, cs, rec->n_controllers);
    free(cs);
}

/* Makes 'br''s Flow_Table limits match 't''s flow_limit: every OpenFlow
 * table of the bridge refuses flows beyond the limit (OFPFMFC_TABLE_FULL),
 * or no limit. */
static void
tenant_ensure_flow_limit(const struct ovsrec_bridge *br,
                         const struct tenant *t, const struct smap *ids)
{
    const struct nfvrec_tenant *rec = t->rec;
    enum { N_TABLES = 254 };

    if (!rec->n_flow_limit) {
        if (br->n_flow_tables) {
            ovsrec_bridge_set_flow_tables(br, NULL, NULL, 0);
        }
        return;
    }

    if (br->n_flow_tables == N_TABLES) {
        const struct ovsrec_flow_table *ft = br->value_flow_tables[0];
        bool same = (ft->n_flow_limit && *ft->flow_limit == *rec->flow_limit
                     && ft->overflow_policy
                     && !strcmp(ft->overflow_policy, "refuse"));

        for (size_t i = 0; same && i < br->n_flow_tables; i++) {
            same = br->value_flow_tables[i] == ft;
        }
        if (same) {
            return;
        }
    }

    struct ovsrec_flow_table *ft = ovsrec_flow_table_insert(ovs_txn);
    int64_t keys[N_TABLES];
    struct ovsrec_flow_table *values[N_TABLES];

    ovsrec_flow_table_set_flow_limit(ft, rec->flow_limit, 1);
    ovsrec_flow_table_set_overflow_policy(ft, "refuse");
    ovsrec_flow_table_set_external_ids(ft, ids);
    for (int i = 0; i < N_TABLES; i++) {
        keys[i] = i;
        values[i] = ft;
    }
    ovsrec_bridge_set_flow_tables(br, keys, values, N_TABLES);
}

/* Makes one of 't''s bridges ('name', role 'role') exist with the tenant's
 * controllers, fail mode and limits.  Returns the existing row, or NULL if
 * it was created in this transaction (its ports are then added through
 * '*newp'). */
static const struct ovsrec_bridge *
tenant_ensure_bridge(const struct ovsrec_open_vswitch *ovs,
                     const struct tenant_node_cfg *cfg, struct tenant *t,
                     const char *name, const char *role,
                     struct ovsrec_bridge **newp)
{
    const struct ovsrec_bridge *br = ovs_bridge_find(name);
    const char *fail_mode = t->rec->fail_mode ? t->rec->fail_mode : "secure";
    struct smap ids;

    *newp = NULL;
    tenant_ids(&ids, t->name, role);
    if (br && !row_is_tenants(&br->external_ids, t->name)) {
        if (!t->error) {
            t->error = xasprintf("bridge %s exists and is not provisioned "
                                 "for this tenant", name);
        }
        smap_destroy(&ids);
        return NULL;
    }
    if (!br) {
        *newp = tenant_bridge_create(ovs, name, cfg->datapath_type, &ids);
        br = *newp;
    }
    if (!br->fail_mode || strcmp(br->fail_mode, fail_mode)) {
        ovsrec_bridge_set_fail_mode(br, fail_mode);
    }
    /* The tenant's controllers are reached through the host's IP stack,
     * never through the tenant's own bridges. */
    if (!smap_get_bool(&br->other_config, "disable-in-band", false)) {
        ovsrec_bridge_update_other_config_setkey(br, "disable-in-band",
                                                 "true");
    }
    if (*newp || !tenant_controllers_match(br, t)) {
        tenant_set_controllers(br, t, &ids);
    }
    tenant_ensure_flow_limit(br, t, &ids);
    smap_destroy(&ids);
    return *newp ? NULL : br;
}

/* Returns the tunnel port of 'br' for remote node 'node', or NULL. */
static const struct ovsrec_port *
tenant_tunnel_find(const struct ovsrec_bridge *br, const char *node)
{
    for (size_t i = 0; br && i < br->n_ports; i++) {
        const char *r = smap_get(&br->ports[i]->external_ids, EXT_REMOTE);

        if (r && !strcmp(r, node)) {
            return br->ports[i];
        }
    }
    return NULL;
}

/* Makes 't''s tunnel bridge ('br', or 'new' if created now) have exactly
 * one keyed tunnel per remote node. */
static void
tenant_ensure_tunnels(const struct ovsrec_bridge *br,
                      struct ovsrec_bridge *new, const struct tenant *t)
{
    struct sset names = SSET_INITIALIZER(&names);
    char key[16];

    snprintf(key, sizeof key, "%"PRIu32, t->key);

    /* Remove tunnels to nodes no longer listed. */
    for (size_t i = 0; br && i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        const char *r = smap_get(&port->external_ids, EXT_REMOTE);

        if (r && row_is_tenants(&port->external_ids, t->name)
            && !smap_get(&t->rec->remote_endpoints, r)) {
            tenant_remove_port(br, port);
        } else {
            sset_add(&names, port->name);
        }
    }

    for (size_t i = 0; i < t->n_remotes; i++) {
        const struct tenant_remote *r = &t->remotes[i];
        const struct ovsrec_port *port = tenant_tunnel_find(br, r->node);
        char name[TENANT_NAME_SIZE];
        char remote_ip[INET_ADDRSTRLEN];
        struct smap options, ids;

        if (port) {
            ovs_strlcpy(name, port->name, sizeof name);
        } else {
            for (int n = 0; n < 1000; n++) {
                snprintf(name, sizeof name, "tn-%s-%d", t->short_name, n);
                if (!sset_contains(&names, name)) {
                    break;
                }
            }
            sset_add(&names, name);
        }

        inet_ntop(AF_INET, &r->ip, remote_ip, sizeof remote_ip);
        smap_init(&options);
        smap_add(&options, "remote_ip", remote_ip);
        smap_add(&options, "local_ip", t->ep_ip_s);
        smap_add(&options, "key", key);
        tenant_ids(&ids, t->name, "tunnel");
        smap_add(&ids, EXT_REMOTE, r->node);
        tenant_ensure_port(br, new, name, t->tunnel_type, &options, &ids);
        smap_destroy(&options);
        smap_destroy(&ids);
    }
    sset_destroy(&names);
}

/* Makes 't''s two bridges, patch ports and tunnels exist. */
static void
tenant_ensure_bridges(const struct ovsrec_open_vswitch *ovs,
                      const struct tenant_node_cfg *cfg, struct tenant *t)
{
    const struct ovsrec_bridge *br_int, *br_tun;
    struct ovsrec_bridge *new_int, *new_tun;
    struct smap options, ids;

    br_int = tenant_ensure_bridge(ovs, cfg, t, t->br_int, "integration",
                                  &new_int);
    if (!br_int && !new_int) {
        return;
    }
    br_tun = tenant_ensure_bridge(ovs, cfg, t, t->br_tun, "tunnel",
                                  &new_tun);
    if (!br_tun && !new_tun) {
        return;
    }

    tenant_ids(&ids, t->name, "patch");
    smap_init(&options);
    smap_add(&options, "peer", t->patch_tun);
    tenant_ensure_port(br_int, new_int, t->patch_int, "patch", &options,
                       &ids);
    smap_replace(&options, "peer", t->patch_int);
    tenant_ensure_port(br_tun, new_tun, t->patch_tun, "patch", &options,
                       &ids);
    smap_destroy(&options);
    smap_destroy(&ids);

    tenant_ensure_tunnels(br_tun, new_tun, t);
}

/* Makes the transport bridge exist with the underlay ports and every
 * provisionable tenant's ex-<t> port, and removes ex-<t> ports of tenants
 * that are gone. */
static void
tenant_ensure_transport(const struct ovsrec_open_vswitch *ovs,
                        const struct tenant_node_cfg *cfg)
{
    const struct ovsrec_bridge *br = ovs_bridge_find(cfg->transport_bridge);
    struct ovsrec_bridge *new = NULL;
    struct smap ids;
    struct tenant *t;

    if (!br && hmap_is_empty(&tenants) && !cfg->cloud_ip) {
        return;
    } else if (!br) {
        tenant_ids(&ids, NULL, "transport");
        new = tenant_bridge_create(ovs, cfg->transport_bridge,
                                   cfg->datapath_type, &ids);
        smap_destroy(&ids);
    }

    tenant_ids(&ids, NULL, "underlay");
    for (size_t i = 0; i < cfg->n_transport_ports; i++) {
        tenant_ensure_port(br, new, cfg->transport_ports[i], NULL, NULL,
                           &ids);
    }
    smap_destroy(&ids);

    HMAP_FOR_EACH (t, hmap_node, &tenants) {
        if (!t->error) {
            tenant_ids(&ids, t->name, "endpoint");
            tenant_ensure_port(br, new, t->ex, "internal", NULL, &ids);
            smap_destroy(&ids);
        }
    }
    if (cfg->cloud_ip) {
        tenant_ids(&ids, NULL, CLOUD_ROLE_ENDPOINT);
        tenant_ensure_port(br, new, CLOUD_EX, "internal", NULL, &ids);
        smap_destroy(&ids);
    }

    for (size_t i = 0; br && i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        const char *owner = smap_get(&port->external_ids, EXT_TENANT);
        if ((owner && !tenant_find(owner))
            || (!cfg->cloud_ip && port_has_role(port,
                                                CLOUD_ROLE_ENDPOINT))) {
            tenant_remove_port(br, port);
        }
    }
}

/* Returns true if a port of 'br' is one of tenant 't''s VM ports (its one
 * interface's external_ids:iface-id is a VM_Port:iface_id of 't'). */
static bool
bridge_holds_vms_of(const struct ovsrec_bridge *br, const struct tenant *t)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        const char *iface_id = (port->n_interfaces == 1
                                ? smap_get(&port->interfaces[0]->external_ids,
                                           "iface-id")
                                : NULL);

        for (size_t j = 0; iface_id && j < t->rec->n_vm_ports; j++) {
            if (!strcmp(iface_id, t->rec->vm_ports[j]->iface_id)) {
                return true;
            }
        }
    }
    return false;
}

/* Removes the bridges of tenants that no longer exist.  Of a tenant not in
 * error (after tenant_ensure_bridges()) whose short name changed, removes
 * what ovs-vswitchd made under the old names: its integration bridge once
 * tenant_attach_vms() has moved its VM ports to the new one (on a later
 * pass: the new bridge must be committed first), its tunnel bridge, and
 * its endpoint port on the transport bridge.  Bridges the provider tagged
 * with the tenant's name (no nfv-role of ours) stay.  A tenant in error
 * keeps what it has. */
static void
tenant_remove_stale_bridges(const struct ovsrec_open_vswitch *ovs,
                            const struct tenant_node_cfg *cfg)
{
    for (size_t i = 0; i < ovs->n_bridges; i++) {
        const struct ovsrec_bridge *br = ovs->bridges[i];
        const char *owner = smap_get(&br->external_ids, EXT_TENANT);
        const char *role = smap_get(&br->external_ids, EXT_ROLE);
        const struct tenant *t = owner ? tenant_find(owner) : NULL;
        bool renamed = (t && !t->error && role
                        && ((!strcmp(role, "integration")
                             && strcmp(br->name, t->br_int)
                             && !bridge_holds_vms_of(br, t))
                            || (!strcmp(role, "tunnel")
                                && strcmp(br->name, t->br_tun))));

        if ((owner && !t) || renamed) {
            ovsrec_open_vswitch_update_bridges_delvalue(ovs, br);
            tenant_bridge_flows_remove(br->name);
        }
    }

    const struct ovsrec_bridge *transport
        = ovs_bridge_find(cfg->transport_bridge);
    for (size_t i = 0; transport && i < transport->n_ports; i++) {
        const struct ovsrec_port *port = transport->ports[i];
        const char *owner = smap_get(&port->external_ids, EXT_TENANT);
        const struct tenant *t = owner ? tenant_find(owner) : NULL;

        if (t && !t->error && port_has_role(port, "endpoint")
            && strcmp(port->name, t->ex)) {
            tenant_remove_port(transport, port);
        }
    }
}

/* Moves VM ports bound to a tenant (Interface external_ids:iface-id equal to
 * one of its VM_Port:iface_id) onto the tenant's integration bridge, as
 * access ports of its internal VID.  Only from a provider's bridge (no
 * external_ids:nfv-tenant) or the tenant's own: a port on another tenant's
 * bridge stays where it is (counted, logged), so that a tenant cannot have
 * its own interface moved into another tenant's network by giving it that
 * tenant's iface-id. */
static void
tenant_attach_vms(const struct ovsrec_open_vswitch *ovs)
{
    struct shash iface_ids = SHASH_INITIALIZER(&iface_ids);
    struct tenant *t;

    HMAP_FOR_EACH (t, hmap_node, &tenants) {
        if (!t->error) {
            for (size_t i = 0; i < t->rec->n_vm_ports; i++) {
                shash_add_once(&iface_ids, t->rec->vm_ports[i]->iface_id, t);
            }
        }
    }
    if (shash_is_empty(&iface_ids)) {
        shash_destroy(&iface_ids);
        return;
    }

    for (size_t i = 0; i < ovs->n_bridges; i++) {
        const struct ovsrec_bridge *br = ovs->bridges[i];

        for (size_t j = 0; j < br->n_ports; j++) {
            const struct ovsrec_port *port = br->ports[j];

            if (port->n_interfaces != 1) {
                continue;
            }
            const char *iface_id = smap_get(&port->interfaces[0]->external_ids,
                                            "iface-id");
            t = iface_id ? shash_find_data(&iface_ids, iface_id) : NULL;
            if (!t) {
                continue;
            }

            const char *br_owner = smap_get(&br->external_ids, EXT_TENANT);
            if (br_owner && strcmp(br_owner, t->name)) {
                COVERAGE_INC(tenant_vm_port_foreign);
                VLOG_WARN_RL(&rl, "not attaching port %s (iface-id %s) to "
                             "tenant %s: it is on bridge %s of tenant %s",
                             port->name, iface_id, t->name, br->name,
                             br_owner);
                continue;
            }

            const struct ovsrec_bridge *br_int = ovs_bridge_find(t->br_int);
            int64_t tag = t->vlan;
            if (!br_int) {
                continue;       /* Next pass, once the bridge exists. */
            }
            if (br != br_int) {
                VLOG_INFO("moving port %s (iface-id %s) from bridge %s to "
                          "tenant %s's %s", port->name, iface_id, br->name,
                          t->name, t->br_int);
                ovsrec_bridge_update_ports_delvalue(br, port);
                ovsrec_bridge_update_ports_addvalue(br_int, port);
            }
            if (port->n_tag != 1 || *port->tag != tag) {
                ovsrec_port_set_tag(port, &tag, 1);
            }
            if (!row_is_tenants(&port->external_ids, t->name)) {
                ovsrec_port_update_external_ids_setkey(port, EXT_TENANT,
                                                       t->name);
            }
        }
    }
    shash_destroy(&iface_ids);
}

/* Flows. */

static uint64_t
tenant_cookie(uint32_t key, enum tenant_rule rule)
{
    return TENANT_COOKIE_MAGIC << 40 | (uint64_t) rule << 32 | key;
}

static void
tenant_flow_destroy(struct tenant_flow *f)
{
    minimatch_destroy(&f->fm.match);
    free(f->fm.ofpacts);
    free(f->spec);
    free(f);
}

static struct tenant_bridge_flows *
tenant_bridge_flows_get(const char *bridge)
{
    struct tenant_bridge_flows *bf = shash_find_data(&bridge_flows, bridge);

    if (!bf) {
        bf = xzalloc(sizeof *bf);
        hmap_init(&bf->flows);
        shash_add(&bridge_flows, bridge, bf);
    }
    return bf;
}

static void
tenant_bridge_flows_clear(struct tenant_bridge_flows *bf)
{
    struct tenant_flow *f;

    HMAP_FOR_EACH_POP (f, hmap_node, &bf->flows) {
        tenant_flow_destroy(f);
    }
}

/* Forgets the flows installed in 'bridge' (which is going away). */
static void
tenant_bridge_flows_remove(const char *bridge)
{
    struct tenant_bridge_flows *bf = shash_find_and_delete(&bridge_flows,
                                                           bridge);
    if (bf) {
        tenant_bridge_flows_clear(bf);
        hmap_destroy(&bf->flows);
        free(bf);
    }
}

static struct tenant_flow *
tenant_flow_find(const struct hmap *flows, const char *spec)
{
    struct tenant_flow *f;

    HMAP_FOR_EACH_WITH_HASH (f, hmap_node, hash_string(spec, 0), flows) {
        if (!strcmp(f->spec, spec)) {
            return f;
        }
    }
    return NULL;
}

/* Returns true if 'ofproto' holds 'f' exactly: same match, priority,
 * cookie and actions. */
static bool
tenant_flow_present(const struct ofproto *ofproto,
                    const struct tenant_flow *f)
{
    const struct oftable *table = &ofproto->tables[f->fm.table_id];
    const struct cls_rule *cr = classifier_find_minimatch_exactly(
        &table->cls, &f->fm.match, f->fm.priority, OVS_VERSION_MAX);
    const struct rule *rule = cr ? rule_from_cls_rule(cr) : NULL;

    if (!rule || rule->flow_cookie != f->fm.new_cookie) {
        return false;
    }
    const struct rule_actions *actions = rule_get_actions(rule);
    return ofpacts_equal(actions->ofpacts, actions->ofpacts_len,
                         f->fm.ofpacts, f->fm.ofpacts_len);
}

/* Installs 'f' into 'ofproto'.  Returns 0 or an OpenFlow error. */
static enum ofperr
tenant_flow_install(struct ofproto *ofproto, struct tenant_flow *f)
{
    enum ofperr error = ofproto_flow_mod(ofproto, &f->fm);

    COVERAGE_INC(tenant_flow_install);
    if (error == OFPERR_OFPFMFC_UNKNOWN) {
        /* 'ofproto' is being destroyed (its bridge was just deleted and
         * re-created): the next pass finds the new one. */
        VLOG_DBG_RL(&rl, "%s: bridge is going away", ofproto->name);
    } else if (error) {
        COVERAGE_INC(tenant_flow_error);
        VLOG_WARN_RL(&rl, "%s: could not install flow \"%s\": %s",
                     ofproto->name, f->spec, ofperr_to_string(error));
    }
    return error;
}

/* Deletes the flow 'f' (same table, priority and match) from 'ofproto'. */
static void
tenant_flow_uninstall(struct ofproto *ofproto, const struct tenant_flow *f)
{
    struct ofputil_flow_mod fm = f->fm;

    fm.command = OFPFC_DELETE_STRICT;
    fm.ofpacts = NULL;
    fm.ofpacts_len = 0;
    fm.cookie = f->fm.new_cookie;
    fm.cookie_mask = OVS_BE64_MAX;
    fm.out_port = OFPP_ANY;
    fm.out_group = OFPG_ANY;
    ofproto_flow_mod(ofproto, &fm);
}

/* Returns true if 'flows' has a flow with the table, priority and match of
 * 'f'. */
static bool
tenant_flows_have_match(const struct hmap *flows, const struct tenant_flow *f)
{
    const struct tenant_flow *g;

    HMAP_FOR_EACH (g, hmap_node, flows) {
        if (g->fm.table_id == f->fm.table_id
            && g->fm.priority == f->fm.priority
            && minimatch_equal(&g->fm.match, &f->fm.match)) {
            return true;
        }
    }
    return false;
}

/* Makes bridge 'bridge' hold exactly the flows in 'specs' (of the flows the
 * module installs; the controller's own flows are left alone), and repairs
 * flows changed or deleted by others.  Returns an error message, or NULL. */
static char *
tenant_sync_flows(const char *bridge, const struct sset *specs)
{
    struct ofproto *ofproto = ofproto_lookup(bridge);
    struct tenant_bridge_flows *bf;
    struct hmap old;
    const char *spec;
    char *error = NULL;

    if (!ofproto) {
        return NULL;
    }
    bf = tenant_bridge_flows_get(bridge);
    if (bf->ofproto != ofproto) {
        /* New bridge, or ovs-vswitchd re-created it: nothing installed. */
        tenant_bridge_flows_clear(bf);
        bf->ofproto = ofproto;
    }

    hmap_init(&old);
    hmap_swap(&old, &bf->flows);
    SSET_FOR_EACH (spec, specs) {
        struct tenant_flow *f = tenant_flow_find(&old, spec);

        if (f) {
            hmap_remove(&old, &f->hmap_node);
            if (!tenant_flow_present(ofproto, f)) {
                COVERAGE_INC(tenant_flow_repair);
                VLOG_INFO_RL(&rl, "%s: restoring provisioned flow %s",
                             bridge, spec);
                tenant_flow_install(ofproto, f);
            }
        } else {
            enum ofputil_protocol usable;
            char *perr;

            f = xzalloc(sizeof *f);
            f->spec = xstrdup(spec);
            perr = parse_ofp_flow_mod_str(&f->fm, spec, NULL, NULL,
                                          OFPFC_ADD, &usable);
            if (perr) {
                /* A bug: the module writes these specs itself. */
                VLOG_ERR_RL(&rl, "%s: bad flow \"%s\": %s", bridge, spec,
                            perr);
                free(perr);
                free(f->spec);
                free(f);
                continue;
            }
            enum ofperr oerr = tenant_flow_install(ofproto, f);
            if (oerr && oerr != OFPERR_OFPFMFC_UNKNOWN && !error) {
                error = xasprintf("%s: flow rejected: %s", bridge,
                                  ofperr_to_string(oerr));
            }
        }
        hmap_insert(&bf->flows, &f->hmap_node, hash_string(f->spec, 0));
    }

    /* Flows no longer wanted, unless a wanted flow with the same match
     * already replaced it (OFPFC_ADD overwrites in place). */
    struct tenant_flow *f;
    HMAP_FOR_EACH_POP (f, hmap_node, &old) {
        if (!tenant_flows_have_match(&bf->flows, f)) {
            tenant_flow_uninstall(ofproto, f);
        }
        tenant_flow_destroy(f);
    }
    hmap_destroy(&old);
    return error;
}

/* Returns the OpenFlow port number of 'name' in 'ofproto', or OFPP_NONE. */
static ofp_port_t
tenant_ofport(const struct ofproto *ofproto, const char *name)
{
    struct ofproto_port port;
    ofp_port_t ofp_port = OFPP_NONE;

    if (ofproto && !ofproto_port_query_by_name(ofproto, name, &port)) {
        ofp_port = port.ofp_port;
        ofproto_port_destroy(&port);
    }
    return ofp_port;
}

/* Adds to 'specs' the table 0 rule of type 'rule' and 'priority' for
 * segmentation id 'key' (0 for rules shared by all tenants), whose match and
 * actions are 'format' in ovs-ofctl syntax ("MATCH,actions=ACTIONS" or just
 * "actions=ACTIONS"). */
static void OVS_PRINTF_FORMAT(5, 6)
add_flow(struct sset *specs, uint32_t key, enum tenant_rule rule,
         int priority, const char *format, ...)
{
    struct ds spec = DS_EMPTY_INITIALIZER;
    va_list args;

    ds_put_format(&spec, "cookie=%#"PRIx64",table=0,priority=%d,",
                  tenant_cookie(key, rule), priority);
    va_start(args, format);
    ds_put_format_valist(&spec, format, args);
    va_end(args);
    sset_add_and_free(specs, ds_steal_cstr(&spec));
}

/* Computes and installs 't''s Table I rules on its tunnel bridge and its
 * integration bridge's NORMAL rule. */
/* Applies 't''s group_limit to its bridges as ofproto's maximum number of
 * groups of each type, which every group-mod is checked against
 * (OFPGMFC_OUT_OF_GROUPS) and the group features reply announces; without a
 * limit, upstream's OFPG_MAX.  A bridge not in ofproto yet gets it on a
 * later pass. */
static void
tenant_sync_group_limit(const struct tenant *t)
{
    uint32_t max = (t->rec->n_group_limit
                    ? MIN(*t->rec->group_limit, OFPG_MAX) : OFPG_MAX);
    const char *bridges[] = { t->br_int, t->br_tun };

    for (size_t i = 0; i < ARRAY_SIZE(bridges); i++) {
        struct ofproto *ofproto = ofproto_lookup(bridges[i]);

        if (ofproto) {
            ovs_mutex_lock(&ofproto_mutex);
            for (size_t j = 0; j < ARRAY_SIZE(ofproto->ogf.max_groups); j++) {
                ofproto->ogf.max_groups[j] = max;
            }
            ovs_mutex_unlock(&ofproto_mutex);
        }
    }
}

/* Applies 't''s meter_limit to its bridges as ofproto's maximum number of
 * meters, which every meter-mod is checked against (OFPMMFC_OUT_OF_METERS,
 * patch 0011) and the meter features reply announces; never above, and
 * without a limit back to, what the datapath offers. */
static void
tenant_sync_meter_limit(const struct tenant *t)
{
    const char *bridges[] = { t->br_int, t->br_tun };

    for (size_t i = 0; i < ARRAY_SIZE(bridges); i++) {
        struct ofproto *ofproto = ofproto_lookup(bridges[i]);
        struct ofputil_meter_features features;

        if (!ofproto) {
            continue;
        }
        if (ofproto->ofproto_class->meter_get_features) {
            ofproto->ofproto_class->meter_get_features(ofproto, &features);
        } else {
            memset(&features, 0, sizeof features);
        }
        uint32_t max = features.max_meters;
        if (t->rec->n_meter_limit) {
            max = MIN(max, MIN(*t->rec->meter_limit, UINT32_MAX));
        }

        ovs_mutex_lock(&ofproto_mutex);
        ofproto->meter_features.max_meters = max;
        ovs_mutex_unlock(&ofproto_mutex);
    }
}

static void
tenant_sync_tenant_flows(struct tenant *t, const struct tenant_node_cfg *cfg)
{
    const struct ofproto *tun = ofproto_lookup(t->br_tun);
    struct sset specs = SSET_INITIALIZER(&specs);
    struct ds tunnels = DS_EMPTY_INITIALIZER;
    ofp_port_t *tun_ports = xcalloc(t->n_remotes + 1, sizeof *tun_ports);
    char *error = NULL;

    t->flows_pending = !tun || !ofproto_lookup(t->br_int);

    /* Integration bridge: a ToR switch for the tenant's VMs. */
    add_flow(&specs, t->key, TENANT_RULE_INTEGRATION, 0, "actions=NORMAL");
    error = tenant_sync_flows(t->br_int, &specs);
    sset_clear(&specs);

    /* Tunnel bridge. */
    ofp_port_t patch = tenant_ofport(tun, t->patch_tun);
    const struct ovsrec_bridge *br_tun = ovs_bridge_find(t->br_tun);
    for (size_t i = 0; i < t->n_remotes; i++) {
        const struct ovsrec_port *port = tenant_tunnel_find(br_tun,
                                                            t->remotes[i].node);
        tun_ports[i] = port ? tenant_ofport(tun, port->name) : OFPP_NONE;
        if (tun_ports[i] == OFPP_NONE) {
            t->flows_pending = true;
            continue;
        }

        /* Local ingress: from the tenant's tunnel with its key, tagged with
         * the internal VID, to the integration bridge. */
        if (patch != OFPP_NONE) {
            add_flow(&specs, t->key, TENANT_RULE_INGRESS, 300,
                     "in_port=%"PRIu16",tun_id=%#"PRIx32","
                     "actions=mod_vlan_vid:%d,output:%"PRIu16,
                     ofp_to_u16(tun_ports[i]), t->key, t->vlan,
                     ofp_to_u16(patch));
        }
        ds_put_format(&tunnels, ",output:%"PRIu32, ofp_to_u16(tun_ports[i]));
    }

    if (patch != OFPP_NONE) {
        /* Egress: to each VM on another node, through that node's tunnel. */
        for (size_t i = 0; i < t->rec->n_vm_ports; i++) {
            const struct nfvrec_vm_port *vm = t->rec->vm_ports[i];
            struct tenant_remote key = { .node = vm->node };
            struct eth_addr mac;
            const struct tenant_remote *r;

            if (!strcmp(vm->node, cfg->node)
                || !eth_addr_from_string(vm->mac, &mac)) {
                continue;
            }
            r = bsearch(&key, t->remotes, t->n_remotes, sizeof *t->remotes,
                        compare_remotes);
            if (!r || tun_ports[r - t->remotes] == OFPP_NONE) {
                continue;
            }
            add_flow(&specs, t->key, TENANT_RULE_EGRESS, 200,
                     "in_port=%"PRIu16",dl_vlan=%d,dl_dst="ETH_ADDR_FMT","
                     "actions=strip_vlan,set_tunnel:%#"PRIx32","
                     "output:%"PRIu16, ofp_to_u16(patch), t->vlan,
                     ETH_ADDR_ARGS(mac), t->key,
                     ofp_to_u16(tun_ports[r - t->remotes]));
        }

        /* Local flood: broadcast and unknown unicast to every tunnel. */
        if (tunnels.length) {
            add_flow(&specs, t->key, TENANT_RULE_FLOOD, 100,
                     "in_port=%"PRIu16",dl_vlan=%d,"
                     "actions=strip_vlan,set_tunnel:%#"PRIx32"%s",
                     ofp_to_u16(patch), t->vlan, t->key, ds_cstr(&tunnels));
        } else {
            add_flow(&specs, t->key, TENANT_RULE_FLOOD, 100,
                     "in_port=%"PRIu16",dl_vlan=%d,actions=drop",
                     ofp_to_u16(patch), t->vlan);
        }
    } else {
        t->flows_pending = true;
    }
    add_flow(&specs, t->key, TENANT_RULE_DEFAULT, 0, "actions=drop");

    char *tun_error = tenant_sync_flows(t->br_tun, &specs);
    if (!error) {
        error = tun_error;
    } else {
        free(tun_error);
    }
    if (error && !t->error) {
        t->error = error;
    } else {
        free(error);
    }

    sset_destroy(&specs);
    ds_destroy(&tunnels);
    free(tun_ports);
}

/* An ex-<t> port whose address the module has set. */
struct tenant_endpoint {
    ovs_be32 ip, mask;
    struct eth_addr mac;        /* The port's Ethernet address. */
    ofp_port_t ofport;          /* Its port number when it was set. */
    long long int checked;      /* When the address was last seen (ms). */
};

/* Port name -> struct tenant_endpoint. */
static struct shash endpoints = SHASH_INITIALIZER(&endpoints);

/* Turns IPv6 off on the host's device 'name' (an ex-<t> port): the
 * tenant's transport network is IPv4, and each IPv6 device would otherwise
 * send router solicitations and MLD reports into the transport bridge. */
static void
tenant_endpoint_quiet(const char *name)
{
    char *path = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
    FILE *file = fopen(path, "w");

    if (file) {
        fputs("1\n", file);
        fclose(file);
    }
    free(path);
}

/* Gives endpoint port 'ex' (ex-<t> or ex-cloud) address 'ip'/'mask' (the
 * text 'text', for logs) and brings it up, once the transport bridge has
 * the port.  'owner' names what the endpoint is for, in logs.  Returns false
 * while the port is not there yet (the caller retries soon).  Reading a
 * device's addresses lists every address of the host (getifaddrs), so a
 * port already done is looked at again only every TENANT_CHECK_INTERVAL ms
 * or when its port changes. */
static bool
endpoint_sync(const char *ex, ovs_be32 ip_, ovs_be32 mask_, const char *text,
              const char *owner, const struct tenant_node_cfg *cfg)
{
    const struct ofproto *transport = ofproto_lookup(cfg->transport_bridge);
    struct tenant_endpoint *ep = shash_find_data(&endpoints, ex);
    long long int now = time_msec();
    struct netdev *netdev;
    struct in6_addr *addrs, *masks;
    int n_addrs;
    bool present = false;
    ofp_port_t ofport;

    ofport = tenant_ofport(transport, ex);
    if (ep && ep->ip == ip_ && ep->mask == mask_
        && ep->ofport == ofport && now < ep->checked + TENANT_CHECK_INTERVAL) {
        return true;
    }
    if (ofport == OFPP_NONE || netdev_open(ex, NULL, &netdev)) {
        return false;
    }
    if (!ep) {
        ep = xzalloc(sizeof *ep);
        shash_add(&endpoints, ex, ep);
    }
    ep->ip = ip_;
    ep->mask = mask_;
    ep->ofport = ofport;
    ep->checked = now;
    if (!netdev_get_addr_list(netdev, &addrs, &masks, &n_addrs)) {
        for (int i = 0; i < n_addrs; i++) {
            if (in6_addr_get_mapped_ipv4(&addrs[i]) == ip_) {
                present = true;
            }
        }
        free(addrs);
        free(masks);
    }
    if (!present) {
        /* A new device (or one someone reset): quiet it and address it. */
        struct in_addr ip = { .s_addr = ip_ };
        struct in_addr mask = { .s_addr = mask_ };
        int error;

        tenant_endpoint_quiet(ex);
        error = netdev_set_in4(netdev, ip, mask);

        if (error == EOPNOTSUPP) {
            /* A datapath whose internal ports have no IP stack (dummy). */
            VLOG_DBG_RL(&rl, "%s: endpoint address %s: %s", ex, text,
                        ovs_strerror(error));
        } else if (error) {
            VLOG_WARN_RL(&rl, "%s: could not set endpoint address %s: %s",
                         ex, text, ovs_strerror(error));
        } else {
            VLOG_INFO("%s: %s endpoint address %s", ex, owner, text);
        }
    }
    netdev_get_etheraddr(netdev, &ep->mac);
    netdev_turn_flags_on(netdev, NETDEV_UP, NULL);
    netdev_close(netdev);
    return true;
}

/* Gives ex-<t> the tenant's endpoint address (endpoint_sync()). */
static void
tenant_sync_endpoint(struct tenant *t, const struct tenant_node_cfg *cfg)
{
    char *owner;

    if (!t->ep_ip) {
        return;
    }
    owner = xasprintf("tenant %s", t->name);
    if (!endpoint_sync(t->ex, t->ep_ip, t->ep_mask, t->rec->endpoint, owner,
                       cfg)) {
        t->flows_pending = true;
    }
    free(owner);
}

/* Adds to 'specs' the transport bridge's rules for endpoint 'ep' (NULL
 * while its port is not there: then nothing) with cookie 'key' and 'rule':
 * from the endpoint to the 'underlay' ports ("output:N,..."), to its
 * Ethernet address and ARP requests for its address to it. */
static void
add_endpoint_flows(struct sset *specs, uint32_t key, enum tenant_rule rule,
                   const struct tenant_endpoint *ep, const struct ds *underlay)
{
    uint16_t ex;

    if (!ep || ep->ofport == OFPP_NONE) {
        return;
    }
    ex = ofp_to_u16(ep->ofport);
    if (rule == TENANT_RULE_CLOUD) {
        /* Outer fragments from peers (their tunnels fragment): reassembled,
         * then through the bridge again whole, to tunnel termination. */
        add_flow(specs, key, rule, 160,
                 "ip,dl_dst="ETH_ADDR_FMT",nw_dst="IP_FMT",nw_frag=yes,"
                 "actions=reassemble", ETH_ADDR_ARGS(ep->mac),
                 IP_ARGS(ep->ip));
    }
    add_flow(specs, key, rule, 200, "in_port=%"PRIu16",actions=%s", ex,
             underlay->length ? ds_cstr_ro(underlay) : "drop");
    add_flow(specs, key, rule, 150,
             "dl_dst="ETH_ADDR_FMT",actions=output:%"PRIu16,
             ETH_ADDR_ARGS(ep->mac), ex);
    add_flow(specs, key, rule, 150,
             "arp,dl_dst=ff:ff:ff:ff:ff:ff,arp_tpa="IP_FMT","
             "actions=output:%"PRIu16, IP_ARGS(ep->ip), ex);
}

static void cloud_add_esp_flows(struct sset *specs,
                                const struct tenant_endpoint *);

/* True once the transport bridge holds ex-cloud's ESP rules (decryption,
 * and no plain tunnel packets from encrypting peers): only then do
 * encrypting peers' tunnels get br-cloud flows. */
static bool cloud_esp_guard;

/* Installs the transport bridge's flows.  Every ex-<t> port shares the
 * bridge with the underlay ports (those of the bridge the module did not
 * create for a tenant) but never talks to another tenant's ex port:
 *
 *   - from ex-<t>: out of the underlay ports only;
 *   - to ex-<t>'s Ethernet address, and ARP requests for its endpoint
 *     address: to ex-<t> only;
 *   - other broadcast and multicast from the underlay: to the bridge's
 *     local port only (never flooded over hundreds of ex ports).
 *
 * Everything else falls through to the bridge's own NORMAL rule. */
static void
tenant_sync_transport_flows(const struct tenant_node_cfg *cfg)
{
    const struct ofproto *ofproto = ofproto_lookup(cfg->transport_bridge);
    const struct ovsrec_bridge *br = ovs_bridge_find(cfg->transport_bridge);
    struct sset specs = SSET_INITIALIZER(&specs);
    struct ds underlay = DS_EMPTY_INITIALIZER;
    struct tenant *t;

    if (!ofproto || !br) {
        return;
    }
    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        ofp_port_t ofport;

        if (smap_get(&port->external_ids, EXT_TENANT)
            || port_has_role(port, CLOUD_ROLE_ENDPOINT)
            || !strcmp(port->name, br->name)) {
            continue;
        }
        ofport = tenant_ofport(ofproto, port->name);
        if (ofport != OFPP_NONE) {
            ds_put_format(&underlay, "%soutput:%"PRIu32,
                          underlay.length ? "," : "", ofp_to_u16(ofport));
            add_flow(&specs, 0, TENANT_RULE_TRANSPORT, 100,
                     "in_port=%"PRIu16",dl_dst=01:00:00:00:00:00"
                     "/01:00:00:00:00:00,actions=LOCAL", ofp_to_u16(ofport));
        }
    }

    HMAP_FOR_EACH (t, hmap_node, &tenants) {
        if (!t->error) {
            add_endpoint_flows(&specs, t->key, TENANT_RULE_TRANSPORT,
                               shash_find_data(&endpoints, t->ex), &underlay);
        }
    }
    if (cfg->cloud_ip) {
        add_endpoint_flows(&specs, 0, TENANT_RULE_CLOUD,
                           shash_find_data(&endpoints, CLOUD_EX), &underlay);
        cloud_add_esp_flows(&specs, shash_find_data(&endpoints, CLOUD_EX));
    }

    char *error = tenant_sync_flows(cfg->transport_bridge, &specs);
    cloud_esp_guard = (!error && cfg->cloud_ip
                       && shash_find_data(&endpoints, CLOUD_EX));
    if (error) {
        VLOG_WARN_RL(&rl, "%s", error);
        free(error);
    }
    ds_destroy(&underlay);
    sset_destroy(&specs);
}

/* Forgets endpoints of tenants that are gone. */
static void
tenant_endpoints_prune(const struct tenant_node_cfg *cfg)
{
    struct shash_node *node, *next;
    struct sset live = SSET_INITIALIZER(&live);
    struct tenant *t;

    HMAP_FOR_EACH (t, hmap_node, &tenants) {
        if (!t->error) {
            sset_add(&live, t->ex);
        }
    }
    if (cfg->cloud_ip) {
        sset_add(&live, CLOUD_EX);
    }
    SHASH_FOR_EACH_SAFE (node, next, &endpoints) {
        if (!sset_contains(&live, node->name)) {
            free(node->data);
            shash_delete(&endpoints, node);
        }
    }
    sset_destroy(&live);
}

/* Writes each tenant's Tenant:status if it changed. */
static void
tenant_write_status(void)
{
    struct tenant *t;

    if (status_txn) {
        enum ovsdb_idl_txn_status s = ovsdb_idl_txn_commit(status_txn);
        if (s == TXN_INCOMPLETE) {
            return;
        }
        ovsdb_idl_txn_destroy(status_txn);
        status_txn = NULL;
    }

    HMAP_FOR_EACH (t, hmap_node, &tenants) {
        struct smap status = SMAP_INITIALIZER(&status);

        smap_add(&status, "state", (t->error ? "error"
                                    : t->flows_pending ? "pending" : "ok"));
        if (t->error) {
            smap_add(&status, "error", t->error);
        } else {
            smap_add(&status, "integration_bridge", t->br_int);
            smap_add(&status, "tunnel_bridge", t->br_tun);
            smap_add(&status, "endpoint_port", t->ex);
        }
        if (!smap_equal(&status, &t->rec->status)) {
            if (!status_txn) {
                status_txn = ovsdb_idl_txn_create(tenant_idl);
            }
            nfvrec_tenant_set_status(t->rec, &status);
        }
        smap_destroy(&status);
    }
    cloud_write_status();
    if (status_txn) {
        ovsdb_idl_txn_commit(status_txn);
    }
}

/* Inter-cloud expansion: br-cloud.
 *
 * Cloud_Peer rows are the clouds this one tunnels to; Cloud_Network rows
 * are the local networks (a VLAN, or the untagged traffic, of an
 * integration bridge) stretched to some of those peers under one tunnel
 * key.  br-cloud gets one patch port per integration bridge in use and one
 * tunnel port per peer, and these OpenFlow tables:
 *
 *   0   classify: a network's frames from its patch (by VLAN: the tag is
 *       popped) or from its peers' tunnels (by tunnel key) get reg0 = the
 *       key and reg2 = 1 if they came from a tunnel, then go to table 10;
 *       everything else is dropped (a key from a peer the network is not
 *       expanded to, too);
 *  10   learn: the source MAC, per network, into table 20; frames with a
 *       multicast source are dropped;
 *  20   learned: reg0 and the destination MAC give reg1 = the port the
 *       address was seen on (idle timeout CLOUD_LEARN_IDLE s);
 *  30   output: reg1 known: to that port (tagged again for the patch, with
 *       the key for a tunnel); unknown or broadcast: to the patch and every
 *       peer of the network.  Split horizon: frames from a tunnel go only to
 *       the patch, unless the network's hub flag says this cloud relays
 *       between its peers.  OpenFlow never sends a frame back out of its
 *       input port. */

#define CLOUD_TABLE_CLASSIFY 0
#define CLOUD_TABLE_LEARN 10
#define CLOUD_TABLE_LEARNED 20
#define CLOUD_TABLE_OUTPUT 30
#define CLOUD_LEARN_IDLE 300    /* Seconds. */
#define CLOUD_STATS_INTERVAL 5000 /* ms between counter updates in OVSDB. */

/* A peer cloud, as this one tunnels to it. */
struct cloud_peer {
    struct hmap_node hmap_node; /* In 'cloud_peers', by name. */
    const struct nfvrec_cloud_peer *rec;
    const char *name;
    char *error;                /* Why there is no tunnel, or NULL. */
    ovs_be32 ip;
    const char *tunnel_type;    /* "vxlan", "gre" or "geneve". */
    char port[TENANT_NAME_SIZE]; /* cl-<p>, on br-cloud. */
    bool pending;               /* Its port is not in br-cloud yet. */
    bool encrypt;               /* ESP on its tunnel, nothing plain. */
};

/* A network expanded to peer clouds. */
struct cloud_network {
    struct hmap_node hmap_node; /* In 'cloud_networks', by name. */
    const struct nfvrec_cloud_network *rec;
    const char *name;
    char *error;                /* Why it is not expanded, or NULL. */
    uint32_t key;               /* Tunnel key (GRE key or VNI). */
    const char *bridge;         /* Integration bridge. */
    int vlan;                   /* 1..4094, or 0 for untagged traffic. */
    bool hub;
    char patch_int[TENANT_NAME_SIZE];   /* pc-<b>, on 'bridge'. */
    char patch_cloud[TENANT_NAME_SIZE]; /* pb-<b>, on br-cloud. */
    struct cloud_peer **peers;  /* Peers without error, sorted by name. */
    size_t n_peers;
    bool pending;               /* Some ports are not in br-cloud yet. */
};

static struct hmap cloud_peers = HMAP_INITIALIZER(&cloud_peers);
static struct hmap cloud_networks = HMAP_INITIALIZER(&cloud_networks);

static void
cloud_clear(void)
{
    struct cloud_network *n;
    struct cloud_peer *p;

    HMAP_FOR_EACH_POP (n, hmap_node, &cloud_networks) {
        free(n->error);
        free(n->peers);
        free(n);
    }
    HMAP_FOR_EACH_POP (p, hmap_node, &cloud_peers) {
        free(p->error);
        free(p);
    }
}

/* True if there is anything to expand: then br-cloud exists. */
static bool
cloud_wanted(const struct tenant_node_cfg *cfg)
{
    return (cfg->cloud_endpoint || !hmap_is_empty(&cloud_peers)
            || !hmap_is_empty(&cloud_networks));
}

static struct cloud_peer *
cloud_peer_find(const char *name)
{
    struct cloud_peer *p;

    HMAP_FOR_EACH_WITH_HASH (p, hmap_node, hash_string(name, 0),
                             &cloud_peers) {
        if (!strcmp(p->name, name)) {
            return p;
        }
    }
    return NULL;
}

/* Writes into 'out' (TENANT_NAME_SIZE bytes) 'prefix' followed by 'name' if
 * 'name' is 1 to CLOUD_NAME_MAX characters of 'chars', otherwise by the
 * first 'keep' characters of 'name' and 8 hex digits of its hash: an
 * interface name of at most 15 characters. */
static void
cloud_port_name(char *out, const char *prefix, const char *name,
                const char *chars, size_t keep)
{
    size_t len = strlen(name);

    if (len >= 1 && len <= CLOUD_NAME_MAX && strspn(name, chars) == len) {
        snprintf(out, TENANT_NAME_SIZE, "%s%s", prefix, name);
    } else {
        snprintf(out, TENANT_NAME_SIZE, "%s%.*s%08"PRIx32, prefix,
                 (int) MIN(keep, len), name, hash_string(name, 0));
    }
}

static int
compare_cloud_peers(const void *a_, const void *b_)
{
    const struct cloud_peer *const *a = a_, *const *b = b_;

    return strcmp((*a)->name, (*b)->name);
}

/* Rebuilds 'cloud_peers' and 'cloud_networks' from the NFV_Tenant
 * database, each with the reason it cannot be built, if any. */
static void
cloud_read(const struct tenant_node_cfg *cfg)
{
    static const char peer_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
    static const char bridge_chars[] = "abcdefghijklmnopqrstuvwxyz"
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
    const struct nfvrec_cloud_network *nrec;
    const struct nfvrec_cloud_peer *prec;
    struct shash ports = SHASH_INITIALIZER(&ports);
    struct shash vlans = SHASH_INITIALIZER(&vlans);

    cloud_clear();
    NFVREC_CLOUD_PEER_FOR_EACH (prec, tenant_idl) {
        struct cloud_peer *p = xzalloc(sizeof *p);
        const struct cloud_peer *other;

        p->rec = prec;
        p->name = prec->name;
        p->tunnel_type = prec->tunnel_type ? prec->tunnel_type : "vxlan";
        p->encrypt = prec->n_encrypt && *prec->encrypt;
        cloud_port_name(p->port, "cl-", p->name, peer_chars, 0);
        hmap_insert(&cloud_peers, &p->hmap_node, hash_string(p->name, 0));

        if (inet_pton(AF_INET, prec->remote_ip, &p->ip) != 1 || !p->ip) {
            p->error = xasprintf("remote_ip \"%s\" is not an IPv4 address",
                                 prec->remote_ip);
        } else if (!cfg->cloud_endpoint) {
            p->error = xstrdup("this cloud has no endpoint address "
                               "(NFV_Node cloud_endpoint)");
        } else if (!cfg->cloud_ip) {
            p->error = xasprintf("NFV_Node cloud_endpoint \"%s\" is not an "
                                 "IPv4 address with prefix length "
                                 "(A.B.C.D/PLEN)", cfg->cloud_endpoint);
        } else if ((other = shash_find_data(&ports, p->port))) {
            p->error = xasprintf("its tunnel port name %s is also peer %s's",
                                 p->port, other->name);
        } else {
            shash_add(&ports, p->port, p);
        }
    }

    NFVREC_CLOUD_NETWORK_FOR_EACH (nrec, tenant_idl) {
        struct cloud_network *n = xzalloc(sizeof *n);
        const struct cloud_network *other;
        char *vlan_key;

        n->rec = nrec;
        n->name = nrec->name;
        n->key = nrec->tunnel_key;
        n->bridge = nrec->bridge ? nrec->bridge : "br-int";
        n->vlan = nrec->n_local_vlan ? *nrec->local_vlan : 0;
        n->hub = nrec->n_hub && *nrec->hub;
        cloud_port_name(n->patch_int, "pc-", n->bridge, bridge_chars, 3);
        cloud_port_name(n->patch_cloud, "pb-", n->bridge, bridge_chars, 3);
        hmap_insert(&cloud_networks, &n->hmap_node, hash_string(n->name, 0));

        n->peers = xcalloc(nrec->n_peers ? nrec->n_peers : 1,
                           sizeof *n->peers);
        for (size_t i = 0; i < nrec->n_peers; i++) {
            struct cloud_peer *p = cloud_peer_find(nrec->peers[i]->name);

            if (p && !p->error) {
                n->peers[n->n_peers++] = p;
            }
        }
        qsort(n->peers, n->n_peers, sizeof *n->peers, compare_cloud_peers);

        vlan_key = xasprintf("%s/%d", n->bridge, n->vlan);
        other = shash_find_data(&vlans, vlan_key);
        if (other) {
            n->error = xasprintf("network %s has the same bridge %s and %s",
                                 other->name, n->bridge,
                                 n->vlan ? "local_vlan" : "untagged traffic");
        } else if (!strcmp(n->bridge, CLOUD_BRIDGE)) {
            n->error = xstrdup("bridge br-cloud is not an integration bridge");
        } else {
            shash_add(&vlans, vlan_key, n);
        }
        free(vlan_key);
        for (size_t i = 0; !n->error && i < n->n_peers; i++) {
            const struct cloud_peer *p = n->peers[i];

            if (strcmp(p->tunnel_type, "gre") && n->key > 0xffffff) {
                n->error = xasprintf("tunnel_key %"PRIu32" exceeds the "
                                     "24-bit VNI of %s peer %s (at most "
                                     "16777215)", n->key, p->tunnel_type,
                                     p->name);
            }
        }
    }
    shash_destroy(&ports);
    shash_destroy(&vlans);
}

/* Makes br-cloud, its tunnels and its patch ports (and each integration
 * bridge's) match the peers and networks, inside 'ovs_txn'; with nothing to
 * expand, removes them. */
static void
cloud_ensure(const struct ovsrec_open_vswitch *ovs,
             const struct tenant_node_cfg *cfg)
{
    const struct ovsrec_bridge *br = ovs_bridge_find(CLOUD_BRIDGE);
    struct ovsrec_bridge *new = NULL;
    struct sset bridges = SSET_INITIALIZER(&bridges); /* In use. */
    struct sset peers = SSET_INITIALIZER(&peers);     /* With a tunnel. */
    struct cloud_network *n;
    struct cloud_peer *p;
    struct smap ids, options, other_config;
    const char *role;

    role = br ? smap_get(&br->external_ids, EXT_ROLE) : NULL;
    if (br && (!role || strcmp(role, CLOUD_ROLE_BRIDGE))) {
        HMAP_FOR_EACH (n, hmap_node, &cloud_networks) {
            if (!n->error) {
                n->error = xstrdup("bridge br-cloud exists and was not made "
                                   "by ovs-vswitchd for inter-cloud "
                                   "expansion");
            }
        }
        return;
    }

    HMAP_FOR_EACH (n, hmap_node, &cloud_networks) {
        if (!n->error && !ovs_bridge_find(n->bridge)) {
            n->error = xasprintf("integration bridge %s does not exist",
                                 n->bridge);
        }
        if (!n->error) {
            sset_add(&bridges, n->bridge);
        }
    }

    /* Patch ports on integration bridges no network uses any more. */
    for (size_t i = 0; i < ovs->n_bridges; i++) {
        const struct ovsrec_bridge *b = ovs->bridges[i];

        for (size_t j = 0; b != br && j < b->n_ports; j++) {
            if (port_has_role(b->ports[j], CLOUD_ROLE_PATCH)
                && !sset_contains(&bridges, b->name)) {
                tenant_remove_port(b, b->ports[j]);
            }
        }
    }

    if (!cloud_wanted(cfg)) {
        if (br) {
            ovsrec_open_vswitch_update_bridges_delvalue(ovs, br);
            tenant_bridge_flows_remove(CLOUD_BRIDGE);
        }
        goto out;
    }

    if (!br) {
        tenant_ids(&ids, NULL, CLOUD_ROLE_BRIDGE);
        new = tenant_bridge_create(ovs, CLOUD_BRIDGE, cfg->datapath_type,
                                   &ids);
        smap_destroy(&ids);
        ovsrec_bridge_set_fail_mode(new, "secure");
        ovsrec_bridge_update_other_config_setkey(new, "disable-in-band",
                                                 "true");
    } else {
        if (!br->fail_mode || strcmp(br->fail_mode, "secure")) {
            ovsrec_bridge_set_fail_mode(br, "secure");
        }
        if (!smap_get_bool(&br->other_config, "disable-in-band", false)) {
            ovsrec_bridge_update_other_config_setkey(br, "disable-in-band",
                                                     "true");
        }
    }

    /* One tunnel per usable peer, clamping TCP MSS to what the underlay
     * carries and sending larger frames as outer IPv4 fragments (which the
     * peer's ex-cloud rules reassemble). */
    smap_init(&other_config);
    smap_add(&other_config, "nfv-clamp-mss", "auto");
    smap_add(&other_config, "nfv-fragment", "true");
    HMAP_FOR_EACH (p, hmap_node, &cloud_peers) {
        char remote_ip[INET_ADDRSTRLEN];

        if (p->error) {
            continue;
        }
        sset_add(&peers, p->name);
        inet_ntop(AF_INET, &p->ip, remote_ip, sizeof remote_ip);
        smap_init(&options);
        smap_add(&options, "remote_ip", remote_ip);
        smap_add(&options, "local_ip", cfg->cloud_ip_s);
        smap_add(&options, "key", "flow");
        smap_add(&options, "df_default", "false");
        tenant_ids(&ids, NULL, CLOUD_ROLE_TUNNEL);
        smap_add(&ids, EXT_CLOUD_PEER, p->name);
        /* A peer that encrypts gets ESP on its tunnel (nfv-esp.h). */
        struct smap oc;
        smap_clone(&oc, &other_config);
        smap_add(&oc, "nfv-esp", p->encrypt ? "true" : "false");
        tenant_ensure_port_oc(br, new, p->port, p->tunnel_type, &options,
                              &oc, &ids);
        smap_destroy(&oc);
        smap_destroy(&options);
        smap_destroy(&ids);
    }
    smap_destroy(&other_config);

    /* One patch pair per integration bridge in use.  (The ports of a pair
     * are looked up in the committed rows, so each pair is ensured once.) */
    struct sset done = SSET_INITIALIZER(&done);
    HMAP_FOR_EACH (n, hmap_node, &cloud_networks) {
        if (n->error || !sset_add(&done, n->bridge)) {
            continue;
        }
        tenant_ids(&ids, NULL, CLOUD_ROLE_PATCH);
        smap_add(&ids, EXT_CLOUD_BRIDGE, n->bridge);
        smap_init(&options);
        smap_add(&options, "peer", n->patch_cloud);
        tenant_ensure_port(ovs_bridge_find(n->bridge), NULL, n->patch_int,
                           "patch", &options, &ids);
        smap_replace(&options, "peer", n->patch_int);
        tenant_ensure_port(br, new, n->patch_cloud, "patch", &options, &ids);
        smap_destroy(&options);
        smap_destroy(&ids);
    }
    sset_destroy(&done);

    /* br-cloud's ports that nothing wants any more. */
    for (size_t i = 0; br && i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        const char *peer = smap_get(&port->external_ids, EXT_CLOUD_PEER);
        const char *ib = smap_get(&port->external_ids, EXT_CLOUD_BRIDGE);
        bool wanted = true;

        if (port_has_role(port, CLOUD_ROLE_TUNNEL)) {
            wanted = peer && sset_contains(&peers, peer)
                     && !strcmp(cloud_peer_find(peer)->port, port->name);
        } else if (port_has_role(port, CLOUD_ROLE_PATCH)) {
            wanted = false;
            HMAP_FOR_EACH (n, hmap_node, &cloud_networks) {
                if (!n->error && ib && !strcmp(n->bridge, ib)
                    && !strcmp(n->patch_cloud, port->name)) {
                    wanted = true;
                    break;
                }
            }
        }
        if (!wanted) {
            tenant_remove_port(br, port);
        }
    }

out:
    sset_destroy(&bridges);
    sset_destroy(&peers);
}

/* Adds to 'specs' a br-cloud flow for tunnel key 'key' (0 for flows shared
 * by all networks) in 'table' with 'priority'; 'format' is "MATCH,actions=
 * ACTIONS" or "actions=ACTIONS" in ovs-ofctl syntax. */
static void OVS_PRINTF_FORMAT(5, 6)
add_cloud_flow(struct sset *specs, uint32_t key, int table, int priority,
               const char *format, ...)
{
    struct ds spec = DS_EMPTY_INITIALIZER;
    va_list args;

    ds_put_format(&spec, "cookie=%#"PRIx64",table=%d,priority=%d,",
                  tenant_cookie(key, TENANT_RULE_CLOUD), table, priority);
    va_start(args, format);
    ds_put_format_valist(&spec, format, args);
    va_end(args);
    sset_add_and_free(specs, ds_steal_cstr(&spec));
}

/* Appends to 's' the actions that send a frame of 'n' out of its patch:
 * tagged with its VLAN again if it has one. */
static void
cloud_put_patch_output(struct ds *s, const struct cloud_network *n,
                       ofp_port_t patch)
{
    if (n->vlan) {
        ds_put_format(s, "mod_vlan_vid:%d,", n->vlan);
    }
    ds_put_format(s, "output:%"PRIu16, ofp_to_u16(patch));
}


/* Returns the OpenFlow port of peer 'p''s tunnel on br-cloud ('ofproto'),
 * or OFPP_NONE while it is not there or, for a peer that encrypts, while
 * its tunnel does not encrypt yet or ex-cloud's ESP rules are not in place:
 * an encrypting peer's tunnel never carries plaintext. */
static ofp_port_t
cloud_peer_ofport(const struct ofproto *ofproto, const struct cloud_peer *p)
{
    if (p->encrypt && (!cloud_esp_guard || !esp_tunnel_encrypts(p->port))) {
        return OFPP_NONE;
    }
    return tenant_ofport(ofproto, p->port);
}

/* Adds ex-cloud's ESP rules to 'specs' for endpoint 'ep' (none while its
 * port is not there): ESP from each encrypting peer (IP protocol 50, or
 * UDP to port 4500 from anywhere, RFC 3948) is reassembled if it comes in
 * fragments and decrypted; decrypted packets (pkt_mark ESP_PKT_MARK) go to
 * tunnel termination; plain VXLAN, Geneve and GRE from an encrypting peer
 * are dropped. */
static void
cloud_add_esp_flows(struct sset *specs, const struct tenant_endpoint *ep)
{
    const struct cloud_peer *p;
    bool any = false;

    if (!ep || ep->ofport == OFPP_NONE) {
        return;
    }
    HMAP_FOR_EACH (p, hmap_node, &cloud_peers) {
        if (p->error || !p->encrypt) {
            continue;
        }
        any = true;
        add_flow(specs, 0, TENANT_RULE_CLOUD, 170,
                 "ip,dl_dst="ETH_ADDR_FMT",nw_src="IP_FMT",nw_dst="IP_FMT","
                 "nw_proto=%d,actions=reassemble,esp_decrypt",
                 ETH_ADDR_ARGS(ep->mac), IP_ARGS(p->ip), IP_ARGS(ep->ip),
                 IPPROTO_ESP_);
        add_flow(specs, 0, TENANT_RULE_CLOUD, 165,
                 "udp,nw_src="IP_FMT",nw_dst="IP_FMT",tp_dst=4789,"
                 "actions=drop", IP_ARGS(p->ip), IP_ARGS(ep->ip));
        add_flow(specs, 0, TENANT_RULE_CLOUD, 165,
                 "udp,nw_src="IP_FMT",nw_dst="IP_FMT",tp_dst=6081,"
                 "actions=drop", IP_ARGS(p->ip), IP_ARGS(ep->ip));
        add_flow(specs, 0, TENANT_RULE_CLOUD, 165,
                 "ip,nw_src="IP_FMT",nw_dst="IP_FMT",nw_proto=47,"
                 "actions=drop", IP_ARGS(p->ip), IP_ARGS(ep->ip));
    }
    if (any) {
        add_flow(specs, 0, TENANT_RULE_CLOUD, 170,
                 "udp,dl_dst="ETH_ADDR_FMT",nw_dst="IP_FMT",tp_dst=%d,"
                 "actions=reassemble,esp_decrypt", ETH_ADDR_ARGS(ep->mac),
                 IP_ARGS(ep->ip), ESP_DEFAULT_UDP_PORT);
        add_flow(specs, 0, TENANT_RULE_CLOUD, 175,
                 "ip,pkt_mark=%#x,dl_dst="ETH_ADDR_FMT",nw_dst="IP_FMT","
                 "actions=output:%"PRIu16, ESP_PKT_MARK,
                 ETH_ADDR_ARGS(ep->mac), IP_ARGS(ep->ip),
                 ofp_to_u16(ep->ofport));
    }
}

/* Computes and installs br-cloud's flows (see the comment at the top of
 * this section). */
static void
cloud_sync_flows(const struct tenant_node_cfg *cfg)
{
    const struct ovsrec_bridge *br = ovs_bridge_find(CLOUD_BRIDGE);
    const char *role = br ? smap_get(&br->external_ids, EXT_ROLE) : NULL;
    const struct ofproto *ofproto = ofproto_lookup(CLOUD_BRIDGE);
    struct sset specs = SSET_INITIALIZER(&specs);
    struct cloud_network *n;
    struct cloud_peer *p;

    if (!cloud_wanted(cfg) || !role || strcmp(role, CLOUD_ROLE_BRIDGE)) {
        /* Nothing to expand, or a br-cloud someone else made: its flows
         * are not ours to touch. */
        tenant_bridge_flows_remove(CLOUD_BRIDGE);
        ofproto = NULL;
    }

    HMAP_FOR_EACH (p, hmap_node, &cloud_peers) {
        p->pending = (!p->error
                      && cloud_peer_ofport(ofproto, p) == OFPP_NONE);
    }
    if (!ofproto) {
        HMAP_FOR_EACH (n, hmap_node, &cloud_networks) {
            n->pending = !n->error;
        }
        return;
    }

    add_cloud_flow(&specs, 0, CLOUD_TABLE_CLASSIFY, 0, "actions=drop");
    add_cloud_flow(&specs, 0, CLOUD_TABLE_LEARN, 10,
                   "dl_src=01:00:00:00:00:00/01:00:00:00:00:00,actions=drop");
    add_cloud_flow(&specs, 0, CLOUD_TABLE_LEARN, 0,
                   "actions=learn(table=%d,idle_timeout=%d,priority=100,"
                   "cookie=%#"PRIx64",NXM_NX_REG0[],"
                   "NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
                   "load:NXM_OF_IN_PORT[]->NXM_NX_REG1[0..15]),"
                   "resubmit(,%d),resubmit(,%d)",
                   CLOUD_TABLE_LEARNED, CLOUD_LEARN_IDLE,
                   tenant_cookie(0, TENANT_RULE_CLOUD), CLOUD_TABLE_LEARNED,
                   CLOUD_TABLE_OUTPUT);

    HMAP_FOR_EACH (n, hmap_node, &cloud_networks) {
        struct ds flood = DS_EMPTY_INITIALIZER;
        struct ds local = DS_EMPTY_INITIALIZER;
        ofp_port_t patch;

        n->pending = false;
        if (n->error) {
            continue;
        }
        patch = tenant_ofport(ofproto, n->patch_cloud);
        if (patch == OFPP_NONE) {
            n->pending = true;
            continue;
        }

        /* From the local network. */
        if (n->vlan) {
            add_cloud_flow(&specs, n->key, CLOUD_TABLE_CLASSIFY, 100,
                           "in_port=%"PRIu16",dl_vlan=%d,actions=strip_vlan,"
                           "load:%#"PRIx32"->NXM_NX_REG0[],resubmit(,%d)",
                           ofp_to_u16(patch), n->vlan, n->key,
                           CLOUD_TABLE_LEARN);
        } else {
            add_cloud_flow(&specs, n->key, CLOUD_TABLE_CLASSIFY, 100,
                           "in_port=%"PRIu16",vlan_tci=0x0000/0x1fff,actions="
                           "load:%#"PRIx32"->NXM_NX_REG0[],resubmit(,%d)",
                           ofp_to_u16(patch), n->key, CLOUD_TABLE_LEARN);
        }
        cloud_put_patch_output(&local, n, patch);
        add_cloud_flow(&specs, n->key, CLOUD_TABLE_OUTPUT, 100,
                       "reg0=%#"PRIx32",reg1=%"PRIu16",actions=%s", n->key,
                       ofp_to_u16(patch), ds_cstr(&local));

        /* From and to each peer the network is expanded to. */
        ds_put_format(&flood, "set_tunnel:%#"PRIx32, n->key);
        for (size_t i = 0; i < n->n_peers; i++) {
            ofp_port_t t = cloud_peer_ofport(ofproto, n->peers[i]);

            if (t == OFPP_NONE) {
                n->pending = true;
                continue;
            }
            add_cloud_flow(&specs, n->key, CLOUD_TABLE_CLASSIFY, 100,
                           "in_port=%"PRIu16",tun_id=%#"PRIx32",actions="
                           "load:%#"PRIx32"->NXM_NX_REG0[],"
                           "load:1->NXM_NX_REG2[],resubmit(,%d)",
                           ofp_to_u16(t), n->key, n->key, CLOUD_TABLE_LEARN);
            add_cloud_flow(&specs, n->key, CLOUD_TABLE_OUTPUT, 100,
                           "reg0=%#"PRIx32",reg1=%"PRIu16",actions="
                           "set_tunnel:%#"PRIx32",output:%"PRIu16, n->key,
                           ofp_to_u16(t), n->key, ofp_to_u16(t));
            if (!n->hub) {
                add_cloud_flow(&specs, n->key, CLOUD_TABLE_OUTPUT, 110,
                               "reg0=%#"PRIx32",reg1=%"PRIu16",reg2=1,"
                               "actions=drop", n->key, ofp_to_u16(t));
            }
            ds_put_format(&flood, ",output:%"PRIu16, ofp_to_u16(t));
        }
        ds_put_char(&flood, ',');
        cloud_put_patch_output(&flood, n, patch);
        add_cloud_flow(&specs, n->key, CLOUD_TABLE_OUTPUT, 50,
                       "reg0=%#"PRIx32",actions=%s", n->key, ds_cstr(&flood));
        if (!n->hub) {
            add_cloud_flow(&specs, n->key, CLOUD_TABLE_OUTPUT, 60,
                           "reg0=%#"PRIx32",reg2=1,actions=%s", n->key,
                           ds_cstr(&local));
        }
        ds_destroy(&flood);
        ds_destroy(&local);
    }

    char *error = tenant_sync_flows(CLOUD_BRIDGE, &specs);
    if (error) {
        VLOG_WARN_RL(&rl, "%s", error);
        HMAP_FOR_EACH (n, hmap_node, &cloud_networks) {
            if (!n->error) {
                n->error = xstrdup(error);
            }
        }
        free(error);
    }
    sset_destroy(&specs);
}

/* Gives ex-cloud this cloud's endpoint address. */
static void
cloud_sync_endpoint(const struct tenant_node_cfg *cfg)
{
    if (cfg->cloud_ip
        && !endpoint_sync(CLOUD_EX, cfg->cloud_ip, cfg->cloud_mask,
                          cfg->cloud_endpoint, "inter-cloud", cfg)) {
        struct cloud_peer *p;

        HMAP_FOR_EACH (p, hmap_node, &cloud_peers) {
            p->pending |= !p->error;
        }
    }
}

/* Returns true if some peer or network waits for ports to appear. */
static bool
cloud_pending(void)
{
    const struct cloud_network *n;
    const struct cloud_peer *p;

    HMAP_FOR_EACH (p, hmap_node, &cloud_peers) {
        if (p->pending) {
            return true;
        }
    }
    HMAP_FOR_EACH (n, hmap_node, &cloud_networks) {
        if (n->pending) {
            return true;
        }
    }
    return false;
}

static const char *
cloud_state(const char *error, bool pending)
{
    return error ? "error" : pending ? "pending" : "ok";
}

/* Writes Cloud_Peer and Cloud_Network status where it changed, into
 * 'status_txn' (created if needed).  A network's frame counters
 * ("frames_from_<source>") are brought up to date at most every
 * CLOUD_STATS_INTERVAL ms. */
static void
cloud_write_status(void)
{
    static long long int next_stats = LLONG_MIN;
    long long int now = time_msec();
    bool stats = now >= next_stats;
    struct cloud_network *n;
    struct cloud_peer *p;

    if (stats) {
        next_stats = now + CLOUD_STATS_INTERVAL;
    }

    HMAP_FOR_EACH (p, hmap_node, &cloud_peers) {
        struct smap status = SMAP_INITIALIZER(&status);

        smap_add(&status, "state", cloud_state(p->error, p->pending));
        if (p->error) {
            smap_add(&status, "error", p->error);
        } else {
            smap_add(&status, "tunnel_port", p->port);
        }
        if (!smap_equal(&status, &p->rec->status)) {
            if (!status_txn) {
                status_txn = ovsdb_idl_txn_create(tenant_idl);
            }
            nfvrec_cloud_peer_set_status(p->rec, &status);
        }
        smap_destroy(&status);
    }
    HMAP_FOR_EACH (n, hmap_node, &cloud_networks) {
        struct smap status = SMAP_INITIALIZER(&status);

        smap_add(&status, "state", cloud_state(n->error, n->pending));
        if (n->error) {
            smap_add(&status, "error", n->error);
        } else {
            smap_add(&status, "cloud_bridge", CLOUD_BRIDGE);
            smap_add(&status, "patch_port", n->patch_int);
            if (stats) {
                struct smap counts = SMAP_INITIALIZER(&counts);
                const struct smap_node *c;

                cloud_get_counters(n, &counts);
                SMAP_FOR_EACH (c, &counts) {
                    smap_add_nocopy(&status,
                                    xasprintf("frames_from_%s", c->key),
                                    xstrdup(c->value));
                }
                smap_destroy(&counts);
            } else {
                const struct smap_node *c;

                SMAP_FOR_EACH (c, &n->rec->status) {
                    if (!strncmp(c->key, "frames_from_", 12)) {
                        smap_add(&status, c->key, c->value);
                    }
                }
            }
        }
        if (!smap_equal(&status, &n->rec->status)) {
            if (!status_txn) {
                status_txn = ovsdb_idl_txn_create(tenant_idl);
            }
            nfvrec_cloud_network_set_status(n->rec, &status);
        }
        smap_destroy(&status);
    }
}

/* The pass. */

static void
tenant_reconcile(void)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(ovs_idl);
    struct tenant_node_cfg cfg;
    struct tenant *t;

    COVERAGE_INC(tenant_reconcile);
    if (!ovs) {
        return;
    }
    tenant_node_cfg_read(&cfg);
    ovs_bridge_index_rebuild();
    tenants_read();
    cloud_read(&cfg);

    if (!ovs_txn) {
        ovs_txn = ovsdb_idl_txn_create(ovs_idl);
        ovsdb_idl_txn_add_comment(ovs_txn, "ovs-vswitchd: tenant "
                                  "provisioning (nfv-tenant)");
        tenant_ensure_transport(ovs, &cfg);
        HMAP_FOR_EACH (t, hmap_node, &tenants) {
            if (!t->error) {
                tenant_ensure_bridges(ovs, &cfg, t);
            }
        }
        tenant_remove_stale_bridges(ovs, &cfg);
        tenant_attach_vms(ovs);
        cloud_ensure(ovs, &cfg);
    }

    HMAP_FOR_EACH (t, hmap_node, &tenants) {
        if (!t->error) {
            tenant_sync_endpoint(t, &cfg);
            tenant_sync_tenant_flows(t, &cfg);
            tenant_sync_group_limit(t);
            tenant_sync_meter_limit(t);
        }
    }
    cloud_sync_flows(&cfg);
    cloud_sync_endpoint(&cfg);
    tenant_endpoints_prune(&cfg);
    tenant_sync_transport_flows(&cfg);
    tenant_write_status();
}

/* Finishes the Open_vSwitch transaction if it is done.  Returns false while
 * it is in flight. */
static bool
tenant_ovs_txn_done(void)
{
    if (!ovs_txn) {
        return true;
    }

    enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(ovs_txn);
    if (status == TXN_INCOMPLETE) {
        return false;
    }
    if (status == TXN_ERROR || status == TXN_NOT_LOCKED) {
        COVERAGE_INC(tenant_txn_error);
        VLOG_WARN_RL(&rl, "Open_vSwitch transaction failed: %s",
                     ovsdb_idl_txn_get_error(ovs_txn));
        next_check = time_msec() + TENANT_CHECK_INTERVAL;
    } else if (status == TXN_TRY_AGAIN) {
        next_check = time_msec();
    }
    ovsdb_idl_txn_destroy(ovs_txn);
    ovs_txn = NULL;
    return true;
}

/* Starts or stops watching NFV_Tenant as Open_vSwitch:other_config:
 * nfv-tenants says. */
static void
tenant_update_enabled(void)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(ovs_idl);
    bool enabled = ovs && smap_get_bool(&ovs->other_config, "nfv-tenants",
                                        false);

    if (enabled && !tenant_idl) {
        VLOG_INFO("tenant provisioning enabled: reading the NFV_Tenant "
                  "database");
        tenant_idl = ovsdb_idl_create(db_remote, &nfvrec_idl_class, true,
                                      true);
        ovsdb_idl_omit_alert(tenant_idl, &nfvrec_tenant_col_status);
        ovsdb_idl_omit_alert(tenant_idl, &nfvrec_cloud_peer_col_status);
        ovsdb_idl_omit_alert(tenant_idl, &nfvrec_cloud_network_col_status);
        tenant_seqno = ovsdb_idl_get_seqno(tenant_idl);
    } else if (!enabled && tenant_idl) {
        VLOG_INFO("tenant provisioning disabled");
        if (status_txn) {
            ovsdb_idl_txn_destroy(status_txn);
            status_txn = NULL;
        }
        tenants_clear();
        cloud_clear();
        ovsdb_idl_destroy(tenant_idl);
        tenant_idl = NULL;
    }
}

/* Connects to the Open_vSwitch database.  Called once this ovs-vswitchd is
 * the active one (nfv_is_active()): a standby process never connects. */
static void
tenant_connect(void)
{
    ovs_idl = ovsdb_idl_create(db_remote, &ovsrec_idl_class, false, true);
    ovsdb_idl_set_leader_only(ovs_idl, false);

    static const struct ovsdb_idl_column *columns[] = {
        &ovsrec_open_vswitch_col_bridges,
        &ovsrec_open_vswitch_col_other_config,
        &ovsrec_bridge_col_name,
        &ovsrec_bridge_col_ports,
        &ovsrec_bridge_col_datapath_type,
        &ovsrec_bridge_col_fail_mode,
        &ovsrec_bridge_col_controller,
        &ovsrec_bridge_col_flow_tables,
        &ovsrec_bridge_col_external_ids,
        &ovsrec_bridge_col_other_config,
        &ovsrec_port_col_name,
        &ovsrec_port_col_interfaces,
        &ovsrec_port_col_tag,
        &ovsrec_port_col_external_ids,
        &ovsrec_interface_col_name,
        &ovsrec_interface_col_type,
        &ovsrec_interface_col_options,
        &ovsrec_interface_col_other_config,
        &ovsrec_interface_col_external_ids,
        &ovsrec_controller_col_target,
        &ovsrec_controller_col_controller_rate_limit,
        &ovsrec_controller_col_controller_burst_limit,
        &ovsrec_controller_col_external_ids,
        &ovsrec_flow_table_col_flow_limit,
        &ovsrec_flow_table_col_overflow_policy,
        &ovsrec_flow_table_col_external_ids,
    };
    for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
        ovsdb_idl_add_column(ovs_idl, columns[i]);
    }
    ovs_seqno = ovsdb_idl_get_seqno(ovs_idl);
}

static void
tenant_init(const char *remote)
{
    db_remote = xstrdup(remote);
    unixctl_command_register("nfv/tenant-show", "[tenant]", 0, 1,
                             tenant_unixctl_show, NULL);
    unixctl_command_register("nfv/cloud-show", "[peer|network]", 0, 1,
                             cloud_unixctl_show, NULL);
}

/* Tenant isolation's OpenFlow side (nfv-isolation.c): tells it which bridges
 * are whose.  A tenant's bridges are those its description names (so that
 * the policy is in place before the bridges are created) and those whose
 * external_ids:nfv-tenant names it.  While the Open_vSwitch database is not
 * read, nothing is known and every connection waits; with tenant
 * provisioning off, no bridge is a tenant's. */
static unsigned int iso_ovs_seqno, iso_tenant_seqno;
static int iso_state = -1;

/* 'rec''s OpenFlow message rate and burst (0: none; the schema keeps them
 * within range). */
static unsigned int
tenant_msg_rate(const struct nfvrec_tenant *rec)
{
    return rec && rec->n_of_msg_rate ? *rec->of_msg_rate : 0;
}

static unsigned int
tenant_msg_burst(const struct nfvrec_tenant *rec)
{
    return rec && rec->n_of_msg_burst ? *rec->of_msg_burst : 0;
}

static void
tenant_isolation_update(void)
{
    bool ovs_ready = ovs_idl && ovsdb_idl_has_ever_connected(ovs_idl);
    bool tenants_ready = (tenant_idl
                          && ovsdb_idl_has_ever_connected(tenant_idl));
    int state = ovs_ready | (tenant_idl != NULL) << 1 | tenants_ready << 2;
    unsigned int os = ovs_ready ? ovsdb_idl_get_seqno(ovs_idl) : 0;
    unsigned int ts = tenants_ready ? ovsdb_idl_get_seqno(tenant_idl) : 0;

    if (state == iso_state && os == iso_ovs_seqno && ts == iso_tenant_seqno) {
        return;
    }
    iso_state = state;
    iso_ovs_seqno = os;
    iso_tenant_seqno = ts;

    struct isolation_policy p;
    isolation_policy_init(&p);
    const struct ovsrec_open_vswitch *ovs
        = ovs_ready ? ovsrec_open_vswitch_first(ovs_idl) : NULL;
    p.known = ovs_ready;
    if (!ovs || !tenant_idl) {
        isolation_set_policy(&p);
        isolation_policy_destroy(&p);
        return;
    }

    const char *providers = smap_get_def(&ovs->other_config,
                                         "nfv-provider-identity", "");
    nfv_identity_list_parse(providers, &p.providers);
    p.tls_only = smap_get_bool(&ovs->other_config, "nfv-tenant-tls-only",
                               false);

    /* Tenant rows by name, and how many rows claim each short name. */
    struct shash recs = SHASH_INITIALIZER(&recs);
    struct simap claims = SIMAP_INITIALIZER(&claims);
    if (tenants_ready) {
        const struct nfvrec_tenant *rec;

        NFVREC_TENANT_FOR_EACH (rec, tenant_idl) {
            shash_add_once(&recs, rec->name, rec);
            simap_increase(&claims, (rec->short_name ? rec->short_name
                                     : rec->name), 1);
        }
    }

    /* Bridges already built belong to the tenant their external_ids name:
     * that is registered first, so that no row describing the same names
     * (a duplicate short name, a row in error) can claim them. */
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH (br, ovs_idl) {
        const char *owner = smap_get(&br->external_ids, EXT_TENANT);

        if (owner) {
            const struct nfvrec_tenant *rec = shash_find_data(&recs, owner);
            const char *identity = (!rec ? NULL
                                    : rec->ovsdb_identity ? rec->ovsdb_identity
                                    : rec->name);

            isolation_policy_add(&p, br->name, owner, identity,
                                 !tenants_ready, tenant_msg_rate(rec),
                                 tenant_msg_burst(rec));
        }
    }

    /* Then the bridges each row describes, so that its controller is
     * admitted from the moment they are built, unless more than one row
     * claims the short name (then only providers, until one row has it). */
    if (tenants_ready) {
        const struct nfvrec_tenant *rec;

        NFVREC_TENANT_FOR_EACH (rec, tenant_idl) {
            const char *short_name = (rec->short_name ? rec->short_name
                                      : rec->name);
            const char *identity = (rec->ovsdb_identity ? rec->ovsdb_identity
                                    : rec->name);

            if (tenant_short_name_valid(short_name)
                && strcmp(short_name, "cloud")
                && simap_get(&claims, short_name) == 1) {
                char name[TENANT_NAME_SIZE];

                snprintf(name, sizeof name, "br-int-%s", short_name);
                isolation_policy_add(&p, name, rec->name, identity, false,
                                     tenant_msg_rate(rec),
                                     tenant_msg_burst(rec));
                snprintf(name, sizeof name, "br-tun-%s", short_name);
                isolation_policy_add(&p, name, rec->name, identity, false,
                                     tenant_msg_rate(rec),
                                     tenant_msg_burst(rec));
            }
        }
    }
    simap_destroy(&claims);
    shash_destroy(&recs);

    isolation_set_policy(&p);
    isolation_policy_destroy(&p);
}

static void
tenant_run__(void)
{
    if (!nfv_is_active()) {
        /* Standby, or not yet connected: the active ovs-vswitchd, or this
         * one once it holds the lock, provisions.  Connections already
         * open stay open (tenant_wait() keeps them serviced) but nothing
         * is read or written. */
        if (ovs_idl) {
            ovsdb_idl_run(ovs_idl);
        }
        if (tenant_idl) {
            ovsdb_idl_run(tenant_idl);
        }
        return;
    }
    if (!ovs_idl) {
        tenant_connect();
    }
    ovsdb_idl_run(ovs_idl);
    tenant_update_enabled();
    if (!tenant_idl) {
        return;
    }
    ovsdb_idl_run(tenant_idl);
    if (!ovsdb_idl_has_ever_connected(tenant_idl)
        || !ovsdb_idl_has_ever_connected(ovs_idl)) {
        return;
    }

    bool done = tenant_ovs_txn_done();
    if (!done && ovsdb_idl_get_seqno(tenant_idl) != tenant_seqno) {
        /* The rows the tenants and clouds point into may be gone: forget
         * them until the next pass reads them again (nfv/tenant-show and
         * nfv/cloud-show read them meanwhile). */
        tenants_clear();
        cloud_clear();
    }
    unsigned int os = ovsdb_idl_get_seqno(ovs_idl);
    unsigned int ts = ovsdb_idl_get_seqno(tenant_idl);
    if (done && (os != ovs_seqno || ts != tenant_seqno
                 || time_msec() >= next_check)) {
        ovs_seqno = os;
        tenant_seqno = ts;
        tenant_reconcile();

        bool pending = false;
        struct tenant *t;
        HMAP_FOR_EACH (t, hmap_node, &tenants) {
            pending |= !t->error && t->flows_pending;
        }
        pending |= cloud_pending();
        next_check = time_msec() + (pending ? TENANT_RETRY_INTERVAL
                                    : TENANT_CHECK_INTERVAL);
        tenant_ovs_txn_done();
    }
}

static void
tenant_run(void)
{
    tenant_run__();
    tenant_isolation_update();
}

static void
tenant_wait(void)
{
    if (!ovs_idl) {
        return;
    }
    ovsdb_idl_wait(ovs_idl);
    if (!nfv_is_active()) {
        if (tenant_idl) {
            ovsdb_idl_wait(tenant_idl);
        }
        return;
    }
    if (tenant_idl) {
        ovsdb_idl_wait(tenant_idl);
        if (ovs_txn) {
            ovsdb_idl_txn_wait(ovs_txn);
        }
        if (status_txn) {
            ovsdb_idl_txn_wait(status_txn);
        }
        poll_timer_wait_until(next_check);
    }
}

static void
tenant_destroy_module(void)
{
    struct shash_node *node, *next;

    SHASH_FOR_EACH_SAFE (node, next, &bridge_flows) {
        tenant_bridge_flows_remove(node->name);
    }
    tenants_clear();
    cloud_clear();
    shash_destroy_free_data(&endpoints);
    shash_destroy(&bridge_index);
    if (ovs_txn) {
        ovsdb_idl_txn_destroy(ovs_txn);
        ovs_txn = NULL;
    }
    if (status_txn) {
        ovsdb_idl_txn_destroy(status_txn);
        status_txn = NULL;
    }
    ovsdb_idl_destroy(tenant_idl);
    tenant_idl = NULL;
    ovsdb_idl_destroy(ovs_idl);
    ovs_idl = NULL;
    free(db_remote);
    db_remote = NULL;
}

/* Returns true if the tenant module can answer an ovs-appctl command now;
 * otherwise replies to 'conn' with the reason and returns false. */
static bool
tenant_unixctl_ready(struct unixctl_conn *conn)
{
    if (!nfv_is_active()) {
        unixctl_command_reply_error(conn, "this ovs-vswitchd is not active "
                                    "(connecting, or another ovs-vswitchd "
                                    "holds the database lock)");
        return false;
    }
    if (!tenant_idl) {
        unixctl_command_reply_error(conn, "tenant provisioning is off "
                                    "(Open_vSwitch other_config:nfv-tenants)");
        return false;
    }
    return true;
}

/* "ovs-appctl nfv/tenant-show [TENANT]": one block per tenant (or just
 * TENANT): state, error, bridges and the flows installed in each. */
static void
tenant_unixctl_show(struct unixctl_conn *conn, int argc, const char *argv[],
                    void *aux OVS_UNUSED)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    struct tenant *t;

    if (!tenant_unixctl_ready(conn)) {
        return;
    }
    HMAP_FOR_EACH (t, hmap_node, &tenants) {
        if (argc > 1 && strcmp(argv[1], t->name)) {
            continue;
        }
        ds_put_format(&ds, "tenant %s: %s\n", t->name,
                      t->error ? "error" : t->flows_pending ? "pending" : "ok");
        if (t->error) {
            ds_put_format(&ds, "  error: %s\n", t->error);
            continue;
        }
        const char *bridges[] = { t->br_int, t->br_tun };
        for (size_t i = 0; i < ARRAY_SIZE(bridges); i++) {
            const struct tenant_bridge_flows *bf
                = shash_find_data(&bridge_flows, bridges[i]);
            ds_put_format(&ds, "  %s: %"PRIuSIZE" provisioned flows\n",
                          bridges[i], bf ? hmap_count(&bf->flows) : 0);
        }
    }
    if (argc > 1 && !ds.length) {
        unixctl_command_reply_error(conn, "no such tenant");
    } else {
        unixctl_command_reply(conn, ds_cstr(&ds));
    }
    ds_destroy(&ds);
}

/* Returns the packets counted by the br-cloud flow 'f', or 0. */
static uint64_t
cloud_flow_packets(struct ofproto *ofproto, const struct tenant_flow *f)
{
    const struct oftable *table = &ofproto->tables[f->fm.table_id];
    const struct cls_rule *cr = classifier_find_minimatch_exactly(
        &table->cls, &f->fm.match, f->fm.priority, OVS_VERSION_MAX);
    struct pkt_stats stats = { .n_packets = 0 };
    long long int used;

    if (cr) {
        struct rule *rule = rule_from_cls_rule(cr);

        ofproto->ofproto_class->rule_get_stats(rule, &stats, &used);
    }
    return stats.n_packets;
}

/* Puts into 'counts' (source name -> frames, as a decimal string) the
 * frames network 'n' received from its integration bridge and from each of
 * its peers, as counted by its table 0 flows. */
static void
cloud_get_counters(const struct cloud_network *n, struct smap *counts)
{
    struct ofproto *ofproto = ofproto_lookup(CLOUD_BRIDGE);
    const struct tenant_bridge_flows *bf = shash_find_data(&bridge_flows,
                                                           CLOUD_BRIDGE);
    const struct tenant_flow *f;

    if (!ofproto || !bf || bf->ofproto != ofproto) {
        return;
    }
    HMAP_FOR_EACH (f, hmap_node, &bf->flows) {
        struct match match;
        const char *from = NULL;

        if (f->fm.table_id != CLOUD_TABLE_CLASSIFY
            || f->fm.new_cookie != htonll(tenant_cookie(n->key,
                                                        TENANT_RULE_CLOUD))) {
            continue;
        }
        minimatch_expand(&f->fm.match, &match);
        if (match.flow.in_port.ofp_port
            == tenant_ofport(ofproto, n->patch_cloud)) {
            from = n->bridge;
        }
        for (size_t i = 0; !from && i < n->n_peers; i++) {
            if (match.flow.in_port.ofp_port
                == tenant_ofport(ofproto, n->peers[i]->port)) {
                from = n->peers[i]->name;
            }
        }
        if (from) {
            smap_add_format(counts, from, "%"PRIu64,
                            cloud_flow_packets(ofproto, f));
        }
    }
}

/* Appends to 'ds' network 'n''s frame counters (cloud_get_counters()),
 * its integration bridge first, then its peers by name. */
static void
cloud_put_counters(struct ds *ds, const struct cloud_network *n)
{
    struct smap counts = SMAP_INITIALIZER(&counts);
    const char *value;

    cloud_get_counters(n, &counts);
    value = smap_get(&counts, n->bridge);
    if (value) {
        ds_put_format(ds, "  frames from %s: %s\n", n->bridge, value);
    }
    for (size_t i = 0; i < n->n_peers; i++) {
        value = smap_get(&counts, n->peers[i]->name);
        if (value) {
            ds_put_format(ds, "  frames from %s: %s\n", n->peers[i]->name,
                          value);
        }
    }
    smap_destroy(&counts);
}

/* "ovs-appctl nfv/cloud-show [NAME]": this cloud's endpoint, each peer and
 * each network (or just the peer or network NAME): state, error, ports, and
 * each network's frame counters per source. */
static void
cloud_unixctl_show(struct unixctl_conn *conn, int argc, const char *argv[],
                   void *aux OVS_UNUSED)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    const struct cloud_network *n;
    const struct cloud_peer *p;
    const char *name = argc > 1 ? argv[1] : NULL;

    if (!tenant_unixctl_ready(conn)) {
        return;
    }
    if (!name) {
        const struct nfvrec_nfv_node *node = nfvrec_nfv_node_first(tenant_idl);

        ds_put_format(&ds, "cloud endpoint: %s\n",
                      node && node->cloud_endpoint ? node->cloud_endpoint
                      : "(none)");
    }
    HMAP_FOR_EACH (p, hmap_node, &cloud_peers) {
        if (name && strcmp(name, p->name)) {
            continue;
        }
        ds_put_format(&ds, "peer %s: %s\n", p->name,
                      cloud_state(p->error, p->pending));
        if (p->error) {
            ds_put_format(&ds, "  error: %s\n", p->error);
        } else {
            ds_put_format(&ds, "  %s tunnel %s to "IP_FMT"\n", p->tunnel_type,
                          p->port, IP_ARGS(p->ip));
        }
    }
    HMAP_FOR_EACH (n, hmap_node, &cloud_networks) {
        if (name && strcmp(name, n->name)) {
            continue;
        }
        ds_put_format(&ds, "network %s: %s\n", n->name,
                      cloud_state(n->error, n->pending));
        if (n->error) {
            ds_put_format(&ds, "  error: %s\n", n->error);
            continue;
        }
        ds_put_format(&ds, "  tunnel key %"PRIu32", bridge %s ", n->key,
                      n->bridge);
        if (n->vlan) {
            ds_put_format(&ds, "VLAN %d", n->vlan);
        } else {
            ds_put_cstr(&ds, "untagged");
        }
        ds_put_format(&ds, " (patch %s)%s\n  peers:", n->patch_int,
                      n->hub ? ", hub: relays between its peers" : "");
        for (size_t i = 0; i < n->n_peers; i++) {
            ds_put_format(&ds, " %s", n->peers[i]->name);
        }
        ds_put_cstr(&ds, n->n_peers ? "\n" : " (none)\n");
        cloud_put_counters(&ds, n);
    }
    if (name && !ds.length) {
        unixctl_command_reply_error(conn, "no such peer or network");
    } else {
        unixctl_command_reply(conn, ds_cstr(&ds));
    }
    ds_destroy(&ds);
}

const struct nfv_module nfv_tenant_module = {
    .name = "tenant",
    .init = tenant_init,
    .run = tenant_run,
    .wait = tenant_wait,
    .destroy = tenant_destroy_module,
};
