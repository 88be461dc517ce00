/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BGP message codec: framing, OPEN with capabilities, KEEPALIVE,
 * NOTIFICATION and ROUTE-REFRESH.  UPDATE lives in bgp_update.h and path
 * attributes in bgp_attr.h; all three share the error result defined here.
 *
 * Every function is pure: bytes in, a struct and a struct bgp_err out, no
 * sockets, clocks, globals or logging, so the whole codec is unit tested
 * and fuzzed as is.  A decoder never fails with a bare -1: it returns an
 * enum bgp_action that tells the session exactly what to do, and fills in
 * the NOTIFICATION code, subcode and data that RFC 4271 section 6 (or the
 * RFC named next to the check) prescribes.
 *
 * RFCs implemented (by this codec):
 *   RFC 4271  BGP-4: header, OPEN, UPDATE, NOTIFICATION, KEEPALIVE,
 *             section 6 error handling
 *   RFC 1997  COMMUNITIES attribute
 *   RFC 2545  IPv6 next hops in MP_REACH_NLRI (global, global+link-local)
 *   RFC 2918  ROUTE-REFRESH
 *   RFC 4360  EXTENDED_COMMUNITIES attribute
 *   RFC 4456  ORIGINATOR_ID and CLUSTER_LIST
 *   RFC 4486  Cease NOTIFICATION subcodes
 *   RFC 4724  graceful restart capability; End-of-RIB marker
 *   RFC 4760  multiprotocol extensions: capability, MP_REACH/MP_UNREACH
 *   RFC 5065  AS_CONFED_SEQUENCE / AS_CONFED_SET path segments
 *   RFC 5492  capabilities advertisement (unknown ones ignored)
 *   RFC 6286  BGP identifier: any non-zero 32-bit value
 *   RFC 6793  four-octet AS numbers: capability, AS4_PATH, AS4_AGGREGATOR
 *             and the AS_PATH/AS4_PATH merge of section 4.2.3
 *   RFC 7313  enhanced route refresh: capability, BoRR/EoRR subtypes,
 *             ROUTE-REFRESH Message Error
 *   RFC 7606  revised UPDATE error handling (treat-as-withdraw,
 *             attribute discard, session reset)
 *   RFC 8092  LARGE_COMMUNITY attribute
 *   RFC 8203/RFC 9003  shutdown communication in Cease NOTIFICATIONs
 *   RFC 8950  extended next hop capability (parsed and encoded)
 *   RFC 9072  extended optional parameters length in OPEN
 *
 * And by the rest of bgpd/ (sessions, RIB, FIB):
 *   RFC 2385  TCP-MD5 per neighbor and listen range (bgp_sock.c)
 *   RFC 4271  the FSM with all its timers and collision detection
 *             (bgp_fsm.c), decision process (bgp_decide.c)
 *   RFC 4456  route reflection (bgp_policy.c)
 *   RFC 4486  Cease 6/1 with AFI, SAFI and limit (bgp_peer_msg.c)
 *   RFC 4724  End-of-RIB after the initial table (bgp_out.c); graceful
 *             restart, both roles: capability, negotiation and the helper
 *             machine (bgp_gr.c), stale paths (bgp_rib.c), selection
 *             deferral and restart state (bgp_peer.c, bgpd.c)
 *   RFC 8538  the N bit: NOTIFICATIONs handled gracefully, Hard Reset
 *             sent and received (bgp_gr.c, bgp_peer.c)
 *   RFC 5082  GTSM, enforced from the first SYN (bgp_sock.c)
 *   RFC 7313  enhanced route refresh (bgp_out.c)
 *   RFC 8212  eBGP: nothing in or out without a policy (bgp_policy.c)
 *   RFC 8950  IPv4 routes with IPv6 next hops: negotiation (bgp_peer_msg.c),
 *             next hop choice (bgp_policy.c), kernel routes via an IPv6
 *             gateway (bgp_fib.c)
 */
