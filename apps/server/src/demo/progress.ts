/** A one-line progress bar on stderr for long work at start-up; silent when stderr is not a terminal. */
export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  const interactive = Boolean(stream.isTTY);
  let last = 0;
  return {
    update(done: number, unit: string) {
      const now = Date.now();
      if (!interactive || (now - last < 100 && done < total)) return;
      last = now;
      const width = 30;
      const filled = Math.round((done / total) * width);
      const rate = done / Math.max((now - started) / 1000, 0.001);
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round((done / total) * 100)}% ${done}/${total} ${unit} ${Math.round(rate)}/s`,
      );
    },
    finish(message: string) {
      if (interactive) stream.write('\r\x1b[2K');
      stream.write(`${message}\n`);
    },
  };
}
