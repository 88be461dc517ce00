/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Incremental Internet checksum arithmetic for the egress datapath, in
 * plain C so that the same code runs in BPF and in user space (the fuzz
 * target, the tests' expectations are computed independently).
 *
 * The kernel helpers bpf_l3_csum_replace() / bpf_l4_csum_replace() fix
 * the checksums of the headers the programs rewrite in place.  They
 * cannot fix a checksum that is itself data, which is what the headers
 * quoted inside an ICMP error are: there the embedded IP and transport
 * checksums are recomputed here (RFC 1624 equation 3, HC' = ~(~HC + ~m +
 * m')) and every changed 16-bit word is added to a running difference
 * that is finally handed to bpf_l4_csum_replace() for the outer ICMP
 * checksum.  Words are summed as they lie in memory; the ones' complement
 * sum does not depend on byte order (RFC 1071 section 2(B)), so no
 * conversion is needed.
 */
#ifndef FERRY_BPF_LIB_EGR_CSUM_H
#define FERRY_BPF_LIB_EGR_CSUM_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* s + v in ones' complement arithmetic, 32 bits wide. */
static __always_inline __u32
egr_csum_add(__u32 s, __u32 v)
{
	s += v;
	return s + (s < v);
}

/* The running difference s, plus the change of one word from old to new. */
static __always_inline __u32
egr_csum_word(__u32 s, __u16 old, __u16 new)
{
	return egr_csum_add(egr_csum_add(s, (__u16)~old), new);
}

/* The same for n bytes (n even) at old and new. */
static __always_inline __u32
egr_csum_bytes(__u32 s, const void *old, const void *new, __u32 n)
{
	const __u16 *o = old, *w = new;
	__u32 i;

	for (i = 0; i < n / 2; i++)
		s = egr_csum_word(s, o[i], w[i]);
	return s;
}

/* s plus the n bytes (n even) at p, summed from scratch. */
static __always_inline __u32
egr_csum_sum(__u32 s, const void *p, __u32 n)
{
	const __u16 *w = p;
	__u32 i;

	for (i = 0; i < n / 2; i++)
		s = egr_csum_add(s, w[i]);
	return s;
}

static __always_inline __u16
egr_csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/*
 * The checksum field check after the covered data changed by diff.
 * zero_ok: a zero field means "no checksum" (UDP over IPv4, RFC 768) and
 * stays zero, and a computed zero is sent as all ones instead.
 */
static __always_inline __u16
egr_csum_apply(__u16 check, __u32 diff, int zero_ok)
{
	__u16 r;

	if (zero_ok && check == 0)
		return 0;
	r = (__u16)~egr_csum_fold(egr_csum_add((__u16)~check, diff));
	if (zero_ok && r == 0)
		r = 0xffff;
	return r;
}

#endif /* FERRY_BPF_LIB_EGR_CSUM_H */
