// SPDX-License-Identifier: BSD-2-Clause
/*
 * The NAT state sync (egress_sync.h for the wire format; docs/design.md,
 * "Shared egress IP with state sync", for why it is shaped so).
 *
 * Each gateway of a synchronised policy keeps every connection of it,
 * whichever gateway opened it, so that a flow a node moves at a failure,
 * or a reply the upstream router hands to another gateway, finds its
 * translation.  What a gateway sends its peers:
 *   - what the datapath reports in egr_sync (a connection opened, a TCP
 *     state a reply moved), as soon as ferryd wakes up for it: the
 *     records read in one go leave in one datagram per peer;
 *   - refreshes of the connections this host saw packets of since the
 *     walk before (from the NAT collector, at most one walk in
 *     EGRESS_SYNC_REFRESH_S), which keep the peers' copies from idling
 *     out: a copy sees no packets until its gateway takes the flow over;
 *   - closes of the connections its collector expires;
 *   - on request (EGRESS_SYNC_ASK: a peer started, came back from
 *     silence, or missed datagrams), everything it holds, paced;
 *   - an empty datagram each second when there is nothing else, so that
 *     silence means trouble.
 * The first packet of a new connection (held by the datapath, see
 * bpf/egress.h) leaves from here, through a packet socket on its
 * interface, once every live peer has acknowledged the datagram that
 * carried its record, or after EGRESS_SYNC_HOLD_S: so the reply finds the
 * connection on whichever gateway it reaches, and a gateway that dies
 * right after a SYN leaves no connection its peers do not know.
 * Every datagram carries the sender's boot id and a sequence number per
 * receiver; a gap or a new boot id makes the receiver ask for a dump.
 * Datagrams are authenticated (HMAC-SHA-256), not encrypted.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "bgp_sock.h"
#include "egress_int.h"
#include "egress_nat.h"
#include "egress_sync.h"
#include "ferryd.h"
#include "log.h"
#include "metrics.h"
#include "sha256.h"
#include "xalloc.h"

#define NS 1000000000ULL

/* --- the wire ------------------------------------------------------------ */

uint32_t
egress_sync_policy_hash(const char *name)
{
	uint32_t h = 2166136261U;

	for (; *name != '\0'; name++) {
		h ^= (uint8_t)*name;
		h *= 16777619U;
	}
	return h;
}

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	p = put16(p, (uint16_t)(v >> 16));
	return put16(p, (uint16_t)v);
}

static uint8_t *
put64(uint8_t *p, uint64_t v)
{
	p = put32(p, (uint32_t)(v >> 32));
	return put32(p, (uint32_t)v);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

void
egress_sync_rec_put(const struct egress_sync_rec *r, uint8_t *p)
{
	*p++ = r->kind;
	*p++ = r->proto;
	*p++ = r->state;
	*p++ = r->flags;
	p = put32(p, r->policy);
	memcpy(p, r->pod, 16);
	memcpy(p + 16, r->remote, 16);
	p += 32;
	memcpy(p, &r->pod_port, 2); /* already in network order */
	memcpy(p + 2, &r->remote_port, 2);
	memcpy(p + 4, r->egress, 16);
	memcpy(p + 20, &r->xport, 2);
	put32(p + 22, r->idle_ms);
}

void
egress_sync_rec_get(const uint8_t *p, struct egress_sync_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = p[0];
	r->proto = p[1];
	r->state = p[2];
	r->flags = p[3];
	r->policy = get32(p + 4);
	p += 8;
	memcpy(r->pod, p, 16);
	memcpy(r->remote, p + 16, 16);
	p += 32;
	memcpy(&r->pod_port, p, 2);
	memcpy(&r->remote_port, p + 2, 2);
	memcpy(r->egress, p + 4, 16);
	memcpy(&r->xport, p + 20, 2);
	r->idle_ms = get32(p + 22);
}

size_t
egress_sync_seal(const struct egress_sync_hdr *h, const uint8_t *recs,
    const uint8_t *key, size_t keylen, uint8_t *out)
{
	size_t n = (size_t)h->count * EGRESS_SYNC_REC_LEN;
	uint8_t *p = out;

	p = put32(p, EGRESS_SYNC_MAGIC);
	*p++ = EGRESS_SYNC_VERSION;
	*p++ = h->type;
	p = put16(p, h->count);
	p = put64(p, h->boot);
	p = put64(p, h->seq);
	if (h->type == EGRESS_SYNC_ACK)
		p = put64(p, h->ack);
	else if (n > 0)
		memcpy(p, recs, n);
	p += h->type == EGRESS_SYNC_ACK ? 0 : n;
	hmac_sha256(key, keylen, out, (size_t)(p - out), p);
	return (size_t)(p - out) + EGRESS_SYNC_MAC_LEN;
}

int
egress_sync_open(const uint8_t *buf, size_t len, const uint8_t *key,
    size_t keylen, struct egress_sync_hdr *h, const uint8_t **recs,
    enum egress_sync_err *why)
{
	uint8_t mac[EGRESS_SYNC_MAC_LEN], diff = 0;
	size_t body, i;

	*why = EGRESS_SYNC_ERR_MALFORMED;
	if (len < EGRESS_SYNC_HDR_LEN + EGRESS_SYNC_MAC_LEN ||
	    get32(buf) != EGRESS_SYNC_MAGIC || buf[4] != EGRESS_SYNC_VERSION)
		return -1;
	h->type = buf[5];
	h->count = get16(buf + 6);
	h->boot = get64(buf + 8);
	h->seq = get64(buf + 16);
	h->ack = 0;
	if (h->type == EGRESS_SYNC_ACK && h->count == 0 &&
	    len >= EGRESS_SYNC_HDR_LEN + 8) {
		h->ack = get64(buf + EGRESS_SYNC_HDR_LEN);
		body = EGRESS_SYNC_HDR_LEN + 8;
	} else
		body = EGRESS_SYNC_HDR_LEN +
		    (size_t)h->count * EGRESS_SYNC_REC_LEN;
	if (len != body + EGRESS_SYNC_MAC_LEN ||
	    (h->type != EGRESS_SYNC_DATA && h->type != EGRESS_SYNC_ASK &&
		h->type != EGRESS_SYNC_ACK) ||
	    (h->type != EGRESS_SYNC_DATA && h->count != 0))
		return -1;
	hmac_sha256(key, keylen, buf, body, mac);
	for (i = 0; i < sizeof(mac); i++)
		diff |= (uint8_t)(mac[i] ^ buf[body + i]);
	if (diff != 0) {
		*why = EGRESS_SYNC_ERR_AUTH;
		return -1;
	}
	*recs = buf + EGRESS_SYNC_HDR_LEN;
	return 0;
}

const char *
egress_sync_err_name(enum egress_sync_err e)
{
	static const char *const names[EGRESS_SYNC_ERR_MAX] = {
		[EGRESS_SYNC_ERR_MALFORMED] = "malformed",
		[EGRESS_SYNC_ERR_AUTH] = "auth",
		[EGRESS_SYNC_ERR_REPLAY] = "replay",
		[EGRESS_SYNC_ERR_GAP] = "gap",
		[EGRESS_SYNC_ERR_POLICY] = "unknown-policy",
		[EGRESS_SYNC_ERR_COLLISION] = "collision",
		[EGRESS_SYNC_ERR_TABLE] = "table-full",
	};

	return (unsigned)e < EGRESS_SYNC_ERR_MAX ? names[e] : "?";
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

void
egress_sync_csum(uint8_t *f, size_t len)
{
	size_t l3 = 14, l4, l4len, off;
	uint32_t sum = 0;
	uint16_t type, c;
	uint8_t proto;

	if (len < l3 + 20)
		return;
	type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == 0x0800 && (f[l3] >> 4) == 4 && (f[l3] & 0xf) >= 5) {
		l4 = l3 + (size_t)(f[l3] & 0xf) * 4;
		proto = f[l3 + 9];
		/* A fragment's transport header is not all there. */
		if ((get16(f + l3 + 6) & 0x3fff) != 0 ||
		    get16(f + l3 + 2) < l4 - l3 ||
		    (size_t)get16(f + l3 + 2) + l3 > len)
			return;
		l4len = get16(f + l3 + 2) - (l4 - l3);
		sum = csum_add(sum, f + l3 + 12, 8);
	} else if (type == 0x86dd && len >= l3 + 40) {
		l4 = l3 + 40;
		proto = f[l3 + 6];
		l4len = get16(f + l3 + 4);
		if (l4 + l4len > len)
			return;
		sum = csum_add(sum, f + l3 + 8, 32);
	} else
		return;
	if (proto == 6 && l4len >= 20)
		off = 16;
	else if (proto == 17 && l4len >= 8)
		off = 6;
	else
		return;
	/* UDP over IPv4 may go without (0); we leave that as it is. */
	if (proto == 17 && type == 0x0800 && get16(f + l4 + off) == 0)
		return;
	sum += proto + (uint32_t)l4len;
	f[l4 + off] = f[l4 + off + 1] = 0;
	sum = csum_add(sum, f + l4, l4len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	if (c == 0 && proto == 17)
		c = 0xffff;
	put16(f + l4 + off, c);
}

/* --- applying a record ---------------------------------------------------- */

static void
rec_tuples(
    const struct egress_sync_rec *r, struct egr_tuple *o, struct egr_tuple *v)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->saddr, r->pod, 16);
	memcpy(o->daddr, r->remote, 16);
	o->sport = r->pod_port;
	o->dport = r->remote_port;
	o->proto = r->proto;
	memset(v, 0, sizeof(*v));
	memcpy(v->saddr, r->remote, 16);
	memcpy(v->daddr, r->egress, 16);
	v->sport = r->remote_port;
	v->dport = r->xport;
	v->proto = r->proto;
}

