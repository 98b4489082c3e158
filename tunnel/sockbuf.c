/* sockbuf.c - the tunnel's socket buffers (see sockbuf.h). */
#include "sockbuf.h"

#include "log.h"
#include "udp.h"

bool sockbuf_apply(int fd, const struct tunnel_params *prm, const char *what, bool *warned)
{
	int snd = params_tunnel_buf(prm->sndbuf), rcv = params_tunnel_buf(prm->rcvbuf);
	int gs = 0, gr = 0, rc;

	rc = udp_set_buffers(fd, snd, rcv);
	if (rc == 0)
		rc = udp_get_buffers(fd, &gs, &gr);
	if (rc == 0 && gs >= snd && gr >= rcv)
		return true;
	if (!*warned) {
		*warned = true;
		if (rc)
			log_errno(rc, "%s sockets: cannot size the buffers", what);
		else
			log_warnx("%s sockets: the kernel grants send/receive buffers of %d/%d bytes, "
				  "not the %d/%d asked (raise net.core.wmem_max/rmem_max, or run "
				  "with CAP_NET_ADMIN)", what, gs, gr, snd, rcv);
	}
	return false;
}
