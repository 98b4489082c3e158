/* preflight.c - what start will need, tried before starting (see preflight.h). */
#include "preflight.h"
#include "json.h"
#include "udp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int preflight_listen(const struct addr *a, char *err, size_t errlen)
{
	char buf[ADDR_STRLEN];
	int fd = -1, rc;

	rc = udp_bind(a, &fd);
	if (rc) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr_format(a, buf, sizeof(buf)),
			 strerror(-rc));
		return rc;
	}
	close(fd);
	return 0;
}

int preflight_peer(const struct addr *a, char *err, size_t errlen)
{
	const char *what = addr_not_unicast(a);
	int fd = -1, rc;

	if (what) {
		snprintf(err, errlen, "not a unicast address (%s)", what);
		return -EINVAL;
	}
	rc = udp_connect(a, NULL, &fd);
	if (rc) {
		snprintf(err, errlen, "%s", strerror(-rc));
		return rc;
	}
	close(fd);
	return 0;
}

int preflight_stats(const char *path, char *err, size_t errlen)
{
	int rc;

	if (!path)
		return 0;
	rc = file_write_check(path);
	if (rc)
		snprintf(err, errlen, "--stats %s: cannot write it: %s", path, strerror(-rc));
	return rc;
}
