/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Overlay datapath: the structs and constants shared by the tc programs in
 * overlay.bpf.c and by user space (vtep/, agent/, tests).  Plain C on
 * <linux/types.h> only, so both sides compile it unchanged.
 *
 * Addresses are always 16 bytes in network byte order; an IPv4 address is
 * stored IPv4-mapped (::ffff:a.b.c.d, RFC 4291 section 2.5.5.2).  One
 * representation for both families keeps keys fixed-size and means the
 * family never needs a separate flag that could disagree with the address.
 *
 * Maps (all pinned by name under OVL_PIN_DIR; a restarted ferryd adopts them):
 *
 *   ovl_tun4, ovl_tun6   LPM tries, inner destination prefix -> struct
 *                        ovl_tun_val (underlay endpoint, VNI, inner MAC,
 *                        counter id).  Used by ovl_egress.
 *   ovl_src4, ovl_src6   LPM tries, (peer, inner source prefix) -> struct
 *                        ovl_src_val.  Used by ovl_ingress: a packet is
 *                        accepted only if its inner source matches a prefix
 *                        registered for the (VNI, remote endpoint) it came
 *                        from.  One lookup decides.
 *   ovl_tun4_exact, ovl_tun6_exact, ovl_src4_exact, ovl_src6_exact
 *                        hashes mirroring the four tries entry for entry,
 *                        keyed by the same structs with the address bits
 *                        past prefixlen zeroed.  An exact-match front for
 *                        the tries: see struct ovl_plens.
 *   ovl_plens            array of one struct ovl_plens.
 *   ovl_cnt              per-CPU hash, counter id -> struct ovl_cnt.
 *   ovl_stats            per-CPU array, OVL_STATS_KEY(dir, reason) ->
 *                        struct ovl_stat.
 *   ovl_config           array of one struct ovl_config.
 *   ovl_urx              array of one struct ovl_urx_config: what
 *                        ovl_underlay_rx needs (see there).
 *   ovl_urx_stats        per-CPU array, enum ovl_urx_stat -> struct
 *                        ovl_stat: what ovl_underlay_rx did with VXLAN
 *                        packets to our address.
 *
 * Counters live apart from the tries on purpose: an LPM update replaces the
 * whole value, so counters inside it would be reset (or lose increments) on
 * every route change.  User space allocates a counter id per tunnel entry,
 * creates its ovl_cnt element (zeroed, BPF_NOEXIST) before inserting the
 * ovl_tun and ovl_src entries that name it, and deletes it after removing
 * them.  The ovl_src entries of a prefix normally carry the same id as its
 * ovl_tun entry, so one element holds both directions.  A missing element
 * is not an error: the packet is forwarded uncounted.  The hash is
 * BPF_F_NO_PREALLOC so memory follows the number of entries in use, not
 * max_entries.
 */
#ifndef FERRY_BPF_OVERLAY_H
#define FERRY_BPF_OVERLAY_H

#include <linux/types.h>

#define OVL_PIN_DIR "/sys/fs/bpf/ferry"

#define OVL_PROG_EGRESS	 "ovl_egress"
#define OVL_PROG_INGRESS "ovl_ingress"
#define OVL_PROG_URX	 "ovl_underlay_rx"

#define OVL_MAP_TUN4	   "ovl_tun4"
#define OVL_MAP_TUN6	   "ovl_tun6"
#define OVL_MAP_SRC4	   "ovl_src4"
#define OVL_MAP_SRC6	   "ovl_src6"
#define OVL_MAP_CNT	   "ovl_cnt"
#define OVL_MAP_STATS	   "ovl_stats"
#define OVL_MAP_CONFIG	   "ovl_config"
#define OVL_MAP_TUN4_EXACT "ovl_tun4_exact"
#define OVL_MAP_TUN6_EXACT "ovl_tun6_exact"
#define OVL_MAP_SRC4_EXACT "ovl_src4_exact"
#define OVL_MAP_SRC6_EXACT "ovl_src6_exact"
#define OVL_MAP_PLENS	   "ovl_plens"
#define OVL_MAP_URX	   "ovl_urx"
#define OVL_MAP_URX_STATS  "ovl_urx_stats"

