// The access decision for one item of one patient's record: pure logic over plain facts, no I/O. The policy is
// docs/adr/0008-access-decisions.md (domain.md 1.4, 1.6, 1.7, 2.4); policy.oracle.test-support.ts is the same
// policy written again as a table, and policy.differential.test.ts checks that the two never disagree.
import type { OrganisationKind, Principal, ResourceScope } from './principal.ts';
import { checkScopes, type Interaction, type ScopeContext } from './scopes.ts';

/** National RBAC job role codes (UK Core SDSJobRoleName) by the group the policy matrix treats alike. */
export const ROLE_GROUPS = {
  clinician: ['R8000', 'R8001', 'R8002', 'R8003', 'R8016', 'R8017', 'R0260', 'R1290', 'R1975'],
  'social-worker': ['R8014'],
  admin: ['R8006', 'R8008', 'R8009', 'R8010', 'R8011'],
  'mha-administrator': ['R6100'],
  student: ['R8004'],
  'privacy-officer': ['R0001'],
} as const satisfies Record<string, readonly string[]>;
export type RoleGroup = keyof typeof ROLE_GROUPS;

export type Action = Interaction;

export const ITEM_CATEGORIES = [
  'demographics',
  'clinical',
  'appointments',
  'social-care',
  'safeguarding',
  'mental-health-act',
  'care-plan',
] as const;
export type ItemCategory = (typeof ITEM_CATEGORIES)[number];

/** RCGP sensitive categories with a statute behind them (GRA 2004 s22, HFEA 1990 s33A, STD Directions, TOP). */
export const LEGALLY_RESTRICTED = ['IVF', 'STI', 'TOP', 'GENDER'] as const;
/** 'R' and 'V' are HL7 v3 Confidentiality restricted and very restricted. */
export type Sensitivity = 'none' | (typeof LEGALLY_RESTRICTED)[number] | 'R' | 'V';

/** Relationships derived from the record (domain.md 2.4 LCR requirement 1), not claimed by the user. */
export const DERIVED_RELATIONSHIPS = [
  'registered-gp',
  'open-encounter',
  'referral',
  'care-team',
  'shared-care-plan',
  'ambulance-incident',
  'nhs111-case',
] as const;
export type DerivedRelationshipKind = (typeof DERIVED_RELATIONSHIPS)[number];

/** Self-claimed legitimate relationship reasons (domain.md 2.4 LCR requirement 2, the suggested list). */
export const SELF_CLAIM_REASONS = [
  'patient-present-consented',
  'direct-care-arranging',
  'mdt-review',
  'emergency-unable-to-consent',
  'safeguarding',
] as const;
export const BREAK_GLASS_REASONS = ['unable-to-consent', 'life-threatening-emergency', 'risk-to-others'] as const;

export const SELF_CLAIM_MAX_MS = 24 * 3600_000;
export const BREAK_GLASS_MAX_MS = 8 * 3600_000;

/** What is removed from an allowed item of a PDS-restricted (S-flagged) patient: every kind of location. */
export const LOCATION_REDACTIONS = ['address', 'telecom', 'general-practitioner', 'location'] as const;
export type Redaction = (typeof LOCATION_REDACTIONS)[number];

export type Relationship =
  | { kind: 'none' }
  | { kind: DerivedRelationshipKind; patientId: string; expiresAt: Date }
  | {
      kind: 'self-claimed';
      patientId: string;
      reasonCode: string;
      /** Required with the emergency reason. */
      justification?: string;
      startedAt: Date;
      expiresAt: Date;
    }
  | {
      kind: 'break-glass';
      patientId: string;
      reasonCode: string;
      justification: string;
      startedAt: Date;
      expiresAt: Date;
    };

