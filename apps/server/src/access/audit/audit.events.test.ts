import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCESS_REASON_SYSTEM,
  buildAccessAlertEvent,
  buildAlertReviewEvent,
  buildPatientQueryEvent,
  buildPatientResourceEvent,
  CLIENT_ID_SYSTEM,
  JOB_ROLE_SYSTEM,
  ODS_CODE_SYSTEM,
  outcomeOfStatus,
  SDS_USER_ID_SYSTEM,
  type AuditAgent,
} from './audit.events.ts';

// The AuditEvents as IHE BALP shapes them, with the columns they are searched by. Synthetic identifiers only.

const recorded = new Date('2026-11-30T09:15:02.123Z');
const observer = { name: 'joinedup', baseUrl: 'https://joinedup.example.org/fhir', site: 'North Central London' };
const nurse: AuditAgent = {
  userId: '555000000017',
  name: 'Nurse Test-Example',
  roleCode: 'R8001',
  roleProfileId: '555000000017-01',
  organisationOds: 'R1H',
  organisationName: 'Example Acute Trust',
  organisationKind: 'acute-trust',
  clientId: 'barts-epr',
  tokenId: 'jti-0001',
  networkAddress: '10.0.0.7',
  device: 'WS-ED-04',
};

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const codeOf = (agent: { type?: { coding?: { code?: string }[] } }) => agent.type?.coding?.[0]?.code;

test('a read of one resource: rest/read, action R, the patient (role 1) and the resource (role 4), four agents', () => {
  const { resource, index } = buildPatientResourceEvent({
    recorded,
    agent: nurse,
    observer,
    patientId: 'pat-1',
    requestId: 'req-1',
    interaction: 'read',
    resource: { type: 'Observation', id: 'obs-1', versionId: '3' },
    purpose: { basis: 'relationship' },
  });
  assert.equal(resource.resourceType, 'AuditEvent');
  assert.deepEqual(resource.meta?.profile, [
    'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead',
  ]);
  assert.deepEqual(resource.type, {
    system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
    code: 'rest',
    display: 'Restful Operation',
  });
  assert.deepEqual(resource.subtype, [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }]);
  assert.equal(resource.action, 'R');
  assert.equal(resource.recorded, '2026-11-30T09:15:02.123Z');
  assert.equal(resource.outcome, '0');
  assert.equal(resource.outcomeDesc, undefined);
  assert.equal(resource.source.observer.display, 'joinedup');
  assert.equal(resource.source.site, 'North Central London');
  assert.equal(resource.source.type?.[0]?.code, '4');

  const [user, organisation, client, server] = resource.agent;
  assert.equal(resource.agent.length, 4);
  assert.equal(codeOf(user!), 'IRCP');
  assert.equal(user!.requestor, true);
  assert.deepEqual(user!.who?.identifier, { system: SDS_USER_ID_SYSTEM, value: '555000000017' });
  assert.equal(user!.name, 'Nurse Test-Example');
  assert.equal(user!.altId, '555000000017-01');
  assert.deepEqual(user!.role, [{ coding: [{ system: JOB_ROLE_SYSTEM, code: 'R8001' }] }]);
  assert.deepEqual(user!.policy, ['urn:ietf:params:oauth:jti:jti-0001']);
  assert.equal(user!.network, undefined, 'BALP: users are not network devices');
  assert.equal(user!.purposeOfUse?.[0]?.coding?.[0]?.code, 'TREAT');
  assert.equal(codeOf(organisation!), 'PROV');
  assert.deepEqual(organisation!.who?.identifier, { system: ODS_CODE_SYSTEM, value: 'R1H' });
  assert.equal(organisation!.who?.display, 'Example Acute Trust');
  assert.equal(organisation!.requestor, false);
  // On a read the data flows to the client: DICOM Destination Role ID.
  assert.equal(codeOf(client!), '110152');
  assert.deepEqual(client!.who?.identifier, { system: CLIENT_ID_SYSTEM, value: 'barts-epr' });
  assert.equal(client!.who?.display, 'WS-ED-04');
  assert.deepEqual(client!.network, { address: '10.0.0.7', type: '2' });
  assert.equal(codeOf(server!), '110153');
  assert.deepEqual(server!.network, { address: 'https://joinedup.example.org/fhir', type: '5' });

  const [patient, data, request] = resource.entity!;
  assert.deepEqual(patient!.what, { reference: 'Patient/pat-1' });
  assert.equal(patient!.role?.code, '1');
  assert.equal(patient!.type?.code, '1');
  assert.deepEqual(data!.what, { reference: 'Observation/obs-1/_history/3' });
  assert.equal(data!.role?.code, '4');
  assert.equal(data!.query, undefined);
  assert.deepEqual(request, {
    what: { identifier: { value: 'req-1' } },
    type: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId' },
  });
  assert.deepEqual(resource.purposeOfEvent, [
    { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT', display: 'treatment' }] },
  ]);

  assert.deepEqual(index, {
    recorded,
    eventType: 'rest',
    patientId: 'pat-1',
    userId: '555000000017',
    organisationOds: 'R1H',
    organisationKind: 'acute-trust',
    roleCode: 'R8001',
    clientId: 'barts-epr',
    action: 'R',
    outcome: '0',
    purposeOfUse: 'TREAT',
    breakGlass: false,
    selfClaimed: false,
    requestId: 'req-1',
  });
});

