// Which rows of the record a caller may see, as the SQL the FHIR engine adds to every statement it runs for them
// (ADR 12, the data-layer half of ADR 11). It is ADR 8's policy (policy.rules.ts) over whole tables rather than one
// item: the role's categories, a relationship with the person (derived from the record at read time, or claimed),
// the person's objection, sealed items; and on the way out, an S-flagged person's location removed.
import type { Resource } from '@joinedup/fhir';
import type { Queryable } from '../platform/db.ts';
import type { Bind, FilteredRows, RowFilter, ShapedVersion } from '../fhir/store/row-filter.ts';
import type { Principal } from './principal.ts';
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

export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

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
 * registration (Patient.generalPractitioner at a GP practice, managingOrganization), an encounter or episode
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

/** The row filter of a principal: what the FHIR engine lets them see and change (ADR 12). */
export function rowFilterFor(principal: Principal, options: VisibilityOptions): RowFilter {
  const shape = <T extends ShapedVersion>(q: Queryable, versions: readonly T[]) => redactRestricted(q, versions);
  switch (principal.kind) {
    case 'system':
      return {
        condition: (rows, bind) => (rows.write ? 'TRUE' : systemCondition(rows, bind, principal.source)),
        shape,
      };
    case 'patient':
      return { condition: (rows, bind) => patientCondition(rows, bind, principal.patient), shape };
    case 'staff': {
      const group = roleGroupOf(principal.roleCode);
      return {
        condition: (rows, bind) => (group ? staffCondition(rows, bind, principal, group, options) : 'FALSE'),
        shape,
      };
    }
  }
}

// A system reads every patient's rows but sealed ones and, of an objecting person, only its own (ADR 8).
function systemCondition(rows: FilteredRows, bind: Bind, source: string | undefined): string {
  if (rows.scope === 'shared') return 'TRUE';
  return and([notSealed(rows), objectionHonoured(rows, bind, source, undefined)]);
}

// A patient reads their own person's rows, in the categories a patient sees, never sealed ones; writes nothing.
function patientCondition(rows: FilteredRows, bind: Bind, patientId: string | undefined): string {
  if (patientId === undefined || rows.write) return 'FALSE';
  if (rows.scope === 'shared') return 'TRUE';
  const r = rows.alias;
  const own = `${r}.patient_key IN (${personKeys(`SELECT ${bind(patientId, 'text')}`)})`;
  return and([own, categoryIn(rows, bind, PATIENT_VISIBLE), notSealed(rows)]);
}

function staffCondition(
  rows: FilteredRows,
  bind: Bind,
  principal: Extract<Principal, { kind: 'staff' }>,
  group: RoleGroup,
  options: VisibilityOptions,
): string {
  const allowed = ITEM_CATEGORIES.filter((c) => POLICY_MATRIX[group][c].length > 0);
  if (rows.scope === 'shared') return 'TRUE';
  const r = rows.alias;
  const now = options.now();
  const ods = principal.organisation.odsCode;
  // Bound only where used: a statement may not carry a value it never reads.
  const related = () => `${r}.patient_key IN (${relatedKeys(bind, ods, principal.userId, now, options.encounterDays)})`;
  // Finding a person needs the role only (ADR 8): demographics are read without a relationship, and writes
  // (which only care plans and MHA documents allow) need one whatever the type.
  const types = rows.types;
  let relationship: string;
  if (rows.write) relationship = related();
  else if (types !== undefined && types.every((t) => DEMOGRAPHICS.includes(t))) relationship = 'TRUE';
  else if (types !== undefined && types.every((t) => !DEMOGRAPHICS.includes(t))) relationship = related();
  else relationship = `(${r}.resource_type = ANY(${bind(DEMOGRAPHICS, 'text[]')}) OR ${related()})`;
  return and([
    categoryIn(rows, bind, allowed),
    relationship,
    rows.write ? 'TRUE' : objectionHonoured(rows, bind, ods, claimKeys(bind, principal.userId, now, 'break-glass')),
    rows.write ? 'TRUE' : notSealed(rows),
  ]);
}

/** Every key of the persons of the patients `patients` selects: their Patients' keys, and the Persons' own. */
function personKeys(patients: string): string {
  return `SELECT b.patient_id FROM mpi_record a JOIN mpi_record b ON b.person_id = a.person_id WHERE a.patient_id IN (${patients})
   UNION ALL SELECT 'Person/' || a.person_id FROM mpi_record a WHERE a.patient_id IN (${patients})
   UNION ALL ${patients}`;
}

