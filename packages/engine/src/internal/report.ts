import type { EvalResult } from '../commands/evaluate.js';

const n = (x: number): string => x.toLocaleString('en-US');
const f = (x: number): string => x.toFixed(4);

/** The readable table `encore eval` prints without `--json`. */
export function formatEvalReport(r: EvalResult): string {
  const m = r.metrics;
  const lines = [
    `dataset     ${r.dataset.path} (${r.dataset.format}; ${r.dataset.events.join(', ')})`,
    `            ${n(r.dataset.users)} users, ${n(r.dataset.items)} items, ${n(r.dataset.interactions)} interactions; ` +
      `${n(r.dataset.rejected)} lines rejected, ${n(r.dataset.skipped)} skipped`,
    `split       ${r.split.kind} ${r.split.ratio}, seed ${r.split.seed}: ${n(r.split.train)} train / ${n(r.split.test)} test`,
    `algorithm   ${r.algorithm.name} ${JSON.stringify(r.algorithm.params)}`,
    '',
    `${`metric@${r.k}`.padEnd(12)}value`,
    ...(
      [
        ['precision', m.precision],
        ['recall', m.recall],
        ['ndcg', m.ndcg],
        ['map', m.map],
        ['mapAtK', m.mapAtK],
        ['hitRate', m.hitRate],
        ['coverage', m.coverage],
      ] as const
    ).map(([name, value]) => `${name.padEnd(12)}${f(value)}`),
    '',
    `users       ${n(r.evaluatedUsers)} evaluated`,
    `timings     load ${r.timings.loadSeconds.toFixed(2)}s, train ${r.timings.trainSeconds.toFixed(2)}s, ` +
      `recommend ${r.timings.recommendSeconds.toFixed(2)}s`,
    `machine     ${r.environment.cpu}, ${r.environment.threads} threads, node ${r.environment.node}`,
  ];
  if (r.grid !== undefined) {
    lines.push(
      '',
      `grid search (validation split of train: ${n(r.grid.validation.train)} / ${n(r.grid.validation.test)}), best first:`,
    );
    for (const p of r.grid.points) {
      lines.push(
        `  ${JSON.stringify(p.params).padEnd(48)} nDCG@${r.k} ${f(p.metrics.ndcg)}  precision ${f(p.metrics.precision)}`,
      );
    }
  }
  if (r.rejectedSamples.length > 0) {
    lines.push('', 'rejected lines (first ones):');
    for (const s of r.rejectedSamples) lines.push(`  line ${s.line}: ${s.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
