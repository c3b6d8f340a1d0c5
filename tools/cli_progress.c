/* cli_progress.c - progress callback for the CLI: cancellation and a one-line bar on stderr. */
#include "cli_progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli_signal.h"

#define BAR_WIDTH 24	/* at most; less on a narrow terminal */
#define BAR_MIN 4	/* a shorter bar says nothing: leave it out */
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

/* The terminal's width: stderr's window, else $COLUMNS, else 80. */
static int term_width(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	long v;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	v = env ? strtol(env, NULL, 10) : 0;
	return v > 0 && v < 10000 ? (int)v : 80;
}

/* Append "  part" to line if it still fits in width. */
static void add_part(char *line, size_t size, int width, const char *part)
{
	size_t len = strlen(line), add = strlen(part) + 2;

	if (len + add <= (size_t)width && len + add < size)
		snprintf(line + len, size - len, "  %s", part);
}

void cli_progress_line(char *buf, size_t n, int cols,
		       const struct pidcycle_progress *p)
{
	double total = (double)p->burnt + (double)p->remaining;
	double frac = total > 0 ? (double)p->burnt / total : 0;
	/* The last column stays empty: some terminals wrap as it fills. */
	int width = cols > 1 ? cols - 1 : 1, inner, fill, pct;
	char text[128], part[48], num[24], bar[BAR_WIDTH + 1];

	/* 100% only once it is over, and then the line is erased. */
	pct = (int)floor(frac * 100);
	snprintf(text, sizeof(text), "%3d%%", pct > 99 ? 99 : pct < 0 ? 0 : pct);
	/* Fixed widths, so that the layout stays put from one redraw to the next. */
	human(num, sizeof(num), (double)p->burnt);
	snprintf(part, sizeof(part), "%6s burnt", num);
	add_part(text, sizeof(text), width, part);
	human(num, sizeof(num), p->rate);
	snprintf(part, sizeof(part), "%6s PIDs/s", num);
	add_part(text, sizeof(text), width, part);
	eta(num, sizeof(num), p->eta_sec);
	snprintf(part, sizeof(part), "ETA %5s", num);
	add_part(text, sizeof(text), width, part);
	inner = width - (int)strlen(text) - 3;	/* "[", "] " */
	if (inner > BAR_WIDTH)
		inner = BAR_WIDTH;
	if (inner < BAR_MIN) {
		snprintf(buf, n, "%.*s", width, text);
		return;
	}
	fill = (int)floor(frac * inner);
	if (fill >= inner)
		fill = inner - 1;
	if (fill < 0)
		fill = 0;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '-', (size_t)(inner - fill));
	bar[inner] = '\0';
	snprintf(buf, n, "[%s] %s", bar, text);
}

static void draw(struct cli_progress *pr, const struct pidcycle_progress *p)
{
	char line[160];

	cli_progress_line(line, sizeof(line), term_width(), p);
	fprintf(stderr, CLEAR_LINE "%s", line);
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
