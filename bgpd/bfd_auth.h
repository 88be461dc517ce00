/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BFD authentication (RFC 5880 6.7): Simple Password (6.7.2), Keyed SHA1
 * and Meticulous Keyed SHA1 (6.7.4), with the sequence number rules that
 * protect against replay.  Pure: the key, the per-session sequence state
 * and the packet's bytes in, a verdict out.  Keyed and Meticulous Keyed
 * MD5 (6.7.3) are not implemented: their packets fail as unsupported.
 */
#ifndef FERRY_BFD_AUTH_H
#define FERRY_BFD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bfd_pkt.h"
#include "buf.h"

#define BFD_AUTH_KEY_MAX 20 /* SHA1 keys; passwords are at most 16 */

struct bfd_auth_conf {
	enum bfd_auth_type type; /* BFD_AUTH_NONE: no authentication */
	uint8_t key_id;
	uint8_t key[BFD_AUTH_KEY_MAX];
	uint8_t key_len;
};

/* 6.8.1: bfd.RcvAuthSeq, bfd.XmitAuthSeq, bfd.AuthSeqKnown. */
struct bfd_auth_seq {
	uint32_t rcv;
	uint32_t xmit;
	bool known;
};

enum bfd_auth_result {
	BFD_AUTH_OK = 0,
	BFD_AUTH_UNEXPECTED,   /* A bit set, no authentication in use */
	BFD_AUTH_MISSING,      /* A bit clear, authentication in use */
	BFD_AUTH_WRONG_TYPE,   /* another Auth Type than ours */
	BFD_AUTH_WRONG_KEY_ID, /* another Auth Key ID than ours */
	BFD_AUTH_BAD_KEY,      /* password or digest does not match */
	BFD_AUTH_BAD_SEQ,      /* sequence number out of range (replay) */
	BFD_AUTH_RESULT_COUNT
};

const char *bfd_auth_result_name(enum bfd_auth_result);
bool bfd_auth_type_meticulous(enum bfd_auth_type);

/*
 * Check received packet p, decoded from raw (its first p->length octets).
 * On BFD_AUTH_OK the sequence state is updated (6.7.4: "bfd.RcvAuthSeq
 * MUST be set to the value of the received Sequence Number field, and
 * bfd.AuthSeqKnown MUST be set to 1").
 */
enum bfd_auth_result bfd_auth_check(const struct bfd_auth_conf *,
    struct bfd_auth_seq *, const uint8_t *raw, const struct bfd_pkt *p);
/*
 * Encode p into out with our authentication section: the sequence
 * number advances as 6.7.4 wants (every packet, for both SHA1 types) and
 * the digest is computed over the whole packet with the key in place.
 */
void bfd_auth_encode(const struct bfd_auth_conf *, struct bfd_auth_seq *,
    struct bfd_pkt *p, struct wbuf *out);

#endif
