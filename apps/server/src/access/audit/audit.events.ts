import type { AuditEvent, AuditEventAgent, AuditEventEntity, CodeableConcept, Coding } from '@joinedup/fhir';
import type { AuditEventType } from './audit.chain.ts';

// Builders of FHIR R4 AuditEvents in the shape of IHE Basic Audit Log Patterns (BALP), one per kind of event:
//   buildPatientResourceEvent  a read, vread, history, create, update, patch or delete of one resource of a patient
//     https://profiles.ihe.net/ITI/BALP/StructureDefinition-IHE.BasicAudit.PatientRead.html (and .PatientCreate,
//     .PatientUpdate, .PatientDelete)
//   buildPatientQueryEvent     a search or operation returning a patient's data (one event per patient found)
//     https://profiles.ihe.net/ITI/BALP/StructureDefinition-IHE.BasicAudit.PatientQuery.html
//   buildAccessAlertEvent      break-glass or a self-claimed relationship: a security alert for the privacy officer
//     http://build.fhir.org/auditevent-example-breakglass-start.html (DICOM 110113 / 110127)
//   buildAlertReviewEvent      the privacy officer acknowledging such an alert (DICOM 110101 Audit Log Used)
// Each returns the AuditEvent and the columns it is searched by, derived from the same input so they never
// disagree. The builders take no Principal: the access module maps its principal to an AuditAgent.

/** Who made the request, as they were at the time (GP Connect audit: user details as at the event; domain.md 1.5). */
export interface AuditAgent {
  /** For staff, the SDS user id (CIS2); for others, their id at the issuer. */
  userId: string;
  /** The system of `userId`; defaults to the SDS user id system. */
  userIdSystem?: string;
  name?: string;
  /** National RBAC job role code of the selected role profile, e.g. 'R8000' (domain.md 1.4). */
  roleCode?: string;
  /** The selected role profile id (CIS2 `selected_roleid`), the "URP id" GP Connect asks for. */
  roleProfileId?: string;
  organisationOds?: string;
  organisationName?: string;
  /** The kind of organisation (gp-practice, acute-trust, ...), for the usage report. */
  organisationKind?: string;
  /** The OAuth client (the app) the request came through. */
  clientId: string;
  /** The access token's id (`jti`). */
  tokenId?: string;
  /** The client's network address as the server saw it. */
  networkAddress?: string;
  /** The end-user device, when the client says. */
  device?: string;
}

/** The server that records the event (AuditEvent.source.observer). */
export interface AuditObserver {
  name: string;
  /** FHIR base URL, the server agent's network address. */
  baseUrl: string;
  /** The enterprise or region the server runs for. */
  site?: string;
}

/**
 * Why the requester may look, as the access decision gave it (ADR 8: its `basis` and `purposeOfUse`), and the
 * reason the user gave for a self-claimed relationship or break-glass.
 */
export interface AccessPurpose {
  /** The access decision's basis; only self-claimed and break-glass change what is recorded. */
  basis?: 'role' | 'relationship' | 'self-claimed' | 'break-glass' | 'own-record' | 'scopes';
  /**
   * HL7 v3 ActReason purpose of use: TREAT, ETREAT, BTG, HOPERAT, PATRQT. When absent: ETREAT under break-glass
   * (domain.md 2.4 rule 3), TREAT otherwise.
   */
  purposeOfUse?: string;
  /** For self-claimed and break-glass: a code of ACCESS_REASON_SYSTEM (domain.md 2.4; the list is the policy's). */
  reasonCode?: string;
  /** The user's own justification; required for break-glass (domain.md 2.4 rule 2). */
  reasonText?: string;
}

/** R4 audit-event-outcome: 0 success, 4 minor failure (e.g. refused), 8 serious failure, 12 major failure. */
export type AuditOutcome = { code: '0' } | { code: '4' | '8' | '12'; description: string };

export const SUCCESS: AuditOutcome = { code: '0' };

/** The outcome of a request from its HTTP status: refusals and client errors are minor failures, 5xx serious. */
export function outcomeOfStatus(status: number, description: string): AuditOutcome {
  if (status < 400) return SUCCESS;
  return { code: status >= 500 ? '8' : '4', description };
}

