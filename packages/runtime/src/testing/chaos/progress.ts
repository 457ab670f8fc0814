/**
 * Progress while the runs go: a bar redrawn in place on a TTY, a plain line per tenth of the
 * runs otherwise (so CI logs stay readable).
 */
export class ChaosProgress {
  private done = 0;
  private failed = 0;
  private lastTenth = -1;

  constructor(
    private readonly out: NodeJS.WritableStream | null,
    private readonly total: number,
  ) {}

  settled(ok: boolean, scenario: string): void {
    this.done++;
    if (!ok) this.failed++;
    if (!this.out) return;
    const tty = (this.out as NodeJS.WriteStream).isTTY === true;
    if (tty) {
      const width = 30;
      const filled = Math.round((this.done / this.total) * width);
      this.out.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} runs, ${this.failed} not succeeded (${scenario})  `,
      );
      if (this.done === this.total) this.out.write('\n');
      return;
    }
    const tenth = Math.floor((this.done / this.total) * 10);
    if (tenth !== this.lastTenth || this.done === this.total) {
      this.lastTenth = tenth;
      this.out.write(`chaos: ${this.done}/${this.total} runs settled, ${this.failed} not succeeded (${scenario})\n`);
    }
  }

  note(line: string): void {
    const midBar = (this.out as NodeJS.WriteStream | null)?.isTTY === true && this.done > 0 && this.done < this.total;
    this.out?.write(`${midBar ? '\n' : ''}${line}\n`);
  }
}
