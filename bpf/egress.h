/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Egress gateway datapath: the structs and constants shared by the tc
 * programs in egress.bpf.c and by user space (egress/, agent/, tools/,
 * tests).  Plain C on <linux/types.h> only, so both sides compile it
 * unchanged.  The contract it implements is /work/egress-contract.md.
 *
 * Addresses are 16 bytes in network byte order wherever a key or value
 * holds either family; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d, RFC
 * 4291 section 2.5.5.2), as in overlay.h.  The LPM keys of the policy
 * tries are per family, because a trie matches bits from the left.
 *
 * Maps (all pinned by name under EGR_PIN_DIR; a restarted ferryd adopts
 * them):
 *
 *   egr_src4, egr_src6   LPM tries, source prefix -> struct egr_src_val
 *                        (the prefix's class).  User space writes.
 *   egr_dst4, egr_dst6   LPM tries, (class, destination prefix) ->
 *                        struct egr_dst_val (policy id, action).
 *   egr_policy           array, policy id -> struct egr_policy.
 *   egr_config           array of one struct egr_config.
 *   egr_ct               hash (not LRU), original tuple -> struct
 *                        egr_ct_val.  BPF writes, user space GCs.
 *   egr_rev              hash (not LRU), reply tuple -> struct
 *                        egr_rev_val.  Created and deleted with its
 *                        egr_ct entry; see below.
 *   egr_frag             LRU hash, fragment id -> struct egr_frag_val:
 *                        the translation of a fragmented datagram, for
 *                        the fragments after the first, which carry no
 *                        ports.  Short-lived; eviction only loses a
 *                        datagram being reassembled.
 *   egr_stats            per-CPU array, enum egr_stat -> struct
 *                        egr_stat_val.
 *
 * One connection is one egr_ct entry plus one egr_rev entry.  The egr_rev
 * key is the translated tuple as a reply carries it, so it doubles as the
 * reservation of the translated port: BPF creates it first with
 * BPF_NOEXIST (a failure means "port taken, try the next"), then the
 * egr_ct entry, and deletes the egr_rev entry again if that fails.
 * Neither map is LRU, so the kernel never evicts either half; only
 * egress_nat_gc() (egress/egress_nat.c) deletes them, egr_ct first and
 * then egr_rev, so that a live egr_ct entry always owns its port.  Both
 * maps have the same max_entries (user space sets `egress.nat.table-size`
 * on both before they are created).
 */
#ifndef FERRY_BPF_EGRESS_H
#define FERRY_BPF_EGRESS_H

#include <linux/types.h>

#define EGR_PIN_DIR "/sys/fs/bpf/ferry"

#define EGR_PROG_OUT "egr_out" /* tc egress of egress.interfaces */
#define EGR_PROG_IN  "egr_in"  /* tc ingress of the same interfaces */
/* tcx egress of the overlay's vxlan device on a node, ahead of ovl_egress */
#define EGR_PROG_OVL "egr_ovl_out"
#define EGR_LINK_OVL "egr_ovl_out_link" /* its pinned link */

#define EGR_MAP_SRC4	 "egr_src4"
#define EGR_MAP_SRC6	 "egr_src6"
#define EGR_MAP_DST4	 "egr_dst4"
#define EGR_MAP_DST6	 "egr_dst6"
#define EGR_MAP_POLICY	 "egr_policy"
#define EGR_MAP_CONFIG	 "egr_config"
#define EGR_MAP_CT	 "egr_ct"
#define EGR_MAP_REV	 "egr_rev"
#define EGR_MAP_FRAG	 "egr_frag"
#define EGR_MAP_PIN	 "egr_pin"
#define EGR_MAP_STATS	 "egr_stats"
#define EGR_MAP_SYNC	 "egr_sync"
#define EGR_MAP_SYNC_CTL "egr_sync_ctl"

/*
 * Default capacities; user space may change any of them with
 * bpf_map__set_max_entries() before the maps are first created.  egr_ct
 * and egr_rev must have the same size.  egr_ct and egr_rev are
 * preallocated: no allocation on the packet path, and memory is
 * max_entries * (key + value) whatever the load.
 */
#define EGR_SRC_MAX_ENTRIES  16384
#define EGR_DST_MAX_ENTRIES  65536
#define EGR_POLICY_MAX	     4096 /* policy ids are 0 .. EGR_POLICY_MAX - 1 */
#define EGR_CT_MAX_ENTRIES   262144
#define EGR_FRAG_MAX_ENTRIES 8192
#define EGR_PIN_MAX_ENTRIES  65536
#define EGR_SYNC_RING_BYTES  (1U << 20) /* egr_sync: some 10,000 records */

/* skb->mark bit set by egr_out on frames steered into the overlay. */
#define EGR_MARK_STEERED 0x00100000U

/* Port range used when egr_config says 0..0. */
#define EGR_PORT_MIN_DEFAULT 1024
#define EGR_PORT_MAX_DEFAULT 65535

/* --- policy classification (user space writes, BPF reads) -------------- */

struct egr_src4_key {
	__u32 prefixlen; /* 0..32 */
	__be32 addr;
};

struct egr_src6_key {
	__u32 prefixlen; /* 0..128 */
	__be32 addr[4];
};

struct egr_src_val {
	__u32 class;
};

/*
 * (class, destination prefix).  prefixlen = 32 + the destination length,
 * so the class always matches exactly.  class is in network byte order so
 * the key reads as one big-endian bit string, as LPM tries expect.
 */
struct egr_dst4_key {
	__u32 prefixlen; /* 32..64 */
	__be32 class;
	__be32 daddr;
};

struct egr_dst6_key {
	__u32 prefixlen; /* 32..160 */
	__be32 class;
	__be32 daddr[4];
};

#define EGR_CLASS_BITS 32

enum egr_action {
	EGR_ACT_SKIP = 0,   /* leave the packet alone */
	EGR_ACT_POLICY = 1, /* policy applies */
};

struct egr_dst_val {
	__u32 policy; /* index into egr_policy */
	__u32 action; /* enum egr_action */
};

#define EGR_GW_MAX 8 /* a policy's gateways; nodes hash flows across them */

#define EGR_GW_UP    0x01 /* usable */
#define EGR_GW_LOCAL 0x02 /* this host: SNAT here */

struct egr_gw {
	__be32 endpoint[4]; /* underlay, IPv4 as ::ffff:a.b.c.d */
	__u32 vni;	    /* host order */
	__u8 mac[6];	    /* the gateway's overlay device MAC */
	__u8 flags;	    /* EGR_GW_* */
	__u8 pad;
};

#define EGR_POL_ACTIVE 0x01
/*
 * Served here with the NAT state synchronised to the policy's other
 * gateways (egress.sync): its connections carry EGR_CT_F_SYNC.
 */
#define EGR_POL_SYNC 0x02

/*
 * port_lo..port_hi (host order, inclusive): this host's slice of the
 * translated ports, where it is the k-th of n gateways sharing the
 * policy's egress IP (the k-th of n blocks of egr_config's range, user
 * space computes both ends); the original port is kept only inside it.
 * 0..0: no slice, the whole of egr_config's range, and the original port
 * is kept whatever it is.
 */
struct egr_policy {
	__u32 flags; /* EGR_POL_ACTIVE; inactive: as EGR_ACT_SKIP */
	__u32 ngw;   /* 0: drop, count EGR_DROP_NO_GATEWAY */
	struct egr_gw gw[EGR_GW_MAX];
	__be32 egress4;	   /* SNAT address for IPv4, 0: none */
	__be32 egress6[4]; /* for IPv6, all zero: none */
	__u16 port_lo;	   /* slice, see above; 0..0: none */
	__u16 port_hi;
};

/*
 * Global settings.  ovl_ifindex and ovl_mac are ferry's vxlan device;
 * local4/local6 the underlay source put into the tunnel key of steered
 * frames (the same values as ovl_config; zero lets the kernel choose).
 * port_min..port_max (host order, inclusive) is the range translated
 * ports are drawn from when the original one is taken; 0..0 means
 * EGR_PORT_MIN_DEFAULT..EGR_PORT_MAX_DEFAULT.  flags: none yet, zero.
 */
struct egr_config {
	__u32 ovl_ifindex;
	__u8 ovl_mac[6];
	__u16 port_min;
	__u16 port_max;
	__u16 pad;
	__u32 flags;
	__be32 local4;
	__be32 local6[4];
};

/* --- NAT table (BPF writes, user space reads, GCs and adopts) ---------- */

/*
 * A connection as one packet of it carries it.  TCP and UDP: the ports.
 * ICMP and ICMPv6 echo: the identifier stands for the port that the
 * request's sender chose, that is sport in the direction from the pod
 * (egr_ct keys) and dport in the reply direction (egr_rev keys); the
 * other port is zero.  proto is the IP protocol number (IPPROTO_ICMP for
 * IPv4, IPPROTO_ICMPV6 for IPv6).
 */
struct egr_tuple {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3]; /* zero */
};

