// The access policy of docs/adr/0008-access-decisions.md written a second time, as a reference table, for the
// differential test (reliability-matrix row 13). It shares no code with policy.rules.ts beyond the input and
// output types: the request is first reduced to a handful of dimensions (who asks, what claim they hold, which
// purpose, what the scopes say, which cell of the matrix), then the first row of RULES that matches decides.
// Change the policy here and in the ADR first, then make the engine agree.
import type { AccessDecision, AccessRequest, DenyReason, InvalidReason, PrivacyAlert } from './policy.rules.ts';
import type { ResourceScope } from './principal.ts';

type Who =
  | 'unknown-kind'
  | 'no-role'
  | 'unlisted-role'
  | 'clinician'
  | 'social-worker'
  | 'admin'
  | 'mha-administrator'
  | 'student'
  | 'privacy-officer'
  | 'patient-not-p9'
  | 'patient-other-record'
  | 'patient'
  | 'system';
type Claim =
  'none' | 'derived' | 'sc' | 'sc-emergency' | 'sc-bad-reason' | 'sc-no-text' | 'bg' | 'bg-bad-reason' | 'bg-no-text';
type Purpose = 'TREAT' | 'ETREAT' | 'HOPERAT' | 'PATRQT' | 'other';
type Scope = 'none' | 'whole' | 'narrowed';
type Act = 'read' | 'search' | 'create' | 'update' | 'delete' | 'other';
type Cat =
  | 'demographics'
  | 'clinical'
  | 'appointments'
  | 'social-care'
  | 'safeguarding'
  | 'mental-health-act'
  | 'care-plan'
  | 'other';
/** Staff only: the matrix cell for (role group, category) is empty, lacks the action, or holds it. */
type Cell = 'empty' | 'lacks-action' | 'has-action' | 'n/a';

interface Dimensions {
  who: Who;
  claim: Claim;
  purpose: Purpose;
  scope: Scope;
  act: Act;
  cat: Cat;
  cell: Cell;
  sealed: boolean;
  /** The patient objects and the item's source is not the requester's organisation. */
  foreign: boolean;
}

// ---- The reference data (ADR 0008, "Role groups" and "The matrix") ----

const ROLE_CODES: Readonly<Record<string, Who>> = {
  R8000: 'clinician',
  R8001: 'clinician',
  R8002: 'clinician',
  R8003: 'clinician',
  R8016: 'clinician',
  R8017: 'clinician',
  R0260: 'clinician',
  R1290: 'clinician',
  R1975: 'clinician',
  R8014: 'social-worker',
  R8006: 'admin',
  R8008: 'admin',
  R8009: 'admin',
  R8010: 'admin',
  R8011: 'admin',
  R6100: 'mha-administrator',
  R8004: 'student',
  R0001: 'privacy-officer',
};

// SMART letters: c create, r read, u update, d delete, s search; '' is nothing. Columns in MATRIX_COLUMNS order.
const MATRIX_COLUMNS: readonly Cat[] = [
  'demographics',
  'appointments',
  'clinical',
  'social-care',
  'safeguarding',
  'mental-health-act',
  'care-plan',
];
// Kept as a grid, as in the ADR, so that a row can be read against it at a glance.
// prettier-ignore
const MATRIX: Readonly<Record<string, readonly string[]>> = {
  //                   demographics appointments clinical social-care safeguarding MHA    care-plan
  clinician:           ['rs',        'rs',        'rs',    'rs',       'rs',        'crs', 'crus'],
  'social-worker':     ['rs',        'rs',        'rs',    'rs',       'rs',        'crs', 'crus'],
  admin:               ['rs',        'rs',        '',      '',         '',          '',    ''],
  'mha-administrator': ['rs',        'rs',        '',      '',         '',          'rs',  ''],
  student:             ['rs',        'rs',        'rs',    '',         '',          '',    'rs'],
  'privacy-officer':   ['rs',        '',          '',      '',         '',          '',    ''],
};
const LETTER: Readonly<Record<string, string>> = { create: 'c', read: 'r', update: 'u', delete: 'd', search: 's' };

const SELF_CLAIM_CODES = [
  'patient-present-consented',
  'direct-care-arranging',
  'mdt-review',
  'emergency-unable-to-consent',
  'safeguarding',
];
const BREAK_GLASS_CODES = ['unable-to-consent', 'life-threatening-emergency', 'risk-to-others'];
const HOUR = 3600_000;
const DERIVED_AT: Readonly<Record<string, string | undefined>> = {
  'registered-gp': 'gp-practice',
  'open-encounter': undefined,
  referral: undefined,
  'care-team': undefined,
  'shared-care-plan': undefined,
  'ambulance-incident': 'ambulance-service',
  'nhs111-case': 'nhs-111',
};