export type ResourceInteraction = 'read' | 'vread' | 'history-instance' | 'create' | 'update' | 'patch' | 'delete';
export type QueryInteraction =
  | 'search'
  | 'search-type'
  | 'search-system'
  | 'history-type'
  | 'history-system'
  | 'operation'
  | 'batch'
  | 'transaction';

/** The searchable columns of a stored event (see audit.migrations.ts). */
export interface AuditIndex {
  recorded: Date;
  eventType: AuditEventType;
  patientId: string | null;
  userId: string | null;
  organisationOds: string | null;
  organisationKind: string | null;
  roleCode: string | null;
  clientId: string | null;
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  outcome: '0' | '4' | '8' | '12';
  /** The ActReason code, or null when no purpose was given. */
  purposeOfUse: string | null;
  breakGlass: boolean;
  selfClaimed: boolean;
  requestId: string | null;
}

/** An AuditEvent ready to append, and the columns it is found by. */
export interface AuditEntry {
  resource: AuditEvent;
  index: AuditIndex;
}

interface PatientEventInput {
  recorded: Date;
  agent: AuditAgent;
  observer: AuditObserver;
  /** The Patient's logical id on this server; absent for a refused request that named no patient. */
  patientId: string | undefined;
  /** The request's id (X-Request-Id): one event per request and patient (reliability matrix row 18). */
  requestId?: string;
  purpose?: AccessPurpose;
  /** Success when absent. */
  outcome?: AuditOutcome;
}

export interface PatientResourceEventInput extends PatientEventInput {
  interaction: ResourceInteraction;
  resource: { type: string; id: string; versionId?: string };
}

export interface PatientQueryEventInput extends PatientEventInput {
  interaction: QueryInteraction;
  /** The request as received (method, path and query, and the body of a POST search): kept base64, unparsed. */
  rawQuery: string;
}

/** The alerts of ADR 8: a relationship claimed, break-glass started, or break-glass refused to someone not entitled. */
export type AccessAlertKind = 'self-claimed' | 'break-glass' | 'break-glass-refused';

export interface AccessAlertEventInput {
  recorded: Date;
  agent: AuditAgent;
  observer: AuditObserver;
  patientId: string;
  requestId?: string;
  alert: AccessAlertKind;
  /** Defaults as in AccessPurpose: ETREAT for break-glass, else TREAT. */
  purposeOfUse?: string;
  reasonCode?: string;
  reasonText?: string;
  /** For a refusal: why, in words (outcomeDesc). */
  refusal?: string;
}

export interface AlertReviewEventInput {
  recorded: Date;
  reviewer: { userId: string; userIdSystem?: string };
  observer: AuditObserver;
  /** The sequence number of the alert acknowledged. */
  alertSeq: number;
  note?: string;
}

export const SDS_USER_ID_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';
export const SDS_ROLE_PROFILE_ID_SYSTEM = 'https://fhir.nhs.uk/Id/sds-role-profile-id';
export const ODS_CODE_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
/** UK Core job role names (domain.md 1.4 cites this code system). */
export const JOB_ROLE_SYSTEM = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-SDSJobRoleName';
export const CLIENT_ID_SYSTEM = 'https://joinedup.example.org/fhir/Id/client-id';
/** Reasons a user gives for self-claimed or emergency access (the codes are the policy's, ADR 8). */
export const ACCESS_REASON_SYSTEM = 'https://joinedup.example.org/fhir/CodeSystem/access-reason';
const SECURITY_ALERT_SYSTEM = 'https://joinedup.example.org/fhir/CodeSystem/security-alert';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ROLE_CLASS = 'http://terminology.hl7.org/CodeSystem/v3-RoleClass';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const BALP_ENTITY_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';
const BALP_PROFILE = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.';

// DICOM Source Role ID and Destination Role ID name where the data flows from and to, so on a read the client is
// the destination and on a query or a write it is the source (BALP Read and Query, "Note: the pattern defined in
// DICOM and IHE ...").
const SOURCE_ROLE: Coding = { system: DCM, code: '110153', display: 'Source Role ID' };
const DESTINATION_ROLE: Coding = { system: DCM, code: '110152', display: 'Destination Role ID' };

const PATIENT_ROLE = { type: entityType('1', 'Person'), role: objectRole('1', 'Patient') };