export interface StaffRequester {
  kind: 'staff';
  /** The selected role profile's job role code; absent when the token carries no selected role. */
  roleCode?: string;
  organisation: { odsCode: string; kind: OrganisationKind };
  /** The patient in the SMART launch context, to whom patient/ scopes apply. */
  launchPatient?: string;
  scopes: readonly ResourceScope[];
}
export interface PatientRequester {
  kind: 'patient';
  /** NHS login identity proofing level ('P9' for record access). */
  proofingLevel: string;
  /** The Patient the token is bound to. */
  patientId?: string;
  scopes: readonly ResourceScope[];
}
export interface SystemRequester {
  kind: 'system';
  /** The organisation the system acts for (ODS code). */
  sourceOds?: string;
  scopes: readonly ResourceScope[];
}
export type Requester = StaffRequester | PatientRequester | SystemRequester;

export interface AccessRequest {
  requester: Requester;
  patient: {
    id: string;
    /** Local LCR objection to sharing (domain.md 1.7). */
    objectsToSharing: boolean;
    /** PDS restricted (S flag). */
    isRestricted: boolean;
  };
  relationship: Relationship;
  item: {
    resourceType: string;
    category: ItemCategory;
    /** ODS code of the organisation the item came from. */
    sourceOds: string;
    sensitivity: Sensitivity;
  };
  action: Action;
  /** The HL7 PurposeOfUse code the requester asserts. */
  purpose: string;
  now: Date;
}

export type PurposeOfUse = 'TREAT' | 'ETREAT' | 'BTG' | 'HOPERAT' | 'PATRQT';
export type AccessBasis = 'role' | 'relationship' | 'self-claimed' | 'break-glass' | 'own-record' | 'scopes';
export type PrivacyAlert = 'self-claimed' | 'break-glass' | 'break-glass-refused';
export type DenyReason =
  | 'requester-unknown'
  | 'no-role'
  | 'role-not-entitled'
  | 'proofing-level'
  | 'not-own-record'
  | 'break-glass-not-entitled'
  | 'self-claim-not-entitled'
  | 'purpose-not-permitted'
  | 'scope'
  | 'category-not-permitted'
  | 'action-not-permitted'
  | 'no-relationship'
  | 'patient-view-excluded'
  | 'objection'
  | 'sealed';
export type InvalidReason = 'reason-code-invalid' | 'justification-required';

export interface AllowDecision {
  outcome: 'allow';
  basis: AccessBasis;
  /** For the AuditEvent's purposeOfEvent. */
  purposeOfUse: PurposeOfUse;
  redact: readonly Redaction[];
  /** Staff confirm before a safeguarding item opens (domain.md 1.4: "extra confirmation"). */
  needsConfirmation: boolean;
  /** Search-narrowed scopes: the item must match one of these queries; empty when no scope narrows. */
  scopeQueries: readonly string[];
  alert?: PrivacyAlert;
}
export interface DenyDecision {
  outcome: 'deny';
  reason: DenyReason;
  /** Show a neutral "some information is restricted" indicator, never naming the category. */
  showWithheldIndicator: boolean;
  alert?: PrivacyAlert;
}
/** The request itself is malformed (HTTP 400), e.g. break-glass without its free-text justification. */
export interface InvalidDecision {
  outcome: 'invalid';
  reason: InvalidReason;
}
export type AccessDecision = AllowDecision | DenyDecision | InvalidDecision;

const R: readonly Action[] = ['read', 'search'];
const RC: readonly Action[] = ['create', 'read', 'search'];
const RCU: readonly Action[] = ['create', 'read', 'update', 'search'];
const NO: readonly Action[] = [];

/** What each role group may do with each category, given a legitimate relationship (ADR 0008's matrix). */
export const POLICY_MATRIX: Readonly<Record<RoleGroup, Readonly<Record<ItemCategory, readonly Action[]>>>> = {
  clinician: {
    demographics: R,
    appointments: R,
    clinical: R,
    'social-care': R,
    safeguarding: R,
    'mental-health-act': RC,
    'care-plan': RCU,
  },
  'social-worker': {
    demographics: R,
    appointments: R,
    clinical: R,
    'social-care': R,
    safeguarding: R,
    'mental-health-act': RC,
    'care-plan': RCU,
  },
  admin: {
    demographics: R,
    appointments: R,
    clinical: NO,
    'social-care': NO,
    safeguarding: NO,
    'mental-health-act': NO,
    'care-plan': NO,
  },
  'mha-administrator': {
    demographics: R,
    appointments: R,
    clinical: NO,
    'social-care': NO,
    safeguarding: NO,
    'mental-health-act': R,
    'care-plan': NO,
  },
  student: {
    demographics: R,
    appointments: R,
    clinical: R,
    'social-care': NO,
    safeguarding: NO,
    'mental-health-act': NO,
    'care-plan': R,
  },
  'privacy-officer': {
    demographics: R,
    appointments: NO,
    clinical: NO,
    'social-care': NO,
    safeguarding: NO,
    'mental-health-act': NO,
    'care-plan': NO,
  },
};

