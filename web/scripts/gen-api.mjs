#!/usr/bin/env node
/**
 * Regenerates src/api/schema.gen.ts, the TypeScript types of the Keyi API, from the server's own
 * OpenAPI document (`keyi openapi`), with openapi-typescript. The generated file is committed;
 * src/api/types.ts names what the app uses from it.
 *
 *   npm run gen:api                          regenerate (runs ../.venv/bin/keyi, or $KEYI)
 *   npm run gen:api -- --check               exit 1 if the committed file is stale
 *   npm run gen:api -- --input openapi.json  use a document written elsewhere
 *
 * tests/unit/test_api_types.py runs the check, so a route change that is not regenerated fails
 * the test suite.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(web, 'src', 'api', 'schema.gen.ts');
const args = process.argv.slice(2);
const check = args.includes('--check');
const inputAt = args.indexOf('--input');

const scratch = mkdtempSync(join(tmpdir(), 'keyi-openapi-'));
try {
  let input;
  if (inputAt >= 0) {
    input = resolve(args[inputAt + 1]);
  } else {
    const keyi = process.env.KEYI ?? join(web, '..', '.venv', 'bin', 'keyi');
    input = join(scratch, 'openapi.json');
    writeFileSync(input, execFileSync(keyi, ['openapi'], { maxBuffer: 64 * 1024 * 1024 }));
  }
  const cli = join(web, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
  // No --enum-values: its runtime lists index maps (additionalProperties) wrongly and do not
  // compile; src/api/types.ts spells FIELD_TYPES out and the type checker proves it complete.
  // --default-non-nullable=false: a property with a default is optional, as in the bodies the
  // app sends (the answers do carry it; code reading one handles its absence).
  const flags = ['--default-non-nullable=false', '--output', output, ...(check ? ['--check'] : [])];
  execFileSync(process.execPath, [cli, input, ...flags], { stdio: 'inherit', cwd: web });
} catch (err) {
  process.exitCode = typeof err.status === 'number' && err.status > 0 ? err.status : 1;
  if (err.status === undefined) console.error(err.message);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
