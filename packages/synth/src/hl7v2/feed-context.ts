import type {
  EncounterEvent,
  ObservationEvent,
  Organisation,
  Region,
  SourceDemographics,
  SourceRecord,
  StaffMember,
} from '../model.ts';
import type { Rng } from '../random.ts';
import { escapeHl7 } from './hl7-escape.ts';

/** A message decided on but not yet written: its patient identity depends on when it is sent (merges, traces). */
export interface PlannedMessage {
  sentMs: number;
  /** Tie-break for messages sent in the same second: the order they were planned in. */
  seq: number;
  /** Message type and trigger, e.g. `ADT^A01`. */
  type: string;
  /** MSH-9 with the message structure, e.g. `ADT^A01^ADT_A01`. */
  messageType: string;
  /** Segments between MSH and PID, each preceded by a carriage return. */
  head: string;
  /** Segments after PID, each preceded by a carriage return. */
  tail: string;
  /** About a visit recorded on the duplicate record: sent under its identity while it exists. */
  aboutDuplicate: boolean;
}

/** A death as the trust's PAS learns of it. */
export interface DeathNotice {
  /** PID-29, TS or DT. */
  hl7DateTime: string;
  /** From when messages carry it: the first message that tells of the death. */
  knownFromMs: number;
}

/** A staff member as HL7 shows them: PV1-7, ORC-12, TXA-5, AIP-3 (XCN: SDS user id^family^given). */
export interface Clinician {
  xcn: string;
  /** The specialty of their role at the sending organisation (PV1-10), if any. */
  specialty: string;
}

export interface FeedContext {
  record: SourceRecord;
  org: Organisation;
  rng: Rng;
  region: RegionIndex;
  /** The site for events that do not name one. */
  defaultSite: string;
  encounters: Map<string, EncounterEvent>;
  observations: Map<string, ObservationEvent>;
  /** Inpatient encounters that began within a day of an ED attendance here: admitted as emergencies. */
  emergencyAdmissions: Set<string>;
  visits: Map<string, Visit>;
  planned: PlannedMessage[];
  /** Inpatient stays, for an A08 that falls inside one. */
  stays: Stay[];
  death?: DeathNotice;
  /** A demographic update after first registration: before `fromMs` the PAS held `before`. */
  correction?: { fromMs: number; before: SourceDemographics };
}

export interface Stay {
  encounter: EncounterEvent;
  visit: Visit;
  admitMs: number;
  endMs: number;
  aboutDuplicate: boolean;
}

/** The parts of PV1 fixed for a visit. */
export interface Visit {
  /** PV1-2, HL7 table 0004. */
  patientClass: 'I' | 'E' | 'O' | 'P';
  site: string;
  attending: Clinician | undefined;
  /** PV1-4, HL7 table 0007. */
  admissionType: string;
  /** PV1-19 (CX). */
  visitNumber: string;
  admitTs: string;
}

/** Lookups over the region built once per region and kept while the region lives. */
export interface RegionIndex {
  staffById: Map<string, StaffMember>;
  /** Senior clinicians by organisation: who is named when an event names no one. */
  seniorByOds: Map<string, StaffMember[]>;
  clinicians: Map<string, Clinician>;
}

const indexes = new WeakMap<Region, RegionIndex>();

export function regionIndex(region: Region): RegionIndex {
  let index = indexes.get(region);
  if (index) return index;
  const staffById = new Map<string, StaffMember>();
  const seniorByOds = new Map<string, StaffMember[]>();
  for (const s of region.staff) {
    staffById.set(s.sdsUserId, s);
    if (s.profession !== 'consultant' && s.profession !== 'psychiatrist') continue;
    for (const role of s.roles) {
      let list = seniorByOds.get(role.odsCode);
      if (!list) seniorByOds.set(role.odsCode, (list = []));
      list.push(s);
    }
  }
  index = { staffById, seniorByOds, clinicians: new Map() };
  indexes.set(region, index);
  return index;
}

/** The staff member `sdsUserId` as they appear in this organisation's messages. */
export function clinicianAt(index: RegionIndex, sdsUserId: string, odsCode: string): Clinician | undefined {
  const key = `${odsCode}/${sdsUserId}`;
  const known = index.clinicians.get(key);
  if (known) return known;
  const staff = index.staffById.get(sdsUserId);
  if (!staff) return undefined;
  const role = staff.roles.find((r) => r.odsCode === odsCode);
  const name = staff.name;
  let xcn = `${escapeHl7(staff.sdsUserId)}^${escapeHl7(name.family)}^${escapeHl7(name.given[0] ?? '')}`;
  if (name.prefix) xcn += `^^^${escapeHl7(name.prefix)}`;
  const clinician = { xcn, specialty: role?.specialty ? escapeHl7(role.specialty.code) : '' };
  index.clinicians.set(key, clinician);
  return clinician;
}

/** The clinician an event names, or else one of the organisation's senior clinicians, as a PAS would show. */
export function responsibleClinician(ctx: FeedContext, performer: string | undefined): Clinician | undefined {
  if (performer) {
    const named = clinicianAt(ctx.region, performer, ctx.org.odsCode);
    if (named) return named;
  }
  const senior = ctx.region.seniorByOds.get(ctx.org.odsCode);
  if (!senior || senior.length === 0) return undefined;
  return clinicianAt(ctx.region, ctx.rng.pick(senior).sdsUserId, ctx.org.odsCode);
}

/**
 * The trust's own number for an event (visit, document, appointment): the local id of the record it was made on
 * and the event's serial. Event ids are `${personId}-${n}` (model.ts) and the person id is truth kept for the
 * answer file only; the FHIR feed names event resources from the same parts (fhir/ids.ts eventResourceId).
 */
export function localEventNumber(ctx: FeedContext, eventId: string, aboutDuplicate: boolean): string {
  const localId = aboutDuplicate && ctx.record.duplicate ? ctx.record.duplicate.localId : ctx.record.localId;
  const dash = eventId.indexOf('-');
  return escapeHl7(`${localId}-${dash < 0 ? eventId : eventId.slice(dash + 1)}`);
}

export function plan(
  ctx: FeedContext,
  sentMs: number,
  type: string,
  structure: string,
  head: string,
  tail: string,
  aboutDuplicate: boolean,
): PlannedMessage {
  const message: PlannedMessage = {
    sentMs,
    seq: ctx.planned.length,
    type,
    messageType: `${type}^${structure}`,
    head,
    tail,
    aboutDuplicate,
  };
  ctx.planned.push(message);
  return message;
}
