import type { Coding, LabReportEvent, ObservationEvent, Quantity } from '../model.ts';
import type { FeedContext } from './feed-context.ts';
import { plan, responsibleClinician } from './feed-context.ts';
import { hl7Timestamp } from './hl7-datetime.ts';
import { escapeHl7 } from './hl7-escape.ts';
import { codedElement, fields, segment } from './segments.ts';
import { pv1At } from './visit.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

// Laboratory systems release some panels in stages and correct a few results after release (HL7 v2.4 table
// 0123 result status P, F, C). The shares are assumptions: no public figure gives them.
const PRELIMINARY_SHARE = 0.2;
const CORRECTED_SHARE = 0.02;

type ResultStatus = 'P' | 'F' | 'C';

/** A wrong value released in a final report and corrected later: which result, and what was sent. */
interface WrongResult {
  index: number;
  value: number;
  flag: string;
}

/**
 * ORU^R01 for a lab report (HL7 v2.4 chapter 7): released when the lab issues it, a share first as a
 * preliminary report with the results so far, and a few later corrected (the final having carried one wrong value).
 */
export function planLabReport(ctx: FeedContext, report: LabReportEvent, aboutDuplicate: boolean): void {
  const rng = ctx.rng;
  const sampledMs = Date.parse(report.at);
  let issuedMs = Date.parse(report.issued);
  if (!(issuedMs > sampledMs)) issuedMs = sampledMs + rng.int(30, 240) * MINUTE;
  const results: ObservationEvent[] = [];
  for (const id of report.resultIds) {
    const o = ctx.observations.get(id);
    if (o) results.push(o);
  }
  const encounter = report.encounterId === undefined ? undefined : ctx.encounters.get(report.encounterId);
  const orderedBy = responsibleClinician(ctx, report.performer)?.xcn ?? '';

  if (results.length >= 2 && rng.chance(PRELIMINARY_SHARE)) {
    const sentMs = sampledMs + Math.floor((issuedMs - sampledMs) * (0.3 + 0.4 * rng.next()));
    const soFar = results.slice(0, Math.ceil(results.length / 2));
    const pv1 = encounter && pv1At(ctx, encounter, sentMs, aboutDuplicate);
    planResult(ctx, sentMs, resultTail(report, soFar, pv1, orderedBy, 'P', sentMs, undefined), aboutDuplicate);
  }
  const finalMs = issuedMs + rng.int(5, 120) * SECOND;
  const wrong = rng.chance(CORRECTED_SHARE) ? wrongResult(results) : undefined;
  const finalPv1 = encounter && pv1At(ctx, encounter, finalMs, aboutDuplicate);
  planResult(ctx, finalMs, resultTail(report, results, finalPv1, orderedBy, 'F', finalMs, wrong), aboutDuplicate);
  if (wrong) {
    const correctedMs = finalMs + rng.int(1, 48) * HOUR;
    const pv1 = encounter && pv1At(ctx, encounter, correctedMs, aboutDuplicate);
    planResult(ctx, correctedMs, resultTail(report, results, pv1, orderedBy, 'C', correctedMs, wrong), aboutDuplicate);
  }
}

function planResult(ctx: FeedContext, sentMs: number, tail: string, aboutDuplicate: boolean): void {
  plan(ctx, sentMs, 'ORU^R01', 'ORU_R01', '', tail, aboutDuplicate);
}

