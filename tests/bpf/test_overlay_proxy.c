// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests for proxy ARP and ND (ovl_proxy in
 * bpf/overlay.bpf.c).  Included by test_overlay.c after
 * test_overlay_urx.c, whose fixture and outer packets these tables share.
 *
 * Each case is a question (an ARP request or a Neighbor Solicitation,
 * built here byte by byte, checksum included) arriving from a peer, by one
 * of three paths: ovl_test_ingress (the ovl_ingress decision with the
 * tunnel key from cb), the production ovl_underlay_rx around an IPv4
 * outer packet, or ovl_test_underlay_rx around an IPv6 one.  Expected: the
 * verdict and ovl_stats reason, the asker's counter element; for an answer,
 * every byte of the reply (built here independently of the program:
 * Ethernet, ARP or IPv6 and ICMPv6 with its checksum), the cookie for
 * ovl_egress, and, where a wrapper ran, the tunnel key (the asker's
 * endpoint and VNI, our TTL, checksum flag over IPv6); for a question not
 * answered, the frame untouched.
 *
 * test_overlay runs in a network namespace of its own with nothing in it,
 * so the kernel routes no target and only tunnel entries are "routed
 * elsewhere", except in test_proxy_fib, which gives the namespace a link
 * (a veth pair) and routes and checks the bpf_fib_lookup() half of the decision.
 */

enum px_path {
	PX_IN,	 /* ovl_test_ingress */
	PX_URX,	 /* ovl_underlay_rx (production), IPv4 outer */
	PX_URX6, /* ovl_test_underlay_rx, IPv6 outer */
};

/* How a solicitation is built. */
#define NS_SLL	 0x01 /* source link-layer address option */
#define NS_MCAST 0x02 /* to the target's solicited-node group */
#define NS_DAD	 0x04 /* from :: */
#define NS_NONCE 0x08 /* a nonce option (RFC 7527) */
#define NS_OPT0	 0x10 /* an option of length 0 */
#define NS_LONG	 0x20 /* nine more options: longer than we read */
#define NS_ARP	 0x80 /* not a solicitation: an ARP request */

enum px_mut {
	PM_NONE,
	PM_SET,	 /* byte at arg >> 8 = arg & 0xff, ICMPv6 checksum fixed */
	PM_XOR,	 /* byte at arg >> 8 ^= arg & 0xff, nothing fixed */
	PM_CUT,	 /* the frame cut to arg bytes */
	PM_PLEN, /* payload length arg, frame cut to match, checksum fixed */
};

struct proxy_case {
	const char *name;
	enum px_path path;
	const char *remote;
	uint32_t vni;
	unsigned int how; /* NS_* */
	const char *src, *target;
	enum px_mut mut;
	unsigned int arg;
	int verdict;
	int reason;
	uint32_t id; /* the asker's counter element; 0: none */
};

#define ND_OFF (ETH_HLEN + 40) /* the ICMPv6 message */

/* 33:33 and the low 32 bits of an IPv6 multicast group (RFC 2464). */
static void
mcast_mac(uint8_t *mac, const uint8_t *group)
{
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, group + 12, 4);
}

/* The ICMPv6 checksum of the IPv6 frame f, written into it. */
static void
icmp6_csum_fix(struct frame *f)
{
	uint8_t buf[FRAME_MAX + 40];
	uint8_t *ip6 = f->b + ETH_HLEN, *icmp = f->b + ND_OFF;
	uint32_t len = (uint32_t)ip6[4] << 8 | ip6[5];
	uint16_t sum;

	assert_true(len <= FRAME_MAX);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, ip6 + 8, 32);
	buf[34] = (uint8_t)(len >> 8);
	buf[35] = (uint8_t)len;
	buf[39] = 58;
	icmp[2] = icmp[3] = 0;
	memcpy(buf + 40, icmp, len);
	sum = csum16(buf, 40 + len);
	icmp[2] = sum >> 8;
	icmp[3] = sum & 0xff;
}

