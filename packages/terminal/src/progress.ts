const WIDTH = 20;

/**
 * A progress bar on stderr: `[#####-----] 45% 9,000/20,000 patients 1,234/s`. On a terminal it redraws one
 * line at most five times a second; otherwise it prints a line at every tenth of the way.
 */
export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #started = performance.now();
  readonly #isTty: boolean;
  #lastDraw = 0;
  #lastTenth = -1;
  #done = 0;

  /** `quiet`: draw nothing unless stderr is a terminal (a server's start-up, whose stderr may be a log). */
  readonly #quiet: boolean;

  constructor(label: string, total: number, options: { quiet?: boolean } = {}) {
    this.#label = label;
    this.#total = Math.max(1, total);
    this.#isTty = Boolean(process.stderr.isTTY);
    this.#quiet = Boolean(options.quiet) && !this.#isTty;
  }

  /** Seconds since the bar was made. */
  get elapsedSeconds(): number {
    return (performance.now() - this.#started) / 1000;
  }

  update(done: number) {
    this.#done = done;
    const now = performance.now();
    const tenth = Math.floor((done / this.#total) * 10);
    if (this.#isTty ? now - this.#lastDraw < 200 && done < this.#total : tenth === this.#lastTenth) return;
    this.#lastDraw = now;
    this.#lastTenth = tenth;
    this.#draw(false);
  }

  finish() {
    this.#draw(true);
  }

  #draw(final: boolean) {
    if (this.#quiet) return;
    const fraction = Math.min(1, this.#done / this.#total);
    const filled = Math.round(fraction * WIDTH);
    const rate = this.#done / Math.max(0.001, this.elapsedSeconds);
    const line =
      `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ` +
      `${formatInt(this.#done)}/${formatInt(this.#total)} ${this.#label} ${formatInt(rate)}/s`;
    if (this.#isTty) process.stderr.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  }
}

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-GB');
}

/** One line of narration on stderr, so that stdout holds only the figures. */
export function say(text: string) {
  process.stderr.write(`${text}\n`);
}
