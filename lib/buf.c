/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Bounds-checked read cursor and growing write buffer (see buf.h).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

int
rbuf_get_u8(struct rbuf *b, uint8_t *v)
{
	if (rbuf_left(b) < 1)
		return -1;
	*v = b->data[b->off++];
	return 0;
}

int
rbuf_get_u16(struct rbuf *b, uint16_t *v)
{
	if (rbuf_left(b) < 2)
		return -1;
	*v = (uint16_t)(b->data[b->off] << 8 | b->data[b->off + 1]);
	b->off += 2;
	return 0;
}

int
rbuf_get_u32(struct rbuf *b, uint32_t *v)
{
	const uint8_t *p = b->data + b->off;

	if (rbuf_left(b) < 4)
		return -1;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	    p[3];
	b->off += 4;
	return 0;
}

int
rbuf_get_u64(struct rbuf *b, uint64_t *v)
{
	uint32_t hi, lo;

	if (rbuf_left(b) < 8)
		return -1;
	rbuf_get_u32(b, &hi);
	rbuf_get_u32(b, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int
rbuf_get_bytes(struct rbuf *b, void *dst, size_t n)
{
	if (rbuf_left(b) < n)
		return -1;
	memcpy(dst, b->data + b->off, n);
	b->off += n;
	return 0;
}

int
rbuf_skip(struct rbuf *b, size_t n)
{
	if (rbuf_left(b) < n)
		return -1;
	b->off += n;
	return 0;
}

int
rbuf_sub(struct rbuf *b, size_t n, struct rbuf *sub)
{
	if (rbuf_left(b) < n)
		return -1;
	rbuf_init(sub, b->data + b->off, n);
	b->off += n;
	return 0;
}

void
wbuf_init(struct wbuf *b, size_t hint)
{
	memset(b, 0, sizeof(*b));
	if (hint > 0) {
		b->data = xmalloc(hint);
		b->cap = hint;
	}
}

void
wbuf_free(struct wbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void
wbuf_reset(struct wbuf *b)
{
	b->len = 0;
	b->overflow = false;
}

void
wbuf_set_limit(struct wbuf *b, size_t limit)
{
	b->limit = limit;
}

/* Make room for n more bytes; returns where they go, or NULL past limit. */
static uint8_t *
wbuf_room(struct wbuf *b, size_t n)
{
	size_t cap;

	if (b->overflow || (b->limit != 0 && b->len + n > b->limit)) {
		b->overflow = true;
		return NULL;
	}
	if (b->len + n > b->cap) {
		cap = b->cap < 64 ? 64 : b->cap;
		while (cap < b->len + n)
			cap *= 2;
		b->data = xreallocarray(b->data, cap, 1);
		b->cap = cap;
	}
	b->len += n;
	return b->data + b->len - n;
}

void
wbuf_put_u8(struct wbuf *b, uint8_t v)
{
	uint8_t *p;

	if ((p = wbuf_room(b, 1)) != NULL)
		p[0] = v;
}

void
wbuf_put_u16(struct wbuf *b, uint16_t v)
{
	uint8_t *p;

	if ((p = wbuf_room(b, 2)) != NULL) {
		p[0] = v >> 8;
		p[1] = v & 0xff;
	}
}

void
wbuf_put_u32(struct wbuf *b, uint32_t v)
{
	uint8_t *p;

	if ((p = wbuf_room(b, 4)) != NULL) {
		p[0] = v >> 24;
		p[1] = (v >> 16) & 0xff;
		p[2] = (v >> 8) & 0xff;
		p[3] = v & 0xff;
	}
}

void
wbuf_put_u64(struct wbuf *b, uint64_t v)
{
	wbuf_put_u32(b, (uint32_t)(v >> 32));
	wbuf_put_u32(b, (uint32_t)v);
}

void
wbuf_put_bytes(struct wbuf *b, const void *src, size_t n)
{
	uint8_t *p;

	if (n > 0 && (p = wbuf_room(b, n)) != NULL)
		memcpy(p, src, n);
}

size_t
wbuf_reserve(struct wbuf *b, size_t n)
{
	uint8_t *p;

	if ((p = wbuf_room(b, n)) == NULL)
		return b->len;
	memset(p, 0, n);
	return b->len - n;
}

void
wbuf_set_u8_at(struct wbuf *b, size_t off, uint8_t v)
{
	if (off + 1 <= b->len)
		b->data[off] = v;
}

void
wbuf_set_u16_at(struct wbuf *b, size_t off, uint16_t v)
{
	if (off + 2 <= b->len) {
		b->data[off] = v >> 8;
		b->data[off + 1] = v & 0xff;
	}
}

void
wbuf_truncate(struct wbuf *b, size_t off)
{
	if (off < b->len)
		b->len = off;
}

void
wbuf_consume(struct wbuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}
