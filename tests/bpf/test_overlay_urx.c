// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests for ovl_underlay_rx, the receive-side
 * decapsulation on the underlay device, and for the cookie by which
 * ovl_ingress accepts what it sends.  Included by test_overlay.c, whose
 * fixture (maps, frames, counters) these tables share.
 *
 * Each case is an outer packet built around an inner frame (the inner
 * frame as the ingress tables build it): Ethernet to the MAC that
 * test_run's loopback device has (00:00:00:00:00:00, so the packet is
 * PACKET_HOST as on a real underlay), IPv4 or IPv6 to LOCAL4/LOCAL6, UDP
 * to URX_PORT, VXLAN.  Expected: the verdict; for a redirect, output
 * bytes equal to the inner frame and the cookie in cb[0..1]; for a pass,
 * output bytes equal to the input; which ovl_stats slot, ovl_cnt element
 * and ovl_urx_stats slot moved.
 *
 * IPv4 outer packets carry a zero UDP checksum and run through the
 * production program.  IPv6 ones need a checksum the device validated,
 * which test_run cannot make (its skbs are CHECKSUM_NONE), so they run
 * through ovl_test_underlay_rx, which trusts the checksum; the production
 * program must leave them to the kernel, and a case says so.
 */

#define URX_PORT    4789
#define URX_IFX	    1 /* any device: test_run does not follow redirects */
#define URX_COOKIE0 0x5eedf00dU
#define URX_COOKIE1 0x0badcafeU

static const uint8_t mac_zero[6] = { 0 };

static void
urx_config_set(const struct ovl_obj *o, uint32_t ifindex, int cookie)
{
	struct ovl_urx_config c;
	uint32_t zero = 0;
	uint8_t a[16];

	memset(&c, 0, sizeof(c));
	c.ifindex = ifindex;
	addr16(LOCAL4, a);
	memcpy(&c.local4, a + 12, 4);
	addr16(LOCAL6, c.local6);
	if (cookie) {
		c.cookie[0] = URX_COOKIE0;
		c.cookie[1] = URX_COOKIE1;
	}
	c.port = htons(URX_PORT);
	memcpy(c.mac, mac_dev, 6);
	assert_int_equal(
	    bpf_map_update_elem(o->urx_cfg, &zero, &c, BPF_ANY), 0);
}

static void
urx_snap(const struct ovl_obj *o, struct ovl_stat out[OVL_URX_MAX])
{
	struct ovl_stat *per = calloc((size_t)ncpus, sizeof(*per));
	uint32_t k;
	int cpu;

	assert_non_null(per);
	memset(out, 0, sizeof(*out) * OVL_URX_MAX);
	for (k = 0; k < OVL_URX_MAX; k++) {
		assert_int_equal(bpf_map_lookup_elem(o->urx_stats, &k, per), 0);
		for (cpu = 0; cpu < ncpus; cpu++)
			out[k].packets += per[cpu].packets;
	}
	free(per);
}

enum outer_mut {
	O_NONE,
	O_SET,	     /* byte at arg >> 8 = arg & 0xff, IPv4 checksum fixed */
	O_SET_RAW,   /* the same, checksum left as it is */
	O_CUT,	     /* the outer packet cut to arg bytes */
	O_PAD,	     /* arg bytes of padding after it */
	O_GSO,	     /* test_run's skb gets gso_size arg */
	O_INNER_CUT, /* the inner frame cut to arg bytes before wrapping */
	O_CSUM0,     /* a zero UDP checksum */
};

/* Offsets into an outer packet. */
#define O_IP   ETH_HLEN
#define O_UDP4 (ETH_HLEN + 20)
#define O_UDP6 (ETH_HLEN + 40)
#define O_VX4  (O_UDP4 + 8)
#define O_VX6  (O_UDP6 + 8)
#define O_IN4  (O_VX4 + 8) /* the inner frame */
#define O_IN6  (O_VX6 + 8)

