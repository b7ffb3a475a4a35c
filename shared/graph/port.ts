/**
 * The seam between ResetReady's logic and Microsoft Graph. Collectors and the device
 * verifier depend on this interface only; shared/graph/client.ts implements it with
 * @microsoft/microsoft-graph-client (real Graph, or the simulator in dev/).
 */
export type GraphVersion = 'v1.0' | 'beta';

export interface GraphRequestOptions {
  version?: GraphVersion;
  headers?: Record<string, string>;
}

/** A Graph answer that was not 2xx after retries. `code` is Graph's error.code. */
export class GraphRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'GraphRequestError';
  }
}

export interface GraphCollection<T> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
}

export interface BatchItem {
  id: string;
  method: 'GET';
  /** Relative to the version root, e.g. "/groups/{id}/transitiveMembers/microsoft.graph.device?$select=id". */
  url: string;
  headers?: Record<string, string>;
}

export interface BatchResult<T = unknown> {
  id: string;
  status: number;
  body: T;
}

export interface GraphStats {
  /** Requests sent, by endpoint label (e.g. "GET /deviceManagement/managedDevices"). */
  requestsByEndpoint: Record<string, number>;
  retries: number;
}

export interface GraphPort {
  /** GET a path relative to the version root ("/devices?$filter=..."), or an absolute URL. */
  get<T>(path: string, opts?: GraphRequestOptions): Promise<T>;
  /** Every page of a collection, following absolute @odata.nextLink until the last page. */
  pages<T>(path: string, opts?: GraphRequestOptions): AsyncIterable<T[]>;
  /** JSON batching: any number of items, sent 20 per $batch, throttled items retried. */
  batch<T>(items: BatchItem[], opts?: GraphRequestOptions): Promise<BatchResult<T>[]>;
  post<T>(path: string, body: unknown, opts?: GraphRequestOptions): Promise<T>;
  stats(): GraphStats;
}
