// Which rows of the record a caller may see, as the SQL the FHIR engine adds to every statement it runs for them
// (ADR 12, the data-layer half of ADR 11). It is ADR 8's policy (policy.rules.ts) over whole tables rather than one
// item: the role's categories, a relationship with the person (derived from the record at read time, or claimed),
// the person's objection, sealed items; and on the way out, an S-flagged person's location removed.
import type { Resource } from '@joinedup/fhir';
import type { Queryable } from '../platform/db.ts';
import type { Migration } from '../platform/migrate.ts';
import type { Bind, FilteredRows, RowFilter, ShapedVersion } from '../fhir/store/row-filter.ts';
import { and, or } from '../fhir/search/sql-fragment.ts';
import { ODS_CODE_SYSTEM } from './audit/audit.events.ts';
import type { Principal } from './principal.ts';
import { narrowingCondition, type Narrowing } from './scope-narrowing.ts';
import {
  ITEM_CATEGORIES,
  PATIENT_VISIBLE,
  POLICY_MATRIX,
  roleGroupOf,
  type ItemCategory,
  type RoleGroup,
} from './policy.rules.ts';
import {
  CATEGORY_TAG_SYSTEM,
  CONFIDENTIALITY_SYSTEM,
  REDACTED_LABEL,
  SEALED_LABELS,
  SENSITIVITY_SYSTEM,
} from './labels.ts';

/** The category of a resource type (ADR 8's matrix columns); a `meta.tag` in CATEGORY_TAG_SYSTEM overrides it. */
export const TYPE_CATEGORIES: Readonly<Record<string, ItemCategory>> = {
  Patient: 'demographics',
  Person: 'demographics',
  RelatedPerson: 'demographics',
  Appointment: 'appointments',
  AppointmentResponse: 'appointments',
  CarePlan: 'care-plan',
  CareTeam: 'care-plan',
  Goal: 'care-plan',
};
const DEMOGRAPHICS = Object.keys(TYPE_CATEGORIES).filter((t) => TYPE_CATEGORIES[t] === 'demographics');

/**
 * The index rows that make a relationship between an organisation and a patient (domain.md 2.4 requirement 1):
 * registration (Patient.generalPractitioner, which counts for a GP practice only, as ADR 8 has it;
 * managingOrganization), an encounter or episode
 * there (ambulance incidents and 111 cases are Encounters at those services), a referral to it, a care team or
 * care plan naming it. Encounters count while open and for `encounterDays` after they end.
 */
export const RELATIONSHIP_REFERENCES: readonly (readonly [string, string])[] = [
  ['Patient', 'general-practitioner'],
  ['Patient', 'organization'],
  ['Encounter', 'service-provider'],
  ['EpisodeOfCare', 'organization'],
  ['ServiceRequest', 'performer'],
  ['CareTeam', 'participant'],
  ['CarePlan', 'performer'],
];

export interface VisibilityOptions {
  now: () => Date;
  /** How long after an encounter ends it still makes a relationship (JOINEDUP_RELATIONSHIP_DAYS, ⚠ ADR 12). */
  encounterDays: number;
}

const IN_LIST = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
const SENSITIVITY_CODES = SEALED_LABELS.filter((l) => l.system === SENSITIVITY_SYSTEM).map((l) => l.code);
const CONFIDENTIALITY_CODES = SEALED_LABELS.filter((l) => l.system === CONFIDENTIALITY_SYSTEM).map((l) => l.code);

/**
 * The filter's tests, as functions the statements call (ADR 12): a statement plans a call, not the tests' joins
 * (planning them inline cost more than running them), and a call on the statement's one patient is a one-time
 * filter. PL/pgSQL, so that none is inlined back, and each keeps its plans for the session. Each starts from the
 * key and works outwards (the person through the master patient index, then each of their Patients' own index
 * rows), never from everything an organisation is related to. The lists come from the constants above: changing
 * one needs a migration that replaces the function.
 */
