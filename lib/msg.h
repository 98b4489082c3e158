/* msg.h - filling struct msghdr and struct iovec from const data.
 *
 * Their pointer fields are not const although sendmsg() and sendmmsg() only
 * read through them; msg_unconst() is the one place that drops the const, so
 * the rest of the tree builds clean with -Wcast-qual.
 */
#ifndef MPT_MSG_H
#define MPT_MSG_H

#include <stdint.h>

static inline void *msg_unconst(const void *p)
{
	return (void *)(uintptr_t)p;
}

#endif
