// MDM (HL7 v2.5.1 ch. 9: medical document management) -> UK Core DocumentReference (domain.md 2.2).

import type {
  Attachment,
  CodeableConcept,
  DocumentReference,
  DocumentReferenceRelatesTo,
  Practitioner,
  Reference,
} from '@joinedup/fhir';
import type { Hl7Segment } from '../hl7-message.ts';
import { TEXT_PLAIN_UTF8, encapsulatedData, textAttachment } from './attachment.ts';
import { UK_CORE_PROFILE, localCodeSystem, localIdentifierSystem, v2TableSystem } from './code-systems.ts';
import type { FeedOperation } from './feed-operation.ts';
import {
  cleanCode,
  cleanText,
  entityId,
  isSnomedConceptId,
  organizationReference,
  practitionerReference,
} from './hl7-datatypes.ts';
import { dateTimeAt, instantAt } from './hl7-times.ts';
import { requiredField, requiredSegment } from './map-error.ts';
import { patientReference, sourceEventTime, type MapScope } from './map-scope.ts';
import type { MappedMessage } from './adt.mapper.ts';
import { obxTextLines, valueTypeOf } from './observation-value.ts';
import { mapPatient, patientIdentity } from './patient.mapper.ts';
import { sourceResourceId } from './resource-ids.ts';

/**
 * HL7 v2.5.1 9.3: T02/T04/T06/T08/T10 carry the document (OBX); T01/T03/T05/T07/T09 are the same events without
 * it; T11 cancels. T05/T06 add an addendum; T07/T08 edit; T09/T10 replace.
 */
const WITH_CONTENT = new Set(['T02', 'T04', 'T06', 'T08', 'T10']);
export const MDM_TRIGGERS: ReadonlySet<string> = new Set([
  'T01',
  'T02',
  'T03',
  'T04',
  'T05',
  'T06',
  'T07',
  'T08',
  'T09',
  'T10',
  'T11',
]);

/** HL7 table 0270 (document type). */
const DOCUMENT_TYPE: Record<string, string> = {
  AR: 'Autopsy report',
  CD: 'Cardiodiagnostics',
  CN: 'Consultation',
  DI: 'Diagnostic imaging',
  DS: 'Discharge summary',
  ED: 'Emergency department report',
  HP: 'History and physical examination',
  OP: 'Operative report',
  PC: 'Psychiatric consultation',
  PH: 'Psychiatric history and physical examination',
  PN: 'Procedure note',
  PR: 'Progress note',
  SP: 'Surgical pathology',
  TS: 'Transfer summary',
};

/** HL7 table 0271 (document completion status, TXA-17) to DocumentReference.docStatus. */
function docStatusOf(txa: Hl7Segment): DocumentReference['docStatus'] {
  switch (txa.get(17).trim().toUpperCase()) {
    case 'AU':
    case 'LA':
    case 'DO':
      return 'final';
    case 'DI':
    case 'IN':
    case 'IP':
    case 'PA':
      return 'preliminary';
    default:
      return undefined;
  }
}

/** HL7 table 0273 (document availability status, TXA-19) to DocumentReference.status. */
function statusOf(txa: Hl7Segment): DocumentReference['status'] {
  switch (txa.get(19).trim().toUpperCase()) {
    case 'OB':
      return 'superseded';
    case 'CA':
      return 'entered-in-error';
    default:
      return 'current';
  }
}

/**
 * TXA-2 (document type; an IS of table 0270, which senders extend): a table 0270 code, else a SNOMED CT code
 * when it is one (the synthetic feeds send SNOMED document types), else the sender's table. OBX-3 of the
 * document's lines names the same type with its text: used as the display when the codes agree.
 */
function documentType(txa: Hl7Segment, obx: Hl7Segment | undefined, senderOds: string): CodeableConcept | undefined {
  const code = cleanCode(txa.get(2));
  if (code === undefined) return undefined;
  const fromObx = obx && cleanCode(obx.get(3, 1)) === code ? cleanText(obx.get(3, 2)) : undefined;
  const table = DOCUMENT_TYPE[code.toUpperCase()];
  let system = localCodeSystem(senderOds, 'v2-0270');
  if (table !== undefined) system = v2TableSystem('0270');
  else if (isSnomedConceptId(code)) system = 'http://snomed.info/sct';
  const display = table ?? fromObx;
  return {
    coding: [
      { system, code: table === undefined ? code : code.toUpperCase(), ...(display === undefined ? {} : { display }) },
    ],
  };
}