export const visibilityMigrations: Migration[] = [
  {
    id: 'access-visibility-001',
    sql: `
-- (Statements end with a semicolon at the end of a line: inside a body, none does.)
-- The persons a stored key belongs to: its Patient's person, or a Person's own.
CREATE FUNCTION access_persons(k text) RETURNS text[] LANGUAGE plpgsql STABLE AS $$
BEGIN IF k LIKE 'Person/%' THEN RETURN ARRAY[substr(k, 8)]; END IF; RETURN ARRAY(SELECT person_id FROM mpi_record WHERE patient_id = k); END $$;

-- Whether an organisation (by ODS code) has a relationship with the person of a key: a reference to it, literal
-- or by identifier, from any of the person's Patients' records of the kinds that make one; encounters since 'since';
-- a registration (general-practitioner) only when the organisation is a GP practice ('gp').
CREATE FUNCTION access_related(k text, ods text, since timestamptz, gp boolean) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM mpi_record b
     WHERE b.person_id = ANY(access_persons(k))
       AND EXISTS (
         SELECT 1 FROM patient_sp_reference x
          WHERE x.patient_key = b.patient_id
            AND (x.resource_type, x.param) IN (${RELATIONSHIP_REFERENCES.map(([t, p]) => `('${t}', '${p}')`).join(', ')})
            AND (gp OR x.param <> 'general-practitioner')
            AND ((x.target_type = 'Organization' AND x.target_id IN (
                    SELECT o.id FROM shared_sp_token o
                     WHERE o.resource_type = 'Organization' AND o.param = 'identifier' AND o.code = ods AND o.system = '${ODS_CODE_SYSTEM}'))
                 OR (x.identifier_value = ods AND x.identifier_system = '${ODS_CODE_SYSTEM}'))
            AND (x.resource_type <> 'Encounter' OR EXISTS (
                  SELECT 1 FROM patient_sp_date d
                   WHERE d.patient_key = x.patient_key AND d.resource_type = 'Encounter' AND d.id = x.id
                     AND d.param = 'date' AND d.high >= since))
          OFFSET 0)); END $$;

-- Whether a user holds a live claim (of a kind, or any when kind is null) for the person of a key.
CREATE FUNCTION access_claimed(k text, user_id text, at timestamptz, kind text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM mpi_record b JOIN access_claim c ON c.patient_id = b.patient_id
     WHERE b.person_id = ANY(access_persons(k)) AND c.user_id = access_claimed.user_id
       AND (access_claimed.kind IS NULL OR c.kind = access_claimed.kind)
       AND c.started_at <= at AND c.expires_at > at); END $$;

-- Whether the person of a key objects to sharing.
CREATE FUNCTION access_objecting(k text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM mpi_record b JOIN access_objection o ON o.patient_id = b.patient_id
     WHERE b.person_id = ANY(access_persons(k))); END $$;

-- Whether a stored resource came from an organisation (its meta.source).
CREATE FUNCTION access_from_source(pk text, rt text, rid text, ods text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM patient_sp_uri u
     WHERE u.patient_key = pk AND u.resource_type = rt AND u.id = rid AND u.param = '_source' AND u.value = ods); END $$;

-- Whether a stored resource is sealed: a legally restricted category, or confidentiality R or V.
CREATE FUNCTION access_sealed(pk text, rt text, rid text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM patient_sp_token s
     WHERE s.patient_key = pk AND s.resource_type = rt AND s.id = rid AND s.param = '_security'
       AND ((s.system = '${SENSITIVITY_SYSTEM}' AND s.code IN (${IN_LIST(SENSITIVITY_CODES)}))
            OR (s.system = '${CONFIDENTIALITY_SYSTEM}' AND s.code IN (${IN_LIST(CONFIDENTIALITY_CODES)})))); END $$;

-- Whether the person of a key is PDS-restricted: any of their Patients carries confidentiality R (the S flag).
CREATE FUNCTION access_restricted(k text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM mpi_record b JOIN patient_sp_token s
        ON s.patient_key = b.patient_id AND s.resource_type = 'Patient' AND s.id = b.patient_id
     WHERE b.person_id = ANY(access_persons(k))
       AND s.param = '_security' AND s.code = 'R' AND s.system = '${CONFIDENTIALITY_SYSTEM}'); END $$;
`,
  },
  {
    // Planning, not running, was most of what the tests cost: with a custom plan for each call's values, a
    // relationship test planned in 0.5 ms what it ran in 0.1 ms. Every test is an index probe from one key, which
    // one generic plan serves whatever the values, so each keeps one plan for the session (ADR 13). And a member of
    // staff's look-up of a patient is one function, one plan: the relationship, the objection, the S flag and the
    // user's live claim.
    id: 'access-visibility-002',
    sql: `
${['access_persons(text)', 'access_related(text, text, timestamptz, boolean)', 'access_claimed(text, text, timestamptz, text)', 'access_objecting(text)', 'access_from_source(text, text, text, text)', 'access_sealed(text, text, text)', 'access_restricted(text)'].map((f) => `ALTER FUNCTION ${f} SET plan_cache_mode = force_generic_plan;`).join('\n')}
CREATE FUNCTION access_staff_lookup(k text, ods text, since timestamptz, gp boolean, user_id text, at timestamptz)
  RETURNS TABLE (related boolean, objecting boolean, restricted boolean, kind text, reason_code text, justification text)
  LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  RETURN QUERY SELECT access_related(k, ods, since, gp), access_objecting(k), access_restricted(k), c.kind, c.reason_code, c.justification
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (
      SELECT c.kind, c.reason_code, c.justification
        FROM mpi_record b JOIN access_claim c ON c.patient_id = b.patient_id
       WHERE b.person_id = ANY(access_persons(k)) AND c.user_id = access_staff_lookup.user_id
         AND c.started_at <= at AND c.expires_at > at
       ORDER BY (c.kind = 'break-glass') DESC, c.started_at DESC
       LIMIT 1) c ON true; END $$;
`,
  },
  {
    // The look-up again, as one body: the person's Patients found once rather than once for each test (each test
    // was a function that found them again), and no function called inside another. Same answers (the differential
    // tests hold it to the reference table); a quarter less time on PGlite (ADR 13).
    id: 'access-visibility-003',
    sql: `
CREATE OR REPLACE FUNCTION access_staff_lookup(k text, ods text, since timestamptz, gp boolean, user_id text, at timestamptz)
  RETURNS TABLE (related boolean, objecting boolean, restricted boolean, kind text, reason_code text, justification text)
  LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
DECLARE patients text[]; BEGIN
  patients := ARRAY(
    SELECT a.patient_id FROM mpi_record a
     WHERE a.person_id = ANY(CASE WHEN k LIKE 'Person/%' THEN ARRAY[substr(k, 8)]
                                  ELSE ARRAY(SELECT b.person_id FROM mpi_record b WHERE b.patient_id = k) END))
  ; RETURN QUERY SELECT
    EXISTS (
      SELECT 1 FROM patient_sp_reference x
       WHERE x.patient_key = ANY(patients)
         AND (x.resource_type, x.param) IN (${RELATIONSHIP_REFERENCES.map(([t, p]) => `('${t}', '${p}')`).join(', ')})
         AND (gp OR x.param <> 'general-practitioner')
         AND ((x.target_type = 'Organization' AND x.target_id IN (
                 SELECT o.id FROM shared_sp_token o
                  WHERE o.resource_type = 'Organization' AND o.param = 'identifier' AND o.code = ods AND o.system = '${ODS_CODE_SYSTEM}'))
              OR (x.identifier_value = ods AND x.identifier_system = '${ODS_CODE_SYSTEM}'))
         AND (x.resource_type <> 'Encounter' OR EXISTS (
               SELECT 1 FROM patient_sp_date d
                WHERE d.patient_key = x.patient_key AND d.resource_type = 'Encounter' AND d.id = x.id
                  AND d.param = 'date' AND d.high >= since))),
    EXISTS (SELECT 1 FROM access_objection o WHERE o.patient_id = ANY(patients)),
    EXISTS (
      SELECT 1 FROM patient_sp_token s
       WHERE s.patient_key = ANY(patients) AND s.resource_type = 'Patient' AND s.id = s.patient_key
         AND s.param = '_security' AND s.code = 'R' AND s.system = '${CONFIDENTIALITY_SYSTEM}'),
    c.kind, c.reason_code, c.justification
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (
      SELECT c.kind, c.reason_code, c.justification
        FROM access_claim c
       WHERE c.patient_id = ANY(patients) AND c.user_id = access_staff_lookup.user_id
         AND c.started_at <= at AND c.expires_at > at
       ORDER BY (c.kind = 'break-glass') DESC, c.started_at DESC
       LIMIT 1) c ON true; END $$;
`,
  },
];

