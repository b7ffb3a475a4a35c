/**
 * The object shapes of shared/ingest/report-schema.json, resolved ($ref, allOf) into plain
 * property lists, so tests can hold the agents' emitted field names to the schema file.
 */
import { REPORT_SCHEMA } from '../../shared/ingest/report-schema.js';

interface SchemaNode {
  $ref?: string;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  type?: string | string[];
  description?: string;
}

const DEFS = (REPORT_SCHEMA as unknown as { $defs: Record<string, SchemaNode> }).$defs;

function deref(node: SchemaNode): SchemaNode {
  if (node.$ref) {
    const name = node.$ref.replace('#/$defs/', '');
    const target = DEFS[name];
    if (!target) throw new Error(`unknown $ref ${node.$ref}`);
    return deref(target);
  }
  return node;
}

export interface ObjectShape {
  /** Every property the schema names. */
  all: string[];
  required: string[];
  /** A property's own schema, merged over allOf branches. */
  child(name: string): SchemaNode | undefined;
}

/** Merges an object schema with its allOf parts (the version defs extend reportBase). */
export function objectShape(node: SchemaNode): ObjectShape {
  const parts: SchemaNode[] = [];
  const walk = (n: SchemaNode) => {
    const d = deref(n);
    parts.push(d);
    for (const sub of d.allOf ?? []) walk(sub);
    // A nullable object: anyOf [object, null].
    for (const sub of d.anyOf ?? []) {
      const s = deref(sub);
      if (s.properties) walk(s);
    }
  };
  walk(node);
  const all = [...new Set(parts.flatMap((p) => Object.keys(p.properties ?? {})))];
  const required = [...new Set(parts.flatMap((p) => p.required ?? []))];
  const child = (name: string): SchemaNode | undefined => {
    const found = parts.map((p) => p.properties?.[name]).filter((x): x is SchemaNode => !!x);
    if (found.length === 0) return undefined;
    // Later (more specific) parts refine earlier ones: merge their keys.
    let merged: SchemaNode = {};
    for (const n of found) {
      const d = deref(n);
      merged = {
        ...merged,
        ...d,
        // A description beside a $ref describes this use of the definition.
        ...(n.description ? { description: n.description } : {}),
        properties: { ...(merged.properties ?? {}), ...(d.properties ?? {}) },
        items: d.items ? mergeItems(merged.items, d.items) : merged.items,
        allOf: [...(merged.allOf ?? []), ...(d.allOf ?? [])],
      };
    }
    return merged;
  };
  return { all, required, child };
}

function mergeItems(a: SchemaNode | undefined, b: SchemaNode): SchemaNode {
  if (!a) return b;
  return { allOf: [a, b] };
}

/** The shape at a dotted path from a version's body: '' (body), 'device', 'users[]', 'evidence.lockScreen'. */
export function shapeAt(version: 1 | 2, path: string): ObjectShape {
  let shape = objectShape({ $ref: `#/$defs/reportV${version}` });
  if (path === '') return shape;
  for (const part of path.split('.')) {
    const isArray = part.endsWith('[]');
    const name = isArray ? part.slice(0, -2) : part;
    const node = shape.child(name);
    if (!node) throw new Error(`report-schema.json v${version} has no ${path}`);
    shape = objectShape(isArray ? (node.items ?? {}) : node);
  }
  return shape;
}

/** Every leaf path of the v2 evidence groups, e.g. `evidence.lockScreen.NoLockScreen`. */
export function evidenceLeafPaths(): string[] {
  const out: string[] = [];
  const visit = (prefix: string, shape: ObjectShape) => {
    for (const name of shape.all) {
      const node = shape.child(name);
      const d = node ? objectShape(node) : undefined;
      if (d && d.all.length > 0) visit(`${prefix}.${name}`, d);
      else out.push(`${prefix}.${name}`);
    }
  };
  visit('evidence', shapeAt(2, 'evidence'));
  visit('users[].evidence', shapeAt(2, 'users[].evidence'));
  return out;
}