const BREAK_GLASS_ENTITLED: readonly Who[] = ['clinician', 'social-worker'];
const SELF_CLAIM_ENTITLED: readonly Who[] = ['clinician', 'social-worker', 'admin', 'mha-administrator'];
const CARE_STAFF: readonly Who[] = ['clinician', 'social-worker', 'admin', 'mha-administrator', 'student'];
const STAFF: readonly Who[] = [...CARE_STAFF, 'privacy-officer'];
const ANY_BG: readonly Claim[] = ['bg', 'bg-bad-reason', 'bg-no-text'];
const ANY_SC: readonly Claim[] = ['sc', 'sc-emergency', 'sc-bad-reason', 'sc-no-text'];
const LOOKING: readonly Act[] = ['read', 'search'];

// ---- The table: first matching row wins; a column left out matches anything ----

type Match<T> = readonly T[] | { not: readonly T[] };
interface Row {
  who?: Match<Who>;
  claim?: Match<Claim>;
  purpose?: Match<Purpose>;
  scope?: Match<Scope>;
  act?: Match<Act>;
  cat?: Match<Cat>;
  cell?: Match<Cell>;
  sealed?: boolean;
  foreign?: boolean;
  then: Then;
}
type Then = { deny: DenyReason; withheld?: true; refusedAlert?: true } | { invalid: InvalidReason } | { allow: true };

const not = <T>(...values: T[]) => ({ not: values });

export const RULES: readonly Row[] = [
  // Who may ask at all.
  { who: ['unknown-kind'], then: { deny: 'requester-unknown' } },
  { who: ['no-role'], then: { deny: 'no-role' } },
  { who: ['unlisted-role'], then: { deny: 'role-not-entitled' } },
  { who: ['patient-not-p9'], then: { deny: 'proofing-level' } },
  { who: ['patient-other-record'], then: { deny: 'not-own-record' } },
  // Who may break glass or claim a relationship.
  { who: not(...BREAK_GLASS_ENTITLED), claim: ANY_BG, then: { deny: 'break-glass-not-entitled', refusedAlert: true } },
  { who: not(...SELF_CLAIM_ENTITLED), claim: ANY_SC, then: { deny: 'self-claim-not-entitled' } },
  // A claim must be well formed (400).
  { claim: ['sc-bad-reason', 'bg-bad-reason'], then: { invalid: 'reason-code-invalid' } },
  { claim: ['sc-no-text', 'bg-no-text'], then: { invalid: 'justification-required' } },
  // Purposes: direct care only; governance for the privacy officer; the patient's own request.
  { who: CARE_STAFF, purpose: not('TREAT', 'ETREAT'), then: { deny: 'purpose-not-permitted' } },
  { who: ['privacy-officer'], purpose: not('HOPERAT'), then: { deny: 'purpose-not-permitted' } },
  { who: ['patient'], purpose: not('PATRQT'), then: { deny: 'purpose-not-permitted' } },
  { who: ['system'], purpose: not('TREAT', 'HOPERAT'), then: { deny: 'purpose-not-permitted' } },
  // Scopes bound everyone.
  { scope: ['none'], then: { deny: 'scope' } },
  // Patients: their own record, to look at, without the third-party-heavy categories or sealed items.
  { who: ['patient'], act: not(...LOOKING), then: { deny: 'action-not-permitted' } },
  {
    who: ['patient'],
    cat: ['social-care', 'safeguarding', 'mental-health-act'],
    then: { deny: 'patient-view-excluded', withheld: true },
  },
  {
    who: ['patient'],
    cat: not('demographics', 'appointments', 'clinical', 'care-plan'),
    then: { deny: 'category-not-permitted' },
  },
  { who: ['patient'], sealed: true, then: { deny: 'sealed', withheld: true } },
  { who: ['patient'], then: { allow: true } },
  // Systems: their scopes; what they read honours objection and sealing.
  { who: ['system'], act: LOOKING, foreign: true, then: { deny: 'objection', withheld: true } },
  { who: ['system'], act: LOOKING, sealed: true, then: { deny: 'sealed', withheld: true } },
  { who: ['system'], then: { allow: true } },
  // Staff: the matrix, then the relationship, then the patient's objection, then sealing.
  { who: STAFF, cell: ['empty'], then: { deny: 'category-not-permitted' } },
  { who: STAFF, cell: ['lacks-action'], then: { deny: 'action-not-permitted' } },
  { who: STAFF, claim: ['bg'], act: not(...LOOKING), then: { deny: 'action-not-permitted' } },
  { who: STAFF, claim: ['none'], cat: not('demographics'), then: { deny: 'no-relationship' } },
  { who: STAFF, claim: ['none'], act: not(...LOOKING), then: { deny: 'no-relationship' } },
  { who: STAFF, claim: not('bg'), foreign: true, then: { deny: 'objection', withheld: true } },
  { who: STAFF, sealed: true, then: { deny: 'sealed', withheld: true } },
  { who: STAFF, then: { allow: true } },
];