/** The row filter of a principal: what the FHIR engine lets them see and change (ADR 12). */
export function rowFilterFor(
  principal: Principal,
  options: VisibilityOptions & {
    /** What the principal's search-narrowed scopes let through, type by type (scope-narrowing.ts `narrowingOf`). */
    narrowing: Narrowing;
  },
): VisibilityFilter {
  // What this request has learnt of each patient it narrowed a statement to (RowFilter.prepare): one look-up per
  // patient and request, and the statements then carry constants rather than the tests.
  const known = new Map<string, Known>();
  const knownOf = (rows: FilteredRows) => (rows.patientKey === undefined ? undefined : known.get(rows.patientKey));
  // One instant for the whole request: the look-ups and the statements judge claims and encounters alike.
  const now = options.now();
  const since = new Date(now.getTime() - options.encounterDays * 86_400_000);
  const prepare = async (q: Queryable, key: string): Promise<boolean> => {
    if (known.has(key)) return false;
    known.set(key, await lookUp(q, principal, key, now, since));
    return true;
  };
  const claimOf = (key: string) => known.get(key)?.claim;
  const shape = <T extends ShapedVersion>(q: Queryable, versions: readonly T[]) =>
    redactRestricted(q, versions, (key) => known.get(key)?.restricted);
  const narrowing = options.narrowing;
  const narrowed =
    (condition: (rows: FilteredRows, bind: Bind) => string) =>
    (rows: FilteredRows, bind: Bind): string => {
      const own = condition(rows, bind);
      return own === 'FALSE' ? own : and([own, narrowingCondition(narrowing, rows, bind)]);
    };
  switch (principal.kind) {
    case 'system':
      return {
        condition: narrowed((rows, bind) =>
          rows.write ? 'TRUE' : systemCondition(rows, bind, principal.source, knownOf(rows)),
        ),
        prepare,
        shape,
        claimOf,
      };
    case 'patient':
      return {
        condition: narrowed((rows, bind) => patientCondition(rows, bind, principal.patient, knownOf(rows))),
        prepare,
        shape,
        claimOf,
      };
    case 'staff': {
      const group = roleGroupOf(principal.roleCode);
      return {
        condition: narrowed((rows, bind) =>
          group ? staffCondition(rows, bind, principal, group, { now, since }, knownOf(rows)) : 'FALSE',
        ),
        prepare,
        shape,
        claimOf,
      };
    }
  }
}

