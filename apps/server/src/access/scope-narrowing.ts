// Search-narrowed SMART scopes (SMART App Launch 2.0, "finer-grained resource constraints using search
// parameters"): `user/Observation.rs?category=laboratory` lets an app read and search only the Observations that
// match the search. The door lets such a read or search in (fhir-gate.ts); the row filter then keeps every other
// row of that type out of every statement, as it does for the access policy (ADR 12), so counts, includes,
// `$everything` and reads by id agree. ADR 11 has the rules:
// - Only token parameters narrow (`category`, `code`, `_tag`, `_security` ...), with `code`, `system|code`,
//   `|code` or `system|` values, comma-separated for "any of"; `&` joins parameters that must all match. A
//   scope narrowed any other way, or naming `*` rather than a type, permits nothing.
// - A type is narrowed when any scope that could read or search it in the principal's contexts is narrowed and
//   no unnarrowed one covers it in the principal's widest context; a row must then match one of the searches.
//   Where contexts differ (an app launched on a patient with `patient/Observation.rs` and
//   `user/Observation.rs?category=laboratory`), the narrower rule holds everywhere: refused, never widened.
// - Old versions (history, vread) of a narrowed type are not shown: their index rows are not kept.
// - Writes under a narrowed scope are refused at the door.
import type { SearchDefinitions } from '../fhir/definitions/search-parameters.ts';
import type { Bind, FilteredRows } from '../fhir/store/row-filter.ts';
import { and, or } from '../fhir/search/sql-fragment.ts';
import type { Principal, ResourceScope } from './principal.ts';
import { checkScopes, type ScopeContext } from './scopes.ts';

/** One token test: a stored parameter code (or codes, for a parameter stored as others) and the values wanted. */
interface TokenTest {
  codes: readonly string[];
  values: readonly { system?: string | null; code?: string }[];
}

/** A narrowed scope's search, as the tests a row must all pass. */
type Search = readonly TokenTest[];

/** What narrows each type for one principal: a row of the type must match at least one search. */
export type Narrowing = ReadonlyMap<string, readonly Search[]>;

export type NarrowingResult = { ok: true; narrowing: Narrowing } | { ok: false; message: string };

/**
 * The narrowing of a principal's scopes, or why one of its narrowed scopes cannot be enforced (the door then
 * refuses what only that scope would permit).
 */
export function narrowingOf(principal: Principal, defs: SearchDefinitions): NarrowingResult {
  const narrowed = principal.resourceScopes.filter((s) => s.query !== undefined);
  if (narrowed.length === 0) return { ok: true, narrowing: new Map() };
  const contexts = contextsOf(principal);
  const narrowing = new Map<string, Search[]>();
  for (const scope of narrowed) {
    if (scope.resourceType === '*') {
      return { ok: false, message: `A scope narrowed by a search must name a resource type, not * (${text(scope)})` };
    }
    const type = scope.resourceType;
    if (narrowing.has(type)) continue;
    const queries = new Set<string>();
    let unnarrowedEverywhere = true;
    for (const context of contexts) {
      for (const interaction of ['read', 'search'] as const) {
        const permission = checkScopes(principal.resourceScopes, { interaction, resourceType: type, context });
        if (!permission.permitted) continue;
        for (const q of permission.queries) queries.add(q);
        if (permission.queries.length > 0) unnarrowedEverywhere = false;
      }
    }
    if (unnarrowedEverywhere || queries.size === 0) continue;
    const searches: Search[] = [];
    for (const query of queries) {
      const parsed = parseNarrowingQuery(defs, type, query);
      if (typeof parsed === 'string') return { ok: false, message: parsed };
      searches.push(parsed);
    }
    narrowing.set(type, searches);
  }
  return { ok: true, narrowing };
}

