/* fuzz.h - libFuzzer harness bodies, shared by the fuzzers (clang, fuzz/module.mk)
 * and by the corpus replay unit test (gcc, tests/unit/test_fuzz_corpus.c).
 *
 * Each body takes one input and returns NULL if every property held, or a
 * short description of the property that failed.  Under libFuzzer the entry
 * point prints it and aborts, so the input is saved as a crash artifact. */
#ifndef MPT_FUZZ_H
#define MPT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* wire_decode / wire_ping_decode on arbitrary bytes; accepted => re-encodes identically */
const char *fuzz_wire_one(const uint8_t *data, size_t size);
/* wire2_decode / wire2_parse and the v2 payload codecs; accepted => re-encodes identically */
const char *fuzz_wire2_one(const uint8_t *data, size_t size);
/* decode + open: never opens under a wrong key; opened => re-seals to the same bytes;
 * plus a seal/open round trip with the input as payload */
const char *fuzz_open_one(const uint8_t *data, size_t size);
/* window operations against a naive sorted-set reference model */
const char *fuzz_window_one(const uint8_t *data, size_t size);
/* config_parse_buffer on arbitrary bytes; accepted => sane and re-parses identically */
const char *fuzz_config_one(const uint8_t *data, size_t size);

/* the FEC receiver over genuine, duplicated, reordered and forged symbols (fuzz_fec.c) */
const char *fuzz_fec_one(const uint8_t *data, size_t size);

/* The pre-shared key the open corpus is sealed with (fuzz_open.c). */
void fuzz_open_psk(uint8_t psk[32]);

/* Window input format (fuzz_window.c), for the corpus generator:
 *   byte 0: window size = 64 * (1 + b % 16)
 *   then 3-byte operations: op, arg (u16 big-endian); see fuzz_window.c */
#define FUZZ_WIN_OP_CHECK 0x00
#define FUZZ_WIN_OP_COMMIT 0x01
#define FUZZ_WIN_OP_UPDATE 0x02
#define FUZZ_WIN_OP_RESET 0x83	/* kind 3 with bit 7 set; kind 3 without it is update */
#define FUZZ_WIN_OP_FLOOR 0x07	/* kind 3 with bit 2 set (bit 7 clear): window_set_floor */
/* seq modes (op bits 4-6) */
#define FUZZ_WIN_FWD (0 << 4)		/* top + 1 + arg */
#define FUZZ_WIN_BACK (1 << 4)		/* top - arg */
#define FUZZ_WIN_ABS (2 << 4)		/* arg */
#define FUZZ_WIN_HIGH (3 << 4)		/* UINT64_MAX - arg */
#define FUZZ_WIN_JUMP (4 << 4)		/* top + 64 * arg */
#define FUZZ_WIN_EDGE (5 << 4)		/* top - size + arg % 3 - 1 */
#define FUZZ_WIN_NEXT (6 << 4)		/* top + 1 */
#define FUZZ_WIN_NEAR (7 << 4)		/* top - arg % 64 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef MPT_LIBFUZZER
#include <stdio.h>
#include <stdlib.h>
#define FUZZ_ENTRY(body)							\
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)		\
	{									\
		const char *why = body(data, size);				\
										\
		if (why) {							\
			fprintf(stderr, "%s: property failed: %s\n", #body, why);	\
			abort();						\
		}								\
		return 0;							\
	}
#else
#define FUZZ_ENTRY(body)
#endif

#endif