/** A live claim of the user's for a patient's person, as the audit records it. */
export interface KnownClaim {
  kind: 'break-glass' | 'self-claimed';
  reasonCode: string;
  justification: string | null;
}

/** The row filter, and what it learnt of each patient for the request's audit. */
export interface VisibilityFilter extends RowFilter {
  /** The user's live claim for a patient it looked up: null for none, undefined when it did not look. */
  claimOf(patientKey: string): KnownClaim | null | undefined;
}

interface Known {
  /** Staff: the organisation has a relationship with the person. */
  related: boolean;
  /** Patient: the key is of their own person. */
  own: boolean;
  objecting: boolean;
  /** Staff: the user's live claim (break-glass first), or null. */
  claim: KnownClaim | null;
  /** The person is PDS-restricted (S flag). */
  restricted: boolean;
}

// One statement: every test of the filter for one patient's key, for this principal.
async function lookUp(q: Queryable, principal: Principal, key: string, now: Date, since: Date): Promise<Known> {
  if (principal.kind === 'staff') {
    const [row] = await q.query<{
      related: boolean;
      objecting: boolean;
      restricted: boolean;
      kind: 'break-glass' | 'self-claimed' | null;
      reason_code: string | null;
      justification: string | null;
    }>(
      'SELECT related, objecting, restricted, kind, reason_code, justification FROM access_staff_lookup($1, $2, $3, $4, $5, $6)',
      [
        key,
        principal.organisation.odsCode,
        since.toISOString(),
        principal.organisation.kind === 'gp-practice',
        principal.userId,
        now.toISOString(),
      ],
    );
    return {
      related: row?.related === true,
      own: false,
      objecting: row?.objecting !== false,
      restricted: row?.restricted !== false,
      claim:
        row?.kind && row.reason_code
          ? { kind: row.kind, reasonCode: row.reason_code, justification: row.justification }
          : null,
    };
  }
  if (principal.kind === 'patient') {
    const [row] = await q.query<{ own: boolean; restricted: boolean }>(
      'SELECT coalesce(access_persons($1) && access_persons($2), false) AS own, access_restricted($1) AS restricted',
      [key, principal.patient ?? ''],
    );
    return {
      related: false,
      own: row?.own === true,
      objecting: false,
      claim: null,
      restricted: row?.restricted !== false,
    };
  }
  const [row] = await q.query<{ objecting: boolean; restricted: boolean }>(
    'SELECT access_objecting($1) AS objecting, access_restricted($1) AS restricted',
    [key],
  );
  return {
    related: false,
    own: false,
    objecting: row?.objecting !== false,
    claim: null,
    restricted: row?.restricted !== false,
  };
}