const RESOURCE_ACTION: Record<ResourceInteraction, 'C' | 'R' | 'U' | 'D'> = {
  read: 'R',
  vread: 'R',
  'history-instance': 'R',
  create: 'C',
  update: 'U',
  patch: 'U',
  delete: 'D',
};

// BALP names one profile per interaction for successful events only (each fixes outcome 0); a failure keeps the
// shape but claims no profile.
const RESOURCE_PROFILE: Record<ResourceInteraction, string> = {
  read: 'PatientRead',
  vread: 'PatientRead',
  'history-instance': 'PatientRead',
  create: 'PatientCreate',
  update: 'PatientUpdate',
  patch: 'PatientUpdate',
  delete: 'PatientDelete',
};

/** A read, vread, history, create, update, patch or delete of one resource in a patient's record. */
export function buildPatientResourceEvent(input: PatientResourceEventInput): AuditEntry {
  const action = RESOURCE_ACTION[input.interaction];
  const outcome = input.outcome ?? SUCCESS;
  const { type, id, versionId } = input.resource;
  // BALP data entity: a System Object in the role Domain Resource, naming exactly what was read or written.
  const data: AuditEventEntity = {
    what: { reference: versionId ? `${type}/${id}/_history/${versionId}` : `${type}/${id}` },
    type: entityType('2', 'System Object'),
    role: objectRole('4', 'Domain Resource'),
  };
  const isRead = action === 'R';
  // BALP Create/Update/Delete: the user is Author (or Custodian for a delete); for reads, the information recipient.
  const userType = isRead ? participation('IRCP', 'information recipient') : action === 'D' ? custodian : author;
  const resource = restEvent(input, {
    subtype: input.interaction,
    action,
    outcome,
    profile: outcome.code === '0' ? RESOURCE_PROFILE[input.interaction] : undefined,
    userType,
    clientRole: isRead ? DESTINATION_ROLE : SOURCE_ROLE,
    serverRole: isRead ? SOURCE_ROLE : DESTINATION_ROLE,
    entity: data,
  });
  return { resource, index: restIndex(input, action, outcome) };
}

/** Where an objection to sharing is identified: by the Patient it is recorded against (objections.ts). */
export const OBJECTION_SYSTEM = 'https://joinedup.example.org/fhir/Id/sharing-objection';

export interface ObjectionEventInput extends PatientEventInput {
  /** Recorded (or recorded again, with a new note) or withdrawn. */
  change: 'recorded' | 'withdrawn';
}

/**
 * A patient's objection to sharing recorded or withdrawn, or an attempt refused (ADR 13): a BALP-shaped update or
 * delete whose data entity is the objection itself, a Security Resource identified by its Patient. It is not a
 * FHIR resource on this server, so the event claims no BALP profile. It carries the patient's note no more than
 * it would carry clinical data.
 */
export function buildObjectionEvent(input: ObjectionEventInput): AuditEntry {
  const outcome = input.outcome ?? SUCCESS;
  const action = input.change === 'recorded' ? 'U' : 'D';
  const resource = restEvent(input, {
    subtype: input.change === 'recorded' ? 'update' : 'delete',
    action,
    outcome,
    profile: undefined,
    userType: action === 'D' ? custodian : author,
    clientRole: SOURCE_ROLE,
    serverRole: DESTINATION_ROLE,
    entity: {
      ...(input.patientId === undefined
        ? {}
        : { what: { identifier: { system: OBJECTION_SYSTEM, value: input.patientId } } }),
      type: entityType('2', 'System Object'),
      role: objectRole('14', 'Security Resource'),
    },
  });
  return { resource, index: restIndex(input, action, outcome) };
}

/**
 * A search, history or operation that returned (or was refused) data of one patient. BALP PatientQuery: a search
 * finding several patients gives one event per patient, each with the same query.
 */
