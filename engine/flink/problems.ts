// What does not carry over to Flink, per node. `differs`: exported with the nearest Flink equivalent, which
// behaves differently in the way the message says; `unsupported`: the node (and what depends on it) is
// left out of the script. Either way the user sees it before submitting: nothing changes meaning silently.

export type FlinkProblemSeverity = 'differs' | 'unsupported';

export interface FlinkProblem {
  /** Node id the problem belongs to; '' for the pipeline as a whole. */
  node: string;
  severity: FlinkProblemSeverity;
  /** What the engine does that Flink will not. */
  message: string;
  /** The nearest Flink equivalent used (differs) or available (unsupported). */
  flink: string;
}

export class Problems {
  readonly list: FlinkProblem[] = [];

  differs(node: string, message: string, flink: string): void {
    this.list.push({ node, severity: 'differs', message, flink });
  }

  unsupported(node: string, message: string, flink: string): void {
    this.list.push({ node, severity: 'unsupported', message, flink });
  }
}