// The key the rows are stored under: the statement's one patient, bound once, where the engine says it reads only
// theirs (so that each test below is a one-time filter of the statement), else each row's own.
function keyOf(rows: FilteredRows, bind: Bind): () => string {
  if (rows.patientKey === undefined) return () => `${rows.alias}.patient_key`;
  const patientKey = rows.patientKey;
  // Bound on first use only: a statement may not carry a value it never reads.
  let bound: string | undefined;
  return () => (bound ??= bind(patientKey, 'text'));
}

/** A test of the key, run once for the statement when the key is its one patient's (an InitPlan), else per row. */
function once(rows: FilteredRows, test: string): string {
  return rows.patientKey === undefined ? test : `(SELECT ${test})`;
}

// A system reads every patient's rows but sealed ones and, of an objecting person, only its own (ADR 8).
function systemCondition(rows: FilteredRows, bind: Bind, source: string | undefined, known: Known | undefined): string {
  if (rows.scope === 'shared') return 'TRUE';
  return and([notSealed(rows), objectionHonoured(rows, bind, keyOf(rows, bind), source, undefined, known?.objecting)]);
}

// A patient reads their own person's rows, in the categories a patient sees, never sealed ones; writes nothing.
function patientCondition(
  rows: FilteredRows,
  bind: Bind,
  patientId: string | undefined,
  known: Known | undefined,
): string {
  if (patientId === undefined || rows.write) return 'FALSE';
  if (rows.scope === 'shared') return 'TRUE';
  if (known && !known.own) return 'FALSE';
  const own = known
    ? 'TRUE'
    : once(rows, `access_persons(${keyOf(rows, bind)()}) && access_persons(${bind(patientId, 'text')})`);
  return and([own, categoryIn(rows, bind, PATIENT_VISIBLE), notSealed(rows)]);
}

