/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for graceful restart (bgp_gr.h): the capability we send,
 * negotiation, which session ends are graceful (RFC 4724 4.2, RFC 8538
 * 4), which Ceases go as a Hard Reset (RFC 8538 5), and every transition
 * of the helper machine with its results.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bgp_gr.h"
#include "bgp_grstate.h"

#define V4   BGP_FAM_IPV4
#define V6   BGP_FAM_IPV6
#define BOTH (V4 | V6)

static const struct bgp_gr_conf on = { true, 120, 360, true };

/* The peer's capability: flags, time, and families with F. */
static struct bgp_caps
peer_caps(uint8_t flags, uint16_t time, uint8_t fams, uint8_t fwd)
{
	struct bgp_caps c;

	memset(&c, 0, sizeof(c));
	c.seen = BGP_CAPF_GR;
	c.gr_flags = flags;
	c.gr_time = time;
	if (fams & V4)
		c.gr_af |= 1 << BGP_AF_IPV4_UNICAST;
	if (fams & V6)
		c.gr_af |= 1 << BGP_AF_IPV6_UNICAST;
	if (fwd & V4)
		c.gr_af_flags[BGP_AF_IPV4_UNICAST] = BGP_GR_AF_FORWARDING;
	if (fwd & V6)
		c.gr_af_flags[BGP_AF_IPV6_UNICAST] = BGP_GR_AF_FORWARDING;
	return c;
}

static void
test_caps(void **state)
{
	struct bgp_gr_conf off = on;
	struct bgp_caps c;

	(void)state;
	memset(&c, 0, sizeof(c));
	off.enabled = false;
	bgp_gr_caps(&off, BOTH, true, BOTH, &c);
	assert_int_equal(c.seen, 0);
	/* Fresh start: no R, no F; N as configured. */
	bgp_gr_caps(&on, BOTH, false, 0, &c);
	assert_true(c.seen & BGP_CAPF_GR);
	assert_int_equal(c.gr_flags, BGP_GR_NOTIFICATION);
	assert_int_equal(c.gr_time, 120);
	assert_int_equal(c.gr_af, 3);
	assert_int_equal(c.gr_af_flags[0], 0);
	assert_int_equal(c.gr_af_flags[1], 0);
	/* After our restart: R, and F where forwarding was kept. */
	memset(&c, 0, sizeof(c));
	bgp_gr_caps(&on, V6, true, V6, &c);
	assert_int_equal(c.gr_flags, BGP_GR_RESTARTING | BGP_GR_NOTIFICATION);
	assert_int_equal(c.gr_af, 1 << BGP_AF_IPV6_UNICAST);
	assert_int_equal(c.gr_af_flags[BGP_AF_IPV6_UNICAST], 0x80);
}

static void
test_negotiate(void **state)
{
	struct bgp_gr_conf non = on;
	struct bgp_caps c;
	struct bgp_gr_neg n;

	(void)state;
	/* No capability from the peer: nothing. */
	memset(&c, 0, sizeof(c));
	bgp_gr_negotiate(&on, &c, BOTH, &n);
	assert_false(n.on);
	/* Families limited to the session's. */
	c = peer_caps(BGP_GR_RESTARTING | BGP_GR_NOTIFICATION, 90, BOTH, V4);
	bgp_gr_negotiate(&on, &c, V4, &n);
	assert_true(n.on);
	assert_true(n.notification);
	assert_true(n.peer_restarting);
	assert_int_equal(n.restart_time, 90);
	assert_int_equal(n.families, V4);
	assert_int_equal(n.forwarding, V4);
	/* N counts only when both set it. */
	non.notification = false;
	bgp_gr_negotiate(&non, &c, BOTH, &n);
	assert_false(n.notification);
	c = peer_caps(0, 90, BOTH, 0);
	bgp_gr_negotiate(&on, &c, BOTH, &n);
	assert_false(n.notification);
	/* Disabled here: nothing, whatever the peer says. */
	non.enabled = false;
	bgp_gr_negotiate(&non, &c, BOTH, &n);
	assert_false(n.on);
}