/** What a patient sees of their own record; the rest is withheld with the neutral indicator. */
export const PATIENT_VISIBLE: readonly ItemCategory[] = ['demographics', 'appointments', 'clinical', 'care-plan'];
const PATIENT_WITHHELD: readonly ItemCategory[] = ['social-care', 'safeguarding', 'mental-health-act'];

const BREAK_GLASS_GROUPS: readonly RoleGroup[] = ['clinician', 'social-worker'];
const SELF_CLAIM_GROUPS: readonly RoleGroup[] = ['clinician', 'social-worker', 'admin', 'mha-administrator'];

// An LR from registration, a CAD incident or a 111 case exists only at that kind of organisation.
const RELATIONSHIP_ORGANISATION: Partial<Record<DerivedRelationshipKind, OrganisationKind>> = {
  'registered-gp': 'gp-practice',
  'ambulance-incident': 'ambulance-service',
  'nhs111-case': 'nhs-111',
};

const NONE: Relationship = { kind: 'none' };

/** The role group of a job role code; undefined for codes the shared record gives no access to. */
export function roleGroupOf(roleCode: string): RoleGroup | undefined {
  for (const [group, codes] of Object.entries(ROLE_GROUPS) as [RoleGroup, readonly string[]][]) {
    if (codes.includes(roleCode)) return group;
  }
  return undefined;
}

/** The facts about a requester that the policy needs, from a checked token. */
export function requesterFromPrincipal(principal: Principal): Requester {
  switch (principal.kind) {
    case 'staff':
      return {
        kind: 'staff',
        ...(principal.roleCode ? { roleCode: principal.roleCode } : {}),
        organisation: { odsCode: principal.organisation.odsCode, kind: principal.organisation.kind },
        ...(principal.launch?.patient ? { launchPatient: principal.launch.patient } : {}),
        scopes: principal.resourceScopes,
      };
    case 'patient':
      return {
        kind: 'patient',
        proofingLevel: principal.proofingLevel,
        ...(principal.patient ? { patientId: principal.patient } : {}),
        scopes: principal.resourceScopes,
      };
    case 'system':
      return {
        kind: 'system',
        ...(principal.source ? { sourceOds: principal.source } : {}),
        scopes: principal.resourceScopes,
      };
  }
}

/** Decides one access: deny unless a rule of ADR 0008 allows it. */
export function decideAccess(request: AccessRequest): AccessDecision {
  const requester = request.requester;
  switch (requester.kind) {
    case 'staff':
      return decideForStaff(request, requester);
    case 'patient':
      return decideForPatient(request, requester);
    case 'system':
      return decideForSystem(request, requester);
    default:
      return deny('requester-unknown');
  }
}