/* ct state: TCP as followed by egr_out and egr_in; 0 for UDP and ICMP. */
enum egr_ct_state {
	EGR_CT_NONE = 0,	 /* UDP, ICMP echo */
	EGR_TCP_SYN_SENT = 1,	 /* SYN from the pod, no SYN+ACK yet */
	EGR_TCP_ESTABLISHED = 2, /* SYN+ACK seen, or picked up mid-stream */
	EGR_TCP_FIN = 3,	 /* a FIN seen in either direction */
	EGR_TCP_CLOSED = 4,	 /* an RST seen in either direction */
};

#define EGR_CT_F_REPLY	0x01 /* a reply has been seen */
#define EGR_CT_F_SYNC	0x02 /* of a synchronised policy: report changes */
#define EGR_CT_F_SYNCED 0x04 /* created by ferryd from a peer's record */

/*
 * egr_sync: a ring buffer of the changes to connections of synchronised
 * policies, for ferryd to send to the peer gateways (egress/egress_sync.c).
 * EGR_SYNC_OPEN when egr_out creates one, EGR_SYNC_STATE when a reply
 * moves its TCP state (the gateway that sees the replies may not be the
 * one that translated the SYN).  Closes and refreshes come from ferryd's
 * GC, not from here.  A record that finds the ring full is counted
 * (EGR_STAT_SYNC_LOST) and the peers learn the connection at the next
 * full resync.
 *
 * The first packet of a new connection is held: copied, translated, into
 * its OPEN record (pkt_len > 0) and dropped, for ferryd to send out of
 * ifindex once the peers acknowledged the record, so that the reply,
 * whichever gateway it reaches, finds the connection there.  Only while
 * ferryd is there to do it (egr_sync_ctl.alive_until, its heartbeat) and
 * for a packet of at most EGR_SYNC_PKT_MAX bytes; otherwise the packet
 * goes at once and only the record waits in the ring.
 */