test('writes take their action from the interaction, and the user is author or custodian', () => {
  const base = { recorded, agent: nurse, observer, patientId: 'pat-1', resource: { type: 'CarePlan', id: 'cp-1' } };
  const cases = [
    ['create', 'C', 'AUT', 'PatientCreate'],
    ['update', 'U', 'AUT', 'PatientUpdate'],
    ['patch', 'U', 'AUT', 'PatientUpdate'],
    ['delete', 'D', 'CST', 'PatientDelete'],
    ['vread', 'R', 'IRCP', 'PatientRead'],
    ['history-instance', 'R', 'IRCP', 'PatientRead'],
  ] as const;
  for (const [interaction, action, userType, profile] of cases) {
    const { resource, index } = buildPatientResourceEvent({ ...base, interaction });
    assert.equal(resource.action, action, interaction);
    assert.equal(index.action, action, interaction);
    assert.equal(codeOf(resource.agent[0]!), userType, interaction);
    assert.ok(resource.meta?.profile?.[0]?.endsWith(profile), interaction);
    // The client sends the data on a write (Source Role ID), receives it on a read.
    assert.equal(codeOf(resource.agent[2]!), action === 'R' ? '110152' : '110153', interaction);
  }
});

test('a query keeps the raw request base64 in entity.query (role 24), action E', () => {
  const rawQuery = "GET /fhir/Observation?patient=pat-2&code=4548-4&_count=10' OR 1=1 --";
  const { resource, index } = buildPatientQueryEvent({
    recorded,
    agent: nurse,
    observer,
    patientId: 'pat-2',
    interaction: 'search-type',
    rawQuery,
  });
  assert.equal(resource.action, 'E');
  assert.equal(resource.subtype?.[0]?.code, 'search-type');
  assert.ok(resource.meta?.profile?.[0]?.endsWith('PatientQuery'));
  const query = resource.entity!.find((e) => e.role?.code === '24')!;
  assert.equal(query.type?.code, '2');
  assert.equal(query.what, undefined);
  assert.equal(Buffer.from(query.query!, 'base64').toString('utf8'), rawQuery);
  assert.equal(codeOf(resource.agent[2]!), '110153', 'the client is the source of a query');
  assert.equal(resource.purposeOfEvent, undefined, 'no purpose given, none recorded');
  assert.equal(index.purposeOfUse, null);
  assert.equal(index.action, 'E');
});