#ifndef FERRY_BGP_MSG_H
#define FERRY_BGP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define BGP_VERSION	   4
#define BGP_MARKER_LEN	   16
#define BGP_HDR_LEN	   19
#define BGP_MAX_MSG_LEN	   4096
#define BGP_OPEN_MIN_LEN   29
#define BGP_UPDATE_MIN_LEN 23
#define BGP_NOTIFY_MIN_LEN 21
#define BGP_REFRESH_LEN	   23
#define BGP_AS_TRANS	   23456 /* RFC 6793 section 9 */

enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5, /* RFC 2918 */
};

/* NOTIFICATION error codes (RFC 4271 4.5, RFC 7313 5). */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_REFRESH = 7,
};

enum bgp_err_header_sub {
	BGP_ERR_HDR_SYNC = 1,	/* Connection Not Synchronized */
	BGP_ERR_HDR_LENGTH = 2, /* Bad Message Length */
	BGP_ERR_HDR_TYPE = 3,	/* Bad Message Type */
};

enum bgp_err_open_sub {
	BGP_ERR_OPEN_UNSPEC = 0,
	BGP_ERR_OPEN_VERSION = 1,
	BGP_ERR_OPEN_PEER_AS = 2,
	BGP_ERR_OPEN_BGP_ID = 3,
	BGP_ERR_OPEN_OPT_PARAM = 4,
	BGP_ERR_OPEN_HOLD_TIME = 6,
	BGP_ERR_OPEN_CAPABILITY = 7, /* RFC 5492 5 */
};

enum bgp_err_update_sub {
	BGP_ERR_UPD_ATTR_LIST = 1,  /* Malformed Attribute List */
	BGP_ERR_UPD_WK_UNKNOWN = 2, /* Unrecognized Well-known Attr. */
	BGP_ERR_UPD_WK_MISSING = 3, /* Missing Well-known Attribute */
	BGP_ERR_UPD_FLAGS = 4,	    /* Attribute Flags Error */
	BGP_ERR_UPD_LENGTH = 5,	    /* Attribute Length Error */
	BGP_ERR_UPD_ORIGIN = 6,	    /* Invalid ORIGIN Attribute */
	BGP_ERR_UPD_NEXT_HOP = 8,   /* Invalid NEXT_HOP Attribute */
	BGP_ERR_UPD_OPTIONAL = 9,   /* Optional Attribute Error */
	BGP_ERR_UPD_NETWORK = 10,   /* Invalid Network Field */
	BGP_ERR_UPD_AS_PATH = 11,   /* Malformed AS_PATH */
};

enum bgp_err_fsm_sub { /* RFC 6608 */
	BGP_ERR_FSM_UNSPEC = 0,
	BGP_ERR_FSM_OPENSENT = 1,
	BGP_ERR_FSM_OPENCONFIRM = 2,
	BGP_ERR_FSM_ESTABLISHED = 3,
};

enum bgp_err_cease_sub { /* RFC 4486, RFC 8538 */
	BGP_ERR_CEASE_MAX_PREFIX = 1,
	BGP_ERR_CEASE_ADMIN_SHUTDOWN = 2,
	BGP_ERR_CEASE_PEER_DECONF = 3,
	BGP_ERR_CEASE_ADMIN_RESET = 4,
	BGP_ERR_CEASE_REJECTED = 5,
	BGP_ERR_CEASE_OTHER_CONFIG = 6,
	BGP_ERR_CEASE_COLLISION = 7,
	BGP_ERR_CEASE_RESOURCES = 8,
	BGP_ERR_CEASE_HARD_RESET = 9,
	BGP_ERR_CEASE_BFD_DOWN = 10, /* RFC 9384 */
};

enum bgp_err_refresh_sub {
	BGP_ERR_REFRESH_LENGTH = 1, /* RFC 7313 5 */
};

/*
 * What the caller must do with a decoded message, weakest first: RFC 7606
 * 3(d) says that when several errors call for different approaches the
 * strongest one wins, and the numeric order lets the decoder keep the
 * maximum.
 */