static void
test_graceful_causes(void **state)
{
	struct bgp_gr_neg n = { .on = true, .restart_time = 120 };

	(void)state;
	assert_true(bgp_gr_down_graceful(&n, BGP_GR_CAUSE_TCP, 0, 0));
	assert_true(bgp_gr_down_graceful(&n, BGP_GR_CAUSE_HOLD, 4, 0));
	/* Without N a NOTIFICATION either way flushes. */
	assert_false(bgp_gr_down_graceful(&n, BGP_GR_CAUSE_NOTIF_RCVD, 6, 2));
	assert_false(bgp_gr_down_graceful(&n, BGP_GR_CAUSE_NOTIF_SENT, 3, 1));
	n.notification = true;
	assert_true(bgp_gr_down_graceful(&n, BGP_GR_CAUSE_NOTIF_RCVD, 6, 2));
	assert_true(bgp_gr_down_graceful(&n, BGP_GR_CAUSE_NOTIF_SENT, 3, 1));
	/* Hard Reset never, nor BFD Down (Cease 10). */
	assert_false(bgp_gr_down_graceful(&n, BGP_GR_CAUSE_NOTIF_RCVD, 6, 9));
	assert_false(bgp_gr_down_graceful(&n, BGP_GR_CAUSE_NOTIF_SENT, 6, 10));
	assert_false(bgp_gr_down_graceful(&n, BGP_GR_CAUSE_NOTIF_RCVD, 6, 10));
	assert_false(bgp_gr_down_graceful(&n, BGP_GR_CAUSE_NOTIF_SENT, 6, 9));
	assert_false(bgp_gr_down_graceful(&n, BGP_GR_CAUSE_FLUSH, 0, 0));
	n.on = false;
	assert_false(bgp_gr_down_graceful(&n, BGP_GR_CAUSE_TCP, 0, 0));
}

static void
test_hard_reset(void **state)
{
	struct bgp_gr_neg n = { .on = true, .notification = true };
	int sub;

	(void)state;
	for (sub = 1; sub <= 10; sub++)
		assert_int_equal(bgp_gr_hard_reset(&n, 6, (uint8_t)sub),
		    sub >= 1 && sub <= 4);
	assert_false(bgp_gr_hard_reset(&n, 3, 1));
	n.notification = false;
	assert_false(bgp_gr_hard_reset(&n, 6, 2));
}

/* The helper's whole cycle: down, back with F, EoR per family. */
static void
test_helper_cycle(void **state)
{
	struct bgp_gr gr;
	struct bgp_gr_neg n = { .on = true,
		.restart_time = 90,
		.families = BOTH,
		.forwarding = BOTH };
	struct bgp_gr_result r;

	(void)state;
	memset(&gr, 0, sizeof(gr));
	bgp_gr_up(&gr, &n, 360, &r);
	assert_int_equal(gr.state, BGP_GRS_IDLE);
	assert_int_equal(r.flush, 0);
	assert_int_equal(r.timer, BGP_GR_TIMER_NONE);
	bgp_gr_down(&gr, true, BOTH, &r);
	assert_int_equal(gr.state, BGP_GRS_RESTARTING);
	assert_int_equal(r.keep, BOTH);
	assert_int_equal(r.timer, BGP_GR_TIMER_START);
	assert_int_equal(r.secs, 90);
	bgp_gr_up(&gr, &n, 360, &r);
	assert_int_equal(gr.state, BGP_GRS_WAIT_EOR);
	assert_int_equal(r.flush, 0);
	assert_int_equal(r.timer, BGP_GR_TIMER_START);
	assert_int_equal(r.secs, 360);
	bgp_gr_eor(&gr, V4, &r);
	assert_int_equal(r.flush, V4);
	assert_int_equal(gr.state, BGP_GRS_WAIT_EOR);
	assert_int_equal(r.timer, BGP_GR_TIMER_NONE);
	assert_false(bgp_gr_peer_synced(&gr, BOTH));
	bgp_gr_eor(&gr, V4, &r); /* again: nothing left */
	assert_int_equal(r.flush, 0);
	bgp_gr_eor(&gr, V6, &r);
	assert_int_equal(r.flush, V6);
	assert_int_equal(gr.state, BGP_GRS_IDLE);
	assert_int_equal(r.timer, BGP_GR_TIMER_STOP);
	assert_true(bgp_gr_peer_synced(&gr, BOTH));
}