export function buildPatientQueryEvent(input: PatientQueryEventInput): AuditEntry {
  const outcome = input.outcome ?? SUCCESS;
  // BALP query entity: the raw request base64-encoded in entity.query, "preserving exactly what was requested,
  // including possibly malicious patterns" (reliability matrix row 18).
  const query: AuditEventEntity = {
    type: entityType('2', 'System Object'),
    role: objectRole('24', 'Query'),
    query: Buffer.from(input.rawQuery, 'utf8').toString('base64'),
  };
  const resource = restEvent(input, {
    subtype: input.interaction,
    action: 'E',
    outcome,
    profile: outcome.code === '0' ? 'PatientQuery' : undefined,
    userType: participation('IRCP', 'information recipient'),
    clientRole: SOURCE_ROLE,
    serverRole: DESTINATION_ROLE,
    entity: query,
  });
  return { resource, index: restIndex(input, 'E', outcome) };
}

/**
 * Break-glass started (or refused), or a legitimate relationship claimed by the user: a DICOM Security Alert for
 * the privacy officer's queue (domain.md 2.4 rules 2 to 4; ADR 8). It names the patient, the user and the reason,
 * and carries no clinical data: no query, no resource. The accesses made under a claim are recorded by the other
 * builders, each with the same purpose.
 */
export function buildAccessAlertEvent(input: AccessAlertEventInput): AuditEntry {
  if (input.alert === 'break-glass' && !input.reasonText?.trim()) {
    throw new Error('break-glass needs a free-text justification (domain.md 2.4 rule 2)');
  }
  const isBreakGlass = input.alert !== 'self-claimed';
  const purpose: AccessPurpose = {
    basis: isBreakGlass ? 'break-glass' : 'self-claimed',
    ...(input.purposeOfUse === undefined ? {} : { purposeOfUse: input.purposeOfUse }),
    ...(input.reasonCode === undefined ? {} : { reasonCode: input.reasonCode }),
    ...(input.reasonText === undefined ? {} : { reasonText: input.reasonText }),
  };
  // DICOM records the attempt: a refused break-glass is Emergency Override Started with a failure outcome.
  const subtype: Coding = isBreakGlass
    ? { system: DCM, code: '110127', display: 'Emergency Override Started' }
    : { system: SECURITY_ALERT_SYSTEM, code: 'self-claimed-relationship', display: 'Self-claimed relationship' };
  const outcome: AuditOutcome =
    input.alert === 'break-glass-refused'
      ? { code: '4', description: input.refusal ?? 'Break-glass refused: the requester is not entitled to it' }
      : SUCCESS;
  const agents: AuditEventAgent[] = [userAgent(input.agent, participation('IRCP', 'information recipient'), purpose)];
  const organisation = organisationAgent(input.agent);
  if (organisation) agents.push(organisation);
  agents.push(clientAgent(input.agent, SOURCE_ROLE));
  const entity: AuditEventEntity[] = [{ what: { reference: `Patient/${input.patientId}` }, ...PATIENT_ROLE }];
  if (input.requestId) entity.push(requestEntity(input.requestId));
  const resource: AuditEvent = {
    resourceType: 'AuditEvent',
    type: { system: DCM, code: '110113', display: 'Security Alert' },
    subtype: [subtype],
    action: 'E',
    recorded: input.recorded.toISOString(),
    outcome: outcome.code,
    ...(outcome.code === '0' ? {} : { outcomeDesc: outcome.description }),
    purposeOfEvent: purposeOfUse(purpose),
    agent: agents,
    source: source(input.observer),
    entity,
  };
  return {
    resource,
    index: {
      ...agentIndex(input.agent),
      recorded: input.recorded,
      eventType: 'security-alert',
      patientId: input.patientId,
      action: 'E',
      outcome: outcome.code,
      purposeOfUse: purposeCode(purpose),
      breakGlass: isBreakGlass,
      selfClaimed: !isBreakGlass,
      requestId: input.requestId ?? null,
    },
  };
}

/**
 * The privacy officer's acknowledgement of an alert: a use of the audit log (DICOM 110101), so that the review of
 * each alert is itself in the chain. It names the alert, not the patient: a review is not a look at the record.
 */
