/**
 * @module
 * The Host check. A page on `evil.example` can make its own name resolve to
 * your server's address (DNS rebinding) and then talk to it as a same-origin
 * page: the browser sends `Host: evil.example` and `Origin: http://evil.example`,
 * which the cross-site check cannot tell apart from your own pages. Answering
 * only for host names the app owns closes that door, and it is what keeps a
 * development server on localhost private to its own machine.
 */
import ipaddr from 'ipaddr.js';
import { WeftError } from '../core/errors.js';

/** Checks a request's Host header value; throws 400 `bad_host` when it is not allowed. */
export type HostCheck = (host: string | undefined) => void;

/**
 * `host[:port]`, a name or an IP literal (IPv6 in brackets). No nested
 * quantifiers: the match time is linear in the header's length.
 */
const HOST = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/** A host name (or IP literal) in one spelling: lower case, no trailing dot, IPv6 bracketed and compressed. */
function canonical(name: string): string {
  let host = name.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.includes(':')) return ipaddr.IPv6.isValid(bare) ? `[${ipaddr.IPv6.parse(bare).toString()}]` : host;
  return host;
}

/** The host name of a Host header value, without the port, or undefined if it is not one. */
export function hostName(value: string): string | undefined {
  if (value.length > 300) return undefined;
  const match = HOST.exec(value);
  return match ? canonical(match[1] as string) : undefined;
}

/** localhost, its subdomains (RFC 6761: they resolve to loopback), and loopback addresses. */
export function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (ipaddr.IPv4.isValidFourPartDecimal(name)) return ipaddr.IPv4.parse(name).range() === 'loopback';
  if (name.startsWith('[') && name.endsWith(']') && ipaddr.IPv6.isValid(name.slice(1, -1))) {
    const ip = ipaddr.IPv6.parse(name.slice(1, -1));
    return ip.isIPv4MappedAddress() ? ip.toIPv4Address().range() === 'loopback' : ip.range() === 'loopback';
  }
  return false;
}

/** A predicate for one `allowedHosts` entry. */
function matcher(entry: string): (name: string) => boolean {
  if (entry === '*') return () => true;
  const subdomains = entry.startsWith('.');
  const bare = subdomains ? entry.slice(1) : entry;
  const name = bare.includes(':') && !bare.startsWith('[') ? hostName(`[${bare}]`) : hostName(bare);
  if (name === undefined || name === '' || (subdomains && name.startsWith('['))) {
    throw new TypeError(
      `allowedHosts: ${JSON.stringify(entry)} is not a host name. Use names without a scheme or port: "shop.example.com", ".example.com" (and its subdomains), "203.0.113.5", "::1", or "*".`,
    );
  }
  if (subdomains) return (host) => host === name || host.endsWith(`.${name}`);
  return (host) => host === name;
}

/**
 * Builds the Host check. `allowed` undefined means the development default:
 * localhost names and loopback addresses, any port.
 */
export function hostCheck(allowed: readonly string[] | undefined): HostCheck {
  const matchers = allowed === undefined ? [isLoopbackName] : allowed.map(matcher);
  return (value) => {
    const name = value === undefined ? undefined : hostName(value);
    if (name !== undefined && matchers.some((matches) => matches(name))) return;
    const shown = value === undefined ? 'a request without a Host header' : `Host ${JSON.stringify(value.slice(0, 100))}`;
    throw new WeftError(400, 'bad_host', `${shown} is not one of this app's hosts; if it is, add it to allowedHosts`);
  };
}