function matches<T>(m: Match<T> | undefined, value: T): boolean {
  if (m === undefined) return true;
  return 'not' in m ? !m.not.includes(value) : m.includes(value);
}

function rowMatches(row: Row, d: Dimensions): boolean {
  return (
    matches(row.who, d.who) &&
    matches(row.claim, d.claim) &&
    matches(row.purpose, d.purpose) &&
    matches(row.scope, d.scope) &&
    matches(row.act, d.act) &&
    matches(row.cat, d.cat) &&
    matches(row.cell, d.cell) &&
    (row.sealed === undefined || row.sealed === d.sealed) &&
    (row.foreign === undefined || row.foreign === d.foreign)
  );
}

/** The decision the reference table gives for a request. */
export function oracleDecision(request: AccessRequest): AccessDecision {
  const d = dimensionsOf(request);
  const row = RULES.find((r) => rowMatches(r, d));
  if (!row) throw new Error(`No row for ${JSON.stringify(d)}`);
  const then = row.then;
  const alert: PrivacyAlert | undefined = 'deny' in then && then.refusedAlert ? 'break-glass-refused' : claimAlert(d);
  if ('invalid' in then) return { outcome: 'invalid', reason: then.invalid };
  if ('deny' in then) {
    return { outcome: 'deny', reason: then.deny, showWithheldIndicator: then.withheld === true, ...withAlert(alert) };
  }
  return {
    outcome: 'allow',
    basis: basisOf(d),
    purposeOfUse: purposeOf(d),
    redact:
      request.patient.isRestricted && LOOKING.includes(d.act)
        ? ['address', 'telecom', 'general-practitioner', 'location']
        : [],
    needsConfirmation: STAFF.includes(d.who) && d.cat === 'safeguarding',
    scopeQueries: scopeQueries(request),
    ...withAlert(alert),
  };
}

function withAlert(alert: PrivacyAlert | undefined): { alert?: PrivacyAlert } {
  return alert ? { alert } : {};
}

// An entitled requester's well-formed, live claim alerts the privacy officer, whatever the outcome.
function claimAlert(d: Dimensions): PrivacyAlert | undefined {
  if (d.claim === 'bg' && BREAK_GLASS_ENTITLED.includes(d.who)) return 'break-glass';
  if ((d.claim === 'sc' || d.claim === 'sc-emergency') && SELF_CLAIM_ENTITLED.includes(d.who)) return 'self-claimed';
  return undefined;
}

function basisOf(d: Dimensions) {
  if (d.who === 'patient') return 'own-record' as const;
  if (d.who === 'system') return 'scopes' as const;
  const byClaim = {
    none: 'role',
    derived: 'relationship',
    sc: 'self-claimed',
    'sc-emergency': 'self-claimed',
    bg: 'break-glass',
  } as const;
  const basis = (byClaim as Record<string, (typeof byClaim)[keyof typeof byClaim] | undefined>)[d.claim];
  if (!basis) throw new Error(`No basis for ${d.claim}`);
  return basis;
}

function purposeOf(d: Dimensions) {
  if (d.who === 'patient') return 'PATRQT' as const;
  if (d.claim === 'bg') return 'BTG' as const;
  if (d.claim === 'sc-emergency') return 'ETREAT' as const;
  if (d.purpose === 'other' || d.purpose === 'PATRQT') throw new Error(`Allowed with purpose ${d.purpose}`);
  return d.purpose;
}

// ---- Reducing a request to its dimensions ----

