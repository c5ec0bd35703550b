// A one-line progress bar for long runs, drawn only on a terminal (never into a pipe or a file).
export interface ProgressBar {
  update(done: number, total: number, note?: string): void;
  finish(): void;
}

const WIDTH = 30;
const EVERY_MS = 100;

export function progressBar(out: NodeJS.WriteStream, label: string): ProgressBar {
  if (!out.isTTY) return { update() {}, finish() {} };
  let drawnAt = 0;
  let drawn = false;
  return {
    update(done, total, note = '') {
      const now = Date.now();
      if (now - drawnAt < EVERY_MS) return;
      drawnAt = now;
      drawn = true;
      const share = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(share * WIDTH);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
      out.write(`\r${label} ${bar} ${(share * 100).toFixed(0).padStart(3)}% ${note}\x1b[K`);
    },
    finish() {
      if (drawn) out.write('\r\x1b[K');
    },
  };
}