/* A Neighbor Solicitation from src (ignored with NS_DAD) for target. */
static void
frame_ns(struct frame *f, const char *src, const char *target, unsigned how)
{
	uint8_t *ip6, *o;
	uint32_t len = 24;
	int i;

	frame_eth(f, mac_dev, ETH_P_IPV6);
	ip6 = f->b + ETH_HLEN;
	ip6[0] = 0x60;
	ip6[6] = 58;
	ip6[7] = 255;
	if (!(how & NS_DAD))
		assert_int_equal(addr16(src, ip6 + 8), 6);
	assert_int_equal(addr16(target, f->b + ND_OFF + 8), 6);
	if (how & NS_MCAST) {
		static const uint8_t sn[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0,
			0, 0, 0x01, 0xff };

		memcpy(ip6 + 24, sn, 13);
		memcpy(ip6 + 24 + 13, f->b + ND_OFF + 8 + 13, 3);
		mcast_mac(f->b, ip6 + 24);
	} else {
		memcpy(ip6 + 24, f->b + ND_OFF + 8, 16);
	}
	f->b[ND_OFF] = 135;
	o = f->b + ND_OFF + 24;
	if (how & NS_NONCE) {
		o[0] = 14;
		o[1] = 1;
		for (i = 2; i < 8; i++)
			o[i] = (uint8_t)(0x40 + i);
		o += 8, len += 8;
	}
	if (how & NS_SLL) {
		o[0] = 1;
		o[1] = (how & NS_OPT0) ? 0 : 1;
		memcpy(o + 2, mac_self, 6);
		o += 8, len += 8;
	}
	for (i = 0; (how & NS_LONG) && i < 9; i++) {
		o[0] = 200; /* unknown: skipped (RFC 4861 section 7.1.1) */
		o[1] = 1;
		o += 8, len += 8;
	}
	ip6[4] = (uint8_t)(len >> 8);
	ip6[5] = (uint8_t)len;
	f->len = ND_OFF + len;
	assert_true(f->len <= FRAME_MAX);
	icmp6_csum_fix(f);
}

/* The ARP reply from target (at mac_dev) to the asker of req. */
static void
expect_arp_reply(struct frame *want, const struct frame *req)
{
	const uint8_t *q = req->b + ETH_HLEN;
	uint8_t *a;

	*want = *req;
	a = want->b + ETH_HLEN;
	memcpy(want->b, q + 8, 6);
	memcpy(want->b + 6, mac_dev, 6);
	a[7] = 2;
	memcpy(a + 8, mac_dev, 6);
	memcpy(a + 14, q + 24, 4);
	memcpy(a + 18, q + 8, 6);
	memcpy(a + 24, q + 14, 4);
}

/*
 * The Neighbor Advertisement for target from mac_dev: to src (at
 * mac_self) with Solicited set, or for a DAD probe to all-nodes.
 */
static void
expect_na(struct frame *want, const char *src, const char *target, int dad)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	uint8_t *ip6, *na;

	frame_eth(want, mac_self, ETH_P_IPV6);
	memcpy(want->b + 6, mac_dev, 6);
	ip6 = want->b + ETH_HLEN;
	na = want->b + ND_OFF;
	ip6[0] = 0x60;
	ip6[5] = 32;
	ip6[6] = 58;
	ip6[7] = 255;
	assert_int_equal(addr16(target, ip6 + 8), 6);
	if (dad) {
		memcpy(ip6 + 24, all_nodes, 16);
		mcast_mac(want->b, all_nodes);
	} else {
		assert_int_equal(addr16(src, ip6 + 24), 6);
		na[4] = 0x40; /* S; R and O clear */
	}
	na[0] = 136;
	memcpy(na + 8, ip6 + 8, 16);
	na[24] = 2;
	na[25] = 1;
	memcpy(na + 26, mac_dev, 6);
	want->len = ND_OFF + 32;
	icmp6_csum_fix(want);
}