/* Back without F for IPv6, or without the capability: flushed at once. */
static void
test_helper_no_forwarding(void **state)
{
	struct bgp_gr gr;
	struct bgp_gr_neg n = { .on = true,
		.restart_time = 90,
		.families = BOTH,
		.forwarding = BOTH };
	struct bgp_gr_neg n2 = n, none = { 0 };
	struct bgp_gr_result r;

	(void)state;
	memset(&gr, 0, sizeof(gr));
	bgp_gr_up(&gr, &n, 360, &r);
	bgp_gr_down(&gr, true, BOTH, &r);
	n2.forwarding = V4;
	bgp_gr_up(&gr, &n2, 360, &r);
	assert_int_equal(r.flush, V6);
	assert_int_equal(gr.state, BGP_GRS_WAIT_EOR);
	assert_int_equal(gr.stale, V4);
	/* Down again before its EoR: the new session's routes stale too. */
	bgp_gr_down(&gr, true, BOTH, &r);
	assert_int_equal(gr.state, BGP_GRS_RESTARTING);
	assert_int_equal(r.keep, BOTH);
	bgp_gr_up(&gr, &none, 360, &r);
	assert_int_equal(r.flush, BOTH);
	assert_int_equal(gr.state, BGP_GRS_IDLE);
	assert_int_equal(r.timer, BGP_GR_TIMER_STOP);
	assert_true(bgp_gr_peer_synced(&gr, BOTH));
}

/* Timers, non-graceful ends, a restart time of 0, a reset. */
static void
test_helper_timers(void **state)
{
	struct bgp_gr gr;
	struct bgp_gr_neg n = {
		.on = true, .restart_time = 90, .families = V4, .forwarding = V4
	};
	struct bgp_gr_result r;

	(void)state;
	memset(&gr, 0, sizeof(gr));
	bgp_gr_up(&gr, &n, 360, &r);
	/* Only the families the peer listed are kept. */
	bgp_gr_down(&gr, true, BOTH, &r);
	assert_int_equal(r.keep, V4);
	bgp_gr_timer(&gr, &r);
	assert_int_equal(r.flush, V4);
	assert_int_equal(gr.state, BGP_GRS_IDLE);
	/* Stale timer while waiting for EoR. */
	bgp_gr_up(&gr, &n, 360, &r);
	bgp_gr_down(&gr, true, V4, &r);
	bgp_gr_up(&gr, &n, 360, &r);
	assert_int_equal(gr.state, BGP_GRS_WAIT_EOR);
	bgp_gr_timer(&gr, &r);
	assert_int_equal(r.flush, V4);
	assert_int_equal(gr.state, BGP_GRS_IDLE);
	/* Not graceful: nothing kept, timer stopped. */
	bgp_gr_down(&gr, false, V4, &r);
	assert_int_equal(r.keep, 0);
	assert_int_equal(r.timer, BGP_GR_TIMER_STOP);
	assert_int_equal(gr.state, BGP_GRS_IDLE);
	/* Restart time 0: the peer asks us to keep nothing. */
	n.restart_time = 0;
	bgp_gr_up(&gr, &n, 360, &r);
	bgp_gr_down(&gr, true, V4, &r);
	assert_int_equal(r.keep, 0);
	/* Reset while restarting: everything stale goes. */
	n.restart_time = 30;
	bgp_gr_up(&gr, &n, 360, &r);
	bgp_gr_down(&gr, true, V4, &r);
	bgp_gr_reset(&gr, &r);
	assert_int_equal(r.flush, V4);
	assert_int_equal(r.timer, BGP_GR_TIMER_STOP);
	assert_int_equal(gr.state, BGP_GRS_IDLE);
	assert_false(gr.neg.on);
}