test('a refusal is a failure outcome with its description and claims no BALP profile', () => {
  const { resource, index } = buildPatientQueryEvent({
    recorded,
    agent: nurse,
    observer,
    patientId: 'pat-3',
    interaction: 'operation',
    rawQuery: 'GET /fhir/Patient/pat-3/$everything',
    outcome: outcomeOfStatus(403, 'No legitimate relationship with this patient'),
  });
  assert.equal(resource.outcome, '4');
  assert.equal(resource.outcomeDesc, 'No legitimate relationship with this patient');
  assert.equal(resource.meta, undefined);
  assert.equal(index.outcome, '4');
  assert.deepEqual(outcomeOfStatus(200, 'ok'), { code: '0' });
  assert.deepEqual(outcomeOfStatus(401, 'No credentials'), { code: '4', description: 'No credentials' });
  assert.deepEqual(outcomeOfStatus(503, 'Database down'), { code: '8', description: 'Database down' });
});

test('an access under break-glass is ETREAT with the reason on the user agent, and is indexed as break-glass', () => {
  const { resource, index } = buildPatientResourceEvent({
    recorded,
    agent: nurse,
    observer,
    patientId: 'pat-4',
    interaction: 'read',
    resource: { type: 'Patient', id: 'pat-4' },
    purpose: { basis: 'break-glass', reasonCode: 'unable-to-consent', reasonText: 'Unconscious in resus' },
  });
  const user = resource.agent[0]!;
  assert.deepEqual(user.purposeOfUse, [
    {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
          code: 'ETREAT',
          display: 'Emergency Treatment',
        },
      ],
    },
    { coding: [{ system: ACCESS_REASON_SYSTEM, code: 'unable-to-consent' }], text: 'Unconscious in resus' },
  ]);
  assert.equal(resource.purposeOfEvent?.length, 1, 'the event-level purpose is the code alone');
  assert.equal(index.purposeOfUse, 'ETREAT');
  assert.equal(index.breakGlass, true);
  assert.equal(index.selfClaimed, false);
});

test("the access decision's purpose of use is recorded as given (ADR 8: BTG under break-glass, PATRQT for a patient)", () => {
  const breakGlass = buildPatientQueryEvent({
    recorded,
    agent: nurse,
    observer,
    patientId: 'pat-4',
    interaction: 'search-type',
    rawQuery: 'GET /fhir/AllergyIntolerance?patient=pat-4',
    purpose: {
      basis: 'break-glass',
      purposeOfUse: 'BTG',
      reasonCode: 'risk-to-others',
      reasonText: 'Violent, sedated',
    },
  });
  assert.deepEqual(breakGlass.resource.purposeOfEvent, [
    {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG', display: 'break the glass' },
      ],
    },
  ]);
  assert.equal(breakGlass.index.purposeOfUse, 'BTG');
  assert.equal(breakGlass.index.breakGlass, true);
  const own = buildPatientResourceEvent({
    recorded,
    agent: { userId: 'nhs-login-1', clientId: 'patient-app' },
    observer,
    patientId: 'pat-4',
    interaction: 'read',
    resource: { type: 'Patient', id: 'pat-4' },
    purpose: { basis: 'own-record', purposeOfUse: 'PATRQT' },
  });
  assert.equal(own.index.purposeOfUse, 'PATRQT');
  assert.equal(own.index.breakGlass, false);
  assert.equal(own.index.selfClaimed, false);
  assert.equal(own.resource.agent[0]!.purposeOfUse?.length, 1, 'no reason concept without a reason');
});

test('a refused break-glass is an alert with a failure outcome', () => {
  const { resource, index } = buildAccessAlertEvent({
    recorded,
    agent: { ...nurse, roleCode: 'R8004' },
    observer,
    patientId: 'pat-8',
    alert: 'break-glass-refused',
    reasonCode: 'life-threatening-emergency',
    reasonText: 'Trying to help',
  });
  assert.equal(resource.type.code, '110113');
  assert.equal(resource.subtype?.[0]?.code, '110127');
  assert.equal(resource.outcome, '4');
  assert.equal(resource.outcomeDesc, 'Break-glass refused: the requester is not entitled to it');
  assert.equal(index.outcome, '4');
  assert.equal(index.breakGlass, true);
  assert.equal(index.eventType, 'security-alert');
});