#define ANSWER(r, id) TC_ACT_REDIRECT_, OVL_REASON_PROXY_##r, id
#define PASSES(id)    TC_ACT_OK, OVL_REASON_PASS, id
#define REFUSE(r)     TC_ACT_SHOT, OVL_REASON_##r, 0
#define NSM	      (NS_SLL | NS_MCAST)
#define PSET(off, v)  PM_SET, ((off) << 8 | (v))

static const struct proxy_case proxy_cases[] = {
	/* ARP, from 10.1.0.9 behind 198.51.100.1 (owns 10.1.0.0/16). */
	{ "proxy arp: target of another peer's tunnel", PX_IN, "198.51.100.1",
	    100, NS_ARP, "10.1.0.9", "10.5.5.5", PM_NONE, 0, ANSWER(ARP, 1) },
	{ "proxy arp: target behind an ipv6 endpoint", PX_IN, "198.51.100.1",
	    100, NS_ARP, "10.1.0.9", "10.9.1.1", PM_NONE, 0, ANSWER(ARP, 1) },
	{ "proxy arp: target in the asker's prefix", PX_IN, "198.51.100.1", 100,
	    NS_ARP, "10.1.0.9", "10.1.2.3", PM_NONE, 0, PASSES(1) },
	{ "proxy arp: gratuitous", PX_IN, "198.51.100.1", 100, NS_ARP,
	    "10.1.0.9", "10.1.0.9", PM_NONE, 0, PASSES(1) },
	{ "proxy arp: target no one routes", PX_IN, "198.51.100.1", 100, NS_ARP,
	    "10.1.0.9", "192.0.2.99", PM_NONE, 0, PASSES(1) },
	{ "proxy arp: target whose entry has a bad VNI", PX_IN, "198.51.100.1",
	    100, NS_ARP, "10.1.0.9", "10.66.0.1", PM_NONE, 0, PASSES(1) },
	{ "proxy arp: loopback target", PX_IN, "198.51.100.1", 100, NS_ARP,
	    "10.1.0.9", "127.0.0.1", PM_NONE, 0, PASSES(1) },
	{ "proxy arp: a reply is no question", PX_IN, "198.51.100.1", 100,
	    NS_ARP, "10.1.0.9", "10.5.5.5", PSET(ETH_HLEN + 7, 2), PASSES(1) },
	{ "proxy arp: spoofed sender", PX_IN, "198.51.100.1", 100, NS_ARP,
	    "10.2.0.9", "10.5.5.5", PM_NONE, 0, REFUSE(SPOOF) },
	{ "proxy arp: right sender, wrong VNI", PX_IN, "198.51.100.1", 200,
	    NS_ARP, "10.1.0.9", "10.5.5.5", PM_NONE, 0, REFUSE(SPOOF) },
	{ "proxy arp: probe for a routed address", PX_IN, "198.51.100.1", 100,
	    NS_ARP, "0.0.0.0", "10.5.5.5", PM_NONE, 0, ANSWER(ARP, 0) },
	{ "proxy arp: probe for an own address", PX_IN, "198.51.100.1", 100,
	    NS_ARP, "0.0.0.0", "10.1.0.7", PM_NONE, 0, REFUSE(SPOOF) },
	{ "proxy arp: not ethernet hardware", PX_IN, "198.51.100.1", 100,
	    NS_ARP, "10.1.0.9", "10.5.5.5", PSET(ETH_HLEN + 1, 6),
	    REFUSE(UNSUPPORTED) },
	{ "proxy arp: truncated", PX_IN, "198.51.100.1", 100, NS_ARP,
	    "10.1.0.9", "10.5.5.5", PM_CUT, ETH_HLEN + 27, REFUSE(TRUNCATED) },
	{ "proxy arp: ipv4 underlay decapsulation", PX_URX, "198.51.100.1", 100,
	    NS_ARP, "10.1.0.9", "10.5.5.5", PM_NONE, 0, ANSWER(ARP, 1) },
	{ "proxy arp: ipv4 underlay, spoofed", PX_URX, "198.51.100.1", 100,
	    NS_ARP, "10.2.0.9", "10.5.5.5", PM_NONE, 0, REFUSE(SPOOF) },
	/*
	 * Over an IPv6 underlay ARP is left to the driver (an ARP packet is
	 * shorter than the outer IPv6 header bpf_skb_adjust_room() insists
	 * on keeping), and answered by ovl_ingress.
	 */
	{ "proxy arp: ipv6 underlay", PX_IN, "2001:db8::9", 900, NS_ARP,
	    "10.9.1.1", "10.1.3.3", PM_NONE, 0, ANSWER(ARP, 3) },

	/* ND, from fd00:1::5 behind 2001:db8::1 (owns fd00:1::/64). */
	{ "proxy nd: multicast solicitation", PX_IN, "2001:db8::1", 300, NSM,
	    "fd00:1::5", "fd00:5::1", PM_NONE, 0, ANSWER(ND, 5) },
	{ "proxy nd: unicast solicitation", PX_IN, "2001:db8::1", 300, NS_SLL,
	    "fd00:1::5", "fd00:5::1", PM_NONE, 0, ANSWER(ND, 5) },
	{ "proxy nd: with a nonce, answer shorter", PX_IN, "2001:db8::1", 300,
	    NSM | NS_NONCE, "fd00:1::5", "fd00:5::1", PM_NONE, 0,
	    ANSWER(ND, 5) },
	{ "proxy nd: target in the asker's prefix", PX_IN, "2001:db8::1", 300,
	    NSM, "fd00:1::5", "fd00:1::9", PM_NONE, 0, PASSES(5) },
	{ "proxy nd: target no one routes", PX_IN, "2001:db8::1", 300, NSM,
	    "fd00:1::5", "2001:db8:77::1", PM_NONE, 0, PASSES(5) },
	{ "proxy nd: link-local target", PX_IN, "2001:db8::1", 300, NSM,
	    "fd00:1::5", "fe80::9", PM_NONE, 0, PASSES(5) },
	{ "proxy nd: longer than we read", PX_IN, "2001:db8::1", 300,
	    NSM | NS_LONG, "fd00:1::5", "fd00:5::1", PM_NONE, 0, PASSES(5) },
	{ "proxy nd: another icmpv6 type", PX_IN, "2001:db8::1", 300, NSM,
	    "fd00:1::5", "fd00:5::1", PSET(ND_OFF, 128), PASSES(5) },
	{ "proxy nd: spoofed source", PX_IN, "2001:db8::1", 300, NSM,
	    "fd00:2::7", "fd00:5::1", PM_NONE, 0, REFUSE(SPOOF) },
	{ "proxy nd: link-local source", PX_IN, "2001:db8::1", 300, NSM,
	    "fe80::5", "fd00:5::1", PM_NONE, 0, REFUSE(SPOOF) },
	{ "proxy nd: dad for a routed address", PX_IN, "2001:db8::1", 300,
	    NS_DAD | NS_MCAST | NS_NONCE, NULL, "fd00:5::1", PM_NONE, 0,
	    ANSWER(ND, 0) },
	{ "proxy nd: dad without options, answer longer", PX_IN, "2001:db8::1",
	    300, NS_DAD | NS_MCAST, NULL, "fd00:5::1", PM_NONE, 0,
	    ANSWER(ND, 0) },
	{ "proxy nd: dad for an own address", PX_IN, "2001:db8::1", 300,
	    NS_DAD | NS_MCAST, NULL, "fd00:1::9", PM_NONE, 0, REFUSE(SPOOF) },
	{ "proxy nd: hop limit 64", PX_IN, "2001:db8::1", 300, NSM, "fd00:1::5",
	    "fd00:5::1", PSET(ETH_HLEN + 7, 64), REFUSE(MALFORMED) },
	{ "proxy nd: bad checksum", PX_IN, "2001:db8::1", 300, NSM, "fd00:1::5",
	    "fd00:5::1", PM_XOR, (ND_OFF + 3) << 8 | 0x10, REFUSE(MALFORMED) },
	{ "proxy nd: code 1", PX_IN, "2001:db8::1", 300, NSM, "fd00:1::5",
	    "fd00:5::1", PSET(ND_OFF + 1, 1), REFUSE(MALFORMED) },
	{ "proxy nd: multicast target", PX_IN, "2001:db8::1", 300, NSM,
	    "fd00:1::5", "ff05::1:3", PM_NONE, 0, REFUSE(MALFORMED) },
	{ "proxy nd: no source link-layer option", PX_IN, "2001:db8::1", 300,
	    NS_MCAST, "fd00:1::5", "fd00:5::1", PM_NONE, 0, REFUSE(MALFORMED) },
	{ "proxy nd: option of length 0", PX_IN, "2001:db8::1", 300,
	    NSM | NS_OPT0, "fd00:1::5", "fd00:5::1", PM_NONE, 0,
	    REFUSE(MALFORMED) },
	{ "proxy nd: dad with a source link-layer option", PX_IN, "2001:db8::1",
	    300, NS_DAD | NSM, NULL, "fd00:5::1", PM_NONE, 0,
	    REFUSE(MALFORMED) },
	{ "proxy nd: dad to a unicast address", PX_IN, "2001:db8::1", 300,
	    NS_DAD, NULL, "fd00:5::1", PM_NONE, 0, REFUSE(MALFORMED) },
	{ "proxy nd: icmpv6 length 16", PX_IN, "2001:db8::1", 300, NSM,
	    "fd00:1::5", "fd00:5::1", PM_PLEN, 16, REFUSE(MALFORMED) },
	{ "proxy nd: truncated", PX_IN, "2001:db8::1", 300, NSM, "fd00:1::5",
	    "fd00:5::1", PM_CUT, ND_OFF + 20, REFUSE(TRUNCATED) },
	{ "proxy nd: ipv4 underlay decapsulation", PX_URX, "198.51.100.3", 301,
	    NSM, "fd00:2::7", "fd00:1::1", PM_NONE, 0, ANSWER(ND, 6) },
	{ "proxy nd: ipv4 underlay, bad checksum", PX_URX, "198.51.100.3", 301,
	    NSM, "fd00:2::7", "fd00:1::1", PM_XOR, (ND_OFF + 2) << 8 | 0x01,
	    REFUSE(MALFORMED) },
	{ "proxy nd: ipv6 underlay decapsulation", PX_URX6, "2001:db8::1", 300,
	    NSM, "fd00:1::5", "fd00:5::1", PM_NONE, 0, ANSWER(ND, 5) },
};

