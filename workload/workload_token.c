/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Join tokens and the gateway pin: pure functions, no clock, no
 * randomness of their own (the caller passes both), so every rule is unit
 * tested.
 *
 * The shape follows kubeadm's bootstrap tokens and discovery hash: an ID
 * that names the token in lists and logs, a secret that only the operator
 * and the VM see (the gateway keeps its SHA-256), and the SHA-256 of the
 * gateway's certificate, which lets the VM check whom it talks to before
 * it sends the secret.  Our pin covers the whole certificate (DER), not
 * just its key: the VM needs no X.509 parsing to compute it, and tokens
 * are short-lived enough that a certificate renewal only means new tokens.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "workload_int.h"

static const char token_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

static bool
all_of(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return false;
	return true;
}

int
workload_token_split(
    const char *s, bool need_pin, struct workload_token_parts *p)
{
	const size_t il = WORKLOAD_TOKEN_ID_LEN, sl = WORKLOAD_TOKEN_SECRET_LEN;
	size_t n = strlen(s);

	memset(p, 0, sizeof(*p));
	if (n != il + 1 + sl && n != WORKLOAD_TOKEN_LEN)
		return -1;
	if (need_pin && n != WORKLOAD_TOKEN_LEN)
		return -1;
	if (!all_of(s, il, token_alphabet) || s[il] != '.' ||
	    !all_of(s + il + 1, sl, token_alphabet))
		return -1;
	if (n == WORKLOAD_TOKEN_LEN &&
	    (s[il + 1 + sl] != '.' ||
		!all_of(s + il + sl + 2, SHA256_HEXLEN, "0123456789abcdef")))
		return -1;
	memcpy(p->id, s, il);
	memcpy(p->secret, s + il + 1, sl);
	if (n == WORKLOAD_TOKEN_LEN)
		memcpy(p->pin, s + il + sl + 2, SHA256_HEXLEN);
	return 0;
}

static void
secret_hash(const char *secret, char hex[SHA256_HEXLEN + 1])
{
	uint8_t d[SHA256_LEN];

	sha256_digest(secret, strlen(secret), d);
	sha256_hex(d, hex);
}

void
workload_token_make(struct workload_token *t,
    const uint8_t rnd[WORKLOAD_TOKEN_ID_LEN + WORKLOAD_TOKEN_SECRET_LEN],
    time_t now, time_t ttl, unsigned uses, const char *name,
    char secret[WORKLOAD_TOKEN_SECRET_LEN + 1])
{
	size_t i;

	memset(t, 0, sizeof(*t));
	/* 36 letters: the small bias of the modulo costs < 0.1 bit each. */
	for (i = 0; i < WORKLOAD_TOKEN_ID_LEN; i++)
		t->id[i] = token_alphabet[rnd[i] % 36];
	for (i = 0; i < WORKLOAD_TOKEN_SECRET_LEN; i++)
		secret[i] = token_alphabet[rnd[WORKLOAD_TOKEN_ID_LEN + i] % 36];
	secret[WORKLOAD_TOKEN_SECRET_LEN] = '\0';
	secret_hash(secret, t->hash);
	snprintf(t->name, sizeof(t->name), "%s", name != NULL ? name : "");
	t->created = now;
	t->expires = ttl > 0 ? now + ttl : 0;
	t->uses = uses;
}

/* Compare without an early exit: timing tells nothing of the hash. */
static bool
same_hash(const char *a, const char *b)
{
	unsigned char diff = 0;
	size_t i;

	for (i = 0; i < SHA256_HEXLEN; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

enum workload_token_verdict
workload_token_check(
    const struct workload_token *t, const char *secret, time_t now)
{
	char hex[SHA256_HEXLEN + 1];

	secret_hash(secret, hex);
	/* A wrong secret learns nothing about the token's state. */
	if (!same_hash(hex, t->hash))
		return WORKLOAD_TOKEN_UNKNOWN;
	if (t->revoked)
		return WORKLOAD_TOKEN_REVOKED;
	if (t->expires != 0 && now >= t->expires)
		return WORKLOAD_TOKEN_EXPIRED;
	if (t->uses != 0 && t->used >= t->uses)
		return WORKLOAD_TOKEN_USED_UP;
	return WORKLOAD_TOKEN_OK;
}

const char *
workload_token_verdict_str(enum workload_token_verdict v)
{
	switch (v) {
	case WORKLOAD_TOKEN_OK:
		return "valid";
	case WORKLOAD_TOKEN_UNKNOWN:
		return "unknown token or wrong secret";
	case WORKLOAD_TOKEN_EXPIRED:
		return "token expired";
	case WORKLOAD_TOKEN_USED_UP:
		return "token used up";
	case WORKLOAD_TOKEN_REVOKED:
		return "token revoked";
	}
	return "?";
}

bool
workload_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > WORKLOAD_NAME_MAX)
		return false;
	if (!islower((unsigned char)s[0]) && !isdigit((unsigned char)s[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

static int
b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
workload_pin_pem(const char *pem, size_t len, char pin[SHA256_HEXLEN + 1])
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	const char *p, *q, *stop = pem + len;
	uint8_t d[SHA256_LEN], out[3];
	struct sha256 s;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t nout = 0;
	int v;

	if ((p = memmem(pem, len, begin, sizeof(begin) - 1)) == NULL)
		return -1;
	p += sizeof(begin) - 1;
	if ((q = memmem(p, (size_t)(stop - p), end, sizeof(end) - 1)) == NULL)
		return -1;
	sha256_init(&s);
	for (; p < q; p++) {
		if (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
			continue;
		if (*p == '=')
			break;
		if ((v = b64_val(*p)) == -1)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[0] = (uint8_t)(acc >> bits);
			sha256_update(&s, out, 1);
			nout++;
		}
	}
	if (nout == 0)
		return -1;
	sha256_final(&s, d);
	sha256_hex(d, pin);
	return 0;
}