enum egr_sync_kind {
	EGR_SYNC_OPEN = 1,
	EGR_SYNC_STATE = 2,
};

#define EGR_SYNC_PKT_MAX 192

struct egr_sync_rec {
	struct egr_tuple orig; /* the egr_ct key */
	struct egr_tuple rev;  /* the egr_rev key */
	__u32 policy;	       /* this host's policy id */
	__u8 kind;	       /* enum egr_sync_kind */
	__u8 state;	       /* enum egr_ct_state after the change */
	__u8 flags;	       /* EGR_CT_F_* after the change */
	__u8 pad;
	__u32 ifindex;		    /* where a held packet goes out */
	__u32 pkt_len;		    /* 0: nothing held */
	__u64 stamp;		    /* bpf_ktime_get_ns() of the hold */
	__u8 pkt[EGR_SYNC_PKT_MAX]; /* the held frame, from its MAC header */
};

/* egr_sync_ctl: array of one, written by ferryd. */
struct egr_sync_ctl {
	__u64 alive_until; /* CLOCK_MONOTONIC ns; hold packets until then */
};

/*
 * egr_ct: key = struct egr_tuple of the original direction (pod source,
 * remote destination), value below.  rev is the key of the connection's
 * egr_rev entry: remote source, egress IP destination, remote port,
 * translated port.
 */
struct egr_ct_val {
	struct egr_tuple rev;
	__u64 created; /* bpf_ktime_get_coarse_ns(): CLOCK_MONOTONIC_COARSE */
	__u64 seen;    /* last packet from the pod */
	__u32 policy;  /* the policy that created it */
	__u8 state;    /* enum egr_ct_state */
	__u8 flags;    /* EGR_CT_F_* */
	__u16 pad;
};

