# tools/: programs that talk to ferryd from outside.
bin_PROGRAMS += tools/ferryctl
tools_ferryctl_SOURCES = tools/ferryctl.c
tools_ferryctl_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tools_ferryctl_LDADD = $(JSONC_LIBS)

# ferry-join runs on the VM: a TLS client (GnuTLS), and the token format
# and SHA-256 from libferry.a (workload/workload_token.c, lib/).
sbin_PROGRAMS += tools/ferry-join
tools_ferry_join_SOURCES = tools/ferry_join.c
tools_ferry_join_CPPFLAGS = $(AM_CPPFLAGS) -DFERRY_SBINDIR=\"$(sbindir)\"
tools_ferry_join_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(GNUTLS_CFLAGS)
tools_ferry_join_LDADD = lib/libferry.a $(GNUTLS_LIBS) $(JSONC_LIBS)
