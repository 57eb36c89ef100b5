/**
 * Every regular expression in the server's source (src/**, except tests and the
 * browser client), and what keeps it from being a denial-of-service hole.
 *
 * A regex that can see text from a request must be covered by a case in
 * redos.test.ts that feeds it worst-case text of the maximum body size: `covered`
 * names that case. A regex that never sees request text says why instead:
 * `covered: 'not request-controlled: <why>'`.
 *
 * `regex` is the expression exactly as written in the file: a literal with its
 * flags (`/a+/g`), or a whole `new RegExp(…)` / `RegExp(…)` call, or a
 * `.match("…")` / `.matchAll("…")` / `.search("…")` call on a string, which builds
 * a RegExp from it; runs of white space count as one space. The guard test in
 * redos.test.ts prints the entry to paste for a regex missing here.
 */
export interface RegexEntry {
  file: string;
  regex: string;
  covered: string;
}

export const REGEX_INVENTORY: readonly RegexEntry[] = [
  // Event requests (src/transport/http.ts)
  { file: 'src/transport/http.ts', regex: '/^[A-Za-z0-9_-]{12}$/', covered: 'children digests' },
  { file: 'src/transport/http.ts', regex: "new RegExp(`^${weft.basePath.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&')}/([^/]+)/?$`)", covered: 'event path' },
  { file: 'src/transport/http.ts', regex: '/[.*+?^${}()|[\\]\\\\]/g', covered: 'not request-controlled: escapes the basePath option once, when the handler is created' },

  // Names and keys (src/core)
  { file: 'src/core/registry.ts', regex: '/^[a-z][a-z0-9_-]{0,63}$/', covered: 'component names' },
  { file: 'src/core/registry.ts', regex: '/^[a-z][a-z0-9-]*$/', covered: "not request-controlled: checks a class's static tagName when it is registered" },
  { file: 'src/core/component.ts', regex: '/^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/', covered: 'event names' },
  { file: 'src/core/render-record.ts', regex: '/^[A-Za-z0-9][A-Za-z0-9_]{0,63}$/', covered: 'child keys' },
  {
    file: 'src/core/registry.ts',
    regex: '/([a-z0-9])([A-Z])/g',
    covered: 'not request-controlled: turns a class name into the component name an error message suggests',
  },
  {
    file: 'src/core/registry.ts',
    regex: '/[^a-z0-9_-]/g',
    covered: 'not request-controlled: turns a class name into the component name an error message suggests',
  },

  // Rendering (src/core)
  { file: 'src/core/html.ts', regex: '/[&<>"\']/', covered: 'escaped text' },
  { file: 'src/core/html.ts', regex: '/^[A-Za-z_:@][A-Za-z0-9_.:@-]*$/', covered: 'attribute names' },
  { file: 'src/core/html.ts', regex: '/^[A-Za-z][A-Za-z0-9-]*$/', covered: 'tag names' },
  { file: 'src/core/html.ts', regex: "/[&<>\"'=`\\t\\n\\f\\r ]/", covered: 'unquoted attribute values' },

  // Errors shown in development (src/core/redact-paths.ts): a thrown message may quote request text.
  {
    file: 'src/core/redact-paths.ts',
    regex: "/(?<![^\\s()'\"])(?:\\/|file:\\/\\/|[A-Za-z]:[\\\\/])[^\\s()'\"]*/g",
    covered: 'error stacks in development',
  },

  // Views (src/app.ts)
  { file: 'src/app.ts', regex: 'new RegExp(`^${source}$`)', covered: 'view routes' },
  { file: 'src/app.ts', regex: '/[.*+?^${}()|[\\]\\\\]/g', covered: 'not request-controlled: escapes the path patterns the app registers with view()' },
  {
    file: 'src/app.ts',
    regex: '/\\/+$/',
    covered: 'not request-controlled: trims the basePath and assetsPath options once, at startup (it would be slow on a long run of slashes, which no request can supply)',
  },

  // State blobs (src/core/state-codec.ts): the key id is read before the signature is checked.
  {
    file: 'src/core/state-codec.ts',
    regex: '/^\\{"n":"(?:[^"\\\\]|\\\\.)*","i":"(?:[^"\\\\]|\\\\.)*","t":-?\\d+,"k":"([A-Za-z0-9_-]{8})"/',
    covered: 'state blob key id',
  },

  // Policies (src/policy)
  { file: 'src/policy/allowed-hosts.ts', regex: '/^([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?$/', covered: 'allowed hosts' },

  // Startup
  { file: 'src/core/node-version.ts', regex: '/^v/', covered: "not request-controlled: reads the running Node.js version when weft is imported" },

  // Adapters
  { file: 'src/adapters/node/index.ts', regex: '/^[A-Za-z0-9.:[\\]-]+$/', covered: 'host header' },

  // Test helpers (weft/testing): they read the app's own responses inside a test, never a request.
  { file: 'src/testing/index.ts', regex: '/--/g', covered: 'not request-controlled: test helper, strips a template name the test passed' },
  { file: 'src/testing/index.ts', regex: '/\\sweft-state="([^"]*)"/', covered: "not request-controlled: test helper, reads the blob from the app's own response" },
  { file: 'src/testing/index.ts', regex: '/\\/$/', covered: 'not request-controlled: test helper, trims the base URL the test passed' },

  // Live components: backplane ids, WebSocket frames and upgrades, SSE
  { file: 'src/backplane/compare.ts', regex: '/^(?:0|[1-9]\\d{0,19})-(?:0|[1-9]\\d{0,19})$/', covered: 'message ids (Last-Event-ID, stream ids)' },
  { file: 'src/protocol/frames.ts', regex: '/^[A-Za-z0-9_-]{1,200}$/', covered: 'live frames' },
  { file: 'src/transport/ws/index.ts', regex: '/^[A-Za-z0-9.:[\\]-]+$/', covered: 'websocket upgrade host' },
  { file: 'src/transport/sse.ts', regex: '/\\r\\n|\\r|\\n/g', covered: 'stream messages' },
  { file: 'src/core/live.ts', regex: '/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/', covered: "not request-controlled: checks the group names the app's own code passes to groups() and broadcast()" },
  { file: 'src/adapters/redis/index.ts', regex: '/no such key/i', covered: "not request-controlled: reads Redis' own error messages" },
  { file: 'src/backplane/conformance.ts', regex: '/closed/', covered: 'not request-controlled: a test suite for backplane engines' },
  { file: 'src/backplane/conformance.ts', regex: '/closed/', covered: 'not request-controlled: a test suite for backplane engines' },
  { file: 'src/testing/live.ts', regex: '/<[a-z][a-z0-9-]*\\s+id="([^"]+)"\\s+weft="([^"]+)"\\s+weft-state="([^"]+)"/g', covered: "not request-controlled: a test helper reading the app's own renders" },
  { file: 'src/testing/live.ts', regex: '/&amp;/g', covered: "not request-controlled: a test helper reading the app's own renders" },
  { file: 'src/testing/live.ts', regex: '/^ws/', covered: 'not request-controlled: a test helper turning its own ws:// URL into an origin' },
  { file: 'src/testing/live.ts', regex: '/(\\/\\/[^/]+).*/', covered: 'not request-controlled: a test helper turning its own ws:// URL into an origin' },
];
