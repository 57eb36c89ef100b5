import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactError, redactMessage, redactStack } from './redact-paths.js';

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

describe('redactError', () => {
  it('treats the stack\'s copy of the message like the message, and searches only the frames for paths', () => {
    const error = new Error('bad input /srv/shop/x and /etc/y');
    error.stack = [`Error: ${error.message}`, '    at run (/srv/shop/src/a.ts:1:2)', '    at load (/usr/lib/node/loader.mjs:3:4)'].join('\n');
    assert.deepEqual(redactError(error, roots), {
      message: 'bad input x and /etc/y',
      stack: ['Error: bad input x and /etc/y', '    at run (src/a.ts:1:2)', '    at load (…/loader.mjs:3:4)'].join('\n'),
    });
  });

  it('searches the whole stack when it does not start with the message', () => {
    const error = new Error('kaboom');
    error.stack = 'Custom trace\n    at /usr/lib/x.js:1:1';
    assert.equal(redactError(error, roots).stack, 'Custom trace\n    at …/x.js:1:1');
  });

  it('reads a message of a million slashes once, not as a million paths', () => {
    const error = new Error(`not a value: ${'/ '.repeat(500_000)}`);
    const start = performance.now();
    const { stack } = redactError(error, roots);
    assert.ok(performance.now() - start < 200);
    assert.ok(stack?.startsWith(`Error: ${error.message}`));
  });
});
