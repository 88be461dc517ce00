// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test-only wrappers around the overlay decision functions, for
 * tests/bpf/test_overlay.c.  BPF_PROG_TEST_RUN cannot give a packet tunnel
 * metadata, nor return the metadata a program set, so these programs move
 * it through skb->cb[] and skb->priority, which test_run copies in from
 * ctx_in and back out to ctx_out.  The decision code is the production
 * code: this file includes bpf/overlay.bpf.c.
 *
 * Both first trim the frame to skb->mark bytes when mark is not zero:
 * BPF_PROG_TEST_RUN (Linux 6.18 at least) refuses IPv4/IPv6 frames shorter
 * than their IP header, so truncated headers are made by the kernel's own
 * bpf_skb_change_tail() instead.
 *
 * ovl_test_egress runs ovl_egress_handle(), then reads the tunnel key back
 * with bpf_skb_get_tunnel_key() and reports it:
 *   in:  cb[0] = OVL_TEST_DUMP_REMOTE or OVL_TEST_DUMP_LOCAL
 *   out: cb[0..4] = struct ovl_peer {VNI, remote or local address}
 *        priority = TTL | (tunnel flags, host order) << 16
 * A TX tunnel key keeps the remote in key.u.ipv4/6.dst, and the helper,
 * written for RX where src is the remote, reports dst as local_ipv*: so
 * the remote we set comes back in local_ipv*, and the local in remote_ipv*.
 *
 * ovl_test_ingress runs ovl_ingress_handle() with the tunnel key taken
 * from the context, laid out the way bpf_skb_get_tunnel_key() fills it:
 *   in:  cb[0] = tunnel_id, cb[1] = remote_ipv4 (host order) or
 *        cb[1..4] = remote_ipv6 (network order); priority = 1 for IPv6
 * A proxy answer comes back as ovl_test_proxied() says.
 */
#include "overlay.bpf.c"

#define OVL_TEST_DUMP_REMOTE 0
#define OVL_TEST_DUMP_LOCAL  1
#define OVL_TEST_NO_KEY	     99 /* verdict: OK, but no tunnel key to read */
#define OVL_TEST_NO_TRIM     98 /* verdict: bpf_skb_change_tail() failed */

static __always_inline int
ovl_test_trim(struct __sk_buff *skb)
{
	if (!skb->mark)
		return 0;
	return bpf_skb_change_tail(skb, skb->mark, 0);
}

static __always_inline void
ovl_test_put_addr(struct __sk_buff *skb, const __u32 *a, int v6)
{
	__be32 m[4];

	if (v6) {
		skb->cb[1] = a[0];
		skb->cb[2] = a[1];
		skb->cb[3] = a[2];
		skb->cb[4] = a[3];
		return;
	}
	ovl_addr_map4(m, bpf_htonl(a[0]));
	skb->cb[1] = m[0];
	skb->cb[2] = m[1];
	skb->cb[3] = m[2];
	skb->cb[4] = m[3];
}

/* The tunnel key set on skb into cb[0..4] and priority; -1 if none. */
static __always_inline int
ovl_test_dump_key(struct __sk_buff *skb, __u32 what)
{
	struct bpf_tunnel_key key;
	int v6 = 0;
	long err;

	err =
	    bpf_skb_get_tunnel_key(skb, &key, sizeof(key), BPF_F_TUNINFO_FLAGS);
	if (err == -EPROTO) {
		v6 = 1;
		err = bpf_skb_get_tunnel_key(skb, &key, sizeof(key),
		    BPF_F_TUNINFO_IPV6 | BPF_F_TUNINFO_FLAGS);
	}
	if (err < 0)
		return -1;
	skb->cb[0] = bpf_htonl(key.tunnel_id);
	if (what == OVL_TEST_DUMP_LOCAL)
		ovl_test_put_addr(skb, key.remote_ipv6, v6);
	else
		ovl_test_put_addr(skb, key.local_ipv6, v6);
	skb->priority =
	    key.tunnel_ttl | (__u32)bpf_ntohs(key.tunnel_flags) << 16;
	return 0;
}

