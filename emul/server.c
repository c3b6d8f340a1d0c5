/* server.c - the server process: serves the emulated file from the namespaces `run` started in. */
/*
 * The server is forked before `run` leaves its namespaces, so its
 * libpidcycle sees the real /proc/sys/kernel/ns_last_pid and has the real
 * privileges of the caller: the privileged write for root, burning for
 * anyone else. It gets the /dev/fuse descriptor over the socket (FUSE lets
 * a process outside the mount's user namespace serve it) and runs three
 * threads, all started before it serves anything so that no thread ever
 * takes a PID a writer asked for: this one waits for the end, one receives
 * requests, one serves writes (writer.c).
 * It ends when `run` closes the socket or dies (PR_SET_PDEATHSIG, checked
 * against a parent already gone), in its own process group so the
 * terminal's signals go to CMD, with every signal blocked.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "logsink.h"
#include "server.h"

/* How long the writer may take to cancel its call when we stop. */
#define STOP_GRACE_SEC 10

void emul_log(const struct srv *s, const char *fmt, ...)
{
	char prefix[32];
	va_list ap;

	if (logsink_kind(s->o->log) == LOGSINK_OFF)
		return;
	snprintf(prefix, sizeof(prefix), "pidcycle run[%d]: ", (int)getpid());
	va_start(ap, fmt);
	logsink_vline(s->o->log, prefix, fmt, ap);
	va_end(ap);
}

/* Tell run why we could not start (it shows the message), then leave. */
static void __attribute__((noreturn)) give_up(int sock, const char *what)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "%s", what);

	if (send(sock, msg, (size_t)n, MSG_NOSIGNAL) < 0)
		n = 0;
	_exit(1);
}

/* Our own life: end with run; nothing inherited but the socket and fd 2. */
static int detach(int sock, pid_t parent)
{
	sigset_t all, term;
	int null, sfd;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	setpgid(0, 0);
	if (chdir("/") < 0)	/* pin no mount of the caller's */
		_exit(1);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	/* Everything else run had open: its signalfd, CMD's pipes... */
	for (int fd = 3; fd < sock; fd++)
		close(fd);
	close_range((unsigned int)sock + 1, ~0U, 0);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sfd = signalfd(-1, &term, SFD_CLOEXEC);
	return sfd;
}

/* Our PID namespace's inode, if /proc is this namespace's own. */
static ino_t own_pidns(void)
{
	char self[32];
	struct stat st;
	ssize_t n = readlink("/proc/self", self, sizeof(self) - 1);

	if (n <= 0)
		return 0;
	self[n] = '\0';
	if (atoi(self) != getpid() || stat("/proc/self/ns/pid", &st))
		return 0;
	return st.st_ino;
}

static bool writes_strict(void)
{
	FILE *f = fopen("/proc/sys/kernel/sysctl_writes_strict", "re");
	int v = 1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 1;
		fclose(f);
	}
	return v == 1;
}

static struct fuse_session *open_session(struct srv *s, int fuse_fd)
{
	char *argv[] = { "pidcycle-run", NULL }, mnt[32];
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_session *se = fuse_session_new(&args, &emul_file_ops,
						   sizeof(emul_file_ops), s);

	snprintf(mnt, sizeof(mnt), "/dev/fd/%d", fuse_fd);
	if (se && fuse_session_mount(se, mnt) != 0) {
		fuse_session_destroy(se);
		se = NULL;
	}
	return se;
}

static void *receiver_main(void *arg)
{
	struct fuse_buf buf = { 0 };
	struct srv *s = arg;

	while (!atomic_load(&s->stop)) {
		int r = fuse_session_receive_buf(s->se, &buf);

		if (r == -EINTR)
			continue;
		if (r <= 0)
			break;	/* the connection is gone */
		fuse_session_process_buf(s->se, &buf);
		emul_drop_interrupted(s);
	}
	free(buf.mem);
	return NULL;
}

/* Until run closes the socket, dies (SIGTERM: PR_SET_PDEATHSIG) or stops us. */
static void wait_for_end(int sock, int sfd)
{
	struct pollfd p[2] = { { .fd = sock, .events = POLLIN },
			       { .fd = sfd, .events = POLLIN } };
	char byte;

	for (;;) {
		if (poll(p, sfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			return;
		if (p[1].revents)
			return;
		if (p[0].revents) {
			ssize_t n = recv(sock, &byte, 1, MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				return;
		}
	}
}

/* Stop the writer (it cancels its call, its helpers are reaped), then the
 * receiver (blocked reading /dev/fuse: read is a cancellation point), then go. */
static void __attribute__((noreturn)) finish(struct srv *s, pthread_t writer,
					     pthread_t receiver)
{
	struct timespec until;

	emul_queue_stop(s);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += STOP_GRACE_SEC;
	pthread_timedjoin_np(writer, NULL, &until);
	pthread_cancel(receiver);
	pthread_timedjoin_np(receiver, NULL, &until);
	_exit(0);
}

void emul_server_main(int sock, pid_t parent, const struct emul_opts *o)
{
	struct srv s = { .o = o, .lock = PTHREAD_MUTEX_INITIALIZER,
			 .more = PTHREAD_COND_INITIALIZER };
	int sfd = detach(sock, parent), fuse_fd;
	pthread_t writer, receiver;

	s.tail = &s.head;
	s.t_mount = (double)time(NULL);
	s.lastpid_fd = open(EMUL_TARGET, O_RDONLY | O_CLOEXEC);
	if (s.lastpid_fd < 0)
		give_up(sock, "cannot open " EMUL_TARGET " (no CONFIG_CHECKPOINT_RESTORE?)");
	s.pidns = own_pidns();
	s.strict = writes_strict();
	fuse_fd = emul_recv_fd(sock);
	if (fuse_fd < 0)
		_exit(0);	/* run gave up before the mount */
	s.se = open_session(&s, fuse_fd);
	if (!s.se)
		give_up(sock, "libfuse could not start a session on /dev/fuse");
	if (pthread_create(&writer, NULL, emul_writer_main, &s) ||
	    pthread_create(&receiver, NULL, receiver_main, &s))
		give_up(sock, "cannot start the server's threads");
	emul_log(&s, "serving %s (PID namespace of pid %d)", EMUL_TARGET,
		 (int)getpid());
	wait_for_end(sock, sfd);
	finish(&s, writer, receiver);
}