export function buildAlertReviewEvent(input: AlertReviewEventInput): AuditEntry {
  const reviewed: AuditEventEntity = {
    what: { reference: `AuditEvent/${input.alertSeq}` },
    type: entityType('2', 'System Object'),
    role: objectRole('13', 'Security Resource'),
    ...(input.note ? { description: input.note } : {}),
  };
  const resource: AuditEvent = {
    resourceType: 'AuditEvent',
    type: { system: DCM, code: '110101', display: 'Audit Log Used' },
    action: 'U',
    recorded: input.recorded.toISOString(),
    outcome: '0',
    agent: [
      {
        type: { coding: [participation('CST', 'custodian')] },
        who: {
          identifier: { system: input.reviewer.userIdSystem ?? SDS_USER_ID_SYSTEM, value: input.reviewer.userId },
        },
        requestor: true,
      },
    ],
    source: source(input.observer),
    entity: [reviewed],
  };
  return {
    resource,
    index: {
      recorded: input.recorded,
      eventType: 'audit-log-used',
      patientId: null,
      userId: input.reviewer.userId,
      organisationOds: null,
      organisationKind: null,
      roleCode: null,
      clientId: null,
      action: 'U',
      outcome: '0',
      purposeOfUse: null,
      breakGlass: false,
      selfClaimed: false,
      requestId: null,
    },
  };
}

interface RestShape {
  subtype: ResourceInteraction | QueryInteraction;
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  outcome: AuditOutcome;
  profile: string | undefined;
  userType: Coding;
  clientRole: Coding;
  serverRole: Coding;
  entity: AuditEventEntity;
}

function restEvent(input: PatientEventInput, shape: RestShape): AuditEvent {
  const agents: AuditEventAgent[] = [userAgent(input.agent, shape.userType, input.purpose)];
  const organisation = organisationAgent(input.agent);
  if (organisation) agents.push(organisation);
  agents.push(clientAgent(input.agent, shape.clientRole));
  // BALP server agent: our FHIR endpoint, identified by its URL.
  agents.push({
    type: { coding: [shape.serverRole] },
    who: { display: input.observer.name },
    requestor: false,
    network: { address: input.observer.baseUrl, type: '5' },
  });
  const entity: AuditEventEntity[] = [
    ...(input.patientId === undefined ? [] : [{ what: { reference: `Patient/${input.patientId}` }, ...PATIENT_ROLE }]),
    shape.entity,
  ];
  if (input.requestId) entity.push(requestEntity(input.requestId));
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    ...(shape.profile ? { meta: { profile: [`${BALP_PROFILE}${shape.profile}`] } } : {}),
    type: { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'Restful Operation' },
    subtype: [{ system: RESTFUL_INTERACTION, code: shape.subtype }],
    action: shape.action,
    recorded: input.recorded.toISOString(),
    outcome: shape.outcome.code,
    // FHIR R4 security.html#AccessDenied: a refusal is recorded with what went wrong, as a failure outcome.
    ...(shape.outcome.code === '0' ? {} : { outcomeDesc: shape.outcome.description }),
    agent: agents,
    source: source(input.observer),
    entity,
  };
  const purpose = purposeOfUse(input.purpose);
  // domain.md 2.4 rule 3 asks for purposeOfEvent; BALP records the token's purpose on the user agent. Both.
  if (purpose) event.purposeOfEvent = purpose;
  return event;
}

function restIndex(input: PatientEventInput, action: AuditIndex['action'], outcome: AuditOutcome): AuditIndex {
  return {
    ...agentIndex(input.agent),
    recorded: input.recorded,
    eventType: 'rest',
    patientId: input.patientId ?? null,
    action,
    outcome: outcome.code,
    purposeOfUse: purposeCode(input.purpose),
    breakGlass: input.purpose?.basis === 'break-glass',
    selfClaimed: input.purpose?.basis === 'self-claimed',
    requestId: input.requestId ?? null,
  };
}

function agentIndex(agent: AuditAgent) {
  return {
    userId: agent.userId,
    organisationOds: agent.organisationOds ?? null,
    organisationKind: agent.organisationKind ?? null,
    roleCode: agent.roleCode ?? null,
    clientId: agent.clientId,
  };
}