test('a break-glass alert is a DICOM Security Alert / Emergency Override Started with no clinical data', () => {
  const { resource, index } = buildAccessAlertEvent({
    recorded,
    agent: nurse,
    observer,
    patientId: 'pat-5',
    requestId: 'req-5',
    alert: 'break-glass',
    reasonCode: 'unable-to-consent',
    reasonText: 'Unconscious, brought in by ambulance',
  });
  assert.deepEqual(resource.type, { system: DCM, code: '110113', display: 'Security Alert' });
  assert.deepEqual(resource.subtype, [{ system: DCM, code: '110127', display: 'Emergency Override Started' }]);
  assert.equal(resource.action, 'E');
  assert.equal(resource.purposeOfEvent?.[0]?.coding?.[0]?.code, 'ETREAT');
  // Only the patient and the request: no query, no resource, nothing from the record.
  assert.deepEqual(
    resource.entity!.map((e) => e.role?.code ?? e.type?.code),
    ['1', 'XrequestId'],
  );
  assert.ok(resource.entity!.every((e) => e.query === undefined && e.detail === undefined));
  assert.equal(resource.agent[0]!.purposeOfUse?.[1]?.text, 'Unconscious, brought in by ambulance');
  assert.equal(index.eventType, 'security-alert');
  assert.equal(index.breakGlass, true);
  assert.equal(index.patientId, 'pat-5');
});

test('a self-claimed relationship alert has its own subtype and is TREAT; break-glass needs a justification', () => {
  const { resource, index } = buildAccessAlertEvent({
    recorded,
    agent: nurse,
    observer,
    patientId: 'pat-6',
    alert: 'self-claimed',
    reasonCode: 'mdt-review',
  });
  assert.equal(resource.type.code, '110113');
  assert.equal(resource.subtype?.[0]?.code, 'self-claimed-relationship');
  assert.equal(resource.purposeOfEvent?.[0]?.coding?.[0]?.code, 'TREAT');
  assert.equal(index.selfClaimed, true);
  assert.equal(index.breakGlass, false);
  assert.throws(
    () =>
      buildAccessAlertEvent({
        recorded,
        agent: nurse,
        observer,
        patientId: 'pat-6',
        alert: 'break-glass',
        reasonCode: 'safeguarding',
        reasonText: '  ',
      }),
    /justification/,
  );
});

test('an alert review names the alert, not the patient', () => {
  const { resource, index } = buildAlertReviewEvent({
    recorded,
    reviewer: { userId: 'po-1' },
    observer,
    alertSeq: 42,
    note: 'Checked against PAS: attended ED',
  });
  assert.equal(resource.type.code, '110101');
  assert.deepEqual(resource.entity, [
    {
      what: { reference: 'AuditEvent/42' },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '13', display: 'Security Resource' },
      description: 'Checked against PAS: attended ED',
    },
  ]);
  assert.equal(index.eventType, 'audit-log-used');
  assert.equal(index.patientId, null);
  assert.equal(index.userId, 'po-1');
});

test('an agent with only the required fields gives an event without empty elements', () => {
  const { resource } = buildPatientResourceEvent({
    recorded,
    agent: { userId: 'patient-login-1', userIdSystem: 'https://auth.login.nhs.uk/sub', clientId: 'patient-app' },
    observer: { name: 'joinedup', baseUrl: 'https://joinedup.example.org/fhir' },
    patientId: 'pat-7',
    interaction: 'read',
    resource: { type: 'Patient', id: 'pat-7' },
  });
  assert.equal(resource.agent.length, 3, 'no organisation agent without an ODS code');
  assert.deepEqual(resource.agent[0], {
    type: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
          code: 'IRCP',
          display: 'information recipient',
        },
      ],
    },
    who: { identifier: { system: 'https://auth.login.nhs.uk/sub', value: 'patient-login-1' } },
    requestor: true,
  });
  assert.equal(resource.agent[1]!.network, undefined);
  assert.equal(resource.source.site, undefined);
  assert.equal(resource.entity!.length, 2, 'no request entity without a request id');
});
