# tests/: unit tests (cmocka), golden config tests, fuzz targets.
# Integration tests (root, namespaces) run through tests/integration/run.

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_config tests/unit/test_ctl_proto
TESTS += tests/unit/test_config tests/unit/test_ctl_proto
check_PROGRAMS += tests/unit/test_vtep_conf
TESTS += tests/unit/test_vtep_conf
check_PROGRAMS += tests/unit/test_pfxset
TESTS += tests/unit/test_pfxset
endif
tests_unit_test_pfxset_SOURCES = tests/unit/test_pfxset.c
tests_unit_test_pfxset_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_pfxset_LDADD = $(TEST_LIBS)
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_config_LDADD = $(TEST_LIBS)
tests_unit_test_ctl_proto_SOURCES = tests/unit/test_ctl_proto.c
tests_unit_test_ctl_proto_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_ctl_proto_LDADD = $(TEST_LIBS)
tests_unit_test_vtep_conf_SOURCES = tests/unit/test_vtep_conf.c
tests_unit_test_vtep_conf_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_vtep_conf_LDADD = $(TEST_LIBS)

# Golden tests: each tests/config/NAME.conf is a test; golden.sh runs
# `ferryd -nv` on it and compares with NAME.out.
GOLDEN_CONFS = \
	tests/config/minimal.conf \
	tests/config/full.conf \
	tests/config/example.conf \
	tests/config/many-errors.conf \
	tests/config/syntax-error.conf \
	tests/config/overlay.conf \
	tests/config/overlay-errors.conf \
	tests/config/bgp.conf \
	tests/config/bgp-errors.conf \
	tests/config/bfd.conf \
	tests/config/bfd-errors.conf \
	tests/config/bgp-gr.conf \
	tests/config/bgp-gr-errors.conf
GOLDEN_CONFS += tests/config/egress.conf tests/config/egress-errors.conf \
	tests/config/egress-gwip.conf tests/config/egress-gwip-errors.conf
TESTS += $(GOLDEN_CONFS)
TEST_EXTENSIONS = .conf
CONF_LOG_COMPILER = $(SHELL) $(srcdir)/tests/config/golden.sh
AM_CONF_LOG_FLAGS = $(abs_top_builddir)/agent/ferryd
EXTRA_DIST += $(GOLDEN_CONFS) $(GOLDEN_CONFS:.conf=.out) \
	tests/config/golden.sh

EXTRA_DIST += tests/integration tests/fuzz/corpus tests/lsan.supp \
	tests/fuzz/check.h

if ENABLE_FUZZ
FUZZ_PROGS += tests/fuzz/fuzz_config tests/fuzz/fuzz_ctl_proto
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_config_LDADD = lib/libferry.a $(FUZZ_LIBS)
tests_fuzz_fuzz_ctl_proto_SOURCES = tests/fuzz/fuzz_ctl_proto.c
tests_fuzz_fuzz_ctl_proto_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_ctl_proto_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_ctl_proto_LDADD = lib/libferry.a $(FUZZ_LIBS)
endif

# egress/: the config section and the policy compiler.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_egress_conf
TESTS += tests/unit/test_egress_conf
endif
tests_unit_test_egress_conf_SOURCES = tests/unit/test_egress_conf.c
tests_unit_test_egress_conf_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_egress_conf_LDADD = $(TEST_LIBS)
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_egress_map
TESTS += tests/unit/test_egress_map
endif
tests_unit_test_egress_map_SOURCES = tests/unit/test_egress_map.c
tests_unit_test_egress_map_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_egress_map_LDADD = $(TEST_LIBS)
if ENABLE_FUZZ
FUZZ_PROGS += tests/fuzz/fuzz_egress_conf
tests_fuzz_fuzz_egress_conf_SOURCES = tests/fuzz/fuzz_egress_conf.c
tests_fuzz_fuzz_egress_conf_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_egress_conf_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_egress_conf_LDADD = lib/libferry.a $(FUZZ_LIBS)
FUZZ_PROGS += tests/fuzz/fuzz_egress_sync
tests_fuzz_fuzz_egress_sync_SOURCES = tests/fuzz/fuzz_egress_sync.c
tests_fuzz_fuzz_egress_sync_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_egress_sync_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_egress_sync_LDADD = lib/libferry.a $(FUZZ_LIBS)
endif

# workload/: tokens, the pool and its state file, the enrollment request.
GOLDEN_CONFS += tests/config/workload.conf \
	tests/config/workload-minimal.conf \
	tests/config/workload-errors.conf tests/config/workload-nopool.conf
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_workload
TESTS += tests/unit/test_workload
endif
tests_unit_test_workload_SOURCES = tests/unit/test_workload.c
tests_unit_test_workload_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_workload_LDADD = $(TEST_LIBS)
if ENABLE_FUZZ
FUZZ_PROGS += tests/fuzz/fuzz_enroll
tests_fuzz_fuzz_enroll_SOURCES = tests/fuzz/fuzz_enroll.c
tests_fuzz_fuzz_enroll_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_enroll_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_enroll_LDADD = lib/libferry.a $(FUZZ_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_workload_join
TESTS += tests/unit/test_workload_join
endif
tests_unit_test_workload_join_SOURCES = tests/unit/test_workload_join.c
tests_unit_test_workload_join_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_workload_join_LDADD = $(TEST_LIBS)