// The patients an organisation has a relationship with, and those the user has a live claim for, as keys of
// their persons. The organisation's Organization resources are found by ODS code; a reference names one either
// literally or by identifier.
function relatedKeys(bind: Bind, ods: string, userId: string, now: Date, encounterDays: number): string {
  const odsValue = bind(ods, 'text');
  const organisations = `SELECT o.id FROM shared_sp_token o WHERE o.resource_type = 'Organization' AND o.param = 'identifier' AND o.code = ${odsValue} AND o.system = '${ODS_SYSTEM}'`;
  const kinds = RELATIONSHIP_REFERENCES.map(([type, param]) => `('${type}', '${param}')`).join(', ');
  const since = bind(new Date(now.getTime() - encounterDays * 86_400_000).toISOString(), 'timestamptz');
  const recent = `(x.resource_type <> 'Encounter' OR EXISTS (SELECT 1 FROM patient_sp_date d WHERE d.patient_key = x.patient_key AND d.resource_type = 'Encounter' AND d.id = x.id AND d.param = 'date' AND d.high >= ${since}))`;
  const derived = `SELECT x.patient_key FROM patient_sp_reference x
     WHERE (x.resource_type, x.param) IN (${kinds})
       AND ((x.target_type = 'Organization' AND x.target_id IN (${organisations}))
            OR (x.identifier_value = ${odsValue} AND x.identifier_system = '${ODS_SYSTEM}'))
       AND ${recent}`;
  const claimed = `SELECT c.patient_id FROM access_claim c WHERE c.user_id = ${bind(userId, 'text')} AND c.started_at <= ${bind(now.toISOString(), 'timestamptz')} AND c.expires_at > ${bind(now.toISOString(), 'timestamptz')}`;
  return personKeys(`${derived} UNION ALL ${claimed}`);
}

function claimKeys(bind: Bind, userId: string, now: Date, kind: 'break-glass'): string {
  const at = bind(now.toISOString(), 'timestamptz');
  return personKeys(
    `SELECT c.patient_id FROM access_claim c WHERE c.user_id = ${bind(userId, 'text')} AND c.kind = '${kind}' AND c.started_at <= ${at} AND c.expires_at > ${at}`,
  );
}

// An objecting person's rows are seen only by the organisation they came from (their `meta.source`), or under
// break-glass (ADR 8; domain.md 1.7).
function objectionHonoured(
  rows: FilteredRows,
  bind: Bind,
  ods: string | undefined,
  breakGlass: string | undefined,
): string {
  const r = rows.alias;
  const objecting = personKeys('SELECT o.patient_id FROM access_objection o');
  const exceptions: string[] = [];
  if (ods !== undefined) {
    const value = bind(ods, 'text');
    exceptions.push(
      rows.history
        ? `(${r}.content::jsonb #>> '{meta,source}') = ${value}`
        : `EXISTS (SELECT 1 FROM patient_sp_uri u WHERE u.patient_key = ${r}.patient_key AND u.resource_type = ${r}.resource_type AND u.id = ${r}.id AND u.param = '_source' AND u.value = ${value})`,
    );
  }
  if (breakGlass !== undefined) exceptions.push(`${r}.patient_key IN (${breakGlass})`);
  return or([`${r}.patient_key NOT IN (${objecting})`, ...exceptions]);
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
  const byCode = (system: string, codes: readonly string[]) =>
    `(s.system = '${system}' AND s.code IN (${codes.map((c) => `'${c}'`).join(', ')}))`;
  const sensitivity = SEALED_LABELS.filter((l) => l.system === SENSITIVITY_SYSTEM).map((l) => l.code);
  const confidentiality = SEALED_LABELS.filter((l) => l.system === CONFIDENTIALITY_SYSTEM).map((l) => l.code);
  return `(${notPatient} AND EXISTS (SELECT 1 FROM patient_sp_token s WHERE s.patient_key = ${r}.patient_key AND s.resource_type = ${r}.resource_type AND s.id = ${r}.id AND s.param = '_security' AND (${byCode(SENSITIVITY_SYSTEM, sensitivity)} OR ${byCode(CONFIDENTIALITY_SYSTEM, confidentiality)}))) IS NOT TRUE`;
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

function and(parts: readonly string[]): string {
  const list = parts.filter((p) => p !== 'TRUE');
  if (list.length === 0) return 'TRUE';
  return list.map((p) => `(${p})`).join(' AND ');
}

function or(parts: readonly string[]): string {
  return parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(' OR ');
}

/** What an S-flagged person's resources lose on the way out, for everyone (ADR 8; domain.md 1.6 requirement 4). */
const LOCATION_ELEMENTS: Readonly<Record<string, readonly string[]>> = {
  Patient: ['address', 'telecom', 'generalPractitioner'],
  RelatedPerson: ['address', 'telecom'],
  Encounter: ['location'],
  Appointment: ['location'],
};

// A person is restricted when any of their Patients carries the PDS S flag (confidentiality R on the Patient).
async function redactRestricted<T extends ShapedVersion>(db: Queryable, versions: readonly T[]): Promise<T[]> {
  const keys = [...new Set(versions.filter((v) => v.patientKey !== '' && v.content).map((v) => v.patientKey))];
  if (keys.length === 0) return [...versions];
  const rows = await db.query<{ key: string }>(
    `SELECT k.key FROM unnest($1::text[]) AS k(key)
      WHERE EXISTS (SELECT 1 FROM patient_sp_token s
                     WHERE s.resource_type = 'Patient' AND s.param = '_security' AND s.code = 'R'
                       AND s.system = '${CONFIDENTIALITY_SYSTEM}' AND s.id = s.patient_key
                       AND s.patient_key IN (${personKeys('SELECT k.key')}))`,
    [keys],
  );
  if (rows.length === 0) return [...versions];
  const restricted = new Set(rows.map((r) => r.key));
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
