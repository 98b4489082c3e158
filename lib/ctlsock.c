/* ctlsock.c - control socket and metrics endpoint (see ctlsock.h). */
#include "ctlsock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>


static void conn_cb(struct ev_loop *loop, ev_io *w, int revents);

void ctl_init(struct ctl_server *s, struct ev_loop *loop, ctl_handler h, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->handler = h;
	s->arg = arg;
	s->unix_fd = -1;
	s->http_fd = -1;
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++) {
		s->conns[i].fd = -1;
		s->conns[i].srv = s;
	}
}

static void conn_close(struct ctl_conn *c)
{
	if (c->fd < 0)
		return;
	ev_io_stop(c->srv->loop, &c->io);
	close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->outlen = c->outoff = c->reqlen = 0;
	c->watching = c->closing = c->http = c->json = false;
}

/* Append to the connection's output; drop the connection past the cap. */
static void conn_queue(struct ctl_conn *c, const char *p, size_t n)
{
	char *nb;

	if (c->fd < 0 || n == 0)
		return;
	if (c->outlen - c->outoff + n > CTL_OUT_MAX) {
		conn_close(c);
		return;
	}
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	nb = realloc(c->out, c->outlen + n);
	if (!nb) {
		conn_close(c);
		return;
	}
	c->out = nb;
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
	ev_io_stop(c->srv->loop, &c->io);
	ev_io_set(&c->io, c->fd, EV_READ | EV_WRITE);
	ev_io_start(c->srv->loop, &c->io);
}

static void conn_flush(struct ctl_conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			conn_close(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
	if (c->closing) {
		conn_close(c);
		return;
	}
	ev_io_stop(c->srv->loop, &c->io);
	ev_io_set(&c->io, c->fd, EV_READ);
	ev_io_start(c->srv->loop, &c->io);
}

/* Run the handler for one request; its output becomes the answer. */
static void conn_answer(struct ctl_conn *c, const char *req)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		conn_close(c);
		return;
	}
	c->srv->requests++;
	c->srv->handler(c, req, f, c->srv->arg);
	fclose(f);
	if (c->http) {
		char hdr[160];
		int n = snprintf(hdr, sizeof(hdr),
				 "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
				 "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
		conn_queue(c, hdr, (size_t)n);
	}
	if (c->fd >= 0)
		conn_queue(c, buf, len);
	free(buf);
	if (c->fd >= 0 && !c->watching)
		c->closing = true;
}

static void http_request(struct ctl_conn *c)
{
	static const char notfound[] = "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n"
				       "Content-Length: 10\r\nConnection: close\r\n\r\nnot found\n";
	char *eol;

	if (!strstr(c->req, "\r\n\r\n") && !strstr(c->req, "\n\n"))
		return;		/* wait for the end of the headers */
	eol = strpbrk(c->req, "\r\n");
	*eol = '\0';
	if (strncmp(c->req, "GET /metrics ", 13) == 0 || strcmp(c->req, "GET /metrics") == 0) {
		conn_answer(c, "metrics");
	} else {
		conn_queue(c, notfound, sizeof(notfound) - 1);
		c->closing = true;
	}
	c->reqlen = 0;
}

static void conn_read(struct ctl_conn *c)
{
	for (;;) {
		ssize_t n;
		char *nl;

		if (c->reqlen >= CTL_REQ_MAX - 1) {
			c->srv->refused++;
			conn_close(c);
			return;
		}
		n = recv(c->fd, c->req + c->reqlen, CTL_REQ_MAX - 1 - c->reqlen, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			conn_close(c);
			return;
		}
		if (n == 0) {
			if (c->outlen == c->outoff)
				conn_close(c);
			else
				c->closing = true;
			return;
		}
		c->reqlen += (size_t)n;
		c->req[c->reqlen] = '\0';
		if (c->http) {
			http_request(c);
			if (c->fd < 0 || c->closing)
				return;
			continue;
		}
		if (c->watching || c->closing) {
			c->reqlen = 0;	/* a watcher only listens */
			continue;
		}
		nl = strchr(c->req, '\n');
		if (!nl)
			continue;
		*nl = '\0';
		if (nl > c->req && nl[-1] == '\r')
			nl[-1] = '\0';
		conn_answer(c, c->req);
		c->reqlen = 0;
		return;
	}
}