/*
 * egr_rev: key = the reply tuple (as above), value below.  orig is the
 * connection's egr_ct key.  seen is the last reply: the reply path
 * updates only its own entry, so the last activity of a connection is
 * max(ct.seen, rev.seen).  replied tells egr_in that egr_ct already
 * carries EGR_CT_F_REPLY, so only the first reply has to look it up.
 */
struct egr_rev_val {
	struct egr_tuple orig;
	__u64 seen;
	__u8 replied;
	__u8 pad[3];
	/*
	 * Written by ferryd only, from the sync's records: the latest
	 * activity a peer gateway reported for the connection, in seconds
	 * of the same clock; 0: none.  It keeps a synchronised copy of a
	 * connection that another gateway translates from idling out.
	 */
	__u32 peer_seen;
};

enum egr_dir {
	EGR_DIR_OUT = 0, /* from the pod */
	EGR_DIR_IN = 1,	 /* to the egress IP */
};

/*
 * egr_frag: (source, destination, protocol, IP ID or IPv6 fragment
 * identification, direction) of a datagram whose first fragment was
 * translated -> the address that replaces its source (EGR_DIR_OUT) or
 * destination (EGR_DIR_IN).  IPv4 IDs are stored zero-extended, in
 * network byte order.
 */
struct egr_frag_key {
	__be32 saddr[4];
	__be32 daddr[4];
	__be32 id;
	__u8 proto;
	__u8 dir; /* enum egr_dir */
	__u8 pad[2];
};

struct egr_frag_val {
	__be32 addr[4];
};

/*
 * egr_pin (a node's, LRU): the gateway a (pod, remote) pair of a policy
 * with several gateways was steered to.  While that gateway is up the
 * pair stays with it, whatever the hash says: a gateway that comes back
 * after a failure takes no pair back from the survivor that has its NAT
 * state.  A pair whose gateway is down is hashed again and re-pinned.
 * LRU: losing an idle pin costs only that protection.
 */
struct egr_pin_key {
	__be32 saddr[4];
	__be32 daddr[4];
	__u32 policy;
};

struct egr_pin_val {
	__be32 endpoint[4]; /* the gateway's, as in struct egr_gw */
	__u64 since;	    /* bpf_ktime_get_coarse_ns() when pinned */
	__u64 seen;	    /* last used; refreshed at most once a second */
};

/* How stale egr_pin_val.seen may get before a packet refreshes it. */
#define EGR_PIN_REFRESH_NS 1000000000ULL

/* --- counters ---------------------------------------------------------- */

enum egr_stat {
	EGR_STAT_PASS = 0,    /* left untouched: no policy, no connection */
	EGR_STAT_SNAT,	      /* egr_out: translated */
	EGR_STAT_RSNAT,	      /* egr_in: reverse-translated */
	EGR_STAT_STEERED,     /* egr_out: sent to a remote gateway */
	EGR_STAT_NEW_FLOW,    /* egr_ct entry created */
	EGR_STAT_ICMP_ERROR,  /* ICMP errors translated, both directions */
	EGR_STAT_FRAG,	      /* later fragments translated, both directions */
	EGR_STAT_RACE,	      /* another CPU created the same flow first */
	EGR_STAT_RESET,	      /* egr_out: TCP of no connection reset */
	EGR_STAT_SYNC_LOST,   /* egr_sync full: a change not reported */
	EGR_STAT_SYNC_HELD,   /* first packets held for the peers' ack */
	EGR_DROP_TRUNCATED,   /* shorter than its headers say */
	EGR_DROP_MALFORMED,   /* bad version, IHL, lengths */
	EGR_DROP_UNSUPPORTED, /* policy match, protocol not translatable,
			       * or a GSO segment not to be reset as it is */
	EGR_DROP_TABLE_FULL,  /* egr_ct / egr_rev full: new flow refused */
	EGR_DROP_PORTS,	      /* no free translated port after probing */
	EGR_DROP_NO_GATEWAY,  /* policy without a usable gateway */
	EGR_DROP_NO_ADDR,     /* policy without an egress IP of the family */
	EGR_DROP_NO_CONN,     /* ICMP error / later fragment, no connection */
	EGR_DROP_TUNNEL,      /* steering: tunnel key or redirect failed */
	EGR_STAT_MAX
};

struct egr_stat_val {
	__u64 packets;
	__u64 bytes;
};

#endif /* FERRY_BPF_EGRESS_H */