function decideForStaff(request: AccessRequest, requester: StaffRequester): AccessDecision {
  if (!requester.roleCode) return deny('no-role');
  const group = roleGroupOf(requester.roleCode);
  if (!group) return deny('role-not-entitled');
  const relationship = liveRelationship(request, requester.organisation.kind);
  if (relationship.kind === 'break-glass' && !BREAK_GLASS_GROUPS.includes(group)) {
    return deny('break-glass-not-entitled', false, 'break-glass-refused');
  }
  if (relationship.kind === 'self-claimed' && !SELF_CLAIM_GROUPS.includes(group)) {
    return deny('self-claim-not-entitled');
  }
  const problem = claimProblem(relationship);
  if (problem) return { outcome: 'invalid', reason: problem };
  const alert = alertFor(relationship);

  const purpose = request.purpose;
  const purposes: readonly PurposeOfUse[] = group === 'privacy-officer' ? ['HOPERAT'] : ['TREAT', 'ETREAT'];
  if (!isPurposeIn(purpose, purposes)) return deny('purpose-not-permitted', false, alert);
  const context: ScopeContext = requester.launchPatient === request.patient.id ? 'patient' : 'user';
  const scope = checkScopes(requester.scopes, {
    interaction: request.action,
    resourceType: request.item.resourceType,
    context,
  });
  if (!scope.permitted) return deny('scope', false, alert);

  const { category, sourceOds } = request.item;
  const allowed = Object.hasOwn(POLICY_MATRIX[group], category) ? POLICY_MATRIX[group][category] : NO;
  if (allowed.length === 0) return deny('category-not-permitted', false, alert);
  // Break-glass is for looking, in an emergency: it writes nothing.
  const isReadOnly = relationship.kind === 'break-glass';
  if (!allowed.includes(request.action) || (isReadOnly && !R.includes(request.action))) {
    return deny('action-not-permitted', false, alert);
  }
  // Finding a patient (PDS-style demographics) needs the role only; anything else needs a relationship.
  const needsRelationship = !(category === 'demographics' && R.includes(request.action));
  if (needsRelationship && relationship.kind === 'none') return deny('no-relationship', false, alert);
  if (
    request.patient.objectsToSharing &&
    relationship.kind !== 'break-glass' &&
    sourceOds !== requester.organisation.odsCode
  ) {
    return deny('objection', true, alert);
  }
  if (isSealed(request.item.sensitivity)) return deny('sealed', true, alert);

  let purposeOfUse: PurposeOfUse = purpose;
  if (relationship.kind === 'break-glass') purposeOfUse = 'BTG';
  else if (relationship.kind === 'self-claimed' && relationship.reasonCode === 'emergency-unable-to-consent') {
    purposeOfUse = 'ETREAT';
  }
  return allow(request, {
    basis: basisOf(relationship),
    purposeOfUse,
    needsConfirmation: category === 'safeguarding',
    scopeQueries: scope.queries,
    alert,
  });
}

function decideForPatient(request: AccessRequest, requester: PatientRequester): AccessDecision {
  if (requester.proofingLevel !== 'P9') return deny('proofing-level');
  if (!requester.patientId || requester.patientId !== request.patient.id) return deny('not-own-record');
  const relationship = liveRelationship(request, undefined);
  if (relationship.kind === 'break-glass') return deny('break-glass-not-entitled', false, 'break-glass-refused');
  if (relationship.kind === 'self-claimed') return deny('self-claim-not-entitled');
  if (request.purpose !== 'PATRQT') return deny('purpose-not-permitted');
  const scope = checkScopes(requester.scopes, {
    interaction: request.action,
    resourceType: request.item.resourceType,
    context: 'patient',
  });
  if (!scope.permitted) return deny('scope');
  if (!R.includes(request.action)) return deny('action-not-permitted');
  const { category } = request.item;
  if (PATIENT_WITHHELD.includes(category)) return deny('patient-view-excluded', true);
  if (!PATIENT_VISIBLE.includes(category)) return deny('category-not-permitted');
  // A patient's objection limits what others see; it never hides their own record from them.
  if (isSealed(request.item.sensitivity)) return deny('sealed', true);
  return allow(request, {
    basis: 'own-record',
    purposeOfUse: 'PATRQT',
    needsConfirmation: false,
    scopeQueries: scope.queries,
  });
}

function decideForSystem(request: AccessRequest, requester: SystemRequester): AccessDecision {
  const relationship = liveRelationship(request, undefined);
  if (relationship.kind === 'break-glass') return deny('break-glass-not-entitled', false, 'break-glass-refused');
  if (relationship.kind === 'self-claimed') return deny('self-claim-not-entitled');
  const purpose = request.purpose;
  if (!isPurposeIn(purpose, ['TREAT', 'HOPERAT'])) return deny('purpose-not-permitted');
  const scope = checkScopes(requester.scopes, {
    interaction: request.action,
    resourceType: request.item.resourceType,
    context: 'system',
  });
  if (!scope.permitted) return deny('scope');
  // Systems act per their scopes; what they read (exports, outbound messages) still honours objection and sealing.
  if (R.includes(request.action)) {
    if (request.patient.objectsToSharing && request.item.sourceOds !== requester.sourceOds) {
      return deny('objection', true);
    }
    if (isSealed(request.item.sensitivity)) return deny('sealed', true);
  }
  return allow(request, {
    basis: 'scopes',
    purposeOfUse: purpose,
    needsConfirmation: false,
    scopeQueries: scope.queries,
  });
}