/** PV1 (when the report belongs to a visit), ORC, OBR, the report's conclusion, and an OBX (+ NTE) per result. */
function resultTail(
  report: LabReportEvent,
  results: readonly ObservationEvent[],
  pv1: string | undefined,
  orderedBy: string,
  status: ResultStatus,
  sentMs: number,
  wrong: WrongResult | undefined,
): string {
  const statusTs = hl7Timestamp(sentMs);
  const placer = escapeHl7(report.placerOrderNumber);
  const filler = escapeHl7(report.fillerOrderNumber);
  const orc = fields(12);
  orc[1] = 'RE';
  orc[2] = placer;
  orc[3] = filler;
  orc[5] = status === 'P' ? 'IP' : 'CM';
  orc[9] = statusTs;
  orc[12] = orderedBy;
  const obr = fields(25);
  obr[1] = '1';
  obr[2] = placer;
  obr[3] = filler;
  obr[4] = codedElement(report.code);
  obr[7] = hl7Timestamp(Date.parse(report.at));
  obr[16] = orderedBy;
  obr[22] = statusTs;
  obr[25] = status;
  let tail = (pv1 ?? '') + segment('ORC', orc) + segment('OBR', obr);
  if (report.conclusion && status !== 'P') tail += notes(report.conclusion);
  let setId = 0;
  for (let i = 0; i < results.length; i++) {
    const o = results[i]!;
    let obxStatus: string = status === 'C' ? 'F' : status;
    let sent: WrongResult | undefined;
    if (wrong?.index === i) {
      if (status === 'F') sent = wrong;
      else if (status === 'C') obxStatus = 'C';
    }
    if (o.components && o.components.length > 0 && o.value === undefined) {
      for (const c of o.components) tail += quantityObx(++setId, c.code, c.value, '', '', obxStatus, o.at);
    } else {
      tail += resultObx(++setId, o, obxStatus, sent);
    }
    if (o.note) tail += notes(o.note);
    if (status === 'C' && obxStatus === 'C' && wrong)
      tail += notes(`Corrected result: previously reported as ${wrong.value}`);
  }
  return tail;
}

function isQuantity(value: Quantity | Coding | string): value is Quantity {
  return typeof value === 'object' && 'value' in value;
}

/** OBX for one result: NM with UCUM units, reference range and abnormal flag; CE for coded; ST for text. */
function resultObx(setId: number, o: ObservationEvent, status: string, wrong: WrongResult | undefined): string {
  const v = o.value;
  if (v !== undefined && isQuantity(v)) {
    const value = wrong ? wrong.value : v.value;
    const flag = wrong ? wrong.flag : (o.interpretation ?? '');
    return quantityObx(setId, o.code, { ...v, value }, referenceRange(o), flag, status, o.at);
  }
  const f = fields(14);
  f[1] = String(setId);
  f[3] = codedElement(o.code);
  if (v === undefined) {
    // No value: the result could not be obtained (table 0085 X), the reason goes in its note.
    f[2] = 'ST';
    f[11] = 'X';
  } else {
    f[2] = typeof v === 'string' ? 'ST' : 'CE';
    f[5] = typeof v === 'string' ? escapeHl7(v) : codedElement(v);
    f[7] = referenceRange(o);
    f[8] = o.interpretation ?? '';
    f[11] = status;
  }
  f[14] = hl7Timestamp(Date.parse(o.at));
  return segment('OBX', f);
}

function quantityObx(
  setId: number,
  code: Coding,
  q: Quantity,
  range: string,
  flag: string,
  status: string,
  at: string,
): string {
  const f = fields(14);
  f[1] = String(setId);
  f[2] = 'NM';
  f[3] = codedElement(code);
  f[5] = String(q.value);
  f[6] = `${escapeHl7(q.code)}^${escapeHl7(q.unit)}^UCUM`;
  f[7] = range;
  f[8] = flag;
  f[11] = status;
  f[14] = hl7Timestamp(Date.parse(at));
  return segment('OBX', f);
}

/** OBX-7: `low-high`, or `>low` / `<high` when only one limit is known (HL7 v2.4 7.4.2.7). */
function referenceRange(o: ObservationEvent): string {
  const r = o.referenceRange;
  if (!r) return '';
  if (r.low !== undefined && r.high !== undefined) return `${r.low}-${r.high}`;
  if (r.low !== undefined) return `>${r.low}`;
  if (r.high !== undefined) return `<${r.high}`;
  return '';
}

/** NTE segments, one per line of the comment (NTE-2 L: the comment comes from the filler, the lab). */
function notes(text: string): string {
  let out = '';
  let n = 0;
  for (const line of text.split('\n')) out += `\rNTE|${++n}|L|${escapeHl7(line)}`;
  return out;
}

/** The first numeric result released ten times too large (a misplaced decimal point), flagged against its range. */
function wrongResult(results: readonly ObservationEvent[]): WrongResult | undefined {
  for (let index = 0; index < results.length; index++) {
    const o = results[index]!;
    const v = o.value;
    if (v === undefined || !isQuantity(v) || v.value === 0) continue;
    const value = Number((v.value * 10).toPrecision(12));
    const r = o.referenceRange;
    let flag = o.interpretation ?? '';
    if (r?.high !== undefined && value > r.high) flag = 'H';
    else if (r?.low !== undefined && value < r.low) flag = 'L';
    else if (r) flag = 'N';
    return { index, value, flag };
  }
  return undefined;
}
