# docs/: user documentation, installed as plain text.
dist_doc_DATA += docs/config.md docs/ferryctl.md docs/testing.md docs/design.md \
	docs/performance.md
dist_man_MANS = docs/ferryd.8 docs/ferryctl.8
EXTRA_DIST += bench/README.md bench/overlay