/**
 * The relationship as it stands now: one that has expired, has not started, is for another patient, or (derived)
 * belongs to another kind of organisation counts as none. Claims are cut to their maximum length.
 */
function liveRelationship(request: AccessRequest, organisationKind: OrganisationKind | undefined): Relationship {
  const r = request.relationship;
  const now = request.now.getTime();
  if (r.kind === 'none' || r.patientId !== request.patient.id) return NONE;
  if (r.kind === 'self-claimed' || r.kind === 'break-glass') {
    const start = r.startedAt.getTime();
    const limit = r.kind === 'break-glass' ? BREAK_GLASS_MAX_MS : SELF_CLAIM_MAX_MS;
    const end = Math.min(r.expiresAt.getTime(), start + limit);
    return start <= now && now < end ? r : NONE;
  }
  if (!(DERIVED_RELATIONSHIPS as readonly string[]).includes(r.kind)) return NONE;
  const requiredKind = RELATIONSHIP_ORGANISATION[r.kind];
  if (requiredKind !== undefined && requiredKind !== organisationKind) return NONE;
  return now < r.expiresAt.getTime() ? r : NONE;
}

function claimProblem(relationship: Relationship): InvalidReason | undefined {
  if (relationship.kind === 'self-claimed') {
    if (!(SELF_CLAIM_REASONS as readonly string[]).includes(relationship.reasonCode)) return 'reason-code-invalid';
    // domain.md 2.4: "A free-text justification is required for emergency use."
    const needsText = relationship.reasonCode === 'emergency-unable-to-consent';
    if (needsText && !hasText(relationship.justification)) return 'justification-required';
  }
  if (relationship.kind === 'break-glass') {
    if (!(BREAK_GLASS_REASONS as readonly string[]).includes(relationship.reasonCode)) return 'reason-code-invalid';
    if (!hasText(relationship.justification)) return 'justification-required';
  }
  return undefined;
}

function isPurposeIn(purpose: string, allowed: readonly PurposeOfUse[]): purpose is PurposeOfUse {
  return (allowed as readonly string[]).includes(purpose);
}

function hasText(text: string | undefined): boolean {
  return typeof text === 'string' && text.trim() !== '';
}

function alertFor(relationship: Relationship): PrivacyAlert | undefined {
  if (relationship.kind === 'self-claimed') return 'self-claimed';
  if (relationship.kind === 'break-glass') return 'break-glass';
  return undefined;
}

function basisOf(relationship: Relationship): AccessBasis {
  if (relationship.kind === 'none') return 'role';
  if (relationship.kind === 'self-claimed' || relationship.kind === 'break-glass') return relationship.kind;
  return 'relationship';
}

// Anything but 'none' is sealed, including a value this code does not know: deny by default.
function isSealed(sensitivity: string): boolean {
  return sensitivity !== 'none';
}

function deny(reason: DenyReason, showWithheldIndicator = false, alert?: PrivacyAlert): DenyDecision {
  return { outcome: 'deny', reason, showWithheldIndicator, ...(alert ? { alert } : {}) };
}

function allow(
  request: AccessRequest,
  decision: Omit<AllowDecision, 'outcome' | 'redact' | 'alert'> & { alert?: PrivacyAlert | undefined },
): AllowDecision {
  const { alert, ...rest } = decision;
  // domain.md 1.6 requirement 4: suppress all location data of a restricted patient, everywhere it is returned.
  const redact = request.patient.isRestricted && R.includes(request.action) ? LOCATION_REDACTIONS : [];
  return { outcome: 'allow', ...rest, redact, ...(alert ? { alert } : {}) };
}
