// Imports point one way: the API and the services run without the image proxy's code, which only
// the composition root (main.ts) wires in. Read from the compiled modules: what is checked is what runs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const DIST = path.join(__dirname, '..');

/** The compiled modules under `dir`, relative to dist (`services/store/repo.js`). */
function modulesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(DIST, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => path.join(dir, f));
}

/** The modules of ours that `module` requires, relative to dist. */
function requiresOf(module: string): string[] {
  const text = fs.readFileSync(path.join(DIST, module), 'utf8');
  return [...text.matchAll(/require\(["'](\.\.?\/[^"']+)["']\)/g)].map((m) => {
    const target = path.relative(DIST, path.resolve(DIST, path.dirname(module), m[1]));
    return fs.existsSync(path.join(DIST, `${target}.js`)) ? `${target}.js` : path.join(target, 'index.js');
  });
}

/** For each module `from` reaches through its imports, the chain of imports that leads there. */
function reachedFrom(from: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[from, [from]]]);
  const queue = [from];
  for (let module = queue.shift(); module !== undefined; module = queue.shift()) {
    for (const next of requiresOf(module)) {
      if (chains.has(next)) continue;
      chains.set(next, [...chains.get(module)!, next]);
      queue.push(next);
    }
  }
  return chains;
}

/** The import chains by which modules under `dirs` step into a module under `forbidden`. */
function crossings(dirs: string[], forbidden: string): string[] {
  return dirs.flatMap(modulesUnder).flatMap((module) =>
    [...reachedFrom(module).values()]
      .filter((chain) => chain[chain.length - 1].startsWith(forbidden) && !chain[chain.length - 2].startsWith(forbidden))
      .map((chain) => chain.join(' → ')));
}

describe('layering', () => {
  it('sees the composition root wire the image proxy in', () => {
    assert.ok(reachedFrom('main.js').has(path.join('proxy', 'server.js')));
  });

  it('keeps the API and the services free of the image proxy', () => {
    assert.deepEqual(crossings(['api', 'services'], `proxy${path.sep}`), []);
  });

  it('keeps the host agent to the model alone, and the engine free of the agent', () => {
    for (const part of ['services', 'sso', 'api', 'proxy']) assert.deepEqual(crossings(['agent'], `${part}${path.sep}`), [], part);
    assert.deepEqual(crossings(['api', 'services', 'sso', 'proxy'], `agent${path.sep}`), []);
  });

  it('keeps the SDK to the model alone', () => {
    for (const part of ['services', 'sso', 'api', 'proxy', 'agent']) assert.deepEqual(crossings(['sdk'], `${part}${path.sep}`), [], part);
  });
});
