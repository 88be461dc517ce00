# tools/: programs that talk to ferryd from outside.
bin_PROGRAMS += tools/ferryctl
tools_ferryctl_SOURCES = tools/ferryctl.c
tools_ferryctl_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tools_ferryctl_LDADD = $(JSONC_LIBS)
