// ORU^R01 (HL7 v2.5.1 7.3.1) -> UK Core DiagnosticReport-Lab per OBR, Observation-Lab per OBX, and a
// DocumentReference per OBX of type ED (domain.md 2.2, after the nw-gmsa mapping table).

import type {
  Annotation,
  DiagnosticReport,
  DocumentReference,
  Encounter,
  Identifier,
  Observation,
  Organization,
  Patient,
  Reference,
} from '@joinedup/fhir';
import type { Hl7Segment } from '../hl7-message.ts';
import { encapsulatedData } from './attachment.ts';
import {
  DATA_ABSENT_REASON_SYSTEM,
  DIAGNOSTIC_SERVICE_SECTION_SYSTEM,
  OBSERVATION_CATEGORY_SYSTEM,
  UK_CORE_PROFILE,
} from './code-systems.ts';
import type { FeedOperation } from './feed-operation.ts';
import {
  cleanCode,
  cleanText,
  codeableConcept,
  entityId,
  firstRepetition,
  localIdentifier,
  organizationReference,
} from './hl7-datatypes.ts';
import { dateTimeAt, instantAt } from './hl7-times.ts';
import { mapError, requiredField, requiredSegment } from './map-error.ts';
import { patientReference, sourceEventTime, type MapScope } from './map-scope.ts';
import type { MappedMessage } from './adt.mapper.ts';
import {
  interpretation,
  observationStatus,
  observationValue,
  referenceRange,
  valueTypeOf,
} from './observation-value.ts';
import { mapPatient, patientIdentity } from './patient.mapper.ts';
import { sourceResourceId, toResourceId } from './resource-ids.ts';

interface ResultGroup {
  obx: Hl7Segment;
  notes: string[];
}

interface OrderGroup {
  orc: Hl7Segment | undefined;
  obr: Hl7Segment;
  notes: string[];
  results: ResultGroup[];
}

/** HL7 table 0123 (result status, OBR-25) to DiagnosticReport.status. */
function reportStatus(obr: Hl7Segment): DiagnosticReport['status'] {
  switch (obr.get(25).trim().toUpperCase()) {
    case 'F':
      return 'final';
    case 'P':
    case 'R':
      return 'preliminary';
    case 'A':
      return 'partial';
    case 'C':
    case 'M':
      return 'corrected';
    case 'X':
      return 'cancelled';
    case 'I':
    case 'O':
    case 'S':
      return 'registered';
    default:
      return 'unknown';
  }
}

/** Observations default to their report's status when OBX-11 is empty. */
function observationStatusFor(status: DiagnosticReport['status']): Observation['status'] {
  switch (status) {
    case 'final':
    case 'preliminary':
    case 'corrected':
    case 'cancelled':
    case 'registered':
    case 'amended':
    case 'entered-in-error':
    case 'unknown':
      return status;
    case 'partial':
      return 'preliminary';
    case 'appended':
      return 'amended';
  }
}

/** NTE-3 (repeating FT) as one note's text. */
function noteText(nte: Hl7Segment, componentSeparator: string): string | undefined {
  const lines = nte.repetitions(3).map((r) => {
    const parts: string[] = [];
    for (let c = 1; c <= r.componentCount; c++) parts.push(r.get(c));
    return parts.join(componentSeparator);
  });
  return cleanText(lines.join('\n'));
}

/**
 * Groups the message: PID (one patient), PV1, then ORDER_OBSERVATION groups (ORC?, OBR, NTE*, (OBX, NTE*)*).
 * An NTE after OBR is about the report; after an OBX, about that result.
 */
function groupOrders(scope: MapScope): { pid: Hl7Segment; pv1: Hl7Segment | undefined; orders: OrderGroup[] } {
  const separator = scope.message.encoding.componentSeparator;
  let pid: Hl7Segment | undefined;
  let pv1: Hl7Segment | undefined;
  let orc: Hl7Segment | undefined;
  const orders: OrderGroup[] = [];
  let order: OrderGroup | undefined;
  let result: ResultGroup | undefined;
  for (const segment of scope.message.segments) {
    switch (segment.name) {
      case 'PID':
        // ORU^R01 may carry several PATIENT_RESULT groups; a feed message is about one person (ADR 6).
        if (pid) throw mapError(segment, 3, '207', 'ORU^R01 with more than one patient is not supported');
        pid = segment;
        break;
      case 'PV1':
        if (!order) pv1 ??= segment;
        break;
      case 'ORC':
        orc = segment;
        order = undefined;
        result = undefined;
        break;
      case 'OBR':
        order = { orc, obr: segment, notes: [], results: [] };
        orders.push(order);
        orc = undefined;
        result = undefined;
        break;
      case 'OBX':
        if (!order) throw mapError(segment, 1, '100', 'OBX must follow an OBR');
        result = { obx: segment, notes: [] };
        order.results.push(result);
        break;
      case 'NTE': {
        const text = noteText(segment, separator);
        if (text === undefined) break;
        if (result) result.notes.push(text);
        else if (order) order.notes.push(text);
        break;
      }
      default:
        break;
    }
  }
  if (!pid) throw requiredSegment('PID', 3, 'ORU^R01');
  if (orders.length === 0) throw requiredSegment('OBR', 4, 'ORU^R01');
  return { pid, pv1, orders };
}