#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* A connection this host knows: raise its state, note the peer's use. */
static int
apply_known(int ct_fd, int rev_fd, const struct egress_sync_rec *r,
    const struct egr_tuple *o, struct egr_ct_val *cv, uint64_t last)
{
	struct egr_rev_val rv;
	uint32_t last_s = (uint32_t)(last / NS);

	if (r->state > cv->state || (r->flags & ~cv->flags & EGR_CT_F_REPLY)) {
		cv->state = MAX(cv->state, r->state);
		cv->flags |= r->flags & EGR_CT_F_REPLY;
		if (bpf_map_update_elem(ct_fd, o, cv, BPF_EXIST) != 0 &&
		    errno != ENOENT)
			return -1;
	}
	if (bpf_map_lookup_elem(rev_fd, &cv->rev, &rv) != 0)
		return errno == ENOENT ? 0 : -1;
	if (rv.peer_seen >= last_s)
		return 0;
	rv.peer_seen = last_s;
	if (bpf_map_update_elem(rev_fd, &cv->rev, &rv, BPF_EXIST) != 0 &&
	    errno != ENOENT)
		return -1;
	return 0;
}

/* Delete o unless this host saw it in use after the sender did. */
static int
apply_close(int ct_fd, int rev_fd, const struct egr_tuple *o,
    const struct egr_tuple *v, const struct egr_ct_val *cv, uint64_t last)
{
	struct egr_rev_val rv;
	uint64_t here = cv->seen;

	if (bpf_map_lookup_elem(rev_fd, v, &rv) == 0)
		here = MAX(here, rv.seen);
	if (here > last + EGRESS_SYNC_CLOSE_SLACK_NS)
		return 0;
	/* egr_ct first, as the collector deletes (egress_nat.h). */
	if (bpf_map_delete_elem(ct_fd, o) != 0 && errno != ENOENT)
		return -1;
	if (bpf_map_delete_elem(rev_fd, v) != 0 && errno != ENOENT)
		return -1;
	return 0;
}

int
egress_sync_apply(int ct_fd, int rev_fd, const struct egress_sync_rec *r,
    uint32_t policy_id, uint64_t now, enum egress_sync_err *why)
{
	struct egr_tuple o, v;
	struct egr_ct_val cv;
	struct egr_rev_val rv;
	uint64_t idle = (uint64_t)r->idle_ms * 1000000ULL;
	uint64_t last = idle < now ? now - idle : 0;

	/* An END or a kind of a later version: nothing to apply. */
	if (r->kind < EGRESS_SYNC_OPEN || r->kind > EGRESS_SYNC_CLOSE)
		return 0;
	rec_tuples(r, &o, &v);
	if (bpf_map_lookup_elem(ct_fd, &o, &cv) == 0) {
		if (memcmp(&cv.rev, &v, sizeof(v)) != 0) {
			*why = EGRESS_SYNC_ERR_COLLISION;
			return -1;
		}
		if (r->kind == EGRESS_SYNC_CLOSE)
			return apply_close(ct_fd, rev_fd, &o, &v, &cv, last);
		return apply_known(ct_fd, rev_fd, r, &o, &cv, last);
	}
	if (errno != ENOENT)
		return -1;
	if (r->kind == EGRESS_SYNC_CLOSE)
		return 0;
	/* Reserve the reply tuple as the datapath does, then the entry. */
	memset(&rv, 0, sizeof(rv));
	rv.orig = o;
	rv.replied = (r->flags & EGR_CT_F_REPLY) != 0;
	rv.peer_seen = (uint32_t)(last / NS);
	if (bpf_map_update_elem(rev_fd, &v, &rv, BPF_NOEXIST) != 0) {
		if (errno == EEXIST) {
			*why = EGRESS_SYNC_ERR_COLLISION;
			return -1;
		}
		*why = EGRESS_SYNC_ERR_TABLE;
		return -1;
	}
	memset(&cv, 0, sizeof(cv));
	cv.rev = v;
	cv.created = last;
	cv.seen = 0; /* no packet of it here yet */
	cv.policy = policy_id;
	cv.state = r->state;
	cv.flags = (uint8_t)((r->flags & EGR_CT_F_REPLY) | EGR_CT_F_SYNC |
	    EGR_CT_F_SYNCED);
	if (bpf_map_update_elem(ct_fd, &o, &cv, BPF_NOEXIST) != 0) {
		int err = errno;

		bpf_map_delete_elem(rev_fd, &v);
		if (err == EEXIST)
			return 0; /* the datapath opened it meanwhile */
		*why = EGRESS_SYNC_ERR_TABLE;
		return -1;
	}
	return 1;
}

