// The SDK's package builds alone, from its own tsconfig (sdk/ and the model, with declarations),
// and needs no package its package.json does not name.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SDK = path.join(__dirname, '..', '..', 'sdk');

describe('sdk package', () => {
  let out: string;
  before(function () {
    this.timeout(300_000);
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-sdk-build-'));
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', SDK, '--outDir', out], { stdio: 'pipe' });
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('builds its entry point and types where package.json says', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(SDK, 'package.json'), 'utf8')) as { main: string; types: string; bin: Record<string, string> };
    const strip = (p: string) => p.replace(/^dist\//, '');
    for (const file of [pkg.main, pkg.types, ...Object.values(pkg.bin)]) assert.ok(fs.existsSync(path.join(out, strip(file))), file);
    const sdk = require(path.join(out, strip(pkg.main))) as Record<string, unknown>;
    for (const name of ['Connection', 'ApiError', 'NotFoundError', 'waitFor']) assert.equal(typeof sdk[name], 'function', name);
  });

  it('requires no package but those its package.json depends on', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(SDK, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const files = fs.readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    const required = new Set(files.flatMap((f) =>
      [...fs.readFileSync(path.join(out, f), 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)].map((m) => m[1])));
    const packages = [...required].filter((r) => !r.startsWith('node:')).map((r) => r.split('/').slice(0, r.startsWith('@') ? 2 : 1).join('/'));
    assert.deepEqual(packages.filter((p) => !(p in pkg.dependencies)), []);
  });
});
