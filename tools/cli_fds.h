/* cli_fds.h - keep fds 0-2 occupied, so nothing of ours lands on them and writes fail as EBADF. */
#ifndef PIDCYCLE_CLI_FDS_H
#define PIDCYCLE_CLI_FDS_H

/*
 * Call first thing in main(). Each of fds 0, 1 and 2 that is closed gets a
 * placeholder: an O_PATH descriptor, on which read() and write() fail with
 * EBADF, just as on the closed fd; so a signalfd or a library fd opened
 * later cannot become "standard output". The placeholders are close-on-exec:
 * CMD gets exactly the fds pidcycle was started with. 0 or -errno.
 */
int cli_fds_guard(void);

#endif /* PIDCYCLE_CLI_FDS_H */