bool
egress_sync_fresh(uint64_t rx_boot, uint64_t rx_seq, double silent_s,
    uint64_t boot, uint64_t seq)
{
	if (boot == rx_boot)
		return seq > rx_seq;
	return boot > rx_boot || silent_s >= EGRESS_SYNC_REBOOT_S;
}

/* --- the runtime ----------------------------------------------------------- */

#define EGRESS_SYNC_TICK_S	  0.05 /* pacing of dumps, keepalives */
#define EGRESS_SYNC_KEEPALIVE_S	  1.0
#define EGRESS_SYNC_SILENT_S	  3.0	/* no datagram for this long: silent */
#define EGRESS_SYNC_REFRESH_S	  10	/* at most one refresh walk so often */
#define EGRESS_SYNC_DUMP_STEP	  1024	/* entries per tick of a dump */
#define EGRESS_SYNC_HOLD_S	  0.005 /* a held packet goes after this */
#define EGRESS_SYNC_HOLD_STALE_NS (50ULL * 1000000ULL) /* held too long */
#define EGRESS_SYNC_HOLDS	  4096 /* held at once; more go at once */
#define EGRESS_SYNC_HOLD_PEERS	  16   /* peers a held packet waits for */
#define EGRESS_SYNC_ALIVE_NS	  (250ULL * 1000000ULL) /* heartbeat */
#define EGRESS_SYNC_LIVE_S	  1.0 /* a peer heard within: waited for */

struct sync_peer {
	struct addr addr;
	struct sockaddr_storage sa;
	socklen_t salen;
	int fd; /* the socket of its family */
	uint64_t tx_seq;
	uint64_t acked;		  /* the last of our seqs it acknowledged */
	uint64_t rx_boot, rx_seq; /* last datagram accepted from it */
	bool heard;		  /* rx_* valid */
	ev_tstamp last_rx, last_tx;
	bool silent;	/* logged as silent, not heard since */
	bool want_dump; /* asked for one; served by the next dump */
	bool in_dump;	/* the dump under way goes to it */
	bool ask_open;	/* we asked it for a dump; its END not yet here */
	ev_tstamp asked_at;
	uint64_t tx_dgrams, tx_recs, rx_dgrams, rx_recs, rx_new;
	uint64_t asks_sent, dumps_sent, dumps_received;
	uint64_t err[EGRESS_SYNC_ERR_MAX];
};

struct pol_hash {
	uint32_t hash, id;
};

/* A first packet waiting for the peers' acknowledgements. */
struct held {
	uint8_t frame[EGR_SYNC_PKT_MAX];
	uint32_t len;
	int ifindex;
	ev_tstamp deadline;
	uint64_t need[EGRESS_SYNC_HOLD_PEERS]; /* per peer: its seq; 0: none */
};

struct egress_sync {
	struct egress *g;
	struct ev_loop *loop;
	uint16_t port;
	uint8_t *key;
	size_t keylen;
	uint64_t boot;
	int fd4, fd6;
	ev_io io4, io6;
	struct ring_buffer *ring;
	ev_io ring_io;
	ev_timer tick;
	struct sync_peer *peers;
	size_t npeers;
	/* Records waiting for the next datagram to every peer. */
	uint8_t pend[EGRESS_SYNC_RECS * EGRESS_SYNC_REC_LEN];
	unsigned npend;
	/* A dump: the walk, and its own records. */
	bool dumping;
	struct egress_nat_gc dump;
	uint8_t dpend[EGRESS_SYNC_RECS * EGRESS_SYNC_REC_LEN];
	unsigned ndpend;
	/* Policies: local id -> hash (0: not synchronised), and back. */
	uint32_t *id_hash;
	struct pol_hash *by_hash;
	size_t nby_hash;
	/* Refreshes: the walks of the collector. */
	uint64_t walk_started, prev_walk_started, last_refresh_walk;
	bool refreshing;
	uint64_t ring_lost;  /* EGR_STAT_SYNC_LOST when last looked at */
	uint64_t rx_unknown; /* datagrams from no peer of ours */
	struct egress_nat_hooks hooks;
	/* Held first packets; the last unsent of them are in pend. */
	struct held *holds;
	size_t nholds, nhold_unsent;
	int pkt_fd; /* AF_PACKET, to send them */
	ev_timer hold_timer;
	uint64_t held, released, released_late;
	int ctl_fd; /* egr_sync_ctl */
};

/* The wall clock in ns: a later run's id is larger (egress_sync_fresh). */
static uint64_t
boot_id(void)
{
	struct timespec ts;
	uint64_t r = 0;

	if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec > 0)
		return (uint64_t)ts.tv_sec * 1000000000ULL +
		    (uint64_t)ts.tv_nsec;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = egress_nat_now();
	return r;
}

static struct sync_peer *
peer_by_sa(struct egress_sync *s, const struct sockaddr *sa)
{
	struct addr a;
	size_t i;

	if (bgp_sock_addr_from(sa, &a) != 0)
		return NULL;
	for (i = 0; i < s->npeers; i++)
		if (addr_cmp(&s->peers[i].addr, &a) == 0)
			return &s->peers[i];
	return NULL;
}

static void
peer_send(struct egress_sync *s, struct sync_peer *pe, uint8_t type,
    const uint8_t *recs, unsigned n)
{
	uint8_t buf[EGRESS_SYNC_DGRAM_MAX];
	struct egress_sync_hdr h;
	size_t len;

	if (pe->fd == -1)
		return;
	h.type = type;
	h.count = (uint16_t)n;
	h.boot = s->boot;
	h.seq = ++pe->tx_seq;
	len = egress_sync_seal(&h, recs, s->key, s->keylen, buf);
	/* A full socket buffer loses the datagram: the peer sees a gap. */
	if (sendto(pe->fd, buf, len, 0, (struct sockaddr *)&pe->sa,
		pe->salen) == (ssize_t)len) {
		pe->tx_dgrams++;
		pe->tx_recs += n;
	}
	pe->last_tx = ev_now(s->loop);
}

