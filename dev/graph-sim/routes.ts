/**
 * Route table plumbing: a route is a method, a path template below the version root, the
 * versions it exists in, its throttle family and a handler. The template (with {id}) is
 * also the stats label, e.g. "GET /v1.0/deviceManagement/managedDevices/{id}".
 */
import type { ThrottleFamily } from './faults.js';
import type { GraphVersion, SimRequest, SimResponse } from './odata.js';
import type { Granted } from './permissions.js';
import type { SimTenant } from './sim-tenant.js';

export interface PageSizes {
  /** managedDevices default page (graph.md §4.1). */
  managedDevices: number;
  managedDevicesMaxTop: number;
  /** configurationPolicies, their /settings and /assignments (graph.md §5). */
  configurationPolicies: number;
  /** deviceConfigurations and intents: not researched (UNVERIFIED). */
  deviceConfigurations: number;
  intents: number;
  /** deviceRunStates: not researched (UNVERIFIED). */
  deviceRunStates: number;
  /** Directory collections: default page and largest $top. */
  directory: number;
  directoryMaxTop: number;
}

export const DEFAULT_PAGE_SIZES: PageSizes = {
  managedDevices: 1000,
  managedDevicesMaxTop: 1000,
  configurationPolicies: 25,
  deviceConfigurations: 100,
  intents: 100,
  deviceRunStates: 1000,
  directory: 100,
  directoryMaxTop: 999,
};

export interface SentMail {
  /** The user id or UPN in the URL. */
  from: string;
  subject: string;
  bodyContentType: string;
  body: string;
  toRecipients: string[];
  ccRecipients: string[];
  attachments: { name: string; contentType: string; content: Buffer }[];
  saveToSentItems: boolean;
  receivedAt: string;
}

export interface Quirks {
  /** managedDevices: `ne` behaves like `eq` on operatingSystem and managedDeviceOwnerType (confirmed by the product team). */
  managedDevicesNeAsEq: boolean;
}

export interface RouteContext {
  req: SimRequest;
  params: Record<string, string>;
  tenant: SimTenant;
  pageSizes: PageSizes;
  quirks: Quirks;
  sentMail: SentMail[];
  now: number;
  /** Permissions of the token; null = all. */
  granted: Granted;
}

export interface Route {
  method: 'GET' | 'POST';
  template: string;
  versions: readonly GraphVersion[];
  family: ThrottleFamily;
  handle(ctx: RouteContext): SimResponse;
  /** Identity resource units (graph.md §14); default 1. */
  cost?: number;
}

export const BOTH: readonly GraphVersion[] = ['v1.0', 'beta'];
export const BETA: readonly GraphVersion[] = ['beta'];

interface Compiled {
  route: Route;
  parts: (string | RegExp)[];
  names: string[][];
}

function compile(route: Route): Compiled {
  const names: string[][] = [];
  const parts = route.template
    .split('/')
    .filter((s) => s.length > 0)
    .map((seg) => {
      const segNames: string[] = [];
      if (!seg.includes('{')) {
        names.push(segNames);
        return seg.toLowerCase();
      }
      const src = seg
        .split(/(\{\w+\})/)
        .map((piece) => {
          const m = /^\{(\w+)\}$/.exec(piece);
          if (m) {
            segNames.push(m[1] as string);
            return "([^/']+)";
          }
          return piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('');
      names.push(segNames);
      return new RegExp(`^${src}$`, 'i');
    });
  return { route, parts, names };
}

/** `name('key')` → [name, key] (Intune's key syntax); alternate keys like devices(deviceId='…') stay whole. */
export function normaliseSegments(segments: string[]): string[] {
  const out: string[] = [];
  for (const s of segments) {
    const m = /^([A-Za-z]+)\('([^'=]*)'\)$/.exec(s);
    if (m) out.push(m[1] as string, m[2] as string);
    else out.push(s);
  }
  return out;
}

export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: Route[]) {
    this.compiled = routes.map(compile);
  }

  match(method: string, segments: string[]): { route: Route; params: Record<string, string> } | null {
    for (const c of this.compiled) {
      if (c.route.method !== method || c.parts.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const part = c.parts[i] as string | RegExp;
        const seg = segments[i] as string;
        if (typeof part === 'string') {
          ok = part === seg.toLowerCase();
        } else {
          const m = part.exec(seg);
          if (!m) ok = false;
          else {
            for (const [j, n] of (c.names[i] as string[]).entries()) params[n] = m[j + 1] as string;
          }
        }
      }
      if (ok) return { route: c.route, params };
    }
    return null;
  }

  /** Whether some route has this path for any method (for 405 vs 400). */
  hasPath(segments: string[]): boolean {
    return ['GET', 'POST'].some((m) => this.match(m, segments) !== null);
  }
}