// Where a principal's scopes apply: a system's system/ scopes; a patient's patient/ scopes; staff's user/ scopes,
// and patient/ ones too when their app was launched on a patient.
function contextsOf(principal: Principal): ScopeContext[] {
  if (principal.kind === 'system') return ['system'];
  if (principal.kind === 'patient') return ['patient'];
  return principal.launch?.patient === undefined ? ['user'] : ['user', 'patient'];
}

function text(scope: ResourceScope): string {
  return `${scope.context}/${scope.resourceType}.${scope.permissions}${scope.query === undefined ? '' : `?${scope.query}`}`;
}

/** A narrowed scope's query as token tests on a type, or why it cannot narrow. */
export function parseNarrowingQuery(defs: SearchDefinitions, type: string, query: string): Search | string {
  const params = defs.byType.get(type);
  if (!params) return `${type} is not a resource type`;
  const tests: TokenTest[] = [];
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    if (name === undefined || value === undefined) return `The scope's search ${query} is not well encoded`;
    const def = params.get(name);
    if (!def || def.type !== 'token') {
      return `A scope can be narrowed only by token search parameters of ${type}; ${name} is not one`;
    }
    if (value === '') return `The scope's search gives ${name} no value`;
    const values = splitValues(value).map((v): TokenTest['values'][number] => {
      const bar = v.indexOf('|');
      if (bar < 0) return { code: v };
      const system = v.slice(0, bar);
      const code = v.slice(bar + 1);
      return { system: system === '' ? null : system, ...(code === '' ? {} : { code }) };
    });
    if (values.some((v) => v.code === undefined && (v.system === null || v.system === undefined))) {
      return `The scope's search gives ${name} an empty value`;
    }
    tests.push({ codes: def.storedAs?.codes ?? [def.code], values });
  }
  return tests;
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

// FHIR search: a comma separates values ("any of"); `\,` is a literal comma.
function splitValues(value: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && i + 1 < value.length) {
      current += value[++i];
    } else if (ch === ',') {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

/** The rows a narrowing lets through: for each narrowed type the rows can have, those matching one search. */
export function narrowingCondition(narrowing: Narrowing, rows: FilteredRows, bind: Bind): string {
  // What is about to be written was permitted by the write letters, which a narrowed scope never grants.
  if (narrowing.size === 0 || rows.write) return 'TRUE';
  const r = rows.alias;
  const parts: string[] = [];
  for (const [type, searches] of narrowing) {
    if (rows.types !== undefined && !rows.types.includes(type)) continue;
    const matches = rows.history ? 'FALSE' : `(${or(searches.map((search) => matchSql(rows, bind, search)))})`;
    parts.push(
      rows.types !== undefined && rows.types.length === 1
        ? matches
        : `(${r}.resource_type <> ${bind(type, 'text')} OR ${matches})`,
    );
  }
  return and(parts);
}

function matchSql(rows: FilteredRows, bind: Bind, search: Search): string {
  const r = rows.alias;
  const table = rows.scope === 'patient' ? 'patient_sp_token' : 'shared_sp_token';
  const sameRow =
    rows.scope === 'patient'
      ? `t.patient_key = ${r}.patient_key AND t.resource_type = ${r}.resource_type AND t.id = ${r}.id`
      : `t.resource_type = ${r}.resource_type AND t.id = ${r}.id`;
  return and(
    search.map((test) => {
      const values = or(
        test.values.map((v) =>
          and([
            v.system === undefined
              ? 'TRUE'
              : v.system === null
                ? 't.system IS NULL'
                : `t.system = ${bind(v.system, 'text')}`,
            v.code === undefined ? 'TRUE' : `t.code = ${bind(v.code, 'text')}`,
          ]),
        ),
      );
      const param =
        test.codes.length === 1
          ? `t.param = ${bind(test.codes[0]!, 'text')}`
          : `t.param = ANY(${bind([...test.codes], 'text[]')})`;
      return `EXISTS (SELECT 1 FROM ${table} t WHERE ${sameRow} AND ${param} AND (${values}))`;
    }),
  );
}