/* Selection deferral: who has told us all it has. */
static void
test_synced(void **state)
{
	struct bgp_gr gr;
	struct bgp_gr_neg n = { .on = true,
		.restart_time = 90,
		.families = BOTH,
		.forwarding = BOTH };
	struct bgp_gr_result r;

	(void)state;
	memset(&gr, 0, sizeof(gr));
	assert_true(bgp_gr_peer_synced(&gr, BOTH)); /* no GR */
	bgp_gr_up(&gr, &n, 360, &r);
	assert_false(bgp_gr_peer_synced(&gr, BOTH));
	bgp_gr_eor(&gr, V4, &r);
	assert_true(bgp_gr_peer_synced(&gr, V4));
	assert_false(bgp_gr_peer_synced(&gr, BOTH));
	assert_false(bgp_gr_peer_eor_done(&gr, BOTH));
	/* A peer restarting too is not waited for, but its routes are. */
	n.peer_restarting = true;
	bgp_gr_up(&gr, &n, 360, &r);
	assert_true(bgp_gr_peer_synced(&gr, BOTH));
	assert_false(bgp_gr_peer_eor_done(&gr, BOTH));
	bgp_gr_eor(&gr, V4, &r);
	bgp_gr_eor(&gr, V6, &r);
	assert_true(bgp_gr_peer_eor_done(&gr, BOTH));
	assert_string_equal(bgp_gr_state_name(BGP_GRS_WAIT_EOR), "wait-eor");
}

/* Reload: what in graceful-restart resets a session (it is in the OPEN). */
static void
test_reload_differs(void **state)
{
	struct bgp_neighbor a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.gr = on;
	b = a;
	assert_false(bgp_neighbor_session_differs(&a, &b));
	b.gr.stale_time = 10; /* ours alone, applies next time */
	assert_false(bgp_neighbor_session_differs(&a, &b));
	b = a;
	b.gr.restart_time = 60;
	assert_true(bgp_neighbor_session_differs(&a, &b));
	b = a;
	b.gr.notification = false;
	assert_true(bgp_neighbor_session_differs(&a, &b));
	b = a;
	b.gr.enabled = false;
	assert_true(bgp_neighbor_session_differs(&a, &b));
	/* Both off: the other settings are not sent. */
	a.gr.enabled = false;
	b.gr.restart_time = 60;
	assert_false(bgp_neighbor_session_differs(&a, &b));
}

/* The restart state file: absent, this boot's, another boot's. */
static void
test_state_file(void **state)
{
	char dir[] = "/tmp/ferry-grstate.XXXXXX", pid[64];
	struct bgp_grstate st;
	struct addr two[2], *dyn;
	size_t n;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(pid, sizeof(pid), "%s/ferryd.pid", dir);
	bgp_grstate_init(&st, pid);
	assert_non_null(strstr(st.path, "/ferryd.bgp-restart"));
	/* No file: a fresh start; now there is one. */
	assert_false(bgp_grstate_load(&st, &dyn, &n));
	assert_int_equal(n, 0);
	assert_int_equal(access(st.path, F_OK), 0);
	/* Written with two dynamic neighbors: a restart that owes them. */
	assert_int_equal(addr_parse("192.0.2.7", &two[0]), 0);
	assert_int_equal(addr_parse("2001:db8::7", &two[1]), 0);
	bgp_grstate_save(&st, two, 2);
	assert_true(bgp_grstate_load(&st, &dyn, &n));
	assert_int_equal(n, 2);
	assert_int_equal(addr_cmp(&dyn[1], &two[1]), 0);
	free(dyn);
	/* Still owed after the load rewrote the file. */
	assert_true(bgp_grstate_load(&st, &dyn, &n));
	assert_int_equal(n, 2);
	free(dyn);
	/* Another boot's file: nothing was kept. */
	f = fopen(st.path, "w");
	assert_non_null(f);
	fprintf(f, "some-other-boot\ndynamic 192.0.2.7\n");
	fclose(f);
	assert_false(bgp_grstate_load(&st, &dyn, &n));
	assert_int_equal(n, 0);
	bgp_grstate_remove(&st);
	assert_int_not_equal(access(st.path, F_OK), 0);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_graceful_causes),
		cmocka_unit_test(test_hard_reset),
		cmocka_unit_test(test_helper_cycle),
		cmocka_unit_test(test_helper_no_forwarding),
		cmocka_unit_test(test_helper_timers),
		cmocka_unit_test(test_synced),
		cmocka_unit_test(test_reload_differs),
		cmocka_unit_test(test_state_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
