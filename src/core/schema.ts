/**
 * @module
 * Validation through Standard Schema (https://standardschema.dev), so zod, valibot,
 * arktype and any other compliant library work without an adapter.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';

export type { StandardSchemaV1 };

/** One failed field: `path` is dotted (`items.0.qty`), empty for the value itself. */
export interface FieldIssue {
  path: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

function segment(key: PropertyKey | StandardSchemaV1.PathSegment): string {
  return String(typeof key === 'object' ? key.key : key);
}

/** Runs a Standard Schema (sync or async) and normalises its issues. */
export async function validate<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
): Promise<Validation<StandardSchemaV1.InferOutput<S>>> {
  let result = schema['~standard'].validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues) {
    return {
      ok: false,
      issues: result.issues.map((issue) => ({
        path: (issue.path ?? []).map(segment).join('.'),
        message: issue.message,
      })),
    };
  }
  return { ok: true, value: result.value as StandardSchemaV1.InferOutput<S> };
}

export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    '~standard' in value
  );
}
