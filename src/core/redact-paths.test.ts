import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactMessage, redactStack } from './redact-paths.js';

const roots = { project: '/srv/shop', home: '/home/ada' };

describe('redactMessage', () => {
  it('shows project paths relative and the home directory as ~', () => {
    assert.equal(
      redactMessage("ENOENT: no such file or directory, open '/srv/shop/data/x.json' (config in /home/ada/.shoprc, /srv/shop)", roots),
      "ENOENT: no such file or directory, open 'data/x.json' (config in ~/.shoprc, .)",
    );
    assert.equal(redactMessage('see file:///srv/shop/src/a.ts', roots), 'see src/a.ts');
  });

  it('leaves a message without paths alone', () => {
    assert.equal(redactMessage('kaboom: /contacts/page/2 failed', roots), 'kaboom: /contacts/page/2 failed');
  });
});

describe('redactStack', () => {
  it('makes frames in the project relative and keeps only the file name of others', () => {
    const stack = [
      'Error: kaboom',
      '    at Cart.addItem (/srv/shop/examples/shop/cart.ts:60:11)',
      '    at runEvent (file:///srv/shop/node_modules/weft/dist/core/dispatch.js:100:19)',
      '    at /srv/shop/src/x.ts:1:2',
      '    at load (/usr/lib/node_modules/tsx/dist/loader.mjs:3:4)',
      '    at C:\\Users\\ada\\app.js:5:6',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:104:5)',
    ].join('\n');
    assert.equal(
      redactStack(stack, roots),
      [
        'Error: kaboom',
        '    at Cart.addItem (examples/shop/cart.ts:60:11)',
        '    at runEvent (node_modules/weft/dist/core/dispatch.js:100:19)',
        '    at src/x.ts:1:2',
        '    at load (…/loader.mjs:3:4)',
        '    at …/app.js:5:6',
        '    at process.processTicksAndRejections (node:internal/process/task_queues:104:5)',
      ].join('\n'),
    );
  });

  it('takes linear time on a long line of slashes', () => {
    const start = performance.now();
    redactStack(`${'/'.repeat(500_000)} ${'a/'.repeat(250_000)}`, roots);
    assert.ok(performance.now() - start < 500);
  });
});
