/**
 * Server scripts run in processes of their own, as separate machines would run
 * them: started with Node and tsx's loader, found listening when they print
 * `{"port":n}`, and stopped for sure at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** A server process, the base URL it listens on, and what it has printed. */
export interface ServerProcess {
  name: string;
  child: ChildProcess;
  base: string;
  output: () => string;
}

/**
 * Starts `script` (a path) with `env` added to this process's environment, and
 * waits until it prints its port. Its stdin is a pipe: the script exits when it
 * closes (so it cannot outlive the test), and may read commands from it.
 * `children` collects the process, for {@link stopProcess} in an `after` hook.
 */
export function startServerProcess(script: string, name: string, env: Record<string, string>, children: ChildProcess[]): Promise<ServerProcess> {
  // Node itself with tsx's loader, not the tsx command: that one runs the
  // script in a second process of its own, which a kill of the first would leave behind.
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=weft-source', script], {
    env: { ...process.env, PORT: '0', NODE_ENV: 'development', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server ${name} did not start within 60 s:\n${out}`)), 60_000);
    const onData = () => {
      const m = /\{"port":(\d+)\}/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({ name, child, base: `http://127.0.0.1:${m[1]}`, output: () => out });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server ${name} exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}

/** Ends a child process: SIGTERM, then SIGKILL if it has not exited within 3 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(killer);
}