export function mapOru(scope: MapScope): MappedMessage {
  const { senderOds } = scope;
  const { pid, pv1, orders } = groupOrders(scope);
  const identity = patientIdentity(pid, 3, senderOds);
  const operations: FeedOperation[] = [mapPatient(pid, identity, scope)];
  const visitNumber = pv1 ? cleanCode(pv1.get(19)) : undefined;
  const encounter: Reference<Encounter> | undefined =
    visitNumber === undefined ? undefined : { reference: `Encounter/${sourceResourceId(senderOds, visitNumber)}` };
  const usedIds = new Set<string>();
  orders.forEach((order, index) => {
    operations.push(...mapOrder(order, index, identity.id, encounter, usedIds, scope));
  });
  return { patientId: identity.id, operations };
}

/**
 * The report id: `${senderOds}-${filler order number}` (OBR-3, else ORC-3), else `${senderOds}-placer-${placer
 * order number}` (OBR-2, else ORC-2), so that a filler and a placer number never meet. A second OBR of the same
 * message with the same number gets its set id (OBR-1) or position appended.
 */
function reportIdOf(order: OrderGroup, index: number, usedIds: Set<string>, senderOds: string): string {
  const { obr, orc } = order;
  const filler = entityId(obr, 3) ?? (orc && entityId(orc, 3));
  const placer = entityId(obr, 2) ?? (orc && entityId(orc, 2));
  let id: string;
  if (filler !== undefined) id = sourceResourceId(senderOds, filler);
  else if (placer !== undefined) id = sourceResourceId(senderOds, 'placer', placer);
  else throw requiredField(obr, 3, 'filler order number, or OBR-2 placer order number');
  if (usedIds.has(id)) id = toResourceId(`${id}-${cleanCode(obr.get(1)) ?? String(index + 1)}`);
  usedIds.add(id);
  return id;
}

/** OBX-1 (set id) when every OBX of the report has a distinct positive one; otherwise positions 1, 2, ... */
function resultNumbers(results: ResultGroup[]): string[] {
  const setIds = results.map((r) => r.obx.get(1).trim());
  const valid = setIds.every((s) => /^[1-9][0-9]{0,8}$/.test(s)) && new Set(setIds).size === setIds.length;
  return valid ? setIds : results.map((_, i) => String(i + 1));
}

function mapOrder(
  order: OrderGroup,
  index: number,
  patientId: string,
  encounter: Reference<Encounter> | undefined,
  usedIds: Set<string>,
  scope: MapScope,
): FeedOperation[] {
  const { senderOds, timeZone } = scope;
  const { obr, orc } = order;
  const reportId = reportIdOf(order, index, usedIds, senderOds);
  const code = codeableConcept(firstRepetition(obr, 4), senderOds);
  if (code === undefined) throw requiredField(obr, 4, 'universal service identifier');
  const status = reportStatus(obr);
  const effective = dateTimeAt(obr, 7, timeZone);
  const issued = instantAt(obr, 22, timeZone);

  const identifier: Identifier[] = [];
  const placer = entityId(obr, 2) ?? (orc && entityId(orc, 2));
  const filler = entityId(obr, 3) ?? (orc && entityId(orc, 3));
  if (placer !== undefined) identifier.push(localIdentifier(senderOds, 'placer-order-number', placer, 'PLAC'));
  if (filler !== undefined) identifier.push(localIdentifier(senderOds, 'filler-order-number', filler, 'FILL'));

  const subject = patientReference(patientId);
  const performer = [organizationReference(senderOds)];
  const operations: FeedOperation[] = [];
  const results: Reference<Observation>[] = [];
  const numbers = resultNumbers(order.results);
  order.results.forEach((result, i) => {
    const id = toResourceId(`${reportId}-${numbers[i]!}`);
    const common = { subject, encounter, issued, effective, performer, status, reportId };
    if (valueTypeOf(result.obx) === 'ED') {
      operations.push({ kind: 'upsert', resource: mapEncapsulatedResult(result, id, common, scope) });
    } else {
      operations.push({ kind: 'upsert', resource: mapResult(result, id, common, scope) });
      results.push({ reference: `Observation/${id}` });
    }
  });

  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: reportId,
    meta: { profile: [UK_CORE_PROFILE.DiagnosticReport] },
    extension: [sourceEventTime(scope)],
    ...(identifier.length > 0 ? { identifier } : {}),
    status,
    category: [{ coding: [{ system: DIAGNOSTIC_SERVICE_SECTION_SYSTEM, code: 'LAB', display: 'Laboratory' }] }],
    code,
    subject,
    ...(encounter === undefined ? {} : { encounter }),
    ...(effective === undefined ? {} : { effectiveDateTime: effective }),
    ...(issued === undefined ? {} : { issued }),
    performer,
    ...(results.length > 0 ? { result: results } : {}),
    ...(order.notes.length > 0 ? { conclusion: order.notes.join('\n') } : {}),
  };
  return [{ kind: 'upsert', resource: report }, ...operations];
}