static void conn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_conn *c = w->data;

	(void)loop;
	if (revents & EV_READ) {
		conn_read(c);
		if (c->fd < 0)
			return;
	}
	if (revents & EV_WRITE || c->outlen > c->outoff)
		conn_flush(c);
}

static void accept_on(struct ctl_server *s, int lfd, bool http)
{
	for (unsigned tries = 0; tries < CTL_MAX_CONNS; tries++) {
		struct ctl_conn *c = NULL;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		for (unsigned i = 0; i < CTL_MAX_CONNS; i++)
			if (s->conns[i].fd < 0) {
				c = &s->conns[i];
				break;
			}
		if (!c) {
			s->refused++;
			close(fd);
			continue;
		}
		c->fd = fd;
		c->http = http;
		c->reqlen = 0;
		ev_io_init(&c->io, conn_cb, fd, EV_READ);
		c->io.data = c;
		ev_io_start(s->loop, &c->io);
	}
}

static void unix_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	accept_on(w->data, ((struct ctl_server *)w->data)->unix_fd, false);
}

static void http_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	accept_on(w->data, ((struct ctl_server *)w->data)->http_fd, true);
}

/* Is something listening on the socket at path? */
static bool socket_live(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return live;
}

int ctl_listen_unix(struct ctl_server *s, const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd = -1, rc;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (socket_live(&sun))
			return -EADDRINUSE;
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177);
	rc = bind(fd, (const struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		rc = -errno;
		goto fail;
	}
	s->unix_fd = fd;
	snprintf(s->path, sizeof(s->path), "%s", path);
	ev_io_init(&s->unix_io, unix_cb, fd, EV_READ);
	s->unix_io.data = s;
	ev_io_start(s->loop, &s->unix_io);
	return 0;
fail:
	close(fd);
	return rc;
}

int ctl_listen_http(struct ctl_server *s, const struct addr *a)
{
	int fd, one = 1, rc;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0 || listen(fd, 16) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	s->http_fd = fd;
	ev_io_init(&s->http_io, http_cb, fd, EV_READ);
	s->http_io.data = s;
	ev_io_start(s->loop, &s->http_io);
	return 0;
}

void ctl_close(struct ctl_server *s)
{
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++)
		conn_close(&s->conns[i]);
	if (s->unix_fd >= 0) {
		ev_io_stop(s->loop, &s->unix_io);
		close(s->unix_fd);
		unlink(s->path);
		s->unix_fd = -1;
	}
	if (s->http_fd >= 0) {
		ev_io_stop(s->loop, &s->http_io);
		close(s->http_fd);
		s->http_fd = -1;
	}
}

void ctl_watch(struct ctl_conn *c, bool json)
{
	c->watching = true;
	c->json = json;
}

void ctl_event(struct ctl_server *s, const char *text, const char *json)
{
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++) {
		struct ctl_conn *c = &s->conns[i];
		const char *line = c->json ? json : text;

		if (c->fd < 0 || !c->watching || !line)
			continue;
		conn_queue(c, line, strlen(line));
		if (c->fd >= 0)
			conn_queue(c, "\n", 1);
	}
}

unsigned ctl_watchers(const struct ctl_server *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CTL_MAX_CONNS; i++)
		n += s->conns[i].fd >= 0 && s->conns[i].watching;
	return n;
}

const char *ctl_default_dir(char *buf, size_t buflen)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(buf, buflen, "/run/mptunnel");
	else if (xdg && xdg[0] == '/')
		snprintf(buf, buflen, "%s/mptunnel", xdg);
	else
		snprintf(buf, buflen, "/tmp/mptunnel-%u", (unsigned)geteuid());
	return buf;
}

int ctl_make_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(dir, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}
