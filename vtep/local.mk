# vtep/: the overlay module (vxlan device, tunnel map, routes).
lib_libferry_a_SOURCES += \
	vtep/vtep.c vtep/vtep.h vtep/vtep_int.h \
	vtep/vtep_conf.c vtep/vtep_dev.c vtep/vtep_map.c
BUILT_SOURCES += bpf/overlay.skel.h
