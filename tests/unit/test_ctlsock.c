/* test_ctlsock.c - the control socket and metrics endpoint on a real libev
 * loop with real sockets: requests, big answers, watchers, HTTP, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctlsock.h"

struct fixture {
	struct ev_loop *loop;
	struct ctl_server srv;
	char dir[64];
	char path[96];
};

static void handler(struct ctl_conn *c, const char *req, FILE *out, void *arg)
{
	(void)arg;
	if (strcmp(req, "show") == 0) {
		fputs("hello\n", out);
	} else if (strcmp(req, "big") == 0) {
		for (int i = 0; i < 100000; i++)
			fputc('a' + i % 26, out);
	} else if (strcmp(req, "watch") == 0 || strcmp(req, "watch json") == 0) {
		ctl_watch(c, strcmp(req, "watch json") == 0);
	} else if (strcmp(req, "metrics") == 0) {
		fputs("# TYPE x_total counter\nx_total 1\n", out);
	} else {
		fprintf(out, "error: unknown request '%s'\n", req);
	}
}

static int setup(void **st)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/mpt-ctl.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/t.sock", f->dir);
	f->loop = ev_loop_new(EVFLAG_AUTO);
	ctl_init(&f->srv, f->loop, handler, NULL);
	assert_int_equal(ctl_listen_unix(&f->srv, f->path), 0);
	*st = f;
	return 0;
}

static int teardown(void **st)
{
	struct fixture *f = *st;

	ctl_close(&f->srv);
	ev_loop_destroy(f->loop);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Run the loop until fd has n bytes or EOF (bounded: 2000 rounds). */
static size_t collect(struct fixture *f, int fd, char *buf, size_t cap, bool until_eof)
{
	size_t len = 0;

	for (int round = 0; round < 2000; round++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ev_run(f->loop, EVRUN_NOWAIT);
		if (poll(&p, 1, 5) == 1) {
			ssize_t n = read(fd, buf + len, cap - 1 - len);
			if (n <= 0)
				break;
			len += (size_t)n;
			if (!until_eof && len > 0 && buf[len - 1] == '\n')
				break;
		}
	}
	buf[len] = '\0';
	return len;
}

static void test_request(void **st)
{
	struct fixture *f = *st;
	static char buf[200000];
	struct stat sb;
	int fd;

	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	fd = connect_unix(f->path);
	assert_int_equal(write(fd, "show\n", 5), 5);
	assert_int_equal(collect(f, fd, buf, sizeof(buf), true), 6);
	assert_string_equal(buf, "hello\n");
	close(fd);
	/* an answer far larger than a socket buffer arrives whole */
	fd = connect_unix(f->path);
	assert_int_equal(write(fd, "big\r\n", 5), 5);
	assert_int_equal(collect(f, fd, buf, sizeof(buf), true), 100000);
	assert_int_equal(buf[99999], 'a' + 99999 % 26);
	close(fd);
	/* a request split over two writes */
	fd = connect_unix(f->path);
	assert_int_equal(write(fd, "nop", 3), 3);
	ev_run(f->loop, EVRUN_NOWAIT);
	assert_int_equal(write(fd, "e\n", 2), 2);
	collect(f, fd, buf, sizeof(buf), true);
	assert_string_equal(buf, "error: unknown request 'nope'\n");
	close(fd);
	/* a request line that never ends is cut off */
	fd = connect_unix(f->path);
	memset(buf, 'x', CTL_REQ_MAX + 10);
	assert_int_equal(write(fd, buf, CTL_REQ_MAX + 10), CTL_REQ_MAX + 10);
	assert_int_equal(collect(f, fd, buf, sizeof(buf), true), 0);
	close(fd);
	assert_true(f->srv.requests == 3);
}

static void test_watch(void **st)
{
	struct fixture *f = *st;
	char buf[256];
	int a, b;

	a = connect_unix(f->path);
	b = connect_unix(f->path);
	assert_int_equal(write(a, "watch\n", 6), 6);
	assert_int_equal(write(b, "watch json\n", 11), 11);
	for (int i = 0; i < 50 && ctl_watchers(&f->srv) < 2; i++)
		ev_run(f->loop, EVRUN_NOWAIT);
	assert_int_equal(ctl_watchers(&f->srv), 2);
	ctl_event(&f->srv, "path 1 down", "{\"event\":\"path_down\",\"path\":1}");
	collect(f, a, buf, sizeof(buf), false);
	assert_string_equal(buf, "path 1 down\n");
	collect(f, b, buf, sizeof(buf), false);
	assert_string_equal(buf, "{\"event\":\"path_down\",\"path\":1}\n");
	close(a);
	for (int i = 0; i < 50 && ctl_watchers(&f->srv) > 1; i++)
		ev_run(f->loop, EVRUN_NOWAIT);
	assert_int_equal(ctl_watchers(&f->srv), 1);
	close(b);
}

static void test_limits(void **st)
{
	struct fixture *f = *st;
	struct ctl_server other;
	int fds[CTL_MAX_CONNS + 2];
	char buf[64];

	/* a second daemon cannot take a live socket */
	ctl_init(&other, f->loop, handler, NULL);
	assert_int_equal(ctl_listen_unix(&other, f->path), -EADDRINUSE);
	for (int i = 0; i < CTL_MAX_CONNS + 2; i++) {
		fds[i] = connect_unix(f->path);
		ev_run(f->loop, EVRUN_NOWAIT);
	}
	assert_true(f->srv.refused >= 2);
	for (int i = 0; i < CTL_MAX_CONNS + 2; i++)
		close(fds[i]);
	for (int i = 0; i < 20; i++)
		ev_run(f->loop, EVRUN_NOWAIT);
	/* the table frees up again */
	fds[0] = connect_unix(f->path);
	assert_int_equal(write(fds[0], "show\n", 5), 5);
	collect(f, fds[0], buf, sizeof(buf), true);
	assert_string_equal(buf, "hello\n");
	close(fds[0]);
}

static void test_stale_and_http(void **st)
{
	struct fixture *f = *st;
	struct ctl_server s2;
	struct addr a;
	const char *err;
	char buf[512];
	int fd, lfd;
	struct sockaddr_un sun;

	/* a stale socket file (nobody listening) is replaced */
	ctl_close(&f->srv);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(lfd);
	ctl_init(&s2, f->loop, handler, NULL);
	assert_int_equal(ctl_listen_unix(&s2, f->path), 0);
	/* HTTP: /metrics answered, anything else 404 */
	assert_int_equal(addr_resolve("127.0.0.1", 0, false, &a, &err), 0);
	assert_int_equal(ctl_listen_http(&s2, &a), 0);
	a.len = sizeof(a.ss);
	assert_int_equal(getsockname(s2.http_fd, (struct sockaddr *)&a.ss, &a.len), 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a.ss, a.len), 0);
	assert_int_equal(write(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 35), 35);
	collect(f, fd, buf, sizeof(buf), true);
	close(fd);
	assert_non_null(strstr(buf, "HTTP/1.0 200 OK\r\n"));
	assert_non_null(strstr(buf, "text/plain; version=0.0.4"));
	assert_non_null(strstr(buf, "\r\n\r\n# TYPE x_total counter\nx_total 1\n"));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a.ss, a.len), 0);
	assert_int_equal(write(fd, "GET / HTTP/1.0\r\n\r\n", 18), 18);
	collect(f, fd, buf, sizeof(buf), true);
	close(fd);
	assert_non_null(strstr(buf, "404"));
	ctl_close(&s2);
	assert_int_equal(access(f->path, F_OK), -1);
	/* teardown closes f->srv again: harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_http, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