interface ResultContext {
  subject: Reference<Patient>;
  encounter: Reference<Encounter> | undefined;
  issued: string | undefined;
  effective: string | undefined;
  performer: Reference<Organization>[];
  status: DiagnosticReport['status'];
  reportId: string;
}

/** OBX -> UK Core Observation-Lab. */
function mapResult(result: ResultGroup, id: string, common: ResultContext, scope: MapScope): Observation {
  const { obx } = result;
  const { senderOds, timeZone } = scope;
  const code = codeableConcept(firstRepetition(obx, 3), senderOds);
  if (code === undefined) throw requiredField(obx, 3, 'observation identifier');
  const value = observationValue(obx, senderOds, timeZone, scope.message.encoding.componentSeparator);
  const hasValue = Object.keys(value).length > 0;
  const effective = dateTimeAt(obx, 14, timeZone) ?? common.effective;
  const range = referenceRange(obx);
  const flags = interpretation(obx);
  const note: Annotation[] = result.notes.map((text) => ({ text }));
  return {
    resourceType: 'Observation',
    id,
    meta: { profile: [UK_CORE_PROFILE.Observation] },
    extension: [sourceEventTime(scope)],
    status: observationStatus(obx, observationStatusFor(common.status)),
    category: [{ coding: [{ system: OBSERVATION_CATEGORY_SYSTEM, code: 'laboratory', display: 'Laboratory' }] }],
    code,
    subject: common.subject,
    ...(common.encounter === undefined ? {} : { encounter: common.encounter }),
    ...(effective === undefined ? {} : { effectiveDateTime: effective }),
    ...(common.issued === undefined ? {} : { issued: common.issued }),
    performer: common.performer,
    ...value,
    // UK Core Observation-Lab: a result sent without a value (OBX-11 X, "cannot be obtained") says why as text.
    ...(hasValue
      ? {}
      : {
          dataAbsentReason:
            result.notes.length > 0
              ? {
                  coding: [{ system: DATA_ABSENT_REASON_SYSTEM, code: 'as-text', display: 'As Text' }],
                  text: result.notes.join('\n'),
                }
              : { coding: [{ system: DATA_ABSENT_REASON_SYSTEM, code: 'unknown', display: 'Unknown' }] },
        }),
    ...(flags.length > 0 ? { interpretation: flags } : {}),
    ...(note.length > 0 ? { note } : {}),
    ...(range === undefined ? {} : { referenceRange: [range] }),
  };
}

/** OBX of type ED (a report as a PDF, an image...) -> DocumentReference, related to its DiagnosticReport. */
function mapEncapsulatedResult(
  result: ResultGroup,
  id: string,
  common: ResultContext,
  scope: MapScope,
): DocumentReference {
  const { obx } = result;
  const type = codeableConcept(firstRepetition(obx, 3), scope.senderOds);
  const title = cleanText(obx.get(3, 2));
  const attachment = encapsulatedData(obx, 5, title);
  const status = obx.get(11).trim().toUpperCase();
  const isWithdrawn = status === 'D' || status === 'W';
  const docStatus = status === 'P' ? 'preliminary' : status === 'C' ? 'amended' : 'final';
  return {
    resourceType: 'DocumentReference',
    id,
    meta: { profile: [UK_CORE_PROFILE.DocumentReference] },
    extension: [sourceEventTime(scope)],
    status: isWithdrawn ? 'entered-in-error' : 'current',
    docStatus: isWithdrawn ? 'entered-in-error' : docStatus,
    ...(type === undefined ? {} : { type }),
    subject: common.subject,
    date: common.issued ?? scope.eventTime,
    author: common.performer,
    custodian: organizationReference(scope.senderOds),
    ...(title === undefined ? {} : { description: title }),
    content: [{ attachment }],
    context: {
      ...(common.encounter === undefined ? {} : { encounter: [common.encounter] }),
      related: [{ reference: `DiagnosticReport/${common.reportId}` }],
    },
  };
}
