/**
 * The type-level tests in test/types/ must keep meaning something: each file
 * compiles cleanly as it is, and with its `@ts-expect-error` comments removed
 * every line they marked fails to compile (and no other line does). Run through
 * the TypeScript compiler API, so it holds even if a file drops out of a
 * tsconfig. Also checks that editors suggest event names and Weft's error codes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

/** The projects under test: a tsconfig and the type-test files it checks. */
const projects = [
  { name: 'events', config: join(repo, 'tsconfig.json'), files: [join(here, 'events.ts')] },
  { name: 'locals', config: join(here, 'locals/tsconfig.json'), files: [join(here, 'locals/app.ts')] },
];

const MARKER = /^\s*\/\/ @ts-expect-error\b/;

function options(config: string): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(config, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${config}`);
  return { ...parsed.options, noEmit: true };
}

/** Blanks the marker lines (so line numbers stay) and returns the lines they marked (0-based). */
function stripMarkers(text: string): { text: string; marked: Set<number> } {
  const lines = text.split('\n');
  const marked = new Set<number>();
  lines.forEach((line, i) => {
    if (!MARKER.test(line)) return;
    lines[i] = '';
    let next = i + 1;
    while (next < lines.length && (lines[next] as string).trim() === '') next++;
    marked.add(next);
  });
  return { text: lines.join('\n'), marked };
}

/** Parsed files on disk, shared by the programs below (parsing the libraries once saves seconds). */
const parsed = new Map<string, ts.SourceFile | undefined>();

/** Compiles `files` with `options`, serving `override` texts in place of the files on disk. */
function diagnostics(files: string[], opts: ts.CompilerOptions, override: Map<string, string> = new Map()): readonly ts.Diagnostic[] {
  const host = ts.createCompilerHost(opts, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = override.get(resolve(fileName));
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    const key = `${fileName}\0${JSON.stringify(languageVersion)}`;
    if (!parsed.has(key)) parsed.set(key, getSourceFile(fileName, languageVersion, onError, shouldCreate));
    return parsed.get(key);
  };
  return ts.getPreEmitDiagnostics(ts.createProgram(files, opts, host));
}

function describeAll(list: readonly ts.Diagnostic[]): string {
  return list
    .map((d) => {
      const where = d.file && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    })
    .join('\n');
}

describe('type-level tests (test/types)', () => {
  for (const project of projects) {
    describe(project.name, () => {
      const opts = options(project.config);

      it('compiles as written (Weft\'s own sources included)', () => {
        const found = diagnostics(project.files, opts);
        assert.equal(found.length, 0, describeAll(found));
      });

      it('fails on every marked line, and only there, once the @ts-expect-error comments are gone', () => {
        const override = new Map<string, string>();
        const marked = new Map<string, Set<number>>();
        for (const file of project.files) {
          const stripped = stripMarkers(readFileSync(file, 'utf8'));
          assert.ok(stripped.marked.size > 0, `${file} has no @ts-expect-error lines`);
          override.set(resolve(file), stripped.text);
          marked.set(resolve(file), stripped.marked);
        }
        const found = diagnostics(project.files, opts, override);
        const failing = new Map<string, Set<number>>();
        for (const d of found) {
          assert.ok(d.file && d.start !== undefined, `an error outside the type tests: ${describeAll([d])}`);
          const file = resolve(d.file.fileName);
          const line = d.file.getLineAndCharacterOfPosition(d.start).line;
          assert.ok(marked.get(file)?.has(line), `unexpected error on an unmarked line: ${describeAll([d])}`);
          if (!failing.has(file)) failing.set(file, new Set());
          failing.get(file)?.add(line);
        }
        for (const [file, lines] of marked) {
          const missing = [...lines].filter((line) => !failing.get(file)?.has(line)).map((line) => line + 1);
          assert.deepEqual(missing, [], `${file}: these marked lines compile without their @ts-expect-error`);
        }
      });
    });
  }

  it('suggests the component\'s handlers in on() and Weft\'s codes in new WeftError()', () => {
    const file = join(here, '__completions.ts');
    const text = [
      "import { Component, html, WeftError } from 'weft';",
      'export class Clicker extends Component<{ n: number }> {',
      '  static override events = { increment: true };',
      '  mount() { return { n: 0 }; }',
      '  increment() { this.state.n++; }',
      "  override render() { return html`${this.on('')}`; }",
      '}',
      "export const refusal = new WeftError(400, '', 'x');",
    ].join('\n');
    const opts = options(join(repo, 'tsconfig.json'));
    const service = ts.createLanguageService({
      getScriptFileNames: () => [file],
      getScriptVersion: () => '1',
      getScriptSnapshot: (name) => {
        if (name === file) return ts.ScriptSnapshot.fromString(text);
        return ts.sys.fileExists(name) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(name) ?? '') : undefined;
      },
      getCurrentDirectory: () => repo,
      getCompilationSettings: () => opts,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (name) => name === file || ts.sys.fileExists(name),
      readFile: (name) => (name === file ? text : ts.sys.readFile(name)),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    });
    const suggestions = (after: string): string[] =>
      service.getCompletionsAtPosition(file, text.indexOf(after) + after.length, {})?.entries.map((e) => e.name) ?? [];
    assert.ok(suggestions("this.on('").includes('increment'), 'on() suggests the handler');
    const codes = suggestions("WeftError(400, '");
    for (const code of ['bad_request', 'invalid_payload', 'unknown_event']) assert.ok(codes.includes(code), code);
  });
});
