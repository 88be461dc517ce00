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
