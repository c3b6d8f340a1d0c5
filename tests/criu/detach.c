/* detach.c - start a CRIU target cleanly: own session, no inherited descriptor but 0-2, then exec. */
/* Usage: detach CMD [ARG...]. CRIU dumps every open descriptor, and one the
 * test harness left open (on a mount the dumper cannot see) fails the dump. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: detach CMD [ARG...]\n");
		return 2;
	}
	setsid();
	close_range(3, ~0U, 0);
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