static bool
peer_live(const struct egress_sync *s, const struct sync_peer *pe)
{
	return pe->heard && pe->fd != -1 &&
	    ev_now(s->loop) - pe->last_rx < EGRESS_SYNC_LIVE_S;
}

static void release(struct egress_sync *s);

static void
flush(struct egress_sync *s)
{
	size_t i, k;

	if (s->npend == 0)
		return;
	for (i = 0; i < s->npeers; i++) {
		struct sync_peer *pe = &s->peers[i];

		peer_send(s, pe, EGRESS_SYNC_DATA, s->pend, s->npend);
		for (k = s->nholds - s->nhold_unsent;
		     i < EGRESS_SYNC_HOLD_PEERS && k < s->nholds; k++)
			s->holds[k].need[i] = peer_live(s, pe) ? pe->tx_seq : 0;
	}
	s->npend = 0;
	s->nhold_unsent = 0;
	release(s);
}

/* Send held frame h out of its interface. */
static void
hold_send(struct egress_sync *s, struct held *h)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = h->ifindex;
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, h->frame, ETH_ALEN);
	memcpy(&sll.sll_protocol, h->frame + 12, 2);
	egress_sync_csum(h->frame, h->len);
	if (sendto(s->pkt_fd, h->frame, h->len, 0, (struct sockaddr *)&sll,
		sizeof(sll)) != (ssize_t)h->len)
		log_debug("egress: sync: a held packet could not be sent: "
			  "error=%s",
		    strerror(errno));
}

/*
 * Send the held packets whose records every live peer acknowledged, or
 * whose time is up; keep the others (and those not yet in a datagram).
 */
static void
release(struct egress_sync *s)
{
	ev_tstamp now = ev_now(s->loop);
	size_t i, k, keep = 0, sent = s->nholds - s->nhold_unsent;
	bool ready;

	for (k = 0; k < s->nholds; k++) {
		struct held *h = &s->holds[k];

		ready = k < sent;
		for (i = 0;
		     ready && i < s->npeers && i < EGRESS_SYNC_HOLD_PEERS; i++)
			ready = h->need[i] == 0 ||
			    s->peers[i].acked >= h->need[i] ||
			    !peer_live(s, &s->peers[i]);
		if (!ready && now < h->deadline) {
			if (keep != k)
				s->holds[keep] = *h;
			keep++;
			continue;
		}
		if (!ready)
			s->released_late++;
		s->released++;
		hold_send(s, h);
	}
	s->nholds = keep;
	if (keep == 0)
		ev_timer_stop(s->loop, &s->hold_timer);
	else if (!ev_is_active(&s->hold_timer))
		ev_timer_start(s->loop, &s->hold_timer);
}

static void
hold_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	release(w->data);
}

static void
queue(struct egress_sync *s, const struct egress_sync_rec *r)
{
	if (s->npend == EGRESS_SYNC_RECS)
		flush(s);
	/* One record per hold, in the same datagram as the hold's seq. */
	egress_sync_rec_put(r, s->pend + s->npend * EGRESS_SYNC_REC_LEN);
	s->npend++;
}

/* A record of the connection orig -> ct for policy id. */
static bool
rec_of(struct egress_sync *s, const struct egr_tuple *orig,
    const struct egr_ct_val *ct, uint8_t kind, uint64_t idle_ns,
    struct egress_sync_rec *r)
{
	if (ct->policy >= EGR_POLICY_MAX || s->id_hash[ct->policy] == 0)
		return false;
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->proto = orig->proto;
	r->state = ct->state;
	r->flags = ct->flags & EGR_CT_F_REPLY;
	r->policy = s->id_hash[ct->policy];
	memcpy(r->pod, orig->saddr, 16);
	memcpy(r->remote, orig->daddr, 16);
	r->pod_port = orig->sport;
	r->remote_port = orig->dport;
	memcpy(r->egress, ct->rev.daddr, 16);
	r->xport = ct->rev.dport;
	idle_ns /= 1000000ULL;
	r->idle_ms = idle_ns > UINT32_MAX ? UINT32_MAX : (uint32_t)idle_ns;
	return true;
}

/* A held frame that cannot wait: out at once. */
static void
hold_send_now(struct egress_sync *s, const struct egr_sync_rec *d)
{
	struct held h;

	h.len = d->pkt_len <= EGR_SYNC_PKT_MAX ? d->pkt_len : 0;
	h.ifindex = (int)d->ifindex;
	memcpy(h.frame, d->pkt, h.len);
	hold_send(s, &h);
}

/* The frame of d waits for the datagram its record is in (pend). */
static void
hold(struct egress_sync *s, const struct egr_sync_rec *d)
{
	struct held *h;
	uint64_t now = egress_nat_now();

	s->held++;
	if (d->pkt_len > EGR_SYNC_PKT_MAX || s->nholds == EGRESS_SYNC_HOLDS ||
	    (d->stamp < now && now - d->stamp > EGRESS_SYNC_HOLD_STALE_NS)) {
		s->released++;
		hold_send_now(s, d);
		return;
	}
	h = &s->holds[s->nholds++];
	s->nhold_unsent++;
	memset(h->need, 0, sizeof(h->need));
	h->len = d->pkt_len;
	h->ifindex = (int)d->ifindex;
	memcpy(h->frame, d->pkt, d->pkt_len);
	h->deadline = ev_now(s->loop) + EGRESS_SYNC_HOLD_S;
}

/* egr_sync: one record of the datapath. */
static int
ring_rec(void *arg, void *data, size_t len)
{
	struct egress_sync *s = arg;
	const struct egr_sync_rec *d = data;
	struct egress_sync_rec r;
	struct egr_ct_val ct;

	if (len < sizeof(*d))
		return 0;
	memset(&ct, 0, sizeof(ct));
	ct.rev = d->rev;
	ct.policy = d->policy;
	ct.state = d->state;
	ct.flags = d->flags;
	if (!rec_of(s, &d->orig, &ct, d->kind, 0, &r)) {
		if (d->pkt_len > 0) {
			s->released++;
			hold_send_now(s, d);
		}
		return 0;
	}
	if (s->npend == EGRESS_SYNC_RECS)
		flush(s);
	queue(s, &r);
	if (d->pkt_len > 0)
		hold(s, d);
	return 0;
}

static void
ring_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct egress_sync *s = w->data;

	(void)loop;
	(void)revents;
	ring_buffer__consume(s->ring);
	flush(s);
}

