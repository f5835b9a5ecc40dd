import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

/**
 * The real public datasets: `ENCORE_DATASETS`, else `../shared/datasets` beside the repository
 * (where CI has them). null when absent: tests that need them are skipped and say so.
 */
export const sharedDatasets: string | null = (() => {
  const candidate = process.env.ENCORE_DATASETS ?? resolve(repoRoot, '..', 'shared', 'datasets');
  return existsSync(candidate) ? candidate : null;
})();

export const SKIP_NO_DATASETS = 'skipped: ../shared/datasets not found (set ENCORE_DATASETS to run)';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `encore` command (npm test builds first) and collects its output. */
export function runCli(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<CliRun> {
  const bin = resolve(repoRoot, 'packages/cli/bin/encore.js');
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: repoRoot, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** A running `encore` command: its process, and its output once it exits (signal: what ended it, if one did). */
export interface StartedCli {
  readonly child: ChildProcess;
  readonly done: Promise<CliRun & { readonly signal: NodeJS.Signals | null }>;
}

/** Starts the built `encore` command without waiting for it, e.g. to interrupt it. */
export function startCli(args: readonly string[]): StartedCli {
  const bin = resolve(repoRoot, 'packages/cli/bin/encore.js');
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<CliRun & { readonly signal: NodeJS.Signals | null }>((resolveRun) => {
    child.on('close', (code, signal) => resolveRun({ code: code ?? 1, signal, stdout, stderr }));
  });
  return { child, done };
}
