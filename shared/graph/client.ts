/**
 * createGraphPort: the real GraphPort over @microsoft/microsoft-graph-client, pointed at
 * Microsoft Graph or at the HTTPS simulator in dev/. Middleware chain:
 * AuthenticationHandler → ResilienceMiddleware (limit, retry, count) → HTTPMessageHandler.
 */
import type { TokenCredential } from '@azure/identity';
import { ClientCertificateCredential, ClientSecretCredential, DefaultAzureCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  type AuthenticationProvider,
  Client,
  HTTPMessageHandler,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { GraphSettings } from '../config.js';
import { type BatchResponseItem, runBatch } from './batch.js';
import { graphCloudFor } from './cloud.js';
import { endpointLabel } from './endpoint-label.js';
import { toGraphRequestError } from './errors.js';
import { createLimiter } from './limiter.js';
import {
  type BatchItem,
  type BatchResult,
  type GraphCollection,
  type GraphPort,
  GraphRequestError,
  type GraphRequestOptions,
  type GraphStats,
} from './port.js';
import { type GraphLog, ResilienceMiddleware } from './resilience.js';
import { type BackoffSettings, DEFAULT_BACKOFF } from './retry-policy.js';

export type { GraphLog } from './resilience.js';

/** Guard rail against a service that never stops handing out nextLinks. */
export const DEFAULT_MAX_PAGES = 10_000;

export interface GraphPortOptions {
  /** Overrides the credential chosen from settings (tests, or a caller that already has one). */
  credential?: TokenCredential;
  log?: GraphLog;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  backoff?: Partial<BackoffSettings>;
  maxPages?: number;
}

export type CredentialKind = 'accessToken' | 'clientSecret' | 'clientCertificate' | 'defaultAzure' | 'given';

/** Which way of authenticating the settings ask for; the order is the documented precedence. */
export function credentialKind(settings: GraphSettings, given?: TokenCredential): CredentialKind {
  if (settings.accessToken) return 'accessToken';
  if (given) return 'given';
  if (settings.clientId && settings.clientSecret) return 'clientSecret';
  if (settings.clientId && settings.clientCertificatePath) return 'clientCertificate';
  return 'defaultAzure';
}

function credentialFor(settings: GraphSettings, kind: CredentialKind): TokenCredential {
  // Sign in against the Graph origin's own cloud (US Government, China): a token from another
  // cloud's authority is refused there.
  const { authorityHost } = graphCloudFor(settings.baseUrl);
  const need = (v: string | undefined, name: string): string => {
    if (!v) throw new Error(`${name} is required for the ${kind} Graph credential`);
    return v;
  };
  switch (kind) {
    case 'clientSecret':
      return new ClientSecretCredential(
        need(settings.tenantId, 'GRAPH_TENANT_ID'),
        need(settings.clientId, 'GRAPH_CLIENT_ID'),
        need(settings.clientSecret, 'GRAPH_CLIENT_SECRET'),
        { authorityHost },
      );
    case 'clientCertificate':
      return new ClientCertificateCredential(
        need(settings.tenantId, 'GRAPH_TENANT_ID'),
        need(settings.clientId, 'GRAPH_CLIENT_ID'),
        need(settings.clientCertificatePath, 'GRAPH_CLIENT_CERTIFICATE_PATH'),
        { authorityHost },
      );
    default:
      // Managed identity in Azure (user-assigned when a client id is set), developer logins locally.
      return new DefaultAzureCredential(
        settings.clientId ? { managedIdentityClientId: settings.clientId, authorityHost } : { authorityHost },
      );
  }
}

function authProviderFor(settings: GraphSettings, given?: TokenCredential): AuthenticationProvider {
  const kind = credentialKind(settings, given);
  if (kind === 'accessToken') {
    const token = settings.accessToken as string;
    return { getAccessToken: async () => token };
  }
  const credential = given ?? credentialFor(settings, kind);
  return new TokenCredentialAuthenticationProvider(credential, { scopes: graphScopesFor(settings.baseUrl) });
}

/** The `.default` scope a token for this Graph origin must carry. */
export function graphScopesFor(baseUrl: string): string[] {
  return [graphCloudFor(baseUrl).scope];
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createGraphPort(settings: GraphSettings, opts: GraphPortOptions = {}): GraphPort {
  const origin = new URL(settings.baseUrl).origin;
  const host = new URL(origin).hostname;
  const log: GraphLog = opts.log ?? (() => {});
  const now = opts.now ?? (() => new Date());
  const sleep = opts.sleep ?? sleepReal;
  const random = opts.random ?? Math.random;
  const backoff: BackoffSettings = { ...DEFAULT_BACKOFF, ...opts.backoff };
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;

  const requestsByEndpoint: Record<string, number> = {};
  let retries = 0;
  const count = (label: string, n = 1) => {
    requestsByEndpoint[label] = (requestsByEndpoint[label] ?? 0) + n;
  };

  const resilience = new ResilienceMiddleware({
    limiter: createLimiter(settings.maxConcurrency),
    maxRetries: settings.maxRetries,
    backoff,
    sleep,
    now,
    random,
    recorder: { request: (label) => count(label), retry: () => retries++ },
    log,
  });
  const client = Client.initWithMiddleware({
    middleware: [
      new AuthenticationHandler(authProviderFor(settings, opts.credential)),
      resilience,
      new HTTPMessageHandler(),
    ],
    baseUrl: `${origin}/`,
    defaultVersion: 'v1.0',
    // The SDK attaches the token only to Graph hosts and these (https:// URLs only).
    customHosts: new Set([host]),
  });

  /** A request builder for a relative path or one of our own absolute links (nextLink). */
  const api = (path: string, o: GraphRequestOptions | undefined) => {
    let req: ReturnType<Client['api']>;
    if (/^https?:\/\//i.test(path)) {
      // Never follow a link off our Graph origin: the token must not travel elsewhere.
      if (new URL(path).origin !== origin) {
        throw new GraphRequestError(0, 'foreignLink', `refusing a link outside ${origin}`);
      }
      req = client.api(path); // the SDK takes host and version from an absolute https URL
    } else {
      req = client.api(path.startsWith('/') ? path : `/${path}`).version(o?.version ?? 'v1.0');
    }
    if (o?.headers) req = req.headers(o.headers);
    return req;
  };

  const get = async <T>(path: string, o?: GraphRequestOptions): Promise<T> => {
    try {
      return (await api(path, o).get()) as T;
    } catch (e) {
      throw toGraphRequestError(e);
    }
  };

  const post = async <T>(path: string, body: unknown, o?: GraphRequestOptions): Promise<T> => {
    try {
      return (await api(path, o).post(body)) as T;
    } catch (e) {
      throw toGraphRequestError(e);
    }
  };

  async function* pages<T>(path: string, o?: GraphRequestOptions): AsyncIterable<T[]> {
    const seen = new Set<string>();
    let next: string | undefined = path;
    for (let n = 0; next !== undefined; n++) {
      if (n >= maxPages) {
        throw new GraphRequestError(
          0,
          'tooManyPages',
          `more than ${maxPages} pages at ${endpointLabel('GET', path)}`,
        );
      }
      // Headers (ConsistencyLevel) are not carried by nextLinks: send them with every page.
      const page: GraphCollection<T> = await get<GraphCollection<T>>(next, o);
      yield Array.isArray(page.value) ? page.value : [];
      const link = page['@odata.nextLink'];
      if (!link) return;
      if (seen.has(link)) {
        log('warn', 'graph_repeated_next_link', { endpoint: endpointLabel('GET', link), pages: n + 1 });
        return;
      }
      seen.add(link);
      next = link;
    }
  }

  const batch = <T>(items: BatchItem[], o?: GraphRequestOptions): Promise<BatchResult<T>[]> => {
    const version = o?.version ?? 'v1.0';
    return runBatch<T>(items, {
      maxRetries: settings.maxRetries,
      backoff,
      sleep,
      now,
      random,
      onItemRetry: (n) => {
        retries += n;
        log('warn', 'graph_batch_item_retry', { items: n });
      },
      send: async (requests) => {
        for (const r of requests) count(`${endpointLabel(r.method, `/${version}${r.url}`)} (in $batch)`);
        const answer = await post<{ responses?: BatchResponseItem[] }>(
          '/$batch',
          { requests: requests.map((r) => ({ id: r.id, method: r.method, url: r.url, headers: r.headers })) },
          { version, headers: o?.headers },
        );
        return Array.isArray(answer?.responses) ? answer.responses : [];
      },
    });
  };

  return {
    get,
    pages,
    batch,
    post,
    stats: (): GraphStats => ({ requestsByEndpoint: { ...requestsByEndpoint }, retries }),
  };
}