/* tcx links (Linux 6.6+), pinned next to the maps. */
#define OVL_LINK_INGRESS "ovl_ingress_link"
#define OVL_LINK_EGRESS	 "ovl_egress_link"
/* ovl_underlay_rx on the devices holding local and local6 (if another). */
#define OVL_LINK_URX4 "ovl_underlay_link"
#define OVL_LINK_URX6 "ovl_underlay6_link"

/*
 * Default capacities.  The tries are BPF_F_NO_PREALLOC, so max_entries is
 * only a ceiling; user space may raise any of them with
 * bpf_map__set_max_entries() before the maps are first created.
 */
#define OVL_TUN_MAX_ENTRIES 65536  /* per trie: ovl_tun4/6, ovl_src4/6 */
#define OVL_CNT_MAX_ENTRIES 131072 /* ids for v4 and v6 entries */

#define OVL_VNI_MAX    0xffffffU /* VXLAN Network Identifier: 24 bits */
#define OVL_TUNNEL_TTL 64	 /* outer TTL / hop limit */

/* Inner destination prefix -> tunnel.  prefixlen is 0..32 or 0..128. */
struct ovl_tun4_key {
	__u32 prefixlen;
	__be32 addr;
};

struct ovl_tun6_key {
	__u32 prefixlen;
	__be32 addr[4];
};

struct ovl_tun_val {
	__be32 remote[4]; /* underlay endpoint; IPv4 as ::ffff:a.b.c.d */
	__u32 vni;	  /* host order, <= OVL_VNI_MAX, else dropped */
	__u32 id;	  /* key of this entry's counters in ovl_cnt */
	__u8 mac[6];	  /* inner destination MAC written into the frame */
	__u8 pad[2];	  /* zero */
};

/*
 * Where a packet came from: the fixed leading part of the ovl_src keys.
 * vni is in network byte order so the key reads as one big-endian bit
 * string, as LPM tries expect.
 */
struct ovl_peer {
	__be32 vni;
	__be32 remote[4]; /* IPv4 as ::ffff:a.b.c.d */
};

#define OVL_PEER_BITS (8 * sizeof(struct ovl_peer)) /* 160 */

/*
 * (peer, inner source prefix).  prefixlen = OVL_PEER_BITS + the source
 * prefix length, so the peer always matches exactly and only the source
 * is matched by prefix.
 */
struct ovl_src4_key {
	__u32 prefixlen;
	struct ovl_peer peer;
	__be32 src;
};

struct ovl_src6_key {
	__u32 prefixlen;
	struct ovl_peer peer;
	__be32 src[4];
};

struct ovl_src_val {
	__u32 id; /* key of the counters in ovl_cnt */
};

/* Per-entry counters; bytes are inner frame bytes, Ethernet header included. */
struct ovl_cnt {
	__u64 tx_packets; /* ovl_egress, tunnel key set */
	__u64 tx_bytes;
	__u64 rx_packets; /* ovl_ingress, source accepted */
	__u64 rx_bytes;
};

/*
 * The prefix lengths in use, for the exact-match front of the tries.  A
 * longest-prefix lookup is, equivalently, one exact lookup per prefix
 * length in use, longest first: with the handful of lengths a deployment
 * uses (/24 or /26 per node, /32 or /128 per workload) that is one or two
 * hash lookups, where a trie walk visits a node per distinguishing bit
 * (some 14 for 10000 prefixes) and costs more the larger the table.
 *
 * n4 (n6) is the number of lengths in len4 (len6), longest first, covering
 * every IPv4 (IPv6) inner prefix of ovl_tun* and ovl_src*, whose entries
 * are all also in the *_exact hashes.  0 means: use the tries (no entries,
 * more lengths than OVL_EXACT_LENS, or a user space that predates the
 * hashes).  User space adds a length to the list before it inserts the
 * first entry with it, and falls back to 0 before it would overflow, so a
 * lookup never misses an entry; listing a length with no entries left
 * only costs a lookup.
 */