static void
proxy_frame(const struct proxy_case *c, struct frame *f)
{
	uint8_t *ip6 = f->b + ETH_HLEN;

	if (c->how & NS_ARP)
		frame_arp(f, c->src, c->target);
	else
		frame_ns(f, c->src, c->target, c->how);
	switch (c->mut) {
	case PM_NONE:
		break;
	case PM_SET:
	case PM_XOR:
		assert_true((c->arg >> 8) < f->len);
		if (c->mut == PM_SET)
			f->b[c->arg >> 8] = c->arg & 0xff;
		else
			f->b[c->arg >> 8] ^= c->arg & 0xff;
		if (c->mut == PM_SET && !(c->how & NS_ARP))
			icmp6_csum_fix(f);
		break;
	case PM_CUT:
		assert_true(c->arg < f->len);
		f->len = c->arg;
		break;
	case PM_PLEN:
		ip6[4] = (uint8_t)(c->arg >> 8);
		ip6[5] = (uint8_t)c->arg;
		f->len = ND_OFF + c->arg;
		icmp6_csum_fix(f);
		break;
	}
}

static void
proxy_case_run(void **state)
{
	const struct proxy_case *c = *state;
	const struct ovl_obj *o = c->path == PX_URX ? &prod : &wrap;
	struct frame q, in, out, want;
	struct snap before, after;
	struct __sk_buff ctx;
	struct ovl_peer peer;
	int answer = c->reason == OVL_REASON_PROXY_ARP ||
	    c->reason == OVL_REASON_PROXY_ND;
	int want_verdict = c->verdict;
	uint32_t ret;

	proxy_frame(c, &q);
	if (c->path == PX_IN) {
		in = q;
		ingress_ctx(&ctx, c->remote, c->vni);
	} else {
		outer_build(&in, c->remote, c->vni, &q);
		memset(&ctx, 0, sizeof(ctx));
		/* Accepted and not answered: decapsulated and redirected. */
		if (c->verdict == TC_ACT_OK)
			want_verdict = TC_ACT_REDIRECT_;
	}
	if (answer) {
		if (c->how & NS_ARP)
			expect_arp_reply(&want, &q);
		else
			expect_na(&want, c->src, c->target, c->how & NS_DAD);
	} else {
		want = q;
	}
	snap_take(o, &before);
	ret = run(c->path == PX_IN ? o->ingress : o->urx, &in, &ctx, &out);
	snap_take(o, &after);
	check_verdict(c->name, "the ingress program", ret, want_verdict);
	if (want_verdict != TC_ACT_SHOT)
		check_frame(c->name, &out, &want);
	snap_check(
	    c->name, &before, &after, OVL_DIR_INGRESS, c->reason, c->id, q.len);
	if (!answer)
		return;
	if (c->path == PX_URX) {
		/* The production program: the cookie is still in cb. */
		if (ctx.cb[0] != URX_COOKIE0 || ctx.cb[1] != URX_COOKIE1)
			fail_msg("%s: cookie %#x %#x in cb", c->name, ctx.cb[0],
			    ctx.cb[1]);
		return;
	}
	if (ctx.mark != 1)
		fail_msg("%s: mark %u: %s", c->name, ctx.mark,
		    ctx.mark == 2 ? "no cookie for ovl_egress"
				  : "no tunnel key");
	memcpy(&peer, ctx.cb, sizeof(peer));
	if (ntohl(peer.vni) != c->vni)
		fail_msg("%s: answer's VNI %u, want %u", c->name,
		    ntohl(peer.vni), c->vni);
	check_addr(c->name, "answer's tunnel remote", peer.remote, c->remote);
	if ((ctx.priority & 0xff) != OVL_TUNNEL_TTL ||
	    !(ctx.priority >> 16 & TUNNEL_KEY) ||
	    !!(ctx.priority >> 16 & TUNNEL_CSUM) != !strchr(c->remote, '.'))
		fail_msg(
		    "%s: answer's tunnel TTL/flags %#x", c->name, ctx.priority);
}