static uint32_t
policy_id(const struct egress_sync *s, uint32_t hash)
{
	size_t lo = 0, hi = s->nby_hash, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (s->by_hash[mid].hash == hash)
			return s->by_hash[mid].id;
		if (s->by_hash[mid].hash < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	return UINT32_MAX;
}

static void
ask(struct egress_sync *s, struct sync_peer *pe)
{
	peer_send(s, pe, EGRESS_SYNC_ASK, NULL, 0);
	pe->asks_sent++;
	pe->ask_open = true;
	pe->asked_at = ev_now(s->loop);
}

static void
receive(
    struct egress_sync *s, struct sync_peer *pe, const uint8_t *buf, size_t len)
{
	struct egress_sync_hdr h;
	char abuf[ADDR_STRLEN];
	struct egress_sync_rec r;
	enum egress_sync_err why;
	const uint8_t *recs;
	uint64_t now;
	uint32_t id;
	unsigned i;
	int ct, rev, rc;

	if (egress_sync_open(buf, len, s->key, s->keylen, &h, &recs, &why) !=
	    0) {
		pe->err[why]++;
		return;
	}
	if (pe->heard &&
	    !egress_sync_fresh(pe->rx_boot, pe->rx_seq,
		ev_now(s->loop) - pe->last_rx, h.boot, h.seq)) {
		pe->err[EGRESS_SYNC_ERR_REPLAY]++;
		return;
	}
	pe->rx_dgrams++;
	pe->last_rx = ev_now(s->loop);
	if (pe->silent) {
		pe->silent = false;
		log_info("egress: sync peer heard again: peer=%s",
		    addr_fmt(&pe->addr, abuf, sizeof(abuf)));
	}
	if (!pe->heard || h.boot != pe->rx_boot) {
		/* New to us, or it restarted: get all it holds. */
		if (pe->heard)
			log_info("egress: sync peer restarted: peer=%s",
			    addr_fmt(&pe->addr, abuf, sizeof(abuf)));
		/* Even if it asks us: a restarted peer may hold a table
		 * kept in its pinned maps, and what we asked before went
		 * to its last run, or nowhere. */
		ask(s, pe);
	} else if (h.seq != pe->rx_seq + 1) {
		pe->err[EGRESS_SYNC_ERR_GAP]++;
		ask(s, pe);
	}
	pe->heard = true;
	pe->rx_boot = h.boot;
	pe->rx_seq = h.seq;
	if (h.type == EGRESS_SYNC_ASK) {
		pe->want_dump = true;
		return;
	}
	if (h.type == EGRESS_SYNC_ACK) {
		if (h.ack > pe->acked && h.ack <= pe->tx_seq)
			pe->acked = h.ack;
		release(s);
		return;
	}
	egress_dp_nat_fds(s->g->dp, &ct, &rev);
	now = egress_nat_now();
	for (i = 0; i < h.count; i++) {
		egress_sync_rec_get(recs + i * EGRESS_SYNC_REC_LEN, &r);
		pe->rx_recs++;
		if (r.kind == EGRESS_SYNC_END) {
			pe->ask_open = false;
			pe->dumps_received++;
			continue;
		}
		if ((id = policy_id(s, r.policy)) == UINT32_MAX) {
			pe->err[EGRESS_SYNC_ERR_POLICY]++;
			continue;
		}
		why = EGRESS_SYNC_ERR_MAX; /* a map error, unless set */
		rc = egress_sync_apply(ct, rev, &r, id, now, &why);
		if (rc == 1)
			pe->rx_new++;
		else if (rc == -1)
			pe->err[why < EGRESS_SYNC_ERR_MAX
				? why
				: EGRESS_SYNC_ERR_TABLE]++;
	}
	/* Applied: the sender may let the first packets go. */
	if (h.count > 0) {
		struct egress_sync_hdr a;
		uint8_t out[EGRESS_SYNC_HDR_LEN + 8 + EGRESS_SYNC_MAC_LEN];
		size_t n;

		memset(&a, 0, sizeof(a));
		a.type = EGRESS_SYNC_ACK;
		a.boot = s->boot;
		a.seq = ++pe->tx_seq;
		a.ack = h.seq;
		n = egress_sync_seal(&a, NULL, s->key, s->keylen, out);
		if (pe->fd != -1 &&
		    sendto(pe->fd, out, n, 0, (struct sockaddr *)&pe->sa,
			pe->salen) == (ssize_t)n)
			pe->tx_dgrams++;
		pe->last_tx = ev_now(s->loop);
	}
}

static void
rx_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct egress_sync *s = w->data;
	uint8_t buf[EGRESS_SYNC_DGRAM_MAX + 1];
	struct sockaddr_storage ss;
	struct sync_peer *pe;
	socklen_t sl;
	ssize_t n;
	int i;

	(void)loop;
	(void)revents;
	/* A bounded number per wake-up: the loop has other work. */
	for (i = 0; i < 256; i++) {
		sl = sizeof(ss);
		n = recvfrom(
		    w->fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
		if (n < 0)
			break;
		if ((pe = peer_by_sa(s, (struct sockaddr *)&ss)) == NULL) {
			s->rx_unknown++;
			continue;
		}
		receive(s, pe, buf, (size_t)n);
	}
	flush(s);
}

/* --- dumps and refreshes ----------------------------------------------- */

static void
dump_flush(struct egress_sync *s)
{
	size_t i;

	if (s->ndpend == 0)
		return;
	for (i = 0; i < s->npeers; i++)
		if (s->peers[i].in_dump)
			peer_send(s, &s->peers[i], EGRESS_SYNC_DATA, s->dpend,
			    s->ndpend);
	s->ndpend = 0;
}

/* One record more for the dump's receivers. */
static void
dump_add(struct egress_sync *s, const struct egress_sync_rec *r)
{
	if (s->ndpend == EGRESS_SYNC_RECS)
		dump_flush(s);
	egress_sync_rec_put(r, s->dpend + s->ndpend * EGRESS_SYNC_REC_LEN);
	s->ndpend++;
}

static void
dump_entry(const struct egress_nat_entry *e, void *arg)
{
	struct egress_sync *s = arg;
	struct egress_sync_rec r;
	uint64_t now = egress_nat_now();

	if (!(e->ct.flags & EGR_CT_F_SYNC) ||
	    !rec_of(s, &e->orig, &e->ct, EGRESS_SYNC_REFRESH,
		e->last < now ? now - e->last : 0, &r))
		return;
	dump_add(s, &r);
}

/* Go on with the dump under way, or start one for who asked. */
static void
dump_step(struct egress_sync *s)
{
	int ct, rev, r;
	size_t i, n = 0;

	if (!s->dumping) {
		for (i = 0; i < s->npeers; i++) {
			s->peers[i].in_dump = s->peers[i].want_dump;
			s->peers[i].want_dump = false;
			n += s->peers[i].in_dump;
		}
		if (n == 0)
			return;
		s->dumping = true;
		egress_nat_gc_free(&s->dump);
		memset(&s->dump, 0, sizeof(s->dump));
	}
	egress_dp_nat_fds(s->g->dp, &ct, &rev);
	r = egress_nat_read_step(
	    &s->dump, ct, rev, EGRESS_SYNC_DUMP_STEP, dump_entry, s);
	if (r == 1) {
		/* The receivers know they hold all we do. */
		struct egress_sync_rec end = { .kind = EGRESS_SYNC_END };

		dump_add(s, &end);
	}
	dump_flush(s);
	if (r == 0)
		return;
	if (r == -1)
		log_warn("egress: sync dump failed: error=%s", strerror(errno));
	s->dumping = false;
	for (i = 0; i < s->npeers; i++)
		if (s->peers[i].in_dump) {
			s->peers[i].in_dump = false;
			s->peers[i].dumps_sent += r == 1;
		}
}

/* The collector keeps e: refresh it if this host saw it in use. */
static void
gc_live(const struct egress_nat_entry *e, void *arg)
{
	struct egress_sync *s = arg;
	struct egress_sync_rec r;
	uint64_t now;

	if (!s->refreshing || e->ct.seen < s->prev_walk_started ||
	    e->ct.seen == 0)
		return;
	now = egress_nat_now();
	if (rec_of(s, &e->orig, &e->ct, EGRESS_SYNC_REFRESH,
		e->ct.seen < now ? now - e->ct.seen : 0, &r))
		queue(s, &r);
}

static void
gc_expired(const struct egress_nat_entry *e, void *arg)
{
	struct egress_sync *s = arg;
	struct egress_sync_rec r;
	uint64_t now = egress_nat_now();

	if (rec_of(s, &e->orig, &e->ct, EGRESS_SYNC_CLOSE,
		e->last < now ? now - e->last : 0, &r))
		queue(s, &r);
}

void
egress_sync_gc_step(struct egress *g, int walk_done)
{
	struct egress_sync *s = g->sync;
	uint64_t now = egress_nat_now();

	if (s == NULL)
		return;
	flush(s);
	if (!walk_done)
		return;
	s->prev_walk_started = s->walk_started;
	s->walk_started = now;
	s->refreshing =
	    now - s->last_refresh_walk >= EGRESS_SYNC_REFRESH_S * NS;
	if (s->refreshing)
		s->last_refresh_walk = now;
}

size_t
egress_sync_unsettled(const struct egress *g, ev_tstamp since)
{
	const struct egress_sync *s = g->sync;
	ev_tstamp now;
	size_t i, n = 0;

	if (s == NULL)
		return 0;
	now = ev_now(s->loop);
	for (i = 0; i < s->npeers; i++) {
		const struct sync_peer *pe = &s->peers[i];
		bool live = peer_live(s, pe);

		if (pe->fd == -1)
			continue;
		if (!live && now - since < EGRESS_SYNC_SILENT_S)
			n++;
		else if (pe->ask_open &&
		    (live || now - pe->asked_at < EGRESS_SYNC_SILENT_S))
			n++;
	}
	return n;
}

const struct egress_nat_hooks *
egress_sync_hooks(struct egress *g)
{
	return g->sync != NULL ? &g->sync->hooks : NULL;
}

/* Tell the datapath until when we are there to send held packets. */
static void
heartbeat(struct egress_sync *s, uint64_t until)
{
	struct egr_sync_ctl c = { .alive_until = until };
	uint32_t zero = 0;

	if (bpf_map_update_elem(s->ctl_fd, &zero, &c, BPF_ANY) != 0)
		log_debug("egress: sync: heartbeat failed: error=%s",
		    strerror(errno));
}

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct egress_sync *s = w->data;
	struct egr_stat_val st[EGR_STAT_MAX];
	ev_tstamp now = ev_now(loop);
	char buf[ADDR_STRLEN];
	uint64_t lost;
	size_t i;

	(void)revents;
	heartbeat(s, egress_nat_now() + EGRESS_SYNC_ALIVE_NS);
	/* Records the ring had no room for: every peer gets a dump. */
	egress_dp_stats(s->g->dp, st);
	lost = st[EGR_STAT_SYNC_LOST].packets;
	if (lost > s->ring_lost) {
		log_warn("egress: sync records lost, the ring was full: "
			 "lost=%" PRIu64,
		    lost - s->ring_lost);
		for (i = 0; i < s->npeers; i++)
			s->peers[i].want_dump = true;
	}
	s->ring_lost = lost;
	for (i = 0; i < s->npeers; i++) {
		struct sync_peer *pe = &s->peers[i];

		if (now - pe->last_tx >= EGRESS_SYNC_KEEPALIVE_S)
			peer_send(s, pe, EGRESS_SYNC_DATA, NULL, 0);
		/* Once per silence; it asks for a dump when it is back. */
		if (pe->heard && !pe->silent &&
		    now - pe->last_rx > EGRESS_SYNC_SILENT_S) {
			pe->silent = true;
			log_warn("egress: sync peer silent: peer=%s",
			    addr_fmt(&pe->addr, buf, sizeof(buf)));
		}
	}
	dump_step(s);
}

