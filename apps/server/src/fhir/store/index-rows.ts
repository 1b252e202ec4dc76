/** The search index values of one resource, one array per index table; produced by fhir/search at write time. */
export interface IndexRows {
  string: { param: string; value: string; exact: string }[];
  token: { param: string; system: string | null; code: string | null; text: string | null }[];
  date: { param: string; low: string; high: string }[];
  number: { param: string; value: string; low: string; high: string }[];
  quantity: {
    param: string;
    value: string;
    low: string;
    high: string;
    system: string | null;
    code: string | null;
    unit: string | null;
  }[];
  reference: {
    param: string;
    targetType: string | null;
    targetId: string | null;
    url: string | null;
    identifierSystem: string | null;
    identifierValue: string | null;
  }[];
  uri: { param: string; value: string }[];
  composite: {
    param: string;
    c1System: string | null;
    c1Code: string | null;
    c2System: string | null;
    c2Code: string | null;
    c2Low: string | null;
    c2High: string | null;
    c2DateLow: string | null;
    c2DateHigh: string | null;
    c2String: string | null;
  }[];
}

export type IndexTable = keyof IndexRows;

export function emptyIndexRows(): IndexRows {
  return { string: [], token: [], date: [], number: [], quantity: [], reference: [], uri: [], composite: [] };
}

/** Column names of each index table, in the order of the fields above. */
export const INDEX_COLUMNS: {
  readonly [K in IndexTable]: readonly (readonly [keyof IndexRows[K][number], string, string])[];
} = {
  string: [
    ['param', 'param', 'text'],
    ['value', 'value', 'text'],
    ['exact', 'exact', 'text'],
  ],
  token: [
    ['param', 'param', 'text'],
    ['system', 'system', 'text'],
    ['code', 'code', 'text'],
    ['text', 'text', 'text'],
  ],
  date: [
    ['param', 'param', 'text'],
    ['low', 'low', 'timestamptz'],
    ['high', 'high', 'timestamptz'],
  ],
  number: [
    ['param', 'param', 'text'],
    ['value', 'value', 'numeric'],
    ['low', 'low', 'numeric'],
    ['high', 'high', 'numeric'],
  ],
  quantity: [
    ['param', 'param', 'text'],
    ['value', 'value', 'numeric'],
    ['low', 'low', 'numeric'],
    ['high', 'high', 'numeric'],
    ['system', 'system', 'text'],
    ['code', 'code', 'text'],
    ['unit', 'unit', 'text'],
  ],
  reference: [
    ['param', 'param', 'text'],
    ['targetType', 'target_type', 'text'],
    ['targetId', 'target_id', 'text'],
    ['url', 'url', 'text'],
    ['identifierSystem', 'identifier_system', 'text'],
    ['identifierValue', 'identifier_value', 'text'],
  ],
  uri: [
    ['param', 'param', 'text'],
    ['value', 'value', 'text'],
  ],
  composite: [
    ['param', 'param', 'text'],
    ['c1System', 'c1_system', 'text'],
    ['c1Code', 'c1_code', 'text'],
    ['c2System', 'c2_system', 'text'],
    ['c2Code', 'c2_code', 'text'],
    ['c2Low', 'c2_low', 'numeric'],
    ['c2High', 'c2_high', 'numeric'],
    ['c2DateLow', 'c2_date_low', 'timestamptz'],
    ['c2DateHigh', 'c2_date_high', 'timestamptz'],
    ['c2String', 'c2_string', 'text'],
  ],
};
