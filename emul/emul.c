/* emul.c - the emulation's life in `run`: start the server, mount the file, and take both down. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emul.h"

/* How long the server may take to stop before it is killed. */
#define STOP_WAIT_SEC 15

int emul_fail(struct emul_err *e, int err, const char *fmt, ...)
{
	va_list ap;

	e->err = err;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	return err;
}

/* If the server gave up, it said why on the socket: that is the cause. */
static void server_said(struct emul *em, struct emul_err *e)
{
	char msg[256];
	ssize_t n = recv(em->sock, msg, sizeof(msg) - 1, MSG_DONTWAIT);

	if (n > 0) {
		msg[n] = '\0';
		emul_fail(e, e->err, "the server could not start: %s", msg);
	}
}

int emul_start(struct emul *em, const struct emul_opts *o, struct emul_err *e)
{
	pid_t self = getpid();
	int sv[2], err, fuse_fd;

	*em = (struct emul){ .sock = -1 };
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return emul_fail(e, -errno, "socketpair: %s", strerror(errno));
	em->server = fork();
	if (em->server == 0) {
		close(sv[0]);
		emul_server_main(sv[1], self, o);
	}
	close(sv[1]);
	em->sock = sv[0];
	if (em->server < 0) {
		err = emul_fail(e, -errno, "cannot start the server: %s",
				strerror(errno));
		em->server = 0;
		emul_stop(em);
		return err;
	}
	err = emul_enter_ns(e);
	fuse_fd = err ? -1 : emul_fuse_open(e);
	if (fuse_fd < 0 && !err)
		err = fuse_fd;
	if (!err)
		err = emul_mount(fuse_fd, em->sock, e);
	if (err) {
		server_said(em, e);
		emul_stop(em);
		return err;
	}
	em->mounted = true;
	return 0;
}

bool emul_reaped(struct emul *em, pid_t pid)
{
	if (pid <= 0 || pid != em->server)
		return false;
	em->server = 0;
	return true;
}

/* Wait for the server, at most STOP_WAIT_SEC; then kill it. */
static void reap_server(struct emul *em)
{
	const struct timespec tick = { 0, 10000000 };

	for (int i = 0; i < STOP_WAIT_SEC * 100; i++) {
		pid_t r = waitpid(em->server, NULL, WNOHANG);

		if (r == em->server || (r < 0 && errno != EINTR))
			goto done;
		nanosleep(&tick, NULL);
	}
	kill(em->server, SIGKILL);
	while (waitpid(em->server, NULL, 0) < 0 && errno == EINTR)
		;
done:
	em->server = 0;
}

void emul_stop(struct emul *em)
{
	if (em->mounted && umount2(EMUL_TARGET, MNT_DETACH) == 0)
		em->mounted = false;
	if (em->sock >= 0) {
		close(em->sock);	/* the server's cue to stop */
		em->sock = -1;
	}
	if (em->server > 0)
		reap_server(em);
}
