# lib/: no daemon state; everything can link it.
lib_libferry_a_SOURCES += \
	lib/buf.c lib/buf.h \
	lib/log.c lib/log.h \
	lib/prefix.c lib/prefix.h \
	lib/pfxset.c lib/pfxset.h \
	lib/sha1.c lib/sha1.h \
	lib/xalloc.c lib/xalloc.h
lib_libferry_a_SOURCES += lib/sha256.c lib/sha256.h