enum bgp_action {
	BGP_ACT_OK = 0,
	BGP_ACT_IGNORE,		   /* drop the message, nothing else */
	BGP_ACT_ATTR_DISCARD,	   /* usable; some attributes dropped */
	BGP_ACT_TREAT_AS_WITHDRAW, /* withdraw every NLRI it carries */
	BGP_ACT_SESSION_RESET,	   /* send the NOTIFICATION, close */
};

#define BGP_ERR_INLINE 8

/*
 * The verdict of a decoder.  For BGP_ACT_SESSION_RESET, code, subcode and
 * bgp_msg_err_data() are the NOTIFICATION to send.  For the RFC 7606 actions
 * they are what RFC 4271 would have sent, for the log line.  Long data
 * (an offending attribute) points into the decoded message, so encode the
 * NOTIFICATION before releasing that buffer; short data is held inline.
 */
struct bgp_err {
	enum bgp_action action;
	uint8_t code;
	uint8_t subcode;
	uint8_t attr_type; /* attribute concerned, 0: none */
	uint16_t datalen;
	const uint8_t *data; /* NULL: data lives in inl */
	uint8_t inl[BGP_ERR_INLINE];
	const char *reason; /* static text for the log */
};

/* AFI/SAFI (RFC 4760) and the two families ferry speaks. */
#define BGP_AFI_IPV4	 1
#define BGP_AFI_IPV6	 2
#define BGP_SAFI_UNICAST 1

enum bgp_af {
	BGP_AF_IPV4_UNICAST = 0,
	BGP_AF_IPV6_UNICAST = 1,
	BGP_AF_COUNT
};

/* Capability codes (RFC 5492 and the IANA registry). */
enum bgp_cap_code {
	BGP_CAP_MP = 1,		       /* RFC 4760 */
	BGP_CAP_ROUTE_REFRESH = 2,     /* RFC 2918 */
	BGP_CAP_EXT_NEXTHOP = 5,       /* RFC 8950 */
	BGP_CAP_GRACEFUL_RESTART = 64, /* RFC 4724 */
	BGP_CAP_AS4 = 65,	       /* RFC 6793 */
	BGP_CAP_ENHANCED_RR = 70,      /* RFC 7313 */
};

/* Bits of bgp_caps.seen. */
#define BGP_CAPF_MP	       0x01
#define BGP_CAPF_ROUTE_REFRESH 0x02
#define BGP_CAPF_EXT_NEXTHOP   0x04
#define BGP_CAPF_GR	       0x08
#define BGP_CAPF_AS4	       0x10
#define BGP_CAPF_ENHANCED_RR   0x20

/* Graceful restart (RFC 4724 3): header and per-AF flag bits. */
#define BGP_GR_RESTARTING    0x8  /* R bit, top of the 4 flag bits */
#define BGP_GR_NOTIFICATION  0x4  /* N bit, RFC 8538 */
#define BGP_GR_AF_FORWARDING 0x80 /* F bit */

/*
 * Capabilities of one OPEN.  Families are bitmasks of 1 << enum bgp_af;
 * anything we do not speak is only counted, which is all RFC 5492 3 asks
 * ("ignore unknown capabilities").
 */
struct bgp_caps {
	uint32_t seen;	  /* BGP_CAPF_* */
	uint8_t mp;	  /* MP families announced */
	uint8_t ext_nh;	  /* families with IPv6 next hops */
	uint8_t gr_flags; /* 4 bits: BGP_GR_RESTARTING... */
	uint8_t gr_af;	  /* families preserved over restart */
	uint16_t gr_time; /* restart time, 12 bits */
	uint8_t gr_af_flags[BGP_AF_COUNT];
	uint32_t as4;	   /* four-octet AS of the speaker */
	uint16_t mp_other; /* MP families we do not speak */
	uint16_t unknown;  /* capabilities ignored */
};

struct bgp_open {
	uint8_t version;
	uint16_t my_as; /* 2-octet field, AS_TRANS if big */
	uint16_t hold_time;
	uint32_t bgp_id; /* host order */
	struct bgp_caps caps;
};

