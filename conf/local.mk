# conf/: the example configs and the systemd unit.
ferrysysconfdir = $(sysconfdir)/ferry
dist_ferrysysconf_DATA = conf/ferryd.conf

# systemdsystemunitdir comes from configure (--with-systemdsystemunitdir).
systemdsystemunit_DATA = conf/ferryd.service
EXTRA_DIST += conf/ferryd.service.in conf/lab/gateway.conf \
	conf/egress-gateway.conf conf/egress-node.conf \
	conf/lab/gateway2.conf conf/lab/node1.conf \
	conf/gateway-ha.conf conf/node-agent.conf \
	conf/lab/upstream-bird.conf
CLEANFILES += conf/ferryd.service

conf/ferryd.service: conf/ferryd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) conf && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    $(srcdir)/conf/ferryd.service.in > $@.tmp && mv $@.tmp $@