function staffCondition(
  rows: FilteredRows,
  bind: Bind,
  principal: Extract<Principal, { kind: 'staff' }>,
  group: RoleGroup,
  { now, since }: { now: Date; since: Date },
  known: Known | undefined,
): string {
  if (rows.scope === 'shared') return 'TRUE';
  const allowed = ITEM_CATEGORIES.filter((c) => POLICY_MATRIX[group][c].length > 0);
  const r = rows.alias;
  const ods = principal.organisation.odsCode;
  const key = keyOf(rows, bind);
  const at = () => bind(now.toISOString(), 'timestamptz');
  // Bound only where used: a statement may not carry a value it never reads.
  const related = () => {
    if (known) return known.related || known.claim !== null ? 'TRUE' : 'FALSE';
    return once(
      rows,
      `(access_related(${key()}, ${bind(ods, 'text')}, ${bind(since.toISOString(), 'timestamptz')}, ${principal.organisation.kind === 'gp-practice' ? 'TRUE' : 'FALSE'}) OR access_claimed(${key()}, ${bind(principal.userId, 'text')}, ${at()}, NULL))`,
    );
  };
  // Finding a person needs the role only (ADR 8): demographics are read without a relationship, and writes
  // (which only care plans and MHA documents allow) need one whatever the type.
  const types = rows.types;
  let relationship: string;
  if (rows.write) relationship = related();
  else if (types !== undefined && types.every((t) => DEMOGRAPHICS.includes(t))) relationship = 'TRUE';
  else if (types !== undefined && types.every((t) => !DEMOGRAPHICS.includes(t))) relationship = related();
  else relationship = `(${r}.resource_type = ANY(${bind(DEMOGRAPHICS, 'text[]')}) OR ${related()})`;
  const breakGlass = () =>
    known
      ? known.claim?.kind === 'break-glass'
        ? 'TRUE'
        : 'FALSE'
      : once(rows, `access_claimed(${key()}, ${bind(principal.userId, 'text')}, ${at()}, 'break-glass')`);
  if (relationship === 'FALSE') return 'FALSE';
  return and([
    categoryIn(rows, bind, allowed),
    relationship,
    rows.write ? 'TRUE' : objectionHonoured(rows, bind, key, ods, breakGlass(), known?.objecting),
    rows.write ? 'TRUE' : notSealed(rows),
  ]);
}

// An objecting person's rows are seen only by the organisation they came from (their `meta.source`), or under
// break-glass (ADR 8; domain.md 1.7).
function objectionHonoured(
  rows: FilteredRows,
  bind: Bind,
  key: () => string,
  ods: string | undefined,
  breakGlass: string | undefined,
  objecting: boolean | undefined,
): string {
  if (objecting === false || breakGlass === 'TRUE') return 'TRUE';
  const r = rows.alias;
  const exceptions: string[] = [];
  if (ods !== undefined) {
    const value = bind(ods, 'text');
    exceptions.push(
      rows.history
        ? `(${r}.content::jsonb #>> '{meta,source}') = ${value}`
        : `access_from_source(${r}.patient_key, ${r}.resource_type, ${r}.id, ${value})`,
    );
  }
  if (breakGlass !== undefined && breakGlass !== 'FALSE') exceptions.push(breakGlass);
  return or([objecting ? 'FALSE' : once(rows, `NOT access_objecting(${key()})`), ...exceptions]);
}

// Sealed: a legally restricted category or R/V confidentiality (ADR 8). On a Patient, R is the PDS S flag, which
// redacts rather than seals. Old versions are judged by their own labels.
function notSealed(rows: FilteredRows): string {
  const r = rows.alias;
  const notPatient = `${r}.resource_type <> 'Patient'`;
  if (rows.history) {
    const labels = SEALED_LABELS.map(
      (l) => `coalesce(${r}.content::jsonb -> 'meta' -> 'security', '[]'::jsonb) @> '[${JSON.stringify(l)}]'::jsonb`,
    );
    return `NOT (${notPatient} AND ${r}.content IS NOT NULL AND (${labels.join(' OR ')}))`;
  }
  // Most rows carry no label at all: their text says so before any index is read.
  return `coalesce(strpos(${r}.content, '"security"'), 0) = 0 OR ${r}.resource_type = 'Patient' OR NOT access_sealed(${r}.patient_key, ${r}.resource_type, ${r}.id)`;
}

