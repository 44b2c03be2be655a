import type { ImportStatus } from './service.ts';

/**
 * A progress bar for the CLI on stderr: redrawn in place on a terminal, one line per 10% otherwise
 * (so logs and CI output stay readable).
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr, width = 30) {
  const tty = !!stream.isTTY;
  let lastDecile = -1;
  let lastStatus: ImportStatus | undefined;
  return {
    update(p: { status: ImportStatus; processed: number; total: number }) {
      const frac = p.total ? Math.min(1, p.processed / p.total) : 0;
      const filled = Math.round(frac * width);
      const line = `${p.status.padEnd(10)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.processed}/${p.total} ${Math.round(frac * 100)}%`;
      if (tty) stream.write(`\r${line}`);
      else {
        const decile = Math.floor(frac * 10);
        if (p.status !== lastStatus || decile !== lastDecile) stream.write(`${line}\n`);
        lastDecile = decile;
      }
      lastStatus = p.status;
    },
    done() {
      if (tty) stream.write('\n');
    },
  };
}
