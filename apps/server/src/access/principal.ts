// Who is making a request, once their token has been checked: the one shape every access decision, audit event
// and Provenance is made from, whoever issued the token (the built-in authorisation server or an external
// identity provider mapped by configuration).

/** The kinds of organisation in the region (the synthetic region uses the same names). */
export const ORGANISATION_KINDS = [
  'gp-practice',
  'acute-trust',
  'mental-health-trust',
  'community-trust',
  'local-authority',
  'ambulance-service',
  'nhs-111',
  'care-home',
  'pharmacy',
  'hospice',
  'out-of-area-trust',
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export interface PrincipalOrganisation {
  /** ODS code. */
  odsCode: string;
  name: string;
  kind: OrganisationKind;
}

/**
 * A SMART on FHIR v2 scope, parsed: `patient/Observation.rs?category=laboratory` is
 * { context: 'patient', resourceType: 'Observation', permissions: 'rs', query: 'category=laboratory' }.
 * Scopes that are not resource scopes (openid, fhirUser, launch, launch/patient, offline_access, ...) are kept
 * as they are in `Principal.scopes`, not here.
 */
export interface ResourceScope {
  context: 'patient' | 'user' | 'system';
  /** A resource type, or '*'. */
  resourceType: string;
  /** The v2 permissions granted, in cruds order, e.g. 'rs' (v1 `.read` is 'rs', `.write` is 'cud', `.*` is 'cruds'). */
  permissions: string;
  /** A search-narrowed scope's query (without the '?'); undefined when the scope is not narrowed. */
  query?: string;
}

interface PrincipalBase {
  /** The OAuth client the token was issued to. */
  clientId: string;
  /** Every scope granted, as granted. */
  scopes: readonly string[];
  /** The resource scopes among them, parsed. */
  resourceScopes: readonly ResourceScope[];
  /** Token id (`jti`), to audit and to revoke. */
  tokenId: string;
  /** The token's expiry (epoch seconds). */
  expiresAt: number;
}

/** A member of staff, signed in with a role profile: a national RBAC access role at one organisation. */
export interface StaffPrincipal extends PrincipalBase {
  kind: 'staff';
  /** The user's identifier at the issuer (for CIS2, the SDS user id). */
  userId: string;
  name: string;
  /** National RBAC job role code of the selected role profile, e.g. 'R8000' (domain.md 1.4). */
  roleCode: string;
  /** The selected role profile's id, when the issuer gives one (CIS2 `selected_roleid`). */
  roleProfileId?: string;
  organisation: PrincipalOrganisation;
  /** SMART launch context: the patient (and encounter) the launching system had open. */
  launch?: { patient?: string; encounter?: string };
  /** The end-user device, when the client says (audited; domain.md 2.6). */
  device?: string;
}

/** A patient using the patient app, identified by NHS login (or the demo's stand-in) at a proofing level. */
export interface PatientPrincipal extends PrincipalBase {
  kind: 'patient';
  userId: string;
  nhsNumber: string;
  /** Identity proofing level, e.g. 'P9' (record access requires P9: domain.md 1.4). */
  proofingLevel: string;
  /** The Patient resource the token is for (SMART `patient` context). */
  patient?: string;
}

/** A system: a feed or another service using backend services (client credentials). */
export interface SystemPrincipal extends PrincipalBase {
  kind: 'system';
  /** The organisation it sends for (ODS code), stamped as meta.source on what it writes. */
  source?: string;
}

export type Principal = StaffPrincipal | PatientPrincipal | SystemPrincipal;
