# workload/: external workloads (tokens, pool, state, enrollment).
AM_CPPFLAGS += -I$(top_srcdir)/workload
lib_libferry_a_SOURCES += \
	workload/workload.c workload/workload.h workload/workload_int.h \
	workload/workload_rt.h workload/workload_conf.c \
	workload/workload_enroll.c workload/workload_http.c \
	workload/workload_join.c workload/workload_state.c \
	workload/workload_token.c