static void
ip4_csum_fix(struct frame *f)
{
	uint8_t *ip = f->b + O_IP;
	uint16_t sum;

	ip[10] = ip[11] = 0;
	sum = csum16(ip, 20);
	ip[10] = sum >> 8;
	ip[11] = sum & 0xff;
}

/* The UDP checksum of an IPv6 outer packet (RFC 8200 section 8.1). */
static void
udp6_csum_fix(struct frame *f)
{
	uint8_t buf[FRAME_MAX + 40];
	uint8_t *ip6 = f->b + O_IP, *udp = f->b + O_UDP6;
	uint32_t ulen = f->len - O_UDP6;
	uint16_t sum;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, ip6 + 8, 32);
	buf[34] = (uint8_t)(ulen >> 8);
	buf[35] = (uint8_t)ulen;
	buf[39] = 17;
	udp[6] = udp[7] = 0;
	memcpy(buf + 40, udp, ulen);
	sum = csum16(buf, 40 + ulen);
	if (sum == 0)
		sum = 0xffff;
	udp[6] = sum >> 8;
	udp[7] = sum & 0xff;
}

/* An outer packet from remote to us around inner, VNI vni. */
static void
outer_build(struct frame *f, const char *remote, uint32_t vni,
    const struct frame *inner)
{
	uint8_t a[16], *ip, *udp, *vx;
	uint32_t ilen = frame_len(inner), hl, ulen;
	int v6 = addr16(remote, a) == 6;

	memset(f, 0, sizeof(*f));
	hl = v6 ? 40 : 20;
	ulen = 8 + 8 + ilen;
	assert_true(ETH_HLEN + hl + ulen <= sizeof(f->b));
	memcpy(f->b, mac_zero, 6);
	memcpy(f->b + 6, mac_a, 6);
	f->b[12] = v6 ? 0x86 : 0x08;
	f->b[13] = v6 ? 0xdd : 0x00;
	ip = f->b + O_IP;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)(ulen >> 8);
		ip[5] = (uint8_t)ulen;
		ip[6] = 17;
		ip[7] = 64;
		memcpy(ip + 8, a, 16);
		addr16(LOCAL6, ip + 24);
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((hl + ulen) >> 8);
		ip[3] = (uint8_t)(hl + ulen);
		ip[4] = 0x12;
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, a + 12, 4);
		addr16(LOCAL4, a);
		memcpy(ip + 16, a + 12, 4);
	}
	udp = ip + hl;
	udp[0] = 0xc0;
	udp[1] = 0x01;
	udp[2] = URX_PORT >> 8;
	udp[3] = URX_PORT & 0xff;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
	vx = udp + 8;
	vx[0] = 0x08;
	vx[4] = (uint8_t)(vni >> 16);
	vx[5] = (uint8_t)(vni >> 8);
	vx[6] = (uint8_t)vni;
	memcpy(vx + 8, inner->b, ilen);
	f->len = ETH_HLEN + hl + ulen;
	if (v6)
		udp6_csum_fix(f);
	else
		ip4_csum_fix(f);
}

enum urx_prog {
	URX_PROD,
	URX_WRAP
};
enum urx_seen {
	U_NONE = -1,
	U_DECAP = OVL_URX_DECAP,
	U_KERNEL = OVL_URX_KERNEL
};

#define TC_ACT_REDIRECT_ 7 /* TC_ACT_REDIRECT, not in every libc's header */

struct urx_case {
	const char *name;
	enum urx_prog prog;
	const char *remote;
	uint32_t vni;
	enum kind kind; /* the inner frame */
	const char *src, *dst;
	enum outer_mut mut;
	unsigned int arg;
	int verdict;
	int reason; /* ovl_stats ingress slot; -1: none moves */
	uint32_t id;
	enum urx_seen seen;
};