// BALP user agent: who from the token, the role from the token (here the national RBAC job role, domain.md 1.4),
// requestor true, the purpose of use; no network address ("users are not network devices": it goes on the client
// agent). The token id goes in policy as BALP OAUTHaccessTokenUse.Minimal does: `urn:ietf:params:oauth:jti:...`.
function userAgent(agent: AuditAgent, type: Coding, purpose: AccessPurpose | undefined): AuditEventAgent {
  const user: AuditEventAgent = {
    type: { coding: [type] },
    who: {
      identifier: { system: agent.userIdSystem ?? SDS_USER_ID_SYSTEM, value: agent.userId },
      ...(agent.name ? { display: agent.name } : {}),
    },
    requestor: true,
  };
  if (agent.name) user.name = agent.name;
  if (agent.roleProfileId) user.altId = agent.roleProfileId;
  if (agent.roleCode) user.role = [{ coding: [{ system: JOB_ROLE_SYSTEM, code: agent.roleCode }] }];
  if (agent.tokenId) user.policy = [`urn:ietf:params:oauth:jti:${agent.tokenId}`];
  const purposes = purposeOfUse(purpose, true);
  if (purposes) user.purposeOfUse = purposes;
  return user;
}

// R4's agent has no element for the user's organisation, which GP Connect requires (role profile = role +
// organisation; domain.md 1.5): it is its own agent, the healthcare provider the user acted for, by ODS code.
function organisationAgent(agent: AuditAgent): AuditEventAgent | undefined {
  if (!agent.organisationOds) return undefined;
  return {
    type: { coding: [{ system: ROLE_CLASS, code: 'PROV', display: 'healthcare provider' }] },
    who: {
      identifier: { system: ODS_CODE_SYSTEM, value: agent.organisationOds },
      ...(agent.organisationName ? { display: agent.organisationName } : {}),
    },
    requestor: false,
  };
}

// BALP client agent: the app by its OAuth client id, and the machine it ran on (BALP puts the machine's name in
// who.display), with the network address seen by the server; GP Connect asks for the end-user device.
function clientAgent(agent: AuditAgent, role: Coding): AuditEventAgent {
  const client: AuditEventAgent = {
    type: { coding: [role] },
    who: {
      identifier: { system: CLIENT_ID_SYSTEM, value: agent.clientId },
      ...(agent.device ? { display: agent.device } : {}),
    },
    requestor: false,
  };
  // network.type 2 is an IP address.
  if (agent.networkAddress) client.network = { address: agent.networkAddress, type: '2' };
  return client;
}

function source(observer: AuditObserver): AuditEvent['source'] {
  return {
    ...(observer.site ? { site: observer.site } : {}),
    observer: { display: observer.name },
    type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
  };
}

function requestEntity(requestId: string): AuditEventEntity {
  return { what: { identifier: { value: requestId } }, type: { system: BALP_ENTITY_TYPE, code: 'XrequestId' } };
}

const ACT_REASON_DISPLAY: Record<string, string> = {
  TREAT: 'treatment',
  ETREAT: 'Emergency Treatment',
  BTG: 'break the glass',
  HOPERAT: 'healthcare operations',
  PATRQT: 'patient requested',
};

function purposeCode(purpose: AccessPurpose | undefined): string | null {
  if (!purpose) return null;
  return purpose.purposeOfUse ?? (purpose.basis === 'break-glass' ? 'ETREAT' : 'TREAT');
}

// HL7 v3 ActReason purpose of use (domain.md 2.4 rule 3; ADR 8 gives it per decision). On the user agent, the
// reason the user gave follows as a second concept (a local code and their own words).
function purposeOfUse(purpose: AccessPurpose | undefined, withReason = false): CodeableConcept[] | undefined {
  const code = purposeCode(purpose);
  if (!purpose || !code) return undefined;
  const display = ACT_REASON_DISPLAY[code];
  const concepts: CodeableConcept[] = [{ coding: [{ system: ACT_REASON, code, ...(display ? { display } : {}) }] }];
  if (withReason && (purpose.reasonCode || purpose.reasonText)) {
    concepts.push({
      ...(purpose.reasonCode ? { coding: [{ system: ACCESS_REASON_SYSTEM, code: purpose.reasonCode }] } : {}),
      ...(purpose.reasonText ? { text: purpose.reasonText } : {}),
    });
  }
  return concepts;
}

function entityType(code: string, display: string): Coding {
  return { system: ENTITY_TYPE, code, display };
}

function objectRole(code: string, display: string): Coding {
  return { system: OBJECT_ROLE, code, display };
}

function participation(code: string, display: string): Coding {
  return { system: PARTICIPATION_TYPE, code, display };
}

const author = participation('AUT', 'author');
const custodian = participation('CST', 'custodian');
