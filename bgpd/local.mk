# SPDX-License-Identifier: BSD-2-Clause
#
# bgpd: automake fragment, included by the top-level Makefile.am.
# The message codec (pure functions) goes into libferry.a; its unit tests
# and its libFuzzer target are declared here.

lib_libferry_a_SOURCES += \
	bgpd/bgp_msg.c bgpd/bgp_msg.h \
	bgpd/bgp_attr.c bgpd/bgp_attr.h \
	bgpd/bgp_update.c bgpd/bgp_update.h

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_bgp_msg tests/unit/test_bgp_update
TESTS += tests/unit/test_bgp_msg tests/unit/test_bgp_update
endif
tests_unit_test_bgp_msg_SOURCES = tests/unit/test_bgp_msg.c
tests_unit_test_bgp_msg_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_bgp_msg_LDADD = $(TEST_LIBS)
tests_unit_test_bgp_update_SOURCES = tests/unit/test_bgp_update.c
tests_unit_test_bgp_update_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_bgp_update_LDADD = $(TEST_LIBS)

EXTRA_DIST += tests/fuzz/corpus/bgp_msg

if ENABLE_FUZZ
FUZZ_PROGS += tests/fuzz/fuzz_bgp_msg
tests_fuzz_fuzz_bgp_msg_SOURCES = tests/fuzz/fuzz_bgp_msg.c
tests_fuzz_fuzz_bgp_msg_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_bgp_msg_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_bgp_msg_LDADD = lib/libferry.a $(FUZZ_LIBS)
endif

# RIB: tables, decision process, policy, Adj-RIB-Out (pure, unit tested).
lib_libferry_a_SOURCES += bgpd/bgp_rib.c bgpd/bgp_rib.h bgpd/bgp_rib_int.h \
	bgpd/bgp_decide.c bgpd/bgp_policy.c bgpd/bgp_out.c
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_bgp_rib
TESTS += tests/unit/test_bgp_rib
endif
tests_unit_test_bgp_rib_SOURCES = tests/unit/test_bgp_rib.c
tests_unit_test_bgp_rib_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_bgp_rib_LDADD = $(TEST_LIBS)
EXTRA_DIST += bench/bgp

# Sessions: the RFC 4271 FSM (pure) and the socket layer around it.
lib_libferry_a_SOURCES += bgpd/bgp_fsm.c bgpd/bgp_fsm.h bgpd/bgp_peer.c bgpd/bgp_peer.h \
	bgpd/bgp_peer_int.h bgpd/bgp_peer_msg.c bgpd/bgp_bfd.c \
	bgpd/bgp_conn.c bgpd/bgp_conn.h bgpd/bgp_gr.c bgpd/bgp_gr.h \
	bgpd/bgp_sock.c bgpd/bgp_sock.h bgpd/bgp_listen.c bgpd/bgp_listen.h
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_bgp_fsm tests/unit/test_bgp_sock \
	tests/unit/test_bgp_gr
TESTS += tests/unit/test_bgp_fsm tests/unit/test_bgp_sock \
	tests/unit/test_bgp_gr
endif
tests_unit_test_bgp_gr_SOURCES = tests/unit/test_bgp_gr.c
tests_unit_test_bgp_gr_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_bgp_gr_LDADD = $(TEST_LIBS)
tests_unit_test_bgp_sock_SOURCES = tests/unit/test_bgp_sock.c
tests_unit_test_bgp_sock_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_bgp_sock_LDADD = $(TEST_LIBS)
tests_unit_test_bgp_fsm_SOURCES = tests/unit/test_bgp_fsm.c
tests_unit_test_bgp_fsm_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_bgp_fsm_LDADD = $(TEST_LIBS)

# The module: config section, kernel FIB, and the glue (bgpd.c).
lib_libferry_a_SOURCES += bgpd/bgpd.c bgpd/bgpd.h bgpd/bgp_conf.c bgpd/bgp_conf.h \
	bgpd/bgp_fib.c bgpd/bgp_fib.h bgpd/bgp_grstate.c bgpd/bgp_grstate.h

# BFD (RFC 5880, 5881, 5883): the packet codec, the state machine and
# authentication (pure, unit tested and fuzzed).
lib_libferry_a_SOURCES += bgpd/bfd_pkt.c bgpd/bfd_pkt.h \
	bgpd/bfd_fsm.c bgpd/bfd_fsm.h bgpd/bfd_auth.c bgpd/bfd_auth.h
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_bfd
TESTS += tests/unit/test_bfd
endif
tests_unit_test_bfd_SOURCES = tests/unit/test_bfd.c
tests_unit_test_bfd_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_bfd_LDADD = $(TEST_LIBS)
lib_libferry_a_SOURCES += bgpd/bfd_conf.c bgpd/bfd_conf.h
lib_libferry_a_SOURCES += bgpd/bfd.c bgpd/bfd.h
EXTRA_DIST += tests/fuzz/corpus/bfd_pkt
if ENABLE_FUZZ
FUZZ_PROGS += tests/fuzz/fuzz_bfd_pkt
tests_fuzz_fuzz_bfd_pkt_SOURCES = tests/fuzz/fuzz_bfd_pkt.c
tests_fuzz_fuzz_bfd_pkt_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_bfd_pkt_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_bfd_pkt_LDADD = lib/libferry.a $(FUZZ_LIBS)
endif