#define REDIR(id)    TC_ACT_REDIRECT_, OVL_REASON_PASS, id, U_DECAP
#define UDROP(r)     TC_ACT_SHOT, OVL_REASON_##r, 0, U_DECAP
#define TO_KERNEL    TC_ACT_UNSPEC, -1, 0, U_KERNEL
#define NOT_OURS     TC_ACT_UNSPEC, -1, 0, U_NONE
#define SETB(off, v) O_SET, ((off) << 8 | (v))
#define RAWB(off, v) O_SET_RAW, ((off) << 8 | (v))

static const struct urx_case urx_cases[] = {
	/* Decapsulated and accepted. */
	{ "urx: ipv4 in ipv4", URX_PROD, "198.51.100.1", 100, K_IPV4,
	    "10.1.5.5", "10.244.0.5", O_NONE, 0, REDIR(1) },
	{ "urx: ipv6 in ipv4", URX_PROD, "198.51.100.3", 301, K_IPV6,
	    "fd00:2::7", "fd00:244::5", O_NONE, 0, REDIR(6) },
	{ "urx: arp in ipv4", URX_PROD, "198.51.100.1", 100, K_ARP, "10.1.0.9",
	    "10.1.0.1", O_NONE, 0, REDIR(1) },
	{ "urx: ipv4 in ipv6", URX_WRAP, "2001:db8::9", 900, K_IPV4, "10.9.1.1",
	    "10.244.0.5", O_NONE, 0, REDIR(3) },
	{ "urx: ipv6 in ipv6", URX_WRAP, "2001:db8::1", 300, K_IPV6,
	    "fd00:1::5", "fd00:244::5", O_NONE, 0, REDIR(5) },
	{ "urx: second peer prefix", URX_PROD, "198.51.100.2", 200, K_IPV4,
	    "10.20.0.7", "10.244.0.5", O_NONE, 0, REDIR(2) },
	/* Decapsulated and refused, as ovl_ingress refuses. */
	{ "urx: spoofed inner source", URX_PROD, "198.51.100.1", 100, K_IPV4,
	    "10.2.0.1", "10.244.0.5", O_NONE, 0, UDROP(SPOOF) },
	{ "urx: wrong VNI for the peer", URX_PROD, "198.51.100.1", 101, K_IPV4,
	    "10.1.5.5", "10.244.0.5", O_NONE, 0, UDROP(SPOOF) },
	{ "urx: unknown peer", URX_PROD, "198.51.100.77", 100, K_IPV4,
	    "10.1.5.5", "10.244.0.5", O_NONE, 0, UDROP(SPOOF) },
	{ "urx: ipv6 underlay, spoofed", URX_WRAP, "2001:db8::1", 300, K_IPV6,
	    "fd00:2::7", "fd00:244::5", O_NONE, 0, UDROP(SPOOF) },
	{ "urx: ipv6 underlay, wrong VNI", URX_WRAP, "2001:db8::1", 301, K_IPV6,
	    "fd00:1::5", "fd00:244::5", O_NONE, 0, UDROP(SPOOF) },
	{ "urx: inner ipv4 shorter than tot_len", URX_PROD, "198.51.100.1", 100,
	    K_IPV4, "10.1.5.5", "10.244.0.5", O_INNER_CUT, ETH_HLEN + 24,
	    UDROP(TRUNCATED) },
	{ "urx: inner ipv6 shorter than payload_len", URX_PROD, "198.51.100.3",
	    301, K_IPV6, "fd00:2::7", "fd00:244::5", O_INNER_CUT, ETH_HLEN + 48,
	    UDROP(TRUNCATED) },
	{ "urx: inner non-ip", URX_PROD, "198.51.100.1", 100, K_RAW, NULL, NULL,
	    O_NONE, 0x88b5, UDROP(UNSUPPORTED) },
	/* Not VXLAN to us: untouched, not counted. */
	{ "urx: wrong port", URX_PROD, "198.51.100.1", 100, K_IPV4, "10.1.5.5",
	    "10.244.0.5", SETB(O_UDP4 + 3, 0xb6), NOT_OURS },
	{ "urx: another address", URX_PROD, "198.51.100.1", 100, K_IPV4,
	    "10.1.5.5", "10.244.0.5", SETB(O_IP + 19, 0x01), NOT_OURS },
	{ "urx: tcp to us", URX_PROD, "198.51.100.1", 100, K_IPV4, "10.1.5.5",
	    "10.244.0.5", SETB(O_IP + 9, 6), NOT_OURS },
	{ "urx: ipv6 wrong port", URX_WRAP, "2001:db8::1", 300, K_IPV6,
	    "fd00:1::5", "fd00:244::5", RAWB(O_UDP6 + 3, 0xb6), NOT_OURS },
	{ "urx: ipv6 extension header", URX_WRAP, "2001:db8::1", 300, K_IPV6,
	    "fd00:1::5", "fd00:244::5", RAWB(O_IP + 6, 0), NOT_OURS },
	/* VXLAN to us that the kernel handles: untouched. */
	{ "urx: ipv4 fragment", URX_PROD, "198.51.100.1", 100, K_IPV4,
	    "10.1.5.5", "10.244.0.5", SETB(O_IP + 6, 0x20), TO_KERNEL },
	{ "urx: ipv4 later fragment", URX_PROD, "198.51.100.1", 100, K_IPV4,
	    "10.1.5.5", "10.244.0.5", SETB(O_IP + 7, 0x10), TO_KERNEL },
	{ "urx: ipv4 options", URX_PROD, "198.51.100.1", 100, K_IPV4,
	    "10.1.5.5", "10.244.0.5", SETB(O_IP, 0x46), TO_KERNEL },
	{ "urx: bad ipv4 header checksum", URX_PROD, "198.51.100.1", 100,
	    K_IPV4, "10.1.5.5", "10.244.0.5", RAWB(O_IP + 8, 63), TO_KERNEL },
	{ "urx: congestion experienced", URX_PROD, "198.51.100.1", 100, K_IPV4,
	    "10.1.5.5", "10.244.0.5", SETB(O_IP + 1, 3), TO_KERNEL },
	{ "urx: udp checksum, not validated", URX_PROD, "198.51.100.1", 100,
	    K_IPV4, "10.1.5.5", "10.244.0.5", RAWB(O_UDP4 + 6, 0x12),
	    TO_KERNEL },
	{ "urx: ipv6 underlay, not validated", URX_PROD, "2001:db8::1", 300,
	    K_IPV6, "fd00:1::5", "fd00:244::5", O_NONE, 0, TO_KERNEL },
	{ "urx: ipv6 underlay, zero checksum", URX_WRAP, "2001:db8::1", 300,
	    K_IPV6, "fd00:1::5", "fd00:244::5", O_CSUM0, 0, TO_KERNEL },
	/*
	 * Inner frames shorter than an IP header after the outer headers:
	 * bpf_skb_adjust_room() will not leave less, so the driver
	 * decapsulates them and ovl_ingress drops them as TRUNCATED.
	 */
	{ "urx: inner ipv4 header cut", URX_PROD, "198.51.100.1", 100, K_IPV4,
	    "10.1.5.5", "10.244.0.5", O_INNER_CUT, ETH_HLEN + 16, TO_KERNEL },
	{ "urx: inner ethernet header only", URX_PROD, "198.51.100.1", 100,
	    K_IPV4, "10.1.5.5", "10.244.0.5", O_INNER_CUT, ETH_HLEN,
	    TO_KERNEL },
	{ "urx: truncated in the vxlan header", URX_PROD, "198.51.100.1", 100,
	    K_IPV4, "10.1.5.5", "10.244.0.5", O_CUT, O_VX4 + 4, TO_KERNEL },
	{ "urx: truncated in the inner ethernet header", URX_PROD,
	    "198.51.100.1", 100, K_IPV4, "10.1.5.5", "10.244.0.5", O_CUT,
	    O_IN4 + 6, TO_KERNEL },
	{ "urx: padding after the ip packet", URX_PROD, "198.51.100.1", 100,
	    K_IPV4, "10.1.5.5", "10.244.0.5", O_PAD, 4, TO_KERNEL },
	{ "urx: udp length disagrees", URX_PROD, "198.51.100.1", 100, K_IPV4,
	    "10.1.5.5", "10.244.0.5", RAWB(O_UDP4 + 5, 0x20), TO_KERNEL },
	{ "urx: vxlan without I flag", URX_PROD, "198.51.100.1", 100, K_IPV4,
	    "10.1.5.5", "10.244.0.5", RAWB(O_VX4, 0x00), TO_KERNEL },
	{ "urx: vxlan reserved bits", URX_PROD, "198.51.100.1", 100, K_IPV4,
	    "10.1.5.5", "10.244.0.5", RAWB(O_VX4 + 7, 0x01), TO_KERNEL },
	{ "urx: vxlan gbp flag", URX_PROD, "198.51.100.1", 100, K_IPV4,
	    "10.1.5.5", "10.244.0.5", RAWB(O_VX4, 0x88), TO_KERNEL },
	{ "urx: our own frame looped back", URX_PROD, "198.51.100.1", 100,
	    K_IPV4, "10.1.5.5", "10.244.0.5", RAWB(O_IN4 + 11, 0x01),
	    TO_KERNEL },
	{ "urx: outer frame for another host", URX_PROD, "198.51.100.1", 100,
	    K_IPV4, "10.1.5.5", "10.244.0.5", RAWB(5, 0x99), TO_KERNEL },
	{ "urx: gso packet", URX_PROD, "198.51.100.1", 100, K_IPV4, "10.1.5.5",
	    "10.244.0.5", O_GSO, 1400, TO_KERNEL },
};

