import type { Migration } from '../../platform/migrate.ts';

/**
 * The two scopes of the FHIR store. `patient` tables hold resources of the Patient compartment and are
 * distributed by `patient_key` under Citus; `shared` tables (Organization, Practitioner, Location, ...)
 * become Citus reference tables. Both have the same columns so that one code path serves both.
 */
export const SCOPES = ['patient', 'shared'] as const;
export type Scope = (typeof SCOPES)[number];

/** Table names of one scope. Built from a fixed list, never from input. */
export function tablesOf(scope: Scope) {
  return {
    resource: `${scope}_resource`,
    history: `${scope}_resource_history`,
    string: `${scope}_sp_string`,
    token: `${scope}_sp_token`,
    date: `${scope}_sp_date`,
    number: `${scope}_sp_number`,
    quantity: `${scope}_sp_quantity`,
    reference: `${scope}_sp_reference`,
    uri: `${scope}_sp_uri`,
    composite: `${scope}_sp_composite`,
  } as const;
}
export type Tables = ReturnType<typeof tablesOf>;

function scopeDdl(scope: Scope): string {
  const t = tablesOf(scope);
  // Every index row carries the resource's key columns (patient_key, resource_type, id) so that it lives on
  // the same shard as its resource and can be cleaned up by them; `param` is the search parameter code.
  const key = 'patient_key text NOT NULL, resource_type text NOT NULL, id text NOT NULL, param text NOT NULL';
  // (patient_key, resource_type, id) finds a resource's rows to replace them; `param` at the end lets a
  // search's per-resource EXISTS test and sort key pick the parameter's rows inside the index.
  const byResource = (table: string) =>
    `CREATE INDEX ${table}_resource_idx ON ${table} (patient_key, resource_type, id, param);`;
  return `
CREATE TABLE ${t.resource} (
  patient_key text NOT NULL,
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id integer NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  content text,
  PRIMARY KEY (patient_key, resource_type, id)
);
CREATE INDEX ${t.resource}_type_updated_idx ON ${t.resource} (resource_type, last_updated);
CREATE INDEX ${t.resource}_type_id_idx ON ${t.resource} (resource_type, id);

CREATE TABLE ${t.history} (
  patient_key text NOT NULL,
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id integer NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  method text NOT NULL,
  content text,
  PRIMARY KEY (patient_key, resource_type, id, version_id)
);
CREATE INDEX ${t.history}_type_id_idx ON ${t.history} (resource_type, id, version_id);
CREATE INDEX ${t.history}_updated_idx ON ${t.history} (last_updated);
CREATE INDEX ${t.history}_type_updated_idx ON ${t.history} (resource_type, last_updated);

CREATE TABLE ${t.string} (${key}, value text NOT NULL, exact text NOT NULL);
CREATE INDEX ${t.string}_value_idx ON ${t.string} (resource_type, param, value text_pattern_ops);
${byResource(t.string)}

CREATE TABLE ${t.token} (${key}, system text, code text, text text);
CREATE INDEX ${t.token}_code_idx ON ${t.token} (resource_type, param, code, system);
${byResource(t.token)}

CREATE TABLE ${t.date} (${key}, low timestamptz NOT NULL, high timestamptz NOT NULL);
CREATE INDEX ${t.date}_range_idx ON ${t.date} (resource_type, param, low, high);
${byResource(t.date)}

CREATE TABLE ${t.number} (${key}, value numeric NOT NULL, low numeric NOT NULL, high numeric NOT NULL);
CREATE INDEX ${t.number}_value_idx ON ${t.number} (resource_type, param, value);
${byResource(t.number)}

CREATE TABLE ${t.quantity} (${key}, value numeric NOT NULL, low numeric NOT NULL, high numeric NOT NULL, system text, code text, unit text);
CREATE INDEX ${t.quantity}_value_idx ON ${t.quantity} (resource_type, param, value);
${byResource(t.quantity)}

CREATE TABLE ${t.reference} (${key}, target_type text, target_id text, url text, identifier_system text, identifier_value text);
CREATE INDEX ${t.reference}_target_idx ON ${t.reference} (resource_type, param, target_id, target_type);
CREATE INDEX ${t.reference}_rev_idx ON ${t.reference} (target_type, target_id);
${byResource(t.reference)}

CREATE TABLE ${t.uri} (${key}, value text NOT NULL);
CREATE INDEX ${t.uri}_value_idx ON ${t.uri} (resource_type, param, value);
${byResource(t.uri)}

CREATE TABLE ${t.composite} (${key},
  c1_system text, c1_code text,
  c2_system text, c2_code text, c2_low numeric, c2_high numeric, c2_date_low timestamptz, c2_date_high timestamptz, c2_string text);
CREATE INDEX ${t.composite}_c1_idx ON ${t.composite} (resource_type, param, c1_code, c1_system);
${byResource(t.composite)}
`;
}

export const fhirStoreMigrations: readonly Migration[] = [
  {
    id: 'fhir-store-001',
    sql: `
-- Where each resource lives: (resource_type, id) is unique across the whole store, and gives the
-- patient_key to find the resource's rows. Under Citus this table is distributed by id.
CREATE TABLE resource_key (
  resource_type text NOT NULL,
  id text NOT NULL,
  patient_key text NOT NULL,
  PRIMARY KEY (resource_type, id)
);
${SCOPES.map(scopeDdl).join('\n')}
`,
  },
  {
    // Reverse lookups (`_revinclude`, `_has`) always name the referring type and parameter, so the
    // (resource_type, param, target_id, target_type) index serves them; (target_type, target_id) only cost writes.
    id: 'fhir-store-002',
    sql: SCOPES.map((scope) => `DROP INDEX ${tablesOf(scope).reference}_rev_idx;`).join('\n'),
  },
  {
    // References by identifier alone (a logical reference, such as an HL7 feed's organisation by ODS code): what
    // the access rules' relationships (ADR 12) and `:identifier` look up.
    id: 'fhir-store-003',
    sql: SCOPES.map(
      (scope) =>
        `CREATE INDEX ${tablesOf(scope).reference}_identifier_idx ON ${tablesOf(scope).reference} (identifier_value, identifier_system) WHERE identifier_value IS NOT NULL;`,
    ).join('\n'),
  },
];
