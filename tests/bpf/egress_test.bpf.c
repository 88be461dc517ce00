// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test-only wrapper around the egress decision code, for
 * tests/bpf/test_egress.c.  BPF_PROG_TEST_RUN cannot return the tunnel
 * metadata a program set, so egr_test_out runs egr_out_handle() (the
 * production code: this file includes bpf/egress.bpf.c) and, when it
 * redirected, reads the tunnel key back and reports it in the context:
 *   cb[0]    = VNI
 *   cb[1..4] = the remote endpoint, IPv4-mapped for IPv4
 *   priority = TTL
 * A TX tunnel key keeps the remote where the helper, written for RX,
 * reports the local address (see overlay_test.bpf.c), hence local_ipv*.
 * egr_test_ovl does the same for egr_ovl_out_handle(), which sets the
 * key and lets the frame go on (TC_ACT_UNSPEC) with EGR_MARK_STEERED.
 * The egr_test_new* programs at the end are for the benchmark.
 */
#include "egress.bpf.c"

#define EGR_TEST_NO_KEY 99 /* verdict: redirected, but no tunnel key */

/* The tunnel key into cb and priority; 0, or -1 if there is none. */
static __always_inline int
egr_test_key(struct __sk_buff *skb)
{
	struct bpf_tunnel_key key;
	long err;

	err = bpf_skb_get_tunnel_key(skb, &key, sizeof(key), 0);
	if (err == -EPROTO) {
		err = bpf_skb_get_tunnel_key(
		    skb, &key, sizeof(key), BPF_F_TUNINFO_IPV6);
		if (err < 0)
			return -1;
		skb->cb[1] = key.local_ipv6[0];
		skb->cb[2] = key.local_ipv6[1];
		skb->cb[3] = key.local_ipv6[2];
		skb->cb[4] = key.local_ipv6[3];
	} else if (err < 0) {
		return -1;
	} else {
		skb->cb[1] = 0;
		skb->cb[2] = 0;
		skb->cb[3] = bpf_htonl(0xffff);
		skb->cb[4] = bpf_htonl(key.local_ipv4);
	}
	skb->cb[0] = key.tunnel_id;
	skb->priority = key.tunnel_ttl;
	return 0;
}

SEC("tc")
int
egr_test_out(struct __sk_buff *skb)
{
	int verdict = egr_out_handle(skb);

	if (verdict != TC_ACT_REDIRECT)
		return verdict;
	return egr_test_key(skb) ? EGR_TEST_NO_KEY : verdict;
}

SEC("tc")
int
egr_test_ovl(struct __sk_buff *skb)
{
	__u32 mark = skb->mark;
	int verdict = egr_ovl_out_handle(skb);

	/* Steered here: the mark is new, and the key must be there. */
	if (verdict != TC_ACT_UNSPEC || (mark & EGR_MARK_STEERED) ||
	    !(skb->mark & EGR_MARK_STEERED))
		return verdict;
	return egr_test_key(skb) ? EGR_TEST_NO_KEY : verdict;
}

/*
 * For bench/egress/prog_run.c: a new connection on every run.
 * egr_test_new writes a fresh pod source address and port (and remote
 * address) from a counter into the IPv4/TCP frame, without fixing
 * checksums (the datapath does not verify them), then runs
 * egr_out_handle(): every repetition of one test_run opens a connection.
 * egr_test_new_base does the same writes and nothing else, so that the
 * bench can subtract their cost.
 */
__u32 egr_test_seq;

static __always_inline void
egr_test_fresh(struct __sk_buff *skb)
{
	__u32 seq = egr_test_seq++; /* test_run: one CPU at a time */
	__be32 saddr = bpf_htonl(0x0a800000 | (seq & 0x7fffff));
	__be32 daddr = bpf_htonl(0xc6120000 | (seq & 0xffff));
	__be16 sport = bpf_htons(10000 + seq % 50000);

	bpf_skb_store_bytes(skb, ETH_HLEN + 12, &saddr, 4, 0);
	bpf_skb_store_bytes(skb, ETH_HLEN + 16, &daddr, 4, 0);
	bpf_skb_store_bytes(skb, ETH_HLEN + 20, &sport, 2, 0);
}

SEC("tc")
int
egr_test_new(struct __sk_buff *skb)
{
	egr_test_fresh(skb);
	return egr_out_handle(skb);
}

SEC("tc")
int
egr_test_new_base(struct __sk_buff *skb)
{
	egr_test_fresh(skb);
	return TC_ACT_OK;
}