/*
 * ovl_egress lets an answer with the cookie go as it is, uncounted (it
 * was counted as a question), and clears the cookie; a wrong cookie is
 * nothing to it.
 */
static void
test_egress_proxy_sent(void **state)
{
	struct frame in, out;
	struct snap before, after;
	struct __sk_buff ctx;

	(void)state;
	frame_ipv6(&in, "fd00:5::1", "ff02::1"); /* no route */
	memset(&ctx, 0, sizeof(ctx));
	ctx.cb[0] = URX_COOKIE0;
	ctx.cb[1] = URX_COOKIE1;
	snap_take(&prod, &before);
	assert_int_equal(run(prod.egress, &in, &ctx, &out), TC_ACT_OK);
	snap_take(&prod, &after);
	check_frame("egress, answer", &out, &in);
	snap_check("egress, answer", &before, &after, OVL_DIR_EGRESS, -1, 0, 0);
	assert_int_equal(ctx.cb[0], 0);
	assert_int_equal(ctx.cb[1], 0);

	memset(&ctx, 0, sizeof(ctx));
	ctx.cb[0] = URX_COOKIE0 ^ 1;
	ctx.cb[1] = URX_COOKIE1;
	snap_take(&prod, &before);
	assert_int_equal(run(prod.egress, &in, &ctx, &out), TC_ACT_SHOT);
	snap_take(&prod, &after);
	snap_check("egress, wrong cookie", &before, &after, OVL_DIR_EGRESS,
	    OVL_REASON_NO_ROUTE, 0, in.len);
	assert_int_equal(ctx.cb[0], URX_COOKIE0 ^ 1);
}