/* --- set-up ---------------------------------------------------------------- */

static int
sock_open(struct egress_sync *s, const struct addr *local)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	fd =
	    socket(local->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (local->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	sl = bgp_sock_sockaddr(local, s->port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* This host's endpoint and its peers: the synchronised policies'. */
static void
peers_of(struct egress_sync *s, const struct egress_conf *ec,
    struct addr *local4, struct addr *local6)
{
	const struct egress_policy *p;
	struct addr *l;
	size_t i, j, k;

	memset(local4, 0, sizeof(*local4));
	memset(local6, 0, sizeof(*local6));
	for (i = 0; i < ec->npolicies; i++) {
		p = &ec->policies[i];
		if (!p->sync)
			continue;
		for (j = 0; j < p->ngw; j++) {
			l = p->gw[j].endpoint.family == AF_INET ? local4
								: local6;
			if (p->gw[j].local) {
				if (l->family == 0)
					*l = p->gw[j].endpoint;
				continue;
			}
			for (k = 0; k < s->npeers; k++)
				if (addr_cmp(&s->peers[k].addr,
					&p->gw[j].endpoint) == 0)
					break;
			if (k < s->npeers)
				continue;
			s->peers = xreallocarray(
			    s->peers, s->npeers + 1, sizeof(*s->peers));
			memset(&s->peers[s->npeers], 0, sizeof(*s->peers));
			s->peers[s->npeers].addr = p->gw[j].endpoint;
			s->peers[s->npeers].fd = -1;
			s->npeers++;
		}
	}
}

static int
hash_cmp(const void *a, const void *b)
{
	const struct pol_hash *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* The policy tables of the running config. */
static void
policies_of(struct egress_sync *s, const struct egress *g)
{
	const struct egress_conf *ec = g->conf;
	size_t i;
	uint32_t id, h;

	memset(s->id_hash, 0, EGR_POLICY_MAX * sizeof(*s->id_hash));
	free(s->by_hash);
	s->by_hash = xcalloc(ec->npolicies + 1, sizeof(*s->by_hash));
	s->nby_hash = 0;
	for (i = 0; i < ec->npolicies && i < g->rules.nids; i++) {
		if (!ec->policies[i].sync ||
		    (id = g->rules.ids[i].id) >= EGR_POLICY_MAX)
			continue;
		h = egress_sync_policy_hash(ec->policies[i].name);
		s->id_hash[id] = h != 0 ? h : 1;
		s->by_hash[s->nby_hash].hash = s->id_hash[id];
		s->by_hash[s->nby_hash].id = id;
		s->nby_hash++;
	}
	qsort(s->by_hash, s->nby_hash, sizeof(*s->by_hash), hash_cmp);
}

static void
sync_free(struct egress_sync *s)
{
	if (s == NULL)
		return;
	if (s->ctl_fd != -1)
		heartbeat(s, 0); /* hold nothing more */
	if (s->ring != NULL) {
		/* What the datapath holds now goes out now. */
		ring_buffer__consume(s->ring);
		flush(s);
	}
	while (s->nholds > 0) {
		s->nhold_unsent = 0;
		hold_send(s, &s->holds[--s->nholds]);
	}
	ev_timer_stop(s->loop, &s->hold_timer);
	if (s->pkt_fd != -1)
		close(s->pkt_fd);
	free(s->holds);
	ev_timer_stop(s->loop, &s->tick);
	if (s->fd4 != -1) {
		ev_io_stop(s->loop, &s->io4);
		close(s->fd4);
	}
	if (s->fd6 != -1) {
		ev_io_stop(s->loop, &s->io6);
		close(s->fd6);
	}
	if (s->ring != NULL) {
		ev_io_stop(s->loop, &s->ring_io);
		ring_buffer__free(s->ring);
	}
	egress_nat_gc_free(&s->dump);
	free(s->peers);
	free(s->id_hash);
	free(s->by_hash);
	if (s->key != NULL)
		explicit_bzero(s->key, s->keylen);
	free(s->key);
	free(s);
}

static struct egress_sync *
sync_new(struct egress *g)
{
	const struct egress_conf *ec = g->conf;
	struct egress_sync *s = xcalloc(1, sizeof(*s));
	struct addr l4, l6;
	char buf[ADDR_STRLEN];
	size_t i;

	s->g = g;
	s->loop = g->d->loop;
	s->port = ec->sync.port;
	s->fd4 = s->fd6 = -1;
	s->ctl_fd = -1;
	s->holds = xcalloc(EGRESS_SYNC_HOLDS, sizeof(*s->holds));
	ev_timer_init(&s->hold_timer, hold_cb, EGRESS_SYNC_HOLD_S / 2,
	    EGRESS_SYNC_HOLD_S / 2);
	s->hold_timer.data = s;
	s->pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s->pkt_fd == -1) {
		log_err("egress: sync: cannot open a packet socket: error=%s",
		    strerror(errno));
		sync_free(s);
		return NULL;
	}
	s->key = xmalloc(ec->sync.keylen);
	memcpy(s->key, ec->sync.key, ec->sync.keylen);
	s->keylen = ec->sync.keylen;
	s->boot = boot_id();
	s->id_hash = xcalloc(EGR_POLICY_MAX, sizeof(*s->id_hash));
	s->hooks.live = gc_live;
	s->hooks.expired = gc_expired;
	s->hooks.arg = s;
	peers_of(s, ec, &l4, &l6);
	policies_of(s, g);
	if ((l4.family != 0 && (s->fd4 = sock_open(s, &l4)) == -1) ||
	    (l6.family != 0 && (s->fd6 = sock_open(s, &l6)) == -1)) {
		log_err("egress: sync: cannot open its socket: local=%s "
			"port=%u error=%s",
		    addr_fmt(s->fd4 == -1 && l4.family ? &l4 : &l6, buf,
			sizeof(buf)),
		    s->port, strerror(errno));
		sync_free(s);
		return NULL;
	}
	s->ring = ring_buffer__new(egress_dp_sync_fd(g->dp), ring_rec, s, NULL);
	if (s->ring == NULL) {
		log_err("egress: sync: cannot read egr_sync: error=%s",
		    strerror(errno));
		sync_free(s);
		return NULL;
	}
	ev_io_init(
	    &s->ring_io, ring_cb, ring_buffer__epoll_fd(s->ring), EV_READ);
	s->ring_io.data = s;
	ev_io_start(s->loop, &s->ring_io);
	if (s->fd4 != -1) {
		ev_io_init(&s->io4, rx_cb, s->fd4, EV_READ);
		s->io4.data = s;
		ev_io_start(s->loop, &s->io4);
	}
	if (s->fd6 != -1) {
		ev_io_init(&s->io6, rx_cb, s->fd6, EV_READ);
		s->io6.data = s;
		ev_io_start(s->loop, &s->io6);
	}
	for (i = 0; i < s->npeers; i++) {
		struct sync_peer *pe = &s->peers[i];

		pe->fd = pe->addr.family == AF_INET ? s->fd4 : s->fd6;
		pe->salen = bgp_sock_sockaddr(&pe->addr, s->port, &pe->sa);
		if (pe->fd == -1)
			log_warn("egress: sync: no local endpoint of the "
				 "peer's family: peer=%s",
			    addr_fmt(&pe->addr, buf, sizeof(buf)));
		ask(s, pe); /* all they hold, before we count on it */
	}
	ev_timer_init(
	    &s->tick, tick_cb, EGRESS_SYNC_TICK_S, EGRESS_SYNC_TICK_S);
	s->tick.data = s;
	ev_timer_start(s->loop, &s->tick);
	s->ctl_fd = egress_dp_sync_ctl_fd(g->dp);
	heartbeat(s, egress_nat_now() + EGRESS_SYNC_ALIVE_NS);
	{
		struct egr_stat_val st[EGR_STAT_MAX];

		egress_dp_stats(g->dp, st);
		s->ring_lost = st[EGR_STAT_SYNC_LOST].packets;
	}
	log_info("egress: sync up: port=%u peers=%zu policies=%zu", s->port,
	    s->npeers, s->nby_hash);
	return s;
}

/* Does the running sync fit ec (the same port, key, peers)? */
static bool
sync_fits(const struct egress_sync *s, const struct egress *g)
{
	struct egress_sync probe;
	struct addr l4, l6;
	bool same;
	size_t i;

	if (s->port != g->conf->sync.port ||
	    s->keylen != g->conf->sync.keylen ||
	    memcmp(s->key, g->conf->sync.key, s->keylen) != 0)
		return false;
	memset(&probe, 0, sizeof(probe));
	peers_of(&probe, g->conf, &l4, &l6);
	same = probe.npeers == s->npeers;
	for (i = 0; same && i < s->npeers; i++)
		same = addr_cmp(&probe.peers[i].addr, &s->peers[i].addr) == 0;
	free(probe.peers);
	return same && (l4.family == 0) == (s->fd4 == -1) &&
	    (l6.family == 0) == (s->fd6 == -1);
}

void
egress_sync_update(struct egress *g)
{
	bool want = false;
	size_t i;

	for (i = 0;
	     g->dp != NULL && g->conf->sync.enabled && i < g->conf->npolicies;
	     i++)
		want = want || g->conf->policies[i].sync;
	if (g->sync != NULL && want && sync_fits(g->sync, g)) {
		policies_of(g->sync, g);
		return;
	}
	sync_free(g->sync);
	g->sync = want ? sync_new(g) : NULL;
}

void
egress_sync_stop(struct egress *g)
{
	sync_free(g->sync);
	g->sync = NULL;
}

/* --- what it shows --------------------------------------------------------- */

static const char *
peer_state(const struct egress_sync *s, const struct sync_peer *pe)
{
	if (!pe->heard)
		return "unheard";
	if (ev_now(s->loop) - pe->last_rx > EGRESS_SYNC_SILENT_S)
		return "silent";
	if (pe->in_dump || pe->want_dump)
		return "dumping";
	return "live";
}

json_object *
egress_sync_json(const struct egress *g)
{
	const struct egress_sync *s = g->sync;
	json_object *o, *a, *p, *e;
	char buf[ADDR_STRLEN];
	size_t i;
	int k;

	if (s == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "port", json_object_new_int(s->port));
	a = json_object_new_array();
	for (i = 0; i < s->npeers; i++) {
		const struct sync_peer *pe = &s->peers[i];

		p = json_object_new_object();
		json_object_object_add(p, "peer",
		    json_object_new_string(
			addr_fmt(&pe->addr, buf, sizeof(buf))));
		json_object_object_add(
		    p, "state", json_object_new_string(peer_state(s, pe)));
		json_object_object_add(p, "last-heard-ms",
		    pe->heard
			? json_object_new_int64(
			      (int64_t)((ev_now(s->loop) - pe->last_rx) * 1000))
			: NULL);
		json_object_object_add(
		    p, "sent", json_object_new_int64((int64_t)pe->tx_recs));
		json_object_object_add(
		    p, "received", json_object_new_int64((int64_t)pe->rx_recs));
		json_object_object_add(
		    p, "created", json_object_new_int64((int64_t)pe->rx_new));
		json_object_object_add(
		    p, "tx-seq", json_object_new_int64((int64_t)pe->tx_seq));
		json_object_object_add(
		    p, "rx-seq", json_object_new_int64((int64_t)pe->rx_seq));
		json_object_object_add(p, "resyncs-asked",
		    json_object_new_int64((int64_t)pe->asks_sent));
		json_object_object_add(p, "dumps-sent",
		    json_object_new_int64((int64_t)pe->dumps_sent));
		json_object_object_add(p, "dumps-received",
		    json_object_new_int64((int64_t)pe->dumps_received));
		json_object_object_add(
		    p, "dump-awaited", json_object_new_boolean(pe->ask_open));
		e = json_object_new_object();
		for (k = 0; k < EGRESS_SYNC_ERR_MAX; k++)
			json_object_object_add(e,
			    egress_sync_err_name((enum egress_sync_err)k),
			    json_object_new_int64((int64_t)pe->err[k]));
		json_object_object_add(p, "errors", e);
		json_object_array_add(a, p);
	}
	json_object_object_add(o, "peers", a);
	json_object_object_add(o, "unknown-senders",
	    json_object_new_int64((int64_t)s->rx_unknown));
	json_object_object_add(
	    o, "held", json_object_new_int64((int64_t)s->held));
	json_object_object_add(o, "released-unacknowledged",
	    json_object_new_int64((int64_t)s->released_late));
	json_object_object_add(o, "egress-gate",
	    json_object_new_string(egress_gate_held(g) ? "closed" : "open"));
	return o;
}

void
egress_sync_metrics(const struct egress *g, FILE *f)
{
	const struct egress_sync *s = g->sync;
	char buf[ADDR_STRLEN];
	size_t i;
	int k;

	if (s == NULL)
		return;
	metrics_family(f, "ferry_egress_gate_closed", "gauge",
	    "1 while an upstream session waits for the egress pools.");
	fprintf(f, "ferry_egress_gate_closed %d\n", egress_gate_held(g));
	metrics_family(f, "ferry_egress_sync_peer_up", "gauge",
	    "1 while a sync peer was heard within the last 3 s.");
	for (i = 0; i < s->npeers; i++)
		fprintf(f, "ferry_egress_sync_peer_up{peer=\"%s\"} %d\n",
		    addr_fmt(&s->peers[i].addr, buf, sizeof(buf)),
		    strcmp(peer_state(s, &s->peers[i]), "live") == 0 ||
			strcmp(peer_state(s, &s->peers[i]), "dumping") == 0);
	metrics_family(f, "ferry_egress_sync_sent_total", "counter",
	    "NAT state records sent to a sync peer.");
	for (i = 0; i < s->npeers; i++)
		fprintf(f,
		    "ferry_egress_sync_sent_total{peer=\"%s\"} %" PRIu64 "\n",
		    addr_fmt(&s->peers[i].addr, buf, sizeof(buf)),
		    s->peers[i].tx_recs);
	metrics_family(f, "ferry_egress_sync_received_total", "counter",
	    "NAT state records received from a sync peer.");
	for (i = 0; i < s->npeers; i++)
		fprintf(f,
		    "ferry_egress_sync_received_total{peer=\"%s\"} %" PRIu64
		    "\n",
		    addr_fmt(&s->peers[i].addr, buf, sizeof(buf)),
		    s->peers[i].rx_recs);
	metrics_family(f, "ferry_egress_sync_errors_total", "counter",
	    "Sync datagrams or records refused, by peer and reason.");
	for (i = 0; i < s->npeers; i++)
		for (k = 0; k < EGRESS_SYNC_ERR_MAX; k++)
			fprintf(f,
			    "ferry_egress_sync_errors_total{peer=\"%s\","
			    "reason=\"%s\"} %" PRIu64 "\n",
			    addr_fmt(&s->peers[i].addr, buf, sizeof(buf)),
			    egress_sync_err_name((enum egress_sync_err)k),
			    s->peers[i].err[k]);
}
