/**
 * @module
 * Weft needs Node.js 22.12 or newer. npm only warns about the `engines` field,
 * so on an older Node an app would start and then fail somewhere unrelated; this
 * check runs when `weft` is imported and says what to install instead.
 */

/** The oldest Node.js Weft runs on, as [major, minor]. */
export const MIN_NODE: readonly [number, number] = [22, 12];

/**
 * Throws an Error explaining how to get a newer Node.js when `version` (default:
 * the running one, `process.versions.node`) is older than {@link MIN_NODE}.
 */
export function checkNodeVersion(version: string = process.versions.node): void {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const [minMajor, minMinor] = MIN_NODE;
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return;
  throw new Error(
    `Weft needs Node.js >= ${minMajor}.${minMinor}, but this is Node.js ${version}. ` +
      'Install a newer one: with nvm, `nvm install 24 && nvm use 24`; or from https://nodejs.org. ' +
      'To pin it for a project, `npm i -D node@24` makes its npm scripts run on Node.js 24.',
  );
}

checkNodeVersion();
