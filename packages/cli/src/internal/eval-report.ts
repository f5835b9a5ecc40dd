import type { EvalResult } from '@encore/jobs';
import { count } from './output.js';

const f = (x: number): string => x.toFixed(4);

/** The readable report `encore eval` prints without `--json`: dataset, split, metrics, timings, grid, rejections. */
export function formatEvalReport(r: EvalResult): string {
  const m = r.metrics;
  const lines = [
    `dataset     ${r.dataset.path} (${r.dataset.format}; ${r.dataset.events.join(', ')})`,
    `            ${count(r.dataset.users)} users, ${count(r.dataset.items)} items, ${count(r.dataset.interactions)} interactions; ` +
      `${count(r.dataset.rejected)} lines rejected, ${count(r.dataset.skipped)} skipped`,
    `split       ${r.split.kind} ${r.split.ratio}, seed ${r.split.seed}: ${count(r.split.train)} train / ${count(r.split.test)} test` +
      (r.includeSeen ? ', seen items kept in the lists' : ''),
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
    `users       ${count(r.evaluatedUsers)} evaluated`,
    `timings     load ${r.timings.loadSeconds.toFixed(2)}s, train ${r.timings.trainSeconds.toFixed(2)}s, ` +
      `recommend ${r.timings.recommendSeconds.toFixed(2)}s`,
    `machine     ${r.environment.cpu}, ${r.environment.threads} threads, node ${r.environment.node}`,
  ];
  if (r.grid !== undefined) {
    lines.push(
      '',
      `grid search (validation split of train: ${count(r.grid.validation.train)} / ${count(r.grid.validation.test)}), best first:`,
    );
    for (const p of r.grid.points) {
      lines.push(
        `  ${JSON.stringify(p.params).padEnd(48)} nDCG@${r.k} ${f(p.metrics.ndcg)}  precision ${f(p.metrics.precision)}`,
      );
    }
  }
  for (const warning of r.warnings) lines.push('', `warning: ${warning}`);
  if (r.rejectedSamples.length > 0) {
    lines.push('', 'rejected lines (first ones):');
    for (const s of r.rejectedSamples) lines.push(`  line ${s.line}: ${s.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