function dimensionsOf(request: AccessRequest): Dimensions {
  const who = whoOf(request);
  const act: Act =
    (['read', 'search', 'create', 'update', 'delete'] as const).find((a) => a === request.action) ?? 'other';
  const cat: Cat =
    (
      [
        'demographics',
        'clinical',
        'appointments',
        'social-care',
        'safeguarding',
        'mental-health-act',
        'care-plan',
      ] as const
    ).find((c) => c === request.item.category) ?? 'other';
  const purpose: Purpose =
    (['TREAT', 'ETREAT', 'HOPERAT', 'PATRQT'] as const).find((p) => p === request.purpose) ?? 'other';
  const r = request.requester;
  const organisationOds = r.kind === 'staff' ? r.organisation.odsCode : r.kind === 'system' ? r.sourceOds : undefined;
  const foreign =
    r.kind !== 'patient' && request.patient.objectsToSharing && request.item.sourceOds !== organisationOds;
  return {
    who,
    claim: claimOf(request),
    purpose,
    scope: scopeOf(request),
    act,
    cat,
    cell: cellOf(who, cat, act),
    sealed: request.item.sensitivity !== 'none',
    foreign,
  };
}

function whoOf(request: AccessRequest): Who {
  const r = request.requester;
  if (r.kind === 'staff') {
    if (r.roleCode === undefined || r.roleCode === '') return 'no-role';
    return Object.hasOwn(ROLE_CODES, r.roleCode) ? ROLE_CODES[r.roleCode]! : 'unlisted-role';
  }
  if (r.kind === 'patient') {
    if (r.proofingLevel !== 'P9') return 'patient-not-p9';
    return r.patientId === request.patient.id ? 'patient' : 'patient-other-record';
  }
  if (r.kind === 'system') return 'system';
  return 'unknown-kind';
}

function cellOf(who: Who, cat: Cat, act: Act): Cell {
  if (!Object.hasOwn(MATRIX, who)) return 'n/a';
  const column = MATRIX_COLUMNS.indexOf(cat);
  const letters = column < 0 ? '' : (MATRIX[who]![column] ?? '');
  if (letters === '') return 'empty';
  const letter = LETTER[act];
  return letter !== undefined && letters.includes(letter) ? 'has-action' : 'lacks-action';
}

function claimOf(request: AccessRequest): Claim {
  const rel = request.relationship as unknown as Record<string, unknown>;
  const now = request.now.getTime();
  const kind = rel.kind as string;
  if (kind === 'none' || rel.patientId !== request.patient.id) return 'none';
  const time = (key: string) => (rel[key] as Date).getTime();
  if (kind === 'self-claimed' || kind === 'break-glass') {
    const longest = kind === 'break-glass' ? 8 * HOUR : 24 * HOUR;
    const from = time('startedAt');
    const until = Math.min(time('expiresAt'), from + longest);
    if (!(now >= from && now < until)) return 'none';
    const text = rel.justification;
    const hasText = typeof text === 'string' && text.trim().length > 0;
    const reason = rel.reasonCode as string;
    if (kind === 'break-glass') {
      if (!BREAK_GLASS_CODES.includes(reason)) return 'bg-bad-reason';
      return hasText ? 'bg' : 'bg-no-text';
    }
    if (!SELF_CLAIM_CODES.includes(reason)) return 'sc-bad-reason';
    if (reason !== 'emergency-unable-to-consent') return 'sc';
    return hasText ? 'sc-emergency' : 'sc-no-text';
  }
  if (!Object.hasOwn(DERIVED_AT, kind)) return 'none';
  const r = request.requester;
  const at = DERIVED_AT[kind];
  if (at !== undefined && (r.kind !== 'staff' || r.organisation.kind !== at)) return 'none';
  return now < time('expiresAt') ? 'derived' : 'none';
}

function scopeContexts(request: AccessRequest): readonly string[] {
  const r = request.requester;
  if (r.kind === 'system') return ['system'];
  if (r.kind === 'patient') return ['patient', 'user'];
  return r.kind === 'staff' && r.launchPatient === request.patient.id ? ['patient', 'user'] : ['user'];
}

function matchingScopes(request: AccessRequest): ResourceScope[] {
  const contexts = scopeContexts(request);
  const letter = LETTER[request.action];
  const scopes = (request.requester as { scopes?: readonly ResourceScope[] }).scopes ?? [];
  return scopes.filter(
    (s) =>
      letter !== undefined &&
      contexts.includes(s.context) &&
      (s.resourceType === '*' || s.resourceType === request.item.resourceType) &&
      s.permissions.includes(letter),
  );
}

function scopeOf(request: AccessRequest): Scope {
  const m = matchingScopes(request);
  if (m.length === 0) return 'none';
  return m.some((s) => s.query === undefined) ? 'whole' : 'narrowed';
}

function scopeQueries(request: AccessRequest): string[] {
  const m = matchingScopes(request);
  if (m.some((s) => s.query === undefined)) return [];
  return [...new Set(m.map((s) => s.query!))].sort();
}
