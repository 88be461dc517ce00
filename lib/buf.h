/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Bounds-checked buffers for wire formats.
 *
 * A struct rbuf is a read cursor over bytes we do not trust: every getter
 * returns 0 on success and -1, without moving, when fewer bytes remain than
 * asked for.  Parsers therefore read like the format they decode,
 *
 *	if (rbuf_get_u16(&b, &len) == -1)
 *		return bad_length(...);
 *
 * and can never run past the end of a packet.  A struct wbuf is a growing
 * write buffer; writers never fail (allocation aborts on OOM), but a
 * caller can cap the size (wbuf_set_limit) and check wbuf_overflow() once
 * at the end instead of after every put.  Multi-byte values are big endian
 * (network order) throughout.
 */
#ifndef FERRY_BUF_H
#define FERRY_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t *data;
	size_t len;
	size_t off;
};

static inline void
rbuf_init(struct rbuf *b, const void *data, size_t len)
{
	b->data = data;
	b->len = len;
	b->off = 0;
}

static inline size_t
rbuf_left(const struct rbuf *b)
{
	return b->len - b->off;
}

static inline const uint8_t *
rbuf_ptr(const struct rbuf *b)
{
	return b->data + b->off;
}

int rbuf_get_u8(struct rbuf *, uint8_t *);
int rbuf_get_u16(struct rbuf *, uint16_t *);
int rbuf_get_u32(struct rbuf *, uint32_t *);
int rbuf_get_u64(struct rbuf *, uint64_t *);
int rbuf_get_bytes(struct rbuf *, void *, size_t);
int rbuf_skip(struct rbuf *, size_t);
/* Split the next n bytes off into sub, advancing b past them. */
int rbuf_sub(struct rbuf *, size_t, struct rbuf *);

struct wbuf {
	uint8_t *data;
	size_t len;    /* bytes written */
	size_t cap;    /* bytes allocated */
	size_t limit;  /* 0: unlimited */
	bool overflow; /* a put went past limit */
};

void wbuf_init(struct wbuf *, size_t);
void wbuf_free(struct wbuf *);
void wbuf_reset(struct wbuf *);
void wbuf_set_limit(struct wbuf *, size_t);
void wbuf_put_u8(struct wbuf *, uint8_t);
void wbuf_put_u16(struct wbuf *, uint16_t);
void wbuf_put_u32(struct wbuf *, uint32_t);
void wbuf_put_u64(struct wbuf *, uint64_t);
void wbuf_put_bytes(struct wbuf *, const void *, size_t);
/* Reserve n bytes to fill later (lengths); returns their offset. */
size_t wbuf_reserve(struct wbuf *, size_t);
void wbuf_set_u8_at(struct wbuf *, size_t, uint8_t);
void wbuf_set_u16_at(struct wbuf *, size_t, uint16_t);
/* Drop the bytes written after offset off (undo a partial record). */
void wbuf_truncate(struct wbuf *, size_t);
/* Remove n bytes from the front, e.g. after they were sent. */
void wbuf_consume(struct wbuf *, size_t);

static inline bool
wbuf_overflow(const struct wbuf *b)
{
	return b->overflow;
}

#endif