/* Run a shell command in the test's namespace; fail the test if it fails. */
static void
sh(const char *cmd)
{
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* One question through ovl_test_ingress: answered or not. */
static void
fib_ask(const char *name, const char *remote, uint32_t vni, unsigned how,
    const char *src, const char *target, int answered)
{
	struct proxy_case c = { name, PX_IN, remote, vni, how, src, target,
		PM_NONE, 0, TC_ACT_OK, OVL_REASON_PASS, 0 };
	struct frame q, out;
	struct __sk_buff ctx;
	uint32_t ret;

	proxy_frame(&c, &q);
	ingress_ctx(&ctx, remote, vni);
	ret = run(wrap.ingress, &q, &ctx, &out);
	if ((int)ret != (answered ? TC_ACT_REDIRECT_ : TC_ACT_OK))
		fail_msg("%s: %s (verdict %u)", name,
		    answered ? "not answered" : "answered", ret);
}

/*
 * Targets no tunnel entry covers: answered if the kernel routes them
 * out of another link of ours straight to the neighbour, not through a
 * gateway, not to our own address, and only while we forward.  The
 * namespace gets a link (veth) with 10.88.0.1/24 and fd88::1/64, a route
 * through a gateway on it, and forwarding; lo plays the vxlan device
 * (test_run's skbs arrive on it).
 */
static void
test_proxy_fib(void **state)
{
	(void)state;
	sh("ip link add fy-d0 type veth peer name fy-d1 && "
	   "ip link set fy-d1 up && ip link set fy-d0 up && "
	   "ip link set lo up && "
	   "ip addr add 10.88.0.1/24 dev fy-d0 && "
	   "ip addr add fd88::1/64 dev fy-d0 nodad && "
	   "ip route add 10.89.0.0/24 via 10.88.0.2 && "
	   "ip route add fd89::/64 via fd88::2 && "
	   "sysctl -qw net.ipv4.conf.all.forwarding=1 "
	   "net.ipv4.conf.lo.forwarding=1 net.ipv6.conf.all.forwarding=1");
	fib_ask("fib: on-link target", "198.51.100.1", 100, NS_ARP, "10.1.0.9",
	    "10.88.0.5", 1);
	fib_ask("fib: our own address", "198.51.100.1", 100, NS_ARP, "10.1.0.9",
	    "10.88.0.1", 0);
	fib_ask("fib: target behind a gateway", "198.51.100.1", 100, NS_ARP,
	    "10.1.0.9", "10.89.0.5", 0);
	fib_ask("fib: ipv6 on-link target", "2001:db8::1", 300, NSM,
	    "fd00:1::5", "fd88::5", 1);
	fib_ask("fib: ipv6 target behind a gateway", "2001:db8::1", 300, NSM,
	    "fd00:1::5", "fd89::5", 0);
	/* The asker's own prefix stays its own, whatever the kernel says. */
	sh("ip route add 10.1.7.0/24 dev fy-d0");
	fib_ask("fib: on-link, but the asker's", "198.51.100.1", 100, NS_ARP,
	    "10.1.0.9", "10.1.7.5", 0);
	/* A gateway that does not forward answers for nothing. */
	sh("sysctl -qw net.ipv4.conf.all.forwarding=0 "
	   "net.ipv4.conf.lo.forwarding=0 net.ipv6.conf.all.forwarding=0");
	fib_ask("fib: forwarding off", "198.51.100.1", 100, NS_ARP, "10.1.0.9",
	    "10.88.0.5", 0);
	fib_ask("fib: ipv6 forwarding off", "2001:db8::1", 300, NSM,
	    "fd00:1::5", "fd88::5", 0);
	sh("ip link del fy-d0 && ip link set lo down");
}
