// Compiles each assembly/<name>.ts (AssemblyScript) into wasm/<name>.wasm: SIMD, no runtime heap,
// no data segment, importing one shared memory (env.memory) that the caller lays out and shares
// between worker threads (see src/internal/wasm.ts).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const asc = createRequire(import.meta.url).resolve('assemblyscript/bin/asc.js');
for (const file of readdirSync(new URL('./assembly/', import.meta.url))) {
  if (!file.endsWith('.ts')) continue;
  const name = file.slice(0, -3);
  execFileSync(
    process.execPath,
    [
      asc,
      `assembly/${file}`,
      '--outFile',
      `wasm/${name}.wasm`,
      '-O3',
      '--noAssert',
      '--runtime',
      'stub',
      '--importMemory',
      '--sharedMemory',
      '--initialMemory',
      '1',
      '--maximumMemory',
      '65536',
      '--noExportMemory',
      '--enable',
      'simd',
      '--enable',
      'threads',
    ],
    { cwd: new URL('.', import.meta.url), stdio: 'inherit' },
  );
}
