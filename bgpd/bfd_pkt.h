/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The BFD control packet (RFC 5880 section 4) as a pure codec: bytes in,
 * a decoded struct bfd_pkt or the reason for dropping it out, and back.
 * The checks of section 6.8.6 that need nothing but the packet itself
 * live in bfd_pkt_decode; the ones that need a session (your
 * discriminator lookup, whether authentication is in use, the digest
 * and sequence number) are for bfd.c and bfd_auth.c.  No sockets, clocks
 * or globals: the unit tests and the fuzz target drive it with bytes.
 */
#ifndef FERRY_BFD_PKT_H
#define FERRY_BFD_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define BFD_VERSION	    1
#define BFD_PORT_SINGLE_HOP 3784 /* RFC 5881 4 */
#define BFD_PORT_MULTI_HOP  4784 /* RFC 5883 5 */
#define BFD_SRC_PORT_MIN    49152
#define BFD_SRC_PORT_MAX    65535
#define BFD_PKT_LEN	    24 /* without authentication */
#define BFD_PKT_MAX_LEN	    (BFD_PKT_LEN + 28)
#define BFD_AUTH_SHA1_LEN   28		      /* RFC 5880 4.4 */
#define BFD_AUTH_MD5_LEN    24		      /* 4.3 */
#define BFD_AUTH_SIMPLE_MAX 16		      /* 4.2: password octets */
#define BFD_AUTH_DIGEST_OFF (BFD_PKT_LEN + 8) /* key / digest */
#define BFD_SHA1_DIGEST_LEN 20

/* 4.1 "Sta" */
enum bfd_state {
	BFD_ST_ADMIN_DOWN = 0,
	BFD_ST_DOWN = 1,
	BFD_ST_INIT = 2,
	BFD_ST_UP = 3,
};

/* 4.1 "Diag" */
enum bfd_diag {
	BFD_DIAG_NONE = 0,
	BFD_DIAG_TIME_EXPIRED = 1,
	BFD_DIAG_ECHO_FAILED = 2,
	BFD_DIAG_NEIGHBOR_DOWN = 3,
	BFD_DIAG_FWD_RESET = 4,
	BFD_DIAG_PATH_DOWN = 5,
	BFD_DIAG_CONCAT_DOWN = 6,
	BFD_DIAG_ADMIN_DOWN = 7,
	BFD_DIAG_REV_CONCAT_DOWN = 8,
	BFD_DIAG_MAX = 31,
};

/* 4.1 "Auth Type" */
enum bfd_auth_type {
	BFD_AUTH_NONE = 0,
	BFD_AUTH_SIMPLE = 1,
	BFD_AUTH_KEYED_MD5 = 2,
	BFD_AUTH_METICULOUS_MD5 = 3,
	BFD_AUTH_KEYED_SHA1 = 4,
	BFD_AUTH_METICULOUS_SHA1 = 5,
};

#define BFD_FLAG_POLL	    0x20
#define BFD_FLAG_FINAL	    0x10
#define BFD_FLAG_CPI	    0x08 /* control plane independent */
#define BFD_FLAG_AUTH	    0x04
#define BFD_FLAG_DEMAND	    0x02
#define BFD_FLAG_MULTIPOINT 0x01

struct bfd_pkt {
	uint8_t version;
	uint8_t diag;
	enum bfd_state state;
	uint8_t flags; /* BFD_FLAG_* */
	uint8_t detect_mult;
	uint8_t length;
	uint32_t my_disc;
	uint32_t your_disc;
	uint32_t desired_min_tx;       /* microseconds */
	uint32_t required_min_rx;      /* microseconds */
	uint32_t required_min_echo_rx; /* microseconds; we send 0 */
	/* The authentication section (A bit set). */
	uint8_t auth_type;
	uint8_t auth_len;
	uint8_t auth_key_id;
	uint32_t auth_seq; /* MD5, SHA1 */
	/* Simple: the password; MD5/SHA1: the digest.  Points into the
	 * decoded bytes (or the encoder's input). */
	const uint8_t *auth_data;
	uint8_t auth_data_len;
};

/* Why a packet was dropped by bfd_pkt_decode. */
enum bfd_pkt_err {
	BFD_PKT_OK = 0,
	BFD_PKT_SHORT,		/* fewer octets than 24 or Length */
	BFD_PKT_BAD_VERSION,	/* version != 1 */
	BFD_PKT_BAD_LENGTH,	/* Length < 24 (26 with A) */
	BFD_PKT_ZERO_MULT,	/* Detect Mult 0 */
	BFD_PKT_MULTIPOINT,	/* M bit set */
	BFD_PKT_ZERO_MY_DISC,	/* My Discriminator 0 */
	BFD_PKT_ZERO_YOUR_DISC, /* Your Discriminator 0 outside Down */
	BFD_PKT_BAD_AUTH,	/* auth section malformed for its type */
	BFD_PKT_ERR_COUNT
};

const char *bfd_pkt_err_name(enum bfd_pkt_err);
const char *bfd_state_name(enum bfd_state);
const char *bfd_diag_name(uint8_t);

/*
 * Decode and check one packet of len octets (the UDP payload).  Returns
 * BFD_PKT_OK and fills p, or the reason to drop it (p then undefined).
 * Octets after Length are ignored, as RFC 5880 6.8.6 allows.
 */
enum bfd_pkt_err bfd_pkt_decode(const uint8_t *, size_t len, struct bfd_pkt *p);
/*
 * Append p to out.  Length and the A bit are computed from p->auth_type;
 * for MD5 and SHA1 the digest field is written from p->auth_data (the
 * key, zero padded, which bfd_auth then replaces by the digest).
 */
void bfd_pkt_encode(struct wbuf *out, const struct bfd_pkt *p);

#endif
