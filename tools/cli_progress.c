/* cli_progress.c - progress callback for the CLI: cancellation and a one-line bar on stderr. */
#include "cli_progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_signal.h"

#define BAR_WIDTH 24
#define CLEAR_LINE "\r\033[K"

void cli_progress_init(struct cli_progress *pr, bool wanted)
{
	pr->draw = wanted && isatty(STDERR_FILENO);
	pr->drawn = false;
}

/* 1234567 -> "1.23M": the bar must fit a narrow terminal. */
static void human(char *buf, size_t n, double v)
{
	if (!isfinite(v) || v < 0)
		snprintf(buf, n, "?");
	else if (v >= 1e6)
		snprintf(buf, n, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else
		snprintf(buf, n, "%.0f", v);
}

static void eta(char *buf, size_t n, double sec)
{
	unsigned long s;

	if (!isfinite(sec) || sec <= 0 || sec > 360000) {
		snprintf(buf, n, "--:--");
		return;
	}
	s = (unsigned long)ceil(sec);
	if (s >= 3600)
		snprintf(buf, n, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, n, "%02lu:%02lu", s / 60, s % 60);
}

static void draw(struct cli_progress *pr, const struct pidcycle_progress *p)
{
	double total = (double)p->burnt + (double)p->remaining;
	double frac = total > 0 ? (double)p->burnt / total : 0;
	char bar[BAR_WIDTH + 1], burnt[16], rate[16], left[24];
	int fill = (int)(frac * BAR_WIDTH);

	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '-', (size_t)(BAR_WIDTH - fill));
	bar[BAR_WIDTH] = '\0';
	human(burnt, sizeof(burnt), (double)p->burnt);
	human(rate, sizeof(rate), p->rate);
	eta(left, sizeof(left), p->eta_sec);
	fprintf(stderr, CLEAR_LINE "[%s] %3.0f%%  %s burnt  %s PIDs/s  ETA %s",
		bar, frac * 100, burnt, rate, left);
	fflush(stderr);
	pr->drawn = true;
}

int cli_progress_cb(const struct pidcycle_progress *p, void *arg)
{
	struct cli_progress *pr = arg;

	if (cli_sig_stop())
		return 1;
	if (pr && pr->draw)
		draw(pr, p);
	return 0;
}

void cli_progress_clear(struct cli_progress *pr)
{
	if (!pr->drawn)
		return;
	/* write(), not stdio: the exec child may call this after a raw clone. */
	if (write(STDERR_FILENO, CLEAR_LINE, sizeof(CLEAR_LINE) - 1) < 0)
		return;
	pr->drawn = false;
}