static void
urx_frames(const struct urx_case *c, struct frame *in, struct frame *inner)
{
	enum mutation im = M_NONE;
	unsigned int iarg = c->kind == K_RAW ? c->arg : 0;

	frame_build(inner, c->kind, c->src, c->dst, im, iarg);
	if (c->mut == O_INNER_CUT) {
		inner->len = c->arg;
		memset(inner->b + inner->len, 0, sizeof(inner->b) - inner->len);
	}
	outer_build(in, c->remote, c->vni, inner);
	switch (c->mut) {
	case O_SET:
	case O_SET_RAW:
		assert_true((c->arg >> 8) < in->len);
		in->b[c->arg >> 8] = c->arg & 0xff;
		if (c->mut == O_SET && in->b[12] == 0x08)
			ip4_csum_fix(in);
		break;
	case O_CUT:
		assert_true(c->arg < in->len);
		in->len = c->arg;
		break;
	case O_PAD:
		in->len += c->arg;
		break;
	case O_CSUM0:
		in->b[in->b[12] == 0x08 ? O_UDP4 + 6 : O_UDP6 + 6] = 0;
		in->b[in->b[12] == 0x08 ? O_UDP4 + 7 : O_UDP6 + 7] = 0;
		break;
	default:
		break;
	}
}