/* What a session expects from its peer's OPEN (bgp_msg_open_check). */
struct bgp_open_expect {
	uint32_t peer_as;   /* 0: any (dynamic neighbor) */
	uint32_t local_id;  /* ours, for the RFC 4271 6.2 check */
	bool ibgp;	    /* identical id only rejected here */
	uint32_t need_caps; /* BGP_CAPF_* the peer must send */
};

struct bgp_hdr {
	uint16_t len; /* whole message, header included */
	uint8_t type;
};

struct bgp_notification {
	uint8_t code;
	uint8_t subcode;
	uint16_t datalen;
	const uint8_t *data; /* into the message */
};

enum bgp_refresh_subtype { /* RFC 7313 3.2 */
	BGP_REFRESH_NORMAL = 0,
	BGP_REFRESH_BORR = 1,
	BGP_REFRESH_EORR = 2,
};

struct bgp_refresh {
	uint16_t afi;
	uint8_t safi;
	uint8_t subtype;
};

/* Error results. */
void bgp_msg_err_clear(struct bgp_err *);
/*
 * Record an error unless a stronger (or equal, earlier) one is held; data
 * up to BGP_ERR_INLINE bytes is copied, longer data is referenced.
 * Returns the action now held.
 */
enum bgp_action bgp_msg_err_set(struct bgp_err *, enum bgp_action, uint8_t code,
    uint8_t subcode, const uint8_t *data, size_t datalen, const char *reason);
const uint8_t *bgp_msg_err_data(const struct bgp_err *);
const char *bgp_msg_err_name(uint8_t code, uint8_t subcode);
const char *bgp_msg_action_name(enum bgp_action);

/* Families. */
int bgp_msg_af(uint16_t afi, uint8_t safi); /* -1: other */
void bgp_msg_af_afi_safi(enum bgp_af, uint16_t *, uint8_t *);

/*
 * Framing.  bgp_msg_hdr_decode needs BGP_HDR_LEN bytes; on BGP_ACT_OK the
 * caller waits for hdr->len bytes and hands them to the type's decoder.
 * Encoders append to a wbuf: begin writes the header and returns its
 * offset, finish patches the length and returns -1 past 4096 bytes.
 */
enum bgp_action bgp_msg_hdr_decode(
    const uint8_t *, size_t, struct bgp_hdr *, struct bgp_err *);
size_t bgp_msg_hdr_begin(struct wbuf *, enum bgp_msg_type);
int bgp_msg_hdr_finish(struct wbuf *, size_t start);

/* OPEN.  Decoders take the whole message, header included. */
enum bgp_action bgp_msg_open_decode(
    const uint8_t *, size_t, struct bgp_open *, struct bgp_err *);
enum bgp_action bgp_msg_open_check(
    const struct bgp_open *, const struct bgp_open_expect *, struct bgp_err *);
uint32_t bgp_msg_open_peer_as(const struct bgp_open *);
uint16_t bgp_msg_open_my_as(uint32_t);
int bgp_msg_open_encode(struct wbuf *, const struct bgp_open *);

/* KEEPALIVE. */
enum bgp_action bgp_msg_keepalive_decode(
    const uint8_t *, size_t, struct bgp_err *);
int bgp_msg_keepalive_encode(struct wbuf *);

/* NOTIFICATION. */
enum bgp_action bgp_msg_notification_decode(
    const uint8_t *, size_t, struct bgp_notification *, struct bgp_err *);
int bgp_msg_notification_encode(struct wbuf *, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t datalen);
int bgp_msg_notification_encode_err(struct wbuf *, const struct bgp_err *);
/* RFC 9003 shutdown communication; -1 if absent or malformed. */
int bgp_msg_notification_shutdown_text(
    const struct bgp_notification *, char *, size_t);
int bgp_msg_notification_encode_shutdown(
    struct wbuf *, uint8_t subcode, const char *text);

/* ROUTE-REFRESH. */
enum bgp_action bgp_msg_refresh_decode(
    const uint8_t *, size_t, struct bgp_refresh *, struct bgp_err *);
int bgp_msg_refresh_encode(struct wbuf *, const struct bgp_refresh *);

#endif
