/* mpctl - ask running mpclient/mpserver daemons over their control sockets.
 *
 *   mpctl [-s SOCKET]... show [--json]    paths, flows, sessions (every daemon without -s)
 *   mpctl [-s SOCKET]... metrics          Prometheus text exposition
 *   mpctl [-s SOCKET]... watch [--json]   stream events until interrupted
 *   mpctl [-s SOCKET]... reload           re-read the configuration
 *   mpctl list                            the control sockets found
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlsock.h"
#include "log.h"

#define MAX_SOCKETS 64

static char *sockets[MAX_SOCKETS];
static unsigned nsockets;
static bool discovered;	/* found in the runtime folder, not given with -s */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mpctl [-s SOCKET]... COMMAND [--json]\n"
		"  show [--json]    each daemon's paths, flows and sessions\n"
		"  metrics          Prometheus text exposition\n"
		"  watch [--json]   stream events (path up/down, restarts, sessions)\n"
		"  reload           re-read the daemon's configuration (as SIGHUP)\n"
		"  list             the control sockets found\n"
		"options:\n"
		"  -s, --socket PATH  a daemon's control socket (repeatable); default: every\n"
		"                     socket in %s\n"
		"  -h, --help, -V, --version\n",
		"the runtime folder (/run/mptunnel as root)");
}

static void add_socket(const char *path)
{
	if (nsockets >= MAX_SOCKETS)
		fatalx("more than %d control sockets", MAX_SOCKETS);
	sockets[nsockets] = strdup(path);
	if (!sockets[nsockets])
		fatal("strdup");
	nsockets++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* *.sock in dir, and one level of sub-folders (systemd units keep theirs in
 * /run/mptunnel/UNIT/). */
static void scan(const char *dir, int depth)
{
	char path[CTL_PATH_MAX + 16];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= CTL_PATH_MAX)
			continue;
		if (e->d_type == DT_DIR && depth == 0) {
			scan(path, 1);
			continue;
		}
		if (n < 6 || strcmp(e->d_name + n - 5, ".sock") != 0)
			continue;
		add_socket(path);
	}
	closedir(d);
}

static void find_sockets(void)
{
	char dir[256];

	scan(ctl_default_dir(dir, sizeof(dir)), 0);
	qsort(sockets, nsockets, sizeof(sockets[0]), cmp_str);
}