static void
urx_case_run(void **state)
{
	const struct urx_case *c = *state;
	const struct ovl_obj *o = c->prog == URX_WRAP ? &wrap : &prod;
	struct ovl_stat u0[OVL_URX_MAX], u1[OVL_URX_MAX];
	struct frame in, inner, out;
	struct snap before, after;
	struct __sk_buff ctx;
	uint32_t ret, k;

	urx_frames(c, &in, &inner);
	memset(&ctx, 0, sizeof(ctx));
	if (c->mut == O_GSO) {
		ctx.gso_size = c->arg;
		ctx.gso_segs = 2;
	}
	snap_take(o, &before);
	urx_snap(o, u0);
	ret = run(o->urx, &in, &ctx, &out);
	snap_take(o, &after);
	urx_snap(o, u1);
	check_verdict(c->name, "ovl_underlay_rx", ret, c->verdict);
	if (c->verdict == TC_ACT_REDIRECT_) {
		check_frame(c->name, &out, &inner);
		if (ctx.cb[0] != URX_COOKIE0 || ctx.cb[1] != URX_COOKIE1)
			fail_msg("%s: cookie %#x %#x in cb", c->name, ctx.cb[0],
			    ctx.cb[1]);
	} else if (c->verdict == TC_ACT_UNSPEC) {
		check_frame(c->name, &out, &in);
	}
	snap_check(c->name, &before, &after, OVL_DIR_INGRESS, c->reason, c->id,
	    frame_len(&inner));
	for (k = 0; k < OVL_URX_MAX; k++)
		if (u1[k].packets - u0[k].packets != (k == (uint32_t)c->seen))
			fail_msg("%s: ovl_urx_stats[%u] moved by %llu", c->name,
			    k,
			    (unsigned long long)(u1[k].packets -
				u0[k].packets));
}

