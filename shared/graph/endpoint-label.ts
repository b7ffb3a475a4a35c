/**
 * A stable label for request statistics: method + version + path, with ids replaced by
 * {id} and the query dropped, so "how many calls per endpoint" can be budgeted against
 * Graph's per-family throttle limits without leaking ids or filter values.
 */
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export function endpointLabel(method: string, url: string): string {
  let path: string;
  try {
    path = new URL(url, 'https://graph.invalid').pathname;
  } catch {
    path = url.split('?')[0] ?? url;
  }
  const segments = path.split('/').map((seg) => {
    const s = decodeSafe(seg);
    // Key-in-parentheses forms: servicePrincipals(appId='…'), exportJobs('…'), devices(deviceId='…').
    const keyed = s.replace(/\((?:(\w+)=)?'[^']*'\)/g, (_m, key: string | undefined) =>
      key ? `(${key}={id})` : '({id})',
    );
    if (keyed !== s) return keyed;
    if (GUID.test(s) || /^\d+$/.test(s)) return '{id}';
    return s;
  });
  return `${method.toUpperCase()} ${segments.join('/')}`;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
