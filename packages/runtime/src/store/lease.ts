/**
 * The right to execute a run. `epoch` goes up by one on every claim; a write carrying an older
 * epoch (or another owner) is refused, so a worker that lost the run can never commit.
 */
export interface Lease {
  runId: string;
  owner: string;
  epoch: number;
}