#define OVL_EXACT_LENS 4

struct ovl_plens {
	__u8 n4;
	__u8 n6;
	__u8 len4[OVL_EXACT_LENS];
	__u8 len6[OVL_EXACT_LENS];
	__u8 pad[6]; /* zero */
};

/*
 * Underlay source address put into every tunnel key.  Zero lets the
 * kernel choose by route; that is rarely what we want, because in
 * collect_md mode the vxlan device's own "local" setting is ignored and
 * peers validate the endpoint they receive from.
 */
struct ovl_config {
	__be32 local4;
	__be32 local6[4];
};

/*
 * Receive-side decapsulation on the underlay (ovl_underlay_rx).  A VXLAN
 * packet to local4/local6 and port that it can handle is decapsulated,
 * checked as ovl_ingress would check it, and redirected to the ingress
 * of the vxlan device ifindex, with cookie in skb->cb[0..1]: ovl_ingress
 * accepts a frame without tunnel metadata only with that cookie.  User
 * space draws the cookie at random when the map is first filled and keeps
 * it across restarts, so old and new programs agree.  ifindex 0: off,
 * every packet is left to the kernel.  mac is the vxlan device's MAC
 * (the driver drops frames from it as loops; so does the fast path, by
 * leaving them to the driver).
 *
 * Both ingress programs also answer ARP and Neighbor Solicitations for
 * addresses routed elsewhere (proxy ARP/ND, docs/design.md) from this map,
 * whether or not ovl_underlay_rx is on: mac is the hardware address they
 * answer with, and the answer goes to the vxlan device's egress with
 * cookie in skb->cb[0..1], which tells ovl_egress that its tunnel key is
 * already set.  User space fills mac and cookie even when ifindex is 0.
 */
struct ovl_urx_config {
	__u32 ifindex;
	__be32 local4;	  /* 0: none */
	__be32 local6[4]; /* all zero: none */
	__u32 cookie[2];  /* never both zero once set */
	__be16 port;
	__u8 mac[6];
};

enum ovl_urx_stat {
	OVL_URX_DECAP = 0, /* decapsulated and redirected or dropped */
	OVL_URX_KERNEL,	   /* VXLAN to us, left to the kernel's driver */
	OVL_URX_MAX
};

enum ovl_dir {
	OVL_DIR_EGRESS = 0,
	OVL_DIR_INGRESS,
	OVL_DIR_MAX
};

/* Verdict reasons; every packet a program sees is counted under one. */
enum ovl_reason {
	OVL_REASON_PASS = 0,	   /* accepted */
	OVL_REASON_TRUNCATED,	   /* frame shorter than its headers say */
	OVL_REASON_MALFORMED,	   /* bad IP version, IHL or total length */
	OVL_REASON_UNSUPPORTED,	   /* not IPv4, IPv6 or Ethernet/IPv4 ARP */
	OVL_REASON_NO_ROUTE,	   /* egress: no tunnel for the destination */
	OVL_REASON_BAD_VNI,	   /* entry or metadata VNI > OVL_VNI_MAX */
	OVL_REASON_TUNNEL_KEY,	   /* egress: bpf_skb_set_tunnel_key failed */
	OVL_REASON_NO_TUNNEL_INFO, /* ingress: no tunnel metadata on skb */
	OVL_REASON_SPOOF,	   /* ingress: source not the peer's */
	OVL_REASON_PROXY_ARP,	   /* ingress: ARP request answered */
	OVL_REASON_PROXY_ND,	   /* ingress: Neighbor Solicitation answered */
	OVL_REASON_MAX
};

#define OVL_STATS_KEY(dir, reason) ((dir)*OVL_REASON_MAX + (reason))
#define OVL_STATS_ENTRIES	   (OVL_DIR_MAX * OVL_REASON_MAX)

struct ovl_stat {
	__u64 packets;
	__u64 bytes;
};

#endif /* FERRY_BPF_OVERLAY_H */
