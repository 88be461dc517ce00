# docs/: user documentation, installed as plain text, and the man pages.
dist_doc_DATA += docs/config.md docs/ferryctl.md docs/testing.md docs/design.md \
	docs/node.md \
	docs/performance.md docs/onboarding.md
dist_man_MANS = docs/ferryd.8 docs/ferryctl.8 docs/ferryd.conf.5 docs/ferry-join.8
EXTRA_DIST += bench/README.md bench/overlay bench/workload bench/failover

# ferryd.conf(5) is generated from docs/config.md and committed, so that a
# build needs no python; check-man.sh fails when it is stale.
EXTRA_DIST += docs/md2man.py docs/ferryd.conf.5.in docs/check-man.sh
TESTS += docs/check-man.sh
TEST_EXTENSIONS += .sh
SH_LOG_COMPILER = $(SHELL)

update-man:
	$(AM_V_GEN)python3 $(srcdir)/docs/md2man.py \
	    $(srcdir)/docs/ferryd.conf.5.in $(srcdir)/docs/config.md \
	    > $(srcdir)/docs/ferryd.conf.5.tmp && \
	mv $(srcdir)/docs/ferryd.conf.5.tmp $(srcdir)/docs/ferryd.conf.5
.PHONY: update-man
