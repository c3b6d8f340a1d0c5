/* enosys.c - run a command with some system calls answering ENOSYS, as seccomp profiles do. */
/*
 * Usage: enosys NR[,NR...] CMD [ARG...]
 * NR: system call numbers, e.g. 435 (clone3: Docker's default profile),
 * 430 (fsopen: a kernel or a filter without the new mount API). The filter
 * stays for CMD and everything it starts.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#define MAX_NRS 16

int main(int argc, char **argv)
{
	struct sock_filter f[2 + 2 * MAX_NRS + 1];
	struct sock_fprog prog = { .filter = f };
	unsigned int n = 0;
	char *p;

	if (argc < 3) {
		fprintf(stderr, "usage: enosys NR[,NR...] CMD [ARG...]\n");
		return 2;
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (p = argv[1]; *p && n < 1 + 2 * MAX_NRS; p += *p == ',') {
		long nr = strtol(p, &p, 10);

		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      (unsigned int)nr, 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						      SECCOMP_RET_ERRNO | ENOSYS);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)n;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("enosys: seccomp");
		return 126;
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
