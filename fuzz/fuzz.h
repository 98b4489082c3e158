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

/* wire_decode / wire_parse and the payload codecs; accepted => re-encodes identically */
const char *fuzz_wire_one(const uint8_t *data, size_t size);
/* decode + open: never opens under a wrong key; opened => re-seals to the same bytes;
 * plus a seal/open round trip with the input as payload */
const char *fuzz_open_one(const uint8_t *data, size_t size);
/* window operations against a naive sorted-set reference model */
const char *fuzz_window_one(const uint8_t *data, size_t size);
/* config_parse_buffer on arbitrary bytes; accepted => sane and re-parses identically */
const char *fuzz_config_one(const uint8_t *data, size_t size);

/* the FEC receiver over genuine, duplicated, reordered and forged symbols (fuzz_fec.c) */
const char *fuzz_fec_one(const uint8_t *data, size_t size);
/* the protocol core: a client core and a server core, a script of deliveries,
 * replays, flipped bytes, time steps and restarts; see fuzz_rx.c */
const char *fuzz_rx_one(const uint8_t *data, size_t size);

/* fuzz_rx operations (op byte % 16), then their argument bytes */
#define FUZZ_RX_TIME 0		/* t: t < 128 -> +t*10ms, else +(t-128)s */
#define FUZZ_RX_APP 1		/* port, len, bytes: an application datagram into mpclient */
#define FUZZ_RX_C2S 2		/* k, src: the k-th latest c2s datagram to mpserver from src */
#define FUZZ_RX_C2S_FLIP 3	/* k, src, pos, mask: the same with a byte flipped */
#define FUZZ_RX_C2S_RAW 4	/* src, len, bytes: raw bytes to mpserver */
#define FUZZ_RX_PING 5		/* mask: mpclient PINGs on these paths */
#define FUZZ_RX_TARGET 6	/* slot, len, bytes: a reply from the target on flow slot */
#define FUZZ_RX_S2C 7		/* k, path: the k-th latest s2c datagram to mpclient */
#define FUZZ_RX_S2C_FLIP 8	/* k, path, pos, mask */
#define FUZZ_RX_S2C_RAW 9	/* path, len, bytes */
#define FUZZ_RX_TICK 10		/* both ends' timers */
#define FUZZ_RX_CLIENT_RESTART 11
#define FUZZ_RX_SERVER_RESTART 12	/* at most 3 per input */

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