/* Connect and send one request line; returns the fd or -errno. */
static int ask(const char *path, const char *req)
{
	struct sockaddr_un sun;
	int fd, rc;
	size_t len = strlen(req);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len || send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* Read the whole answer into a malloc'd string (capped). */
static char *read_all(int fd, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		fatal("malloc");
	for (;;) {
		ssize_t n;
		if (len + 1 >= cap) {
			if (cap >= CTL_OUT_MAX)
				break;
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				fatal("realloc");
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* Prometheus pages of several daemons: one family's HELP, TYPE and samples
 * together (the format forbids a family split), in order of first sight. */
struct family {
	char name[128];
	char *text;
	size_t len;
	FILE *f;
	bool help, type;
};

/* Families live apart (an array of pointers): open_memstream keeps the
 * addresses of text and len, so a family must never move. */
static unsigned family_of(struct family ***fams, unsigned *n, const char *name, size_t nlen)
{
	struct family *fa;

	for (unsigned i = 0; i < *n; i++)
		if (strlen((*fams)[i]->name) == nlen && memcmp((*fams)[i]->name, name, nlen) == 0)
			return i;
	*fams = realloc(*fams, (*n + 1) * sizeof(**fams));
	fa = calloc(1, sizeof(*fa));
	if (!*fams || !fa)
		fatal("realloc");
	(*fams)[*n] = fa;
	snprintf(fa->name, sizeof(fa->name), "%.*s", (int)(nlen < 127 ? nlen : 127), name);
	fa->f = open_memstream(&fa->text, &fa->len);
	if (!fa->f)
		fatal("open_memstream");
	return (*n)++;
}

static void merge_metrics(char **pages, unsigned npages)
{
	struct family **fams = NULL;
	unsigned nfams = 0, cur = UINT_MAX;

	for (unsigned p = 0; p < npages; p++) {
		char *save = NULL;
		for (char *line = strtok_r(pages[p], "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			const char *name = line;
			size_t nlen;
			bool meta = strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0;

			if (meta)
				name = line + 7;
			else if (line[0] == '#')
				continue;
			nlen = strcspn(name, meta ? " " : "{ ");
			if (meta) {
				bool *seen;
				cur = family_of(&fams, &nfams, name, nlen);
				seen = line[2] == 'H' ? &fams[cur]->help : &fams[cur]->type;
				if (*seen)
					continue;	/* the first daemon's HELP/TYPE serves all */
				*seen = true;
			} else if (cur == UINT_MAX || strlen(fams[cur]->name) != nlen ||
				   strncmp(fams[cur]->name, name, nlen) != 0) {
				cur = family_of(&fams, &nfams, name, nlen);
			}
			fprintf(fams[cur]->f, "%s\n", line);
		}
	}
	for (unsigned i = 0; i < nfams; i++) {
		fclose(fams[i]->f);
		if (fams[i]->text && fams[i]->len)
			fwrite(fams[i]->text, 1, fams[i]->len, stdout);
		free(fams[i]->text);
		free(fams[i]);
	}
	free(fams);
}

static int metrics_all(void)
{
	char **pages = calloc(nsockets, sizeof(*pages));
	unsigned n = 0;
	int failed = 0;

	if (!pages)
		fatal("calloc");
	for (unsigned i = 0; i < nsockets; i++) {
		size_t len;
		int fd = ask(sockets[i], "metrics");
		if (fd < 0 && discovered && (fd == -ECONNREFUSED || fd == -ENOENT))
			continue;
		if (fd < 0) {
			log_errno(-fd, "%s", sockets[i]);
			failed++;
			continue;
		}
		pages[n] = read_all(fd, &len);
		close(fd);
		if (strncmp(pages[n], "error:", 6) == 0) {
			fprintf(stderr, "mpctl: %s: %s", sockets[i], pages[n]);
			free(pages[n]);
			failed++;
			continue;
		}
		n++;
	}
	merge_metrics(pages, n);
	for (unsigned i = 0; i < n; i++)
		free(pages[i]);
	free(pages);
	return failed ? 1 : 0;
}

/* One request to every socket; answers concatenated (JSON: as an array). */
static int request_all(const char *req, bool json)
{
	int failed = 0, answered = 0;

	if (json)
		fputs(nsockets == 1 ? "" : "[\n", stdout);
	for (unsigned i = 0; i < nsockets; i++) {
		size_t len;
		char *ans;
		int fd = ask(sockets[i], req);

		if (fd < 0) {
			if (discovered && (fd == -ECONNREFUSED || fd == -ENOENT))
				continue;	/* a stale socket of a daemon that died */
			log_errno(-fd, "%s", sockets[i]);
			failed++;
			continue;
		}
		ans = read_all(fd, &len);
		close(fd);
		if (strncmp(ans, "error:", 6) == 0) {
			fprintf(stderr, "mpctl: %s: %s", sockets[i], ans + 6 + (ans[6] == ' '));
			if (len && ans[len - 1] != '\n')
				fputc('\n', stderr);
			failed++;
		} else {
			if (json && nsockets > 1 && answered)
				fputs(",\n", stdout);
			fwrite(ans, 1, len, stdout);
			if (!json && nsockets > 1 && i + 1 < nsockets)
				fputc('\n', stdout);
			answered++;
		}
		free(ans);
	}
	if (json && nsockets > 1)
		fputs("]\n", stdout);
	return failed ? 1 : 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int watch_all(bool json)
{
	struct pollfd pfd[MAX_SOCKETS];
	char buf[8192];
	unsigned open_n = 0;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (unsigned i = 0; i < nsockets; i++) {
		int fd = ask(sockets[i], json ? "watch json" : "watch");
		if (fd < 0)
			log_errno(-fd, "%s", sockets[i]);
		pfd[i].fd = fd;
		pfd[i].events = POLLIN;
		open_n += fd >= 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (open_n > 0 && !stop) {
		if (poll(pfd, nsockets, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		for (unsigned i = 0; i < nsockets; i++) {
			ssize_t n;
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_n--;
				continue;
			}
			fwrite(buf, 1, (size_t)n, stdout);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	bool json = false;
	const char *cmd;
	int c;

	log_init("mpctl", 0);
	while ((c = getopt_long(argc, argv, "+s:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 's': add_socket(optarg); break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("mpctl %s\n", MPT_VERSION); return 0;
		default: fatal_usage("bad option");
		}
	}
	if (optind >= argc)
		fatal_usage("a command is needed: show, metrics, watch, reload or list");
	cmd = argv[optind++];
	for (; optind < argc; optind++) {
		if (strcmp(argv[optind], "--json") == 0 || strcmp(argv[optind], "-j") == 0)
			json = true;
		else
			fatal_usage("unexpected argument '%s'", argv[optind]);
	}
	if (nsockets == 0) {
		find_sockets();
		discovered = true;
	}
	if (strcmp(cmd, "list") == 0) {
		for (unsigned i = 0; i < nsockets; i++)
			puts(sockets[i]);
		return 0;
	}
	if (nsockets == 0) {
		char dir[256];
		fprintf(stderr, "mpctl: no running daemon found (no control socket in %s)\n",
			ctl_default_dir(dir, sizeof(dir)));
		return 1;
	}
	if (strcmp(cmd, "show") == 0)
		return request_all(json ? "show json" : "show", json);
	if (strcmp(cmd, "metrics") == 0)
		return metrics_all();
	if (strcmp(cmd, "reload") == 0)
		return request_all("reload", false);
	if (strcmp(cmd, "watch") == 0)
		return watch_all(json);
	fatal_usage("unknown command '%s'", cmd);
}
