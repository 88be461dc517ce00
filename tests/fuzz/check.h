/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CHECK(x): a fuzz target's oracle.  A failed check prints where and
 * aborts, which libFuzzer reports as a crash with the input.
 */
#ifndef FERRY_FUZZ_CHECK_H
#define FERRY_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(x)                                                          \
	do {                                                              \
		if (!(x)) {                                               \
			fprintf(stderr, "check failed: %s (%s:%d)\n", #x, \
			    __FILE__, __LINE__);                          \
			abort();                                          \
		}                                                         \
	} while (0)

#endif
