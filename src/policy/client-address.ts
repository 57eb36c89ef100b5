/**
 * @module
 * Who is on the other end of a request: the client's address and the scheme
 * (http or https) its browser used. Behind a reverse proxy or load balancer the
 * socket belongs to the proxy, so the app says how far to trust the
 * `X-Forwarded-*` headers the proxies add — and nothing else ever reads them, so
 * a client cannot pick its own address by sending the header itself.
 *
 * Runtime-neutral (a socket address and headers in, strings out): every
 * transport keys its limits by the same address.
 */
import ipaddr from 'ipaddr.js';
import type { RequestInfo } from '../core/component.js';

/**
 * How the client address is found (the `clientAddress` option):
 *
 * - not set (the default): the socket's address. Right when browsers connect
 *   to the app directly; `X-Forwarded-For` is ignored, so a client cannot choose
 *   its own address by sending it.
 * - `{ trustedProxies: n }`: the app is reached only through `n` proxies, each
 *   appending the address it saw to `X-Forwarded-For`; the client is the entry
 *   `n` from the right. `X-Forwarded-Proto` is read the same way.
 * - a function: your platform's own rule, e.g.
 *   `(request) => request.headers['fly-client-ip'] ?? request.ip`. It gets the
 *   request with `ip` set to the socket's address. `X-Forwarded-Proto` is then
 *   trusted as the nearest proxy set it (its last entry).
 */
export type ClientAddressOption = { trustedProxies: number } | ((request: RequestInfo) => string);

export interface ClientResolver {
  /** The client's address (the socket address unless proxies are trusted). */
  address(request: RequestInfo): string;
  /** `http` or `https`: the scheme the browser used to reach the app. */
  scheme(request: RequestInfo): 'http' | 'https';
}

/** Longer than any IPv6 text with a zone; anything longer is not an address. */
const MAX_ADDRESS_LENGTH = 64;

/** The entries of a comma-separated forwarding header, trimmed, empty ones dropped. */
function entries(header: string | undefined): string[] {
  if (header === undefined) return [];
  const out: string[] = [];
  for (const part of header.split(',')) {
    const entry = part.trim();
    if (entry !== '') out.push(entry);
  }
  return out;
}

/**
 * The entry `hops` from the right: the value the outermost trusted proxy wrote.
 * With fewer entries than trusted proxies, the leftmost is the best there is.
 */
function hop(list: readonly string[], hops: number): string | undefined {
  if (list.length === 0) return undefined;
  return list[Math.max(0, list.length - hops)];
}

/**
 * An address as it may appear in `X-Forwarded-For` (`1.2.3.4`, `1.2.3.4:5678`,
 * `2001:db8::1`, `[2001:db8::1]:443`) → the bare address, or undefined when it is
 * not one (`unknown`, an obfuscated identifier, garbage).
 */
export function parseForwardedAddress(entry: string): string | undefined {
  if (entry.length > MAX_ADDRESS_LENGTH) return undefined;
  let text = entry;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end === -1) return undefined;
    text = text.slice(1, end);
  } else if (text.indexOf(':') !== -1 && text.indexOf(':') === text.lastIndexOf(':')) {
    // One colon: IPv4 with a port.
    text = text.slice(0, text.indexOf(':'));
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text)) return text;
  return undefined;
}

function schemeOf(value: string | undefined): 'http' | 'https' | undefined {
  const lower = value?.toLowerCase();
  return lower === 'https' || lower === 'http' ? lower : undefined;
}

/** Builds the resolver for the app's `clientAddress` option. */
export function clientResolver(option: ClientAddressOption | undefined): ClientResolver {
  const own = (request: RequestInfo): 'http' | 'https' => (request.url.protocol === 'https:' ? 'https' : 'http');
  if (option === undefined) return { address: (request) => request.ip, scheme: own };
  if (typeof option === 'function') {
    return {
      address(request) {
        const found = option(request);
        return typeof found === 'string' && found !== '' ? found : request.ip;
      },
      scheme: (request) => schemeOf(entries(request.headers['x-forwarded-proto']).at(-1)) ?? own(request),
    };
  }
  const hops = option.trustedProxies;
  if (!Number.isInteger(hops) || hops < 0) {
    throw new TypeError(`clientAddress.trustedProxies must be a whole number of proxies, not ${String(hops)}`);
  }
  if (hops === 0) return { address: (request) => request.ip, scheme: own };
  return {
    address(request) {
      const entry = hop(entries(request.headers['x-forwarded-for']), hops);
      return (entry !== undefined && parseForwardedAddress(entry)) || request.ip;
    },
    scheme: (request) => schemeOf(hop(entries(request.headers['x-forwarded-proto']), hops)) ?? own(request),
  };
}

/**
 * The key a client is counted under by throttles and rate limits. An IPv6 user
 * is normally given a whole /64, so an address from it counts as the /64 (else
 * rotating through it would dodge every limit); an IPv4-mapped IPv6 address
 * counts as its IPv4 address. Anything that is not an address is its own key.
 */
export function clientKey(address: string): string {
  if (address.length > MAX_ADDRESS_LENGTH) return address;
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return address;
  if (!ipaddr.IPv6.isValid(address)) return address;
  const ip = ipaddr.IPv6.parse(address);
  if (ip.isIPv4MappedAddress()) return ip.toIPv4Address().toString();
  const prefix = new ipaddr.IPv6([...ip.parts.slice(0, 4), 0, 0, 0, 0]);
  return `${prefix.toString()}/64`;
}
