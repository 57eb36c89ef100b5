import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import { isStandardSchema, type StandardSchemaV1, validate } from './schema.js';

describe('validate() with zod', () => {
  const schema = z.object({
    by: z.coerce.number().int(),
    name: z.string().trim().transform((s) => s.toUpperCase()),
    items: z.array(z.object({ qty: z.number().min(1) })).default([]),
  });

  it('returns the coerced and transformed value', async () => {
    const result = await validate(schema, { by: '3', name: '  ada ' });
    assert.deepEqual(result, { ok: true, value: { by: 3, name: 'ADA', items: [] } });
  });

  it('returns issues with dotted paths', async () => {
    const result = await validate(schema, { by: 'x', name: 'a', items: [{ qty: 1 }, { qty: 0 }] });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.issues.map((i) => i.path).sort(), ['by', 'items.1.qty']);
    for (const issue of result.issues) assert.ok(issue.message.length > 0);
  });

  it('gives an empty path for an issue with the value itself', async () => {
    const result = await validate(z.string(), 42);
    assert.equal(result.ok, false);
    if (!result.ok) assert.deepEqual(result.issues.map((i) => i.path), ['']);
  });

  it('awaits an async schema', async () => {
    const asyncSchema = z.object({ user: z.string().refine(async (s) => s !== 'taken', 'already taken') });
    assert.deepEqual(await validate(asyncSchema, { user: 'free' }), { ok: true, value: { user: 'free' } });
    assert.deepEqual(await validate(asyncSchema, { user: 'taken' }), {
      ok: false,
      issues: [{ path: 'user', message: 'already taken' }],
    });
  });
});

describe('validate() with valibot', () => {
  const schema = v.object({
    by: v.pipe(v.string(), v.transform(Number), v.number()),
    items: v.array(v.object({ qty: v.pipe(v.number(), v.minValue(1, 'qty must be at least 1')) })),
  });

  it('returns the transformed value', async () => {
    assert.deepEqual(await validate(schema, { by: '7', items: [{ qty: 2 }] }), {
      ok: true,
      value: { by: 7, items: [{ qty: 2 }] },
    });
  });

  it('flattens path segment objects into dotted paths', async () => {
    const result = await validate(schema, { by: '1', items: [{ qty: 3 }, { qty: 0 }] });
    assert.deepEqual(result, { ok: false, issues: [{ path: 'items.1.qty', message: 'qty must be at least 1' }] });
  });

  it('reports a wrong type at the top level with an empty path', async () => {
    const result = await validate(schema, 'nope');
    assert.equal(result.ok, false);
    if (!result.ok) assert.deepEqual(result.issues.map((i) => i.path), ['']);
  });

  it('awaits an async schema', async () => {
    const asyncSchema = v.objectAsync({
      code: v.pipeAsync(v.string(), v.checkAsync(async (s) => s === 'ok', 'bad code')),
    });
    assert.deepEqual(await validate(asyncSchema, { code: 'ok' }), { ok: true, value: { code: 'ok' } });
    assert.deepEqual(await validate(asyncSchema, { code: 'no' }), { ok: false, issues: [{ path: 'code', message: 'bad code' }] });
  });
});

describe('validate() with arktype', () => {
  const schema = type({ n: 'string.numeric.parse', items: type({ qty: 'number.integer > 0' }).array() });

  it('returns the parsed value', async () => {
    assert.deepEqual(await validate(schema, { n: '12', items: [{ qty: 1 }] }), { ok: true, value: { n: 12, items: [{ qty: 1 }] } });
  });

  it('returns issues with dotted paths', async () => {
    const result = await validate(schema, { n: 'x', items: [{ qty: 1 }, { qty: 0 }] });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.issues.map((i) => i.path).sort(), ['items.1.qty', 'n']);
    for (const issue of result.issues) assert.equal(typeof issue.message, 'string');
  });
});

describe('validate() with a hand-written Standard Schema', () => {
  function schema(validateFn: StandardSchemaV1['~standard']['validate']): StandardSchemaV1 {
    return { '~standard': { version: 1, vendor: 'test', validate: validateFn } };
  }

  it('accepts a synchronous result', async () => {
    assert.deepEqual(await validate(schema((x) => ({ value: { wrapped: x } })), 1), { ok: true, value: { wrapped: 1 } });
  });

  it('awaits a Promise result', async () => {
    const s = schema(async (x) => {
      await new Promise((resolve) => setImmediate(resolve));
      return x === 1 ? { value: 'one' } : { issues: [{ message: 'not one', path: ['a', { key: 'b' }, 2] }] };
    });
    assert.deepEqual(await validate(s, 1), { ok: true, value: 'one' });
    assert.deepEqual(await validate(s, 2), { ok: false, issues: [{ path: 'a.b.2', message: 'not one' }] });
  });

  it('treats a missing path as the value itself', async () => {
    const s = schema(() => ({ issues: [{ message: 'nope' }] }));
    assert.deepEqual(await validate(s, 0), { ok: false, issues: [{ path: '', message: 'nope' }] });
  });

  it('keeps every issue in order', async () => {
    const s = schema(() => ({ issues: [{ message: 'first', path: ['x'] }, { message: 'second', path: ['y'] }] }));
    assert.deepEqual(await validate(s, 0), {
      ok: false,
      issues: [
        { path: 'x', message: 'first' },
        { path: 'y', message: 'second' },
      ],
    });
  });
});

describe('isStandardSchema', () => {
  it('recognises zod, valibot and arktype schemas', () => {
    assert.equal(isStandardSchema(z.string()), true);
    assert.equal(isStandardSchema(v.string()), true);
    assert.equal(isStandardSchema(type('string')), true);
  });

  it('rejects other values', () => {
    for (const value of [null, undefined, true, 'string', 1, {}, [], () => true, { standard: {} }]) {
      assert.equal(isStandardSchema(value), false, JSON.stringify(value));
    }
  });
});
