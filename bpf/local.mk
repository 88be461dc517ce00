# SPDX-License-Identifier: BSD-2-Clause
#
# bpf: automake fragment, included from the top Makefile.am.
#
# The overlay tc programs (bpf/overlay.bpf.c) and their BPF_PROG_TEST_RUN
# tests.  tests/bpf/overlay_test.bpf.o holds test-only wrappers around the
# same decision code.  tests/bpf/test_overlay opens both objects from the
# build tree at run time (BPF_OBJ_DIR, overridable with $FERRY_BPF_OBJ_DIR
# or argv[1]), so it needs no skeleton headers.  Header dependencies of the
# objects come from clang -MD (see the top Makefile.am).

BPF_OBJS += bpf/overlay.bpf.o tests/bpf/overlay_test.bpf.o

EXTRA_DIST += bpf/overlay.bpf.c bpf/overlay.h bpf/lib/ovl_pkt.h \
	bpf/lib/ovl_nd.h tests/bpf/overlay_test.bpf.c \
	tests/bpf/test_overlay_urx.c tests/bpf/test_overlay_proxy.c

# The tests that load BPF programs into the kernel, which needs root:
# `make check BPF_TESTS=` leaves them out (the Debian package build does).
# Written with $(EXEEXT), so that automake keeps the variable instead of
# folding its value into TESTS, where a command line could not reach it.
BPF_TESTS =
if HAVE_CMOCKA
check_PROGRAMS += tests/bpf/test_overlay
BPF_TESTS += tests/bpf/test_overlay$(EXEEXT)
endif
TESTS += $(BPF_TESTS)
tests_bpf_test_overlay_SOURCES = tests/bpf/test_overlay.c
tests_bpf_test_overlay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DBPF_OBJ_DIR=\"$(abs_top_builddir)\"
tests_bpf_test_overlay_CFLAGS = $(TEST_CFLAGS)
tests_bpf_test_overlay_LDADD = $(TEST_LIBS)
# The test loads these at run time: build them before the test runs.
EXTRA_tests_bpf_test_overlay_DEPENDENCIES = bpf/overlay.bpf.o \
	tests/bpf/overlay_test.bpf.o

# The egress gateway programs (bpf/egress.bpf.c) and their tests, built
# the same way: tests/bpf/egress_test.bpf.o wraps the decision code to
# report the tunnel key of steered frames, and tests/bpf/test_egress
# opens both objects from the build tree at run time.
BPF_OBJS += bpf/egress.bpf.o tests/bpf/egress_test.bpf.o
EXTRA_DIST += bpf/egress.bpf.c bpf/egress.h bpf/lib/egr_pkt.h \
	bpf/lib/egr_csum.h bpf/lib/egr_ct.h bpf/lib/egr_nat.h \
	bpf/lib/egr_rst.h tests/bpf/egress_test.bpf.c

if HAVE_CMOCKA
check_PROGRAMS += tests/bpf/test_egress
TESTS += tests/bpf/test_egress
endif
tests_bpf_test_egress_SOURCES = tests/bpf/test_egress.c
tests_bpf_test_egress_CPPFLAGS = $(AM_CPPFLAGS) \
	-DBPF_OBJ_DIR=\"$(abs_top_builddir)\"
tests_bpf_test_egress_CFLAGS = $(TEST_CFLAGS)
tests_bpf_test_egress_LDADD = $(TEST_LIBS)
EXTRA_tests_bpf_test_egress_DEPENDENCIES = bpf/egress.bpf.o \
	tests/bpf/egress_test.bpf.o

# The SNAT / reverse-SNAT decision and rewrite code and the TCP reset,
# compiled for user space, under libFuzzer (bpf/lib/egr_nat.h explains
# how).
if ENABLE_FUZZ
FUZZ_PROGS += tests/fuzz/fuzz_egress_pkt
endif
tests_fuzz_fuzz_egress_pkt_SOURCES = tests/fuzz/fuzz_egress_pkt.c
tests_fuzz_fuzz_egress_pkt_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/bpf/lib
tests_fuzz_fuzz_egress_pkt_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_egress_pkt_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_egress_pkt_LDADD = $(FUZZ_LIBS)

EXTRA_DIST += bench/egress
