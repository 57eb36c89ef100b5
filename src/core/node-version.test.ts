import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkNodeVersion } from './node-version.js';

describe('checkNodeVersion', () => {
  it('accepts Node.js 22.12 and newer', () => {
    for (const version of ['22.12.0', 'v22.12.0', '22.13.1', '23.0.0', '24.21.0', '30.1.2']) {
      assert.doesNotThrow(() => checkNodeVersion(version), version);
    }
  });

  it('refuses older versions, saying what is needed and how to get it', () => {
    for (const version of ['22.11.9', '22.0.0', '20.20.2', 'v18.19.0', '0.12.7', 'garbage']) {
      assert.throws(
        () => checkNodeVersion(version),
        (err: unknown) => {
          assert.ok(err instanceof Error);
          assert.ok(err.message.includes(`this is Node.js ${version}`), err.message);
          assert.match(err.message, /needs Node\.js >= 22\.12/);
          assert.match(err.message, /nvm install 24/);
          assert.match(err.message, /npm i -D node@24/);
          return true;
        },
        version,
      );
    }
  });

  it('runs when weft is imported, before anything else can fail', () => {
    const script = "Object.defineProperty(process.versions, 'node', { value: '20.1.0' }); await import('weft');";
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=weft-source', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      encoding: 'utf8',
    });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /Error: Weft needs Node\.js >= 22\.12, but this is Node\.js 20\.1\.0/);
  });

  it('passes on the Node.js running these tests', () => {
    assert.doesNotThrow(() => checkNodeVersion());
  });
});