SEC("tc")
int
ovl_test_egress(struct __sk_buff *skb)
{
	__u32 what = skb->cb[0];
	int verdict;

	if (ovl_test_trim(skb))
		return OVL_TEST_NO_TRIM;
	verdict = ovl_egress_handle(skb);
	if (verdict != TC_ACT_OK)
		return verdict;
	if (ovl_test_dump_key(skb, what) < 0)
		return OVL_TEST_NO_KEY;
	return verdict;
}

/*
 * After an ingress decision: a proxy answer (a redirect with a tunnel
 * key) reports mark = 1 if cb held the cookie for ovl_egress (2 if not),
 * and its tunnel key as ovl_test_egress does (the remote).  Any other
 * verdict, a plain decapsulation's redirect included, is left alone.
 */
static __always_inline int
ovl_test_proxied(struct __sk_buff *skb, int verdict)
{
	const struct ovl_urx_config *cfg;
	__u32 zero = 0;
	int cookie;

	if (verdict != TC_ACT_REDIRECT)
		return verdict;
	cfg = bpf_map_lookup_elem(&ovl_urx, &zero);
	cookie =
	    cfg && skb->cb[0] == cfg->cookie[0] && skb->cb[1] == cfg->cookie[1];
	if (ovl_test_dump_key(skb, OVL_TEST_DUMP_REMOTE) == 0)
		skb->mark = cookie ? 1 : 2;
	return verdict;
}

/*
 * ovl_test_steered plays egr_out on a node: it sets a tunnel key (VNI
 * cb[0], IPv4 remote cb[1], host order) and EGR_MARK_STEERED, then runs
 * ovl_egress_handle().  out: cb[0] = the VNI read back.
 */
SEC("tc")
int
ovl_test_steered(struct __sk_buff *skb)
{
	struct bpf_tunnel_key key = {};
	int verdict;

	key.tunnel_id = skb->cb[0];
	key.remote_ipv4 = skb->cb[1];
	key.tunnel_ttl = OVL_TUNNEL_TTL;
	if (bpf_skb_set_tunnel_key(skb, &key, sizeof(key), 0))
		return OVL_TEST_NO_KEY;
	skb->mark |= EGR_MARK_STEERED;
	verdict = ovl_egress_handle(skb);
	if (bpf_skb_get_tunnel_key(skb, &key, sizeof(key), 0))
		return OVL_TEST_NO_KEY;
	skb->cb[0] = key.tunnel_id;
	return verdict;
}

SEC("tc")
int
ovl_test_ingress(struct __sk_buff *skb)
{
	struct bpf_tunnel_key key = {};
	int v6 = skb->priority == 1;

	if (ovl_test_trim(skb))
		return OVL_TEST_NO_TRIM;
	key.tunnel_id = skb->cb[0];
	if (v6) {
		key.remote_ipv6[0] = skb->cb[1];
		key.remote_ipv6[1] = skb->cb[2];
		key.remote_ipv6[2] = skb->cb[3];
		key.remote_ipv6[3] = skb->cb[4];
	} else {
		key.remote_ipv4 = skb->cb[1];
	}
	return ovl_test_proxied(skb, ovl_ingress_handle(skb, &key, v6));
}

/*
 * ovl_test_underlay_rx runs ovl_urx_handle() as ovl_underlay_rx does, but
 * trusting the outer UDP checksum as if the device had validated it:
 * test_run cannot make a CHECKSUM_UNNECESSARY skb, and IPv6 outer
 * packets always carry a checksum.  Proxy answers as ovl_test_proxied().
 */
SEC("tc")
int
ovl_test_underlay_rx(struct __sk_buff *skb)
{
	return ovl_test_proxied(skb, ovl_urx_handle(skb, 1));
}
