/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The NAT state sync between the gateways of a policy that share an
 * egress IP (egress.ha.sync; docs/design.md, "Shared egress IP with state
 * sync").  Private to egress/.
 *
 * The wire format, all integers big-endian, over UDP between the
 * gateways' endpoints:
 *
 *   header   magic "FYS1", version 1, type (EGRESS_SYNC_DATA or
 *            EGRESS_SYNC_ASK), record count (16 bits), the sender's boot
 *            id (64 bits, its wall clock in ns at the start of
 *            ferryd) and sequence number (64 bits, per receiver,
 *            from 1)                                          24 bytes
 *   records  count x EGRESS_SYNC_REC_LEN                      66 each
 *   mac      HMAC-SHA-256 of all the above under the key      32 bytes
 *
 * A record: kind, IP protocol, TCP state, EGR_CT_F_REPLY or 0, the
 * policy (FNV-1a of its name: ids are per ferryd), the pod's address and
 * the remote's (16 bytes each, IPv4 mapped), the pod's port and the
 * remote's, the egress IP (16), the translated port, and how long ago
 * the sender last saw the connection active, in milliseconds (clocks are
 * not compared).  EGRESS_SYNC_ASK carries no records: "send me all you
 * hold"; the dump that answers it ends with an EGRESS_SYNC_END record
 * (all its other fields zero).  EGRESS_SYNC_ACK carries, instead of records, the sequence
 * number (64 bits) of the last DATA datagram with records received from
 * the peer it goes to: a new connection's first packet waits for the
 * acknowledgement of its record by every live peer.
 */
#ifndef FERRY_EGRESS_SYNC_H
#define FERRY_EGRESS_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "egress.h"

#define EGRESS_SYNC_MAGIC   0x46595331U /* "FYS1" */
#define EGRESS_SYNC_VERSION 1
#define EGRESS_SYNC_HDR_LEN 24
#define EGRESS_SYNC_REC_LEN 66
#define EGRESS_SYNC_MAC_LEN 32
/* Records per datagram: 1310 bytes at most, inside any underlay MTU. */
#define EGRESS_SYNC_RECS 19
#define EGRESS_SYNC_DGRAM_MAX                                           \
	(EGRESS_SYNC_HDR_LEN + EGRESS_SYNC_RECS * EGRESS_SYNC_REC_LEN + \
	    EGRESS_SYNC_MAC_LEN)

enum egress_sync_type {
	EGRESS_SYNC_DATA = 1,
	EGRESS_SYNC_ASK = 2,
	EGRESS_SYNC_ACK = 3,
};

enum egress_sync_rec_kind {
	EGRESS_SYNC_OPEN = EGR_SYNC_OPEN,   /* a new connection */
	EGRESS_SYNC_STATE = EGR_SYNC_STATE, /* its TCP state moved */
	EGRESS_SYNC_REFRESH = 3,	    /* still in use / a dump's entry */
	EGRESS_SYNC_CLOSE = 4,		    /* expired at the sender */
	EGRESS_SYNC_END = 5, /* a dump is complete; nothing else is read */
};

struct egress_sync_rec {
	uint8_t kind; /* enum egress_sync_rec_kind */
	uint8_t proto;
	uint8_t state;
	uint8_t flags;	 /* EGR_CT_F_REPLY or 0 */
	uint32_t policy; /* egress_sync_policy_hash() */
	__be32 pod[4], remote[4];
	__be16 pod_port, remote_port; /* network order, as in egr_tuple */
	__be32 egress[4];
	__be16 xport;
	uint32_t idle_ms;
};

struct egress_sync_hdr {
	uint8_t type; /* enum egress_sync_type */
	uint16_t count;
	uint64_t boot, seq;
	uint64_t ack; /* EGRESS_SYNC_ACK: the sequence number acknowledged */
};

/*
 * Is a datagram (boot, seq) new after the last one accepted from its
 * peer (rx_boot, rx_seq), silent_s seconds ago?  Boot ids are the
 * sender's wall clock at its start, so a later run's are larger: the
 * same boot with a higher sequence number, or a later boot, is new.  An
 * earlier boot is a replay, unless the peer has been silent for
 * EGRESS_SYNC_REBOOT_S (its clock went back across a restart: it would
 * be refused until our own restart otherwise).
 */
#define EGRESS_SYNC_REBOOT_S 30.0
bool egress_sync_fresh(uint64_t rx_boot, uint64_t rx_seq, double silent_s,
    uint64_t boot, uint64_t seq);

/* FNV-1a (32 bits) of a policy's name: how peers name a policy. */
uint32_t egress_sync_policy_hash(const char *name);

/* rec <-> 66 bytes. */
void egress_sync_rec_put(const struct egress_sync_rec *, uint8_t *out);
void egress_sync_rec_get(const uint8_t *in, struct egress_sync_rec *);

/*
 * A datagram of h->count records (recs: h->count x EGRESS_SYNC_REC_LEN
 * bytes, already encoded; for EGRESS_SYNC_ACK h->ack instead) sealed
 * with the key: its length, written into out (EGRESS_SYNC_DGRAM_MAX
 * bytes).
 */
size_t egress_sync_seal(const struct egress_sync_hdr *h, const uint8_t *recs,
    const uint8_t *key, size_t keylen, uint8_t *out);

/* Why a datagram is refused (egress_sync_open) or a record not applied. */
enum egress_sync_err {
	EGRESS_SYNC_ERR_MALFORMED = 0, /* length, magic, version, type */
	EGRESS_SYNC_ERR_AUTH,	       /* the MAC does not verify */
	EGRESS_SYNC_ERR_REPLAY,	       /* a sequence number already seen */
	EGRESS_SYNC_ERR_GAP,	       /* datagrams missed: a resync asked */
	EGRESS_SYNC_ERR_POLICY,	       /* a policy not synchronised here */
	EGRESS_SYNC_ERR_COLLISION,     /* the tuple is another connection's */
	EGRESS_SYNC_ERR_TABLE,	       /* the NAT table is full */
	EGRESS_SYNC_ERR_MAX
};
const char *egress_sync_err_name(enum egress_sync_err);

/*
 * Check and parse a received datagram: 0 with *h filled in and *recs
 * pointing at its h->count records, or -1 with *why set (MALFORMED,
 * AUTH).  The MAC is compared in constant time.
 */
int egress_sync_open(const uint8_t *buf, size_t len, const uint8_t *key,
    size_t keylen, struct egress_sync_hdr *h, const uint8_t **recs,
    enum egress_sync_err *why);

/*
 * Apply one record to the NAT table (egr_ct, egr_rev by fd) at now (ns,
 * CLOCK_MONOTONIC), as the local policy id.  Returns 0 if applied or
 * nothing was to be done, 1 for a record that created a connection, or
 * -1 with *why (COLLISION, TABLE) or errno for a map error.  What it
 * does, by kind:
 *   OPEN, STATE, REFRESH  create the connection if it is missing (both
 *                         halves, egr_rev first, BPF_NOEXIST, marked
 *                         EGR_CT_F_SYNC | EGR_CT_F_SYNCED, ct.seen 0:
 *                         no packet seen here yet); else raise its TCP
 *                         state to the record's if that is further on,
 *                         and rev.peer_seen to the record's activity.
 *   CLOSE                 delete both halves unless this host saw a
 *                         packet of it later than the sender's last
 *                         activity plus EGRESS_SYNC_CLOSE_SLACK_NS.
 *   END, any other        nothing (0).
 */
#define EGRESS_SYNC_CLOSE_SLACK_NS (2ULL * 1000000000ULL)
int egress_sync_apply(int ct_fd, int rev_fd, const struct egress_sync_rec *,
    uint32_t policy_id, uint64_t now, enum egress_sync_err *why);

/*
 * A held frame (Ethernet, then IPv4 or IPv6, then TCP or UDP) gets its
 * transport checksum computed afresh: the datapath may have copied it
 * with only the pseudo-header's sum in it (CHECKSUM_PARTIAL, the device
 * to complete it).  Frames of other kinds are left alone.
 */
void egress_sync_csum(uint8_t *frame, size_t len);

#endif /* FERRY_EGRESS_SYNC_H */
