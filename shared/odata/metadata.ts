/**
 * $metadata: the CSDL (XML) document describing every entity set, what Power BI reads first to
 * learn the columns and their types. Capabilities annotations say what the service can do
 * (filter only indexed columns, no sorting, no expand), so clients that read them do not try.
 */
import type { EntitySetDefinition } from './edm.js';

export const CAPABILITIES_VOCABULARY =
  'https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Capabilities.V1.xml';

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function entityType(set: EntitySetDefinition): string[] {
  const lines = [`      <EntityType Name="${attr(set.entityType)}">`, '        <Key>'];
  for (const k of set.key) lines.push(`          <PropertyRef Name="${attr(k)}"/>`);
  lines.push('        </Key>');
  for (const p of set.properties) {
    // Nullable defaults to true in CSDL; say it only when it is false.
    const nullable = p.nullable ? '' : ' Nullable="false"';
    lines.push(`        <Property Name="${attr(p.name)}" Type="${p.type}"${nullable}/>`);
  }
  lines.push('      </EntityType>');
  return lines;
}

function entitySet(set: EntitySetDefinition, namespace: string): string[] {
  const nonFilterable = set.properties.filter((p) => !p.filterable).map((p) => p.name);
  const lines = [
    `        <EntitySet Name="${attr(set.name)}" EntityType="${attr(`${namespace}.${set.entityType}`)}">`,
  ];
  lines.push(
    '          <Annotation Term="Capabilities.FilterRestrictions">',
    '            <Record>',
    '              <PropertyValue Property="NonFilterableProperties">',
    '                <Collection>',
    ...nonFilterable.map((n) => `                  <PropertyPath>${attr(n)}</PropertyPath>`),
    '                </Collection>',
    '              </PropertyValue>',
    '            </Record>',
    '          </Annotation>',
    '          <Annotation Term="Capabilities.SortRestrictions">',
    '            <Record><PropertyValue Property="Sortable" Bool="false"/></Record>',
    '          </Annotation>',
    '          <Annotation Term="Capabilities.ExpandRestrictions">',
    '            <Record><PropertyValue Property="Expandable" Bool="false"/></Record>',
    '          </Annotation>',
    '          <Annotation Term="Capabilities.InsertRestrictions">',
    '            <Record><PropertyValue Property="Insertable" Bool="false"/></Record>',
    '          </Annotation>',
    '          <Annotation Term="Capabilities.UpdateRestrictions">',
    '            <Record><PropertyValue Property="Updatable" Bool="false"/></Record>',
    '          </Annotation>',
    '          <Annotation Term="Capabilities.DeleteRestrictions">',
    '            <Record><PropertyValue Property="Deletable" Bool="false"/></Record>',
    '          </Annotation>',
    '        </EntitySet>',
  );
  return lines;
}

/** The CSDL document. Entity types shared by several sets are declared once. */
export function metadataDocument(sets: readonly EntitySetDefinition[], namespace: string): string {
  const types = new Map<string, EntitySetDefinition>();
  for (const s of sets) if (!types.has(s.entityType)) types.set(s.entityType, s);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    `  <edmx:Reference Uri="${CAPABILITIES_VOCABULARY}">`,
    '    <edmx:Include Namespace="Org.OData.Capabilities.V1" Alias="Capabilities"/>',
    '  </edmx:Reference>',
    '  <edmx:DataServices>',
    `    <Schema Namespace="${attr(namespace)}" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
    ...[...types.values()].flatMap(entityType),
    `      <EntityContainer Name="${attr(namespace)}Container">`,
    ...sets.flatMap((s) => entitySet(s, namespace)),
    '      </EntityContainer>',
    '    </Schema>',
    '  </edmx:DataServices>',
    '</edmx:Edmx>',
    '',
  ].join('\n');
}