// The row's category is its tag's, else its type's (clinical for types not listed).
function categoryIn(rows: FilteredRows, bind: Bind, allowed: readonly ItemCategory[]): string {
  if (ITEM_CATEGORIES.every((c) => allowed.includes(c))) return 'TRUE';
  const r = rows.alias;
  const listed = Object.keys(TYPE_CATEGORIES);
  const byType = allowed.includes('clinical')
    ? `${r}.resource_type <> ALL(${bind(
        listed.filter((t) => !allowed.includes(TYPE_CATEGORIES[t]!)),
        'text[]',
      )})`
    : `${r}.resource_type = ANY(${bind(
        listed.filter((t) => allowed.includes(TYPE_CATEGORIES[t]!)),
        'text[]',
      )})`;
  const tag = (codes: string) =>
    rows.history
      ? `EXISTS (SELECT 1 FROM jsonb_array_elements(${r}.content::jsonb -> 'meta' -> 'tag') t WHERE t ->> 'system' = '${CATEGORY_TAG_SYSTEM}'${codes ? ` AND t ->> 'code' = ANY(${codes})` : ''})`
      : `EXISTS (SELECT 1 FROM patient_sp_token g WHERE g.patient_key = ${r}.patient_key AND g.resource_type = ${r}.resource_type AND g.id = ${r}.id AND g.param = '_tag' AND g.system = '${CATEGORY_TAG_SYSTEM}'${codes ? ` AND g.code = ANY(${codes})` : ''})`;
  return `CASE WHEN ${tag('')} THEN ${tag(bind([...allowed], 'text[]'))} ELSE ${byType} END`;
}

/** What an S-flagged person's resources lose on the way out, for everyone (ADR 8; domain.md 1.6 requirement 4). */
const LOCATION_ELEMENTS: Readonly<Record<string, readonly string[]>> = {
  Patient: ['address', 'telecom', 'generalPractitioner'],
  RelatedPerson: ['address', 'telecom'],
  Encounter: ['location'],
  Appointment: ['location'],
};

// A person is restricted when any of their Patients carries the PDS S flag (confidentiality R on the Patient).
async function redactRestricted<T extends ShapedVersion>(
  db: Queryable,
  versions: readonly T[],
  knownRestricted: (key: string) => boolean | undefined,
): Promise<T[]> {
  // Only the types that hold a location can lose one: nothing to look up for the rest.
  const keys = [
    ...new Set(
      versions
        .filter((v) => v.patientKey !== '' && v.content && LOCATION_ELEMENTS[v.resourceType])
        .map((v) => v.patientKey),
    ),
  ];
  if (keys.length === 0) return [...versions];
  // What the request already looked up is not looked up again.
  const restricted = new Set(keys.filter((k) => knownRestricted(k) === true));
  const unknown = keys.filter((k) => knownRestricted(k) === undefined);
  if (unknown.length > 0) {
    const rows = await db.query<{ key: string }>(
      'SELECT k.key FROM unnest($1::text[]) AS k(key) WHERE access_restricted(k.key)',
      [unknown],
    );
    for (const r of rows) restricted.add(r.key);
  }
  if (restricted.size === 0) return [...versions];
  return versions.map((v) => {
    const remove = LOCATION_ELEMENTS[v.resourceType];
    if (!v.content || !restricted.has(v.patientKey) || !remove) return v;
    const resource = JSON.parse(v.content) as Resource & Record<string, unknown> & { contact?: object[] };
    for (const element of remove) delete resource[element];
    if (v.resourceType === 'Patient' && Array.isArray(resource.contact)) {
      resource.contact = resource.contact.map((c) => {
        const { address: _a, telecom: _t, ...rest } = c as Record<string, unknown>;
        void _a;
        void _t;
        return rest;
      });
    }
    const meta = (resource.meta ??= {});
    meta.security = [...(meta.security ?? []), REDACTED_LABEL];
    return { ...v, content: JSON.stringify(resource) };
  });
}
