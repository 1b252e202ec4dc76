import type { OrganisationKind, Region, SourceDemographics, SourceRecord } from '../model.ts';
import type { Rng } from '../random.ts';
import { createRng } from '../random.ts';
import { planAdt, planEncounter } from './adt.ts';
import type { FeedContext, PlannedMessage } from './feed-context.ts';
import { regionIndex } from './feed-context.ts';
import { hl7Date, hl7Timestamp, isoInstant } from './hl7-datetime.ts';
import { escapeHl7 } from './hl7-escape.ts';
import { planDocument } from './mdm.ts';
import { planLabReport } from './oru.ts';
import { fields, mshSegment, pidSegment, pv1Segment, PV1_NO_VISIT, segment, xpn } from './segments.ts';
import { planAppointment } from './siu.ts';
import { wardAt } from './visit.ts';

/** One HL7 v2 message as a hospital's interface engine sends it. */
export interface Hl7Feed {
  /** When it was sent (ISO instant, UTC); MSH-7 says the same. */
  sentAt: string;
  /** MSH-10: unique per message, repeated only when the same message is sent again. */
  controlId: string;
  /** Message type and trigger, e.g. `ADT^A01`. */
  type: string;
  /** Segments joined by carriage returns, without MLLP framing. */
  message: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The organisations with a PAS, lab and document system that feed HL7 v2 (domain.md 2.2). */
const HOSPITAL_KINDS: ReadonlySet<OrganisationKind> = new Set<OrganisationKind>([
  'acute-trust',
  'mental-health-trust',
  'community-trust',
  'out-of-area-trust',
]);

/** Share of messages sent twice with the same MSH-10, as an interface engine does when an ACK is lost. */
const RESEND_SHARE = 0.01;
/**
 * Share of records whose first registration lacked a detail added later (an NHS number found by a PDS trace,
 * or a telephone number): sent as A31, or A08 during a stay. An assumption; no public figure exists.
 */
const LATER_UPDATE_SHARE = 0.1;

/**
 * The HL7 v2 messages a hospital-type organisation's systems send about one person, in the order and at the times
 * they are sent; `[]` for other organisations. With `asOf` (YYYY-MM-DD), those sent after that day are left out.
 */
export function hl7v2Messages(record: SourceRecord, region: Region, seed: string, asOf?: string): Hl7Feed[] {
  const org = region.byOdsCode.get(record.odsCode);
  if (!org || !HOSPITAL_KINDS.has(org.kind) || record.events.length === 0) return [];
  const rng = createRng(`${seed}/hl7/${record.odsCode}/${record.localId}`);
  const ctx: FeedContext = {
    record,
    org,
    rng,
    region: regionIndex(region),
    defaultSite: org.sites[0]?.odsCode ?? org.odsCode,
    encounters: new Map(),
    observations: new Map(),
    emergencyAdmissions: new Set(),
    visits: new Map(),
    planned: [],
    stays: [],
  };
  indexEvents(ctx);

  const duplicate = record.duplicate;
  const duplicateFromMs = duplicate ? Date.parse(duplicate.createdAt) : Infinity;
  const duplicateUntilMs = duplicate ? Date.parse(duplicate.mergedAt) : -Infinity;
  for (const e of record.events) {
    // A visit begun while the duplicate record existed was recorded on it, with everything that belongs to the visit.
    const visit = e.encounterId === undefined ? undefined : ctx.encounters.get(e.encounterId);
    const anchorMs = Date.parse((visit ?? e).at);
    const aboutDuplicate = anchorMs >= duplicateFromMs && anchorMs < duplicateUntilMs;
    switch (e.kind) {
      case 'encounter':
        planEncounter(ctx, e, aboutDuplicate);
        break;
      case 'lab-report':
        planLabReport(ctx, e, aboutDuplicate);
        break;
      case 'document':
        planDocument(ctx, e, aboutDuplicate);
        break;
      case 'appointment':
        planAppointment(ctx, e, aboutDuplicate);
        break;
      case 'condition':
      case 'medication':
      case 'allergy':
      case 'observation':
      case 'immunisation':
      case 'referral':
      case 'procedure':
        break;
    }
  }

  planDeathNotice(ctx);
  if (!duplicate) {
    planLaterUpdate(ctx);
  } else {
    // The duplicate is registered (A28) when made, and merged into the surviving record (A40, MRG-1 its MRN).
    planRegistration(ctx, duplicateFromMs, true);
    const mrg = fields(7);
    mrg[1] = `${escapeHl7(duplicate.localId)}^^^${org.odsCode}^MR`;
    mrg[7] = xpn(duplicate.demographics.name);
    planFirst(ctx, duplicateUntilMs, 'A40', 'ADT_A39', segment('MRG', mrg), false);
  }
  planRegistration(ctx, firstSurvivorMessageMs(ctx, duplicateFromMs, duplicateUntilMs), false);

  const untilMs = asOf === undefined ? Infinity : Date.parse(`${asOf}T23:59:59Z`);
  return writeMessages(ctx, duplicateFromMs, duplicateUntilMs, untilMs);
}

/** Frames a message for MLLP (HL7 v2 minimal lower layer protocol): 0x0B, the message, 0x1C 0x0D. */
export function frameMllp(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  const framed = Buffer.allocUnsafe(body.length + 3);
  framed[0] = 0x0b;
  body.copy(framed, 1);
  framed[body.length + 1] = 0x1c;
  framed[body.length + 2] = 0x0d;
  return framed;
}

function indexEvents(ctx: FeedContext): void {
  let lastEmergencyMs = -Infinity;
  for (const e of ctx.record.events) {
    if (e.kind === 'observation') ctx.observations.set(e.id, e);
    if (e.kind !== 'encounter') continue;
    ctx.encounters.set(e.id, e);
    const startMs = Date.parse(e.at);
    if (e.setting === 'emergency') lastEmergencyMs = Date.parse(e.end ?? e.at);
    else if (e.setting === 'inpatient' && startMs - lastEmergencyMs <= 24 * HOUR) ctx.emergencyAdmissions.add(e.id);
  }
}

/**
 * A death the trust learns of: a death on a ward is known from its discharge (A03, already planned); a death
 * elsewhere reaches the PAS from PDS within a day or two, as an A31 with PID-29/30.
 */
function planDeathNotice(ctx: FeedContext): void {
  const deathDate = ctx.record.demographics.deathDate;
  if (ctx.death || !deathDate) return;
  const knownMs = Date.parse(deathDate) + ctx.rng.int(6, 60) * HOUR;
  ctx.death = { hl7DateTime: hl7Date(deathDate), knownFromMs: knownMs };
  planAdt(ctx, knownMs, 'A31', 'ADT_A05', knownMs, PV1_NO_VISIT, false);
}

/** A detail missing at first registration and added later: A08 when it happens during a stay, else A31. */
function planLaterUpdate(ctx: FeedContext): void {
  const rng = ctx.rng;
  if (ctx.planned.length === 0 || !rng.chance(LATER_UPDATE_SHARE)) return;
  const d = ctx.record.demographics;
  let before: SourceDemographics;
  if (d.nhsNumber) before = { ...d, nhsNumber: undefined, nhsNumberStatus: undefined };
  else if (d.homePhone || d.mobilePhone) before = { ...d, homePhone: undefined, mobilePhone: undefined };
  else return;
  let firstMs = Infinity;
  for (const p of ctx.planned) firstMs = Math.min(firstMs, p.sentMs);
  const fromMs = firstMs + rng.int(10, 72 * 60) * MINUTE;
  ctx.correction = { fromMs, before };
  const stay = ctx.stays.find((s) => s.admitMs <= fromMs && fromMs < s.endMs);
  if (stay) {
    const pv1 = pv1Segment(stay.visit, wardAt(stay.encounter, 'I', fromMs), undefined, undefined, undefined);
    planAdt(ctx, fromMs, 'A08', 'ADT_A01', fromMs, pv1, false);
  } else {
    planAdt(ctx, fromMs, 'A31', 'ADT_A05', fromMs, PV1_NO_VISIT, false);
  }
}

/**
 * When the surviving record must exist by: its first message, the first thing the trust recorded, or the
 * duplicate's creation (a duplicate is a second record of someone already registered), whichever is soonest.
 */
function firstSurvivorMessageMs(ctx: FeedContext, duplicateFromMs: number, duplicateUntilMs: number): number {
  let first = Math.min(duplicateFromMs, Date.parse(ctx.record.events[0]!.at));
  for (const p of ctx.planned) {
    if (!isUnderDuplicate(p, duplicateFromMs, duplicateUntilMs) && p.sentMs < first) first = p.sentMs;
  }
  return first;
}

/** A28 when the person is first registered on the PAS, minutes before the first message about them. */
function planRegistration(ctx: FeedContext, beforeMs: number, aboutDuplicate: boolean): void {
  const sentMs = aboutDuplicate ? beforeMs : beforeMs - ctx.rng.int(1, 20) * MINUTE;
  planFirst(ctx, sentMs, 'A28', 'ADT_A05', PV1_NO_VISIT, aboutDuplicate);
}

/** An ADT message that goes before any other sent in the same second (registrations, merges). */
function planFirst(
  ctx: FeedContext,
  sentMs: number,
  trigger: string,
  structure: string,
  tail: string,
  aboutDuplicate: boolean,
): void {
  planAdt(ctx, sentMs, trigger, structure, sentMs, tail, aboutDuplicate);
  ctx.planned[ctx.planned.length - 1]!.seq = -1;
}

/**
 * Whether a message goes under the duplicate record's identity: it is about a visit recorded on the duplicate and
 * is sent while the duplicate exists; after the merge (A40) the PAS sends everything under the surviving record.
 */
function isUnderDuplicate(p: PlannedMessage, duplicateFromMs: number, duplicateUntilMs: number): boolean {
  return p.aboutDuplicate && p.sentMs >= duplicateFromMs && p.sentMs < duplicateUntilMs;
}

/** Writes the planned messages in the order sent, each with the patient identity in force when it was sent. */
function writeMessages(
  ctx: FeedContext,
  duplicateFromMs: number,
  duplicateUntilMs: number,
  untilMs: number,
): Hl7Feed[] {
  const { org, rng } = ctx;
  const planned = ctx.planned.sort((a, b) => a.sentMs - b.sentMs || a.seq - b.seq);
  const application = escapeHl7(org.system.name);
  const pids: (string | undefined)[] = [];
  const out: Hl7Feed[] = [];
  const resent: { ms: number; feed: Hl7Feed }[] = [];
  for (const p of planned) {
    if (p.sentMs > untilMs) break;
    const pid = patientSegment(ctx, pids, isUnderDuplicate(p, duplicateFromMs, duplicateUntilMs), p.sentMs);
    const controlId = newControlId(rng);
    const message =
      mshSegment(application, org.odsCode, hl7Timestamp(p.sentMs), p.messageType, controlId) + p.head + pid + p.tail;
    const feed: Hl7Feed = { sentAt: isoInstant(p.sentMs), controlId, type: p.type, message };
    out.push(feed);
    if (rng.chance(RESEND_SHARE)) {
      const ms = p.sentMs + rng.int(30, 600) * SECOND;
      if (ms <= untilMs) resent.push({ ms, feed: { ...feed, sentAt: isoInstant(ms) } });
    }
  }
  if (resent.length === 0) return out;
  for (const r of resent) out.push(r.feed);
  // Stable: an original sent in the same second as a resend stays before it. ISO instants sort as text.
  return out.sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0));
}

/** PID for the identity in force: the duplicate's, or the surviving record's before or after an update or death. */
function patientSegment(ctx: FeedContext, pids: (string | undefined)[], duplicate: boolean, sentMs: number): string {
  const { record, org } = ctx;
  if (duplicate && record.duplicate) {
    return (pids[4] ??= pidSegment(record.duplicate.localId, org.odsCode, record.duplicate.demographics, undefined));
  }
  const dead = ctx.death !== undefined && sentMs >= ctx.death.knownFromMs;
  const before = ctx.correction !== undefined && sentMs < ctx.correction.fromMs;
  const variant = (dead ? 1 : 0) + (before ? 2 : 0);
  return (pids[variant] ??= pidSegment(
    record.localId,
    org.odsCode,
    before && ctx.correction ? ctx.correction.before : record.demographics,
    dead ? ctx.death?.hl7DateTime : undefined,
  ));
}

/** MSH-10: 80 random bits as 20 hex digits (the v2.4 limit is 20 characters), unique across every feed. */
function newControlId(rng: Rng): string {
  let id = '';
  for (let i = 0; i < 5; i++)
    id += Math.floor(rng.next() * 65536)
      .toString(16)
      .padStart(4, '0');
  return id;
}