/* Decapsulation off (ifindex 0): every packet is the kernel's. */
static void
test_urx_off(void **state)
{
	struct frame in, inner, out;
	struct snap before, after;
	struct __sk_buff ctx;

	(void)state;
	frame_ipv4(&inner, "10.1.5.5", "10.244.0.5");
	outer_build(&in, "198.51.100.1", 100, &inner);
	urx_config_set(&prod, 0, 1);
	memset(&ctx, 0, sizeof(ctx));
	snap_take(&prod, &before);
	assert_int_equal(
	    run(prod.urx, &in, &ctx, &out), (uint32_t)TC_ACT_UNSPEC);
	snap_take(&prod, &after);
	urx_config_set(&prod, URX_IFX, 1);
	check_frame("urx off", &out, &in);
	snap_check("urx off", &before, &after, OVL_DIR_INGRESS, -1, 0, 0);
}

/*
 * ovl_ingress takes a frame without tunnel metadata only with the cookie:
 * accepted uncounted (ovl_underlay_rx counted it) and the cookie cleared;
 * with another cookie, or none configured, it is NO_TUNNEL_INFO.
 */
static void
test_ingress_cookie(void **state)
{
	struct frame in, out;
	struct snap before, after;
	struct __sk_buff ctx;

	(void)state;
	frame_ipv4(&in, "10.2.0.1", "10.244.0.5"); /* no peer owns it */
	memset(&ctx, 0, sizeof(ctx));
	ctx.cb[0] = URX_COOKIE0;
	ctx.cb[1] = URX_COOKIE1;
	snap_take(&prod, &before);
	assert_int_equal(run(prod.ingress, &in, &ctx, &out), TC_ACT_OK);
	snap_take(&prod, &after);
	check_frame("cookie", &out, &in);
	snap_check("cookie", &before, &after, OVL_DIR_INGRESS, -1, 0, 0);
	assert_int_equal(ctx.cb[0], 0);
	assert_int_equal(ctx.cb[1], 0);

	memset(&ctx, 0, sizeof(ctx));
	ctx.cb[0] = URX_COOKIE0;
	ctx.cb[1] = URX_COOKIE1 ^ 1;
	snap_take(&prod, &before);
	assert_int_equal(run(prod.ingress, &in, &ctx, &out), TC_ACT_SHOT);
	snap_take(&prod, &after);
	snap_check("wrong cookie", &before, &after, OVL_DIR_INGRESS,
	    OVL_REASON_NO_TUNNEL_INFO, 0, in.len);

	/* No cookie drawn yet: a zeroed cb must not match a zeroed map. */
	urx_config_set(&prod, URX_IFX, 0);
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(run(prod.ingress, &in, &ctx, &out), TC_ACT_SHOT);
	urx_config_set(&prod, URX_IFX, 1);
}