/** The document: one text/plain attachment of the text lines (ST, TX, FT) joined by LF, plus one per ED. */
function documentContent(observations: Hl7Segment[], separator: string, title: string | undefined): Attachment[] {
  const lines: string[] = [];
  const attachments: Attachment[] = [];
  for (const obx of observations) {
    if (valueTypeOf(obx) === 'ED') attachments.push(encapsulatedData(obx, 5, title));
    // The synthetic feeds split the text on LF only and send a CR inside a line as \X0D\: joining the unescaped
    // lines with LF gives back the exact text (packages/synth/src/hl7v2/README.md, MDM).
    else lines.push(...(obx.repetitions(5).length === 0 ? [''] : obxTextLines(obx, separator)));
  }
  const text = lines.join('\n');
  if (text.trim() !== '') attachments.unshift(textAttachment(text, title));
  return attachments;
}

export function mapMdm(trigger: string, scope: MapScope): MappedMessage {
  const { message, senderOds, timeZone } = scope;
  const pid = message.segment('PID');
  if (!pid) throw requiredSegment('PID', 3, `MDM^${trigger}`);
  const txa = message.segment('TXA');
  if (!txa) throw requiredSegment('TXA', 12, `MDM^${trigger}`);
  const identity = patientIdentity(pid, 3, senderOds);
  const operations: FeedOperation[] = [mapPatient(pid, identity, scope)];
  const documentNumber = entityId(txa, 12);
  if (documentNumber === undefined) throw requiredField(txa, 12, 'unique document number');
  const id = sourceResourceId(senderOds, documentNumber);

  if (trigger === 'T11') {
    operations.push({ kind: 'cancel', resourceType: 'DocumentReference', id, to: 'entered-in-error' });
    return { patientId: identity.id, operations };
  }

  const observations = message.segmentsNamed('OBX');
  const title = cleanText(txa.get(16));
  let content: Attachment[];
  if (WITH_CONTENT.has(trigger)) {
    content = documentContent(observations, message.encoding.componentSeparator, title);
    if (content.length === 0) throw requiredField(observations[0] ?? 'OBX', 5, 'the document text');
  } else {
    // A notification without the document: a reference that says so; applyFeedOperation never lets it erase
    // content already held.
    content = [{ contentType: TEXT_PLAIN_UTF8, ...(title === undefined ? {} : { title }) }];
  }

  const pv1 = message.segment('PV1');
  const visitNumber = pv1 ? cleanCode(pv1.get(19)) : undefined;
  const activity = dateTimeAt(txa, 4, timeZone);
  const date = instantAt(txa, 6, timeZone) ?? instantAt(txa, 4, timeZone);
  const authors = [...txa.repetitions(9), ...(txa.repetitions(9).length === 0 ? txa.repetitions(5) : [])]
    .map((r) => practitionerReference(r, senderOds))
    .filter((r): r is Reference<Practitioner> => r !== undefined);
  const type = documentType(txa, observations[0], senderOds);
  const docStatus = docStatusOf(txa);

  const parentNumber = entityId(txa, 13);
  const parentId = parentNumber === undefined ? undefined : sourceResourceId(senderOds, parentNumber);
  const relatesTo: DocumentReferenceRelatesTo[] = [];
  if (parentId !== undefined && parentId !== id) {
    const isAddendum = trigger === 'T05' || trigger === 'T06';
    const isReplacement = ['T07', 'T08', 'T09', 'T10'].includes(trigger);
    if (isAddendum) relatesTo.push({ code: 'appends', target: { reference: `DocumentReference/${parentId}` } });
    if (isReplacement) {
      relatesTo.push({ code: 'replaces', target: { reference: `DocumentReference/${parentId}` } });
      operations.push({ kind: 'cancel', resourceType: 'DocumentReference', id: parentId, to: 'superseded' });
    }
  }

  const document: DocumentReference = {
    resourceType: 'DocumentReference',
    id,
    meta: { profile: [UK_CORE_PROFILE.DocumentReference] },
    extension: [sourceEventTime(scope)],
    masterIdentifier: { system: localIdentifierSystem(senderOds, 'document-number'), value: documentNumber },
    status: statusOf(txa),
    ...(docStatus === undefined ? {} : { docStatus }),
    ...(type === undefined ? {} : { type }),
    subject: patientReference(identity.id),
    ...(date === undefined ? {} : { date }),
    ...(authors.length > 0 ? { author: authors } : {}),
    custodian: organizationReference(senderOds),
    ...(relatesTo.length > 0 ? { relatesTo } : {}),
    ...(title === undefined ? {} : { description: title }),
    content: content.map((attachment) => ({ attachment })),
  };
  const context: NonNullable<DocumentReference['context']> = {};
  if (visitNumber !== undefined) {
    context.encounter = [{ reference: `Encounter/${sourceResourceId(senderOds, visitNumber)}` }];
  }
  if (activity !== undefined) context.period = { start: activity };
  if (Object.keys(context).length > 0) document.context = context;
  // The document's own resource comes before the supersession of its parent.
  operations.splice(1, 0, { kind: 'upsert', resource: document });
  return { patientId: identity.id, operations };
}
