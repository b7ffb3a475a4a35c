/**
 * Which Microsoft cloud a Graph origin belongs to, and so which token to ask for: the
 * `.default` scope carries the Graph host of that cloud, and tokens come from that cloud's
 * Entra ID authority (learn.microsoft.com/graph/deployments, /graph/sdks/national-clouds:
 * "Any permission scope value (including the .default scope) that contains the Microsoft Graph
 * domain MUST use the domain of the Microsoft Graph service root endpoint for the national
 * cloud deployment").
 */

export type GraphCloudName = 'global' | 'usGov' | 'usGovDoD' | 'china' | 'custom';

export interface GraphCloud {
  name: GraphCloudName;
  /** App-only scope for this Graph origin. */
  scope: string;
  /** Entra ID authority host the credential signs in against. */
  authorityHost: string;
}

const KNOWN: Record<string, Omit<GraphCloud, 'scope'>> = {
  'graph.microsoft.com': { name: 'global', authorityHost: 'https://login.microsoftonline.com' },
  'graph.microsoft.us': { name: 'usGov', authorityHost: 'https://login.microsoftonline.us' },
  'dod-graph.microsoft.us': { name: 'usGovDoD', authorityHost: 'https://login.microsoftonline.us' },
  'microsoftgraph.chinacloudapi.cn': { name: 'china', authorityHost: 'https://login.chinacloudapi.cn' },
};

/**
 * The cloud of a GRAPH_BASE_URL. Any other host (the local simulator, a proxy) is `custom`: it
 * is called with the global scope and authority, as before national clouds were known.
 */
export function graphCloudFor(baseUrl: string): GraphCloud {
  const host = new URL(baseUrl).hostname.toLowerCase();
  const known = KNOWN[host];
  if (known) return { ...known, scope: `https://${host}/.default` };
  return {
    name: 'custom',
    scope: 'https://graph.microsoft.com/.default',
    authorityHost: KNOWN['graph.microsoft.com']!.authorityHost,
  };
}
