import type { DocumentEvent } from '../model.ts';
import type { FeedContext } from './feed-context.ts';
import { localEventNumber, plan, responsibleClinician } from './feed-context.ts';
import { hl7Timestamp } from './hl7-datetime.ts';
import { escapeHl7 } from './hl7-escape.ts';
import { codedElement, evnSegment, fields, PV1_NO_VISIT, segment } from './segments.ts';
import { pv1At } from './visit.ts';

const SECOND = 1000;

/**
 * MDM^T02 for a letter or summary (HL7 v2.4 chapter 9, domain.md 2.2): sent once it is signed off, never before
 * the visit it belongs to has ended. TXA carries the document's type, number, time and author; the readable
 * text follows as one OBX of type TX per line, so that a reader rebuilds it by joining the lines.
 */
export function planDocument(ctx: FeedContext, doc: DocumentEvent, aboutDuplicate: boolean): void {
  const authoredMs = Date.parse(doc.at);
  const encounter = doc.encounterId === undefined ? undefined : ctx.encounters.get(doc.encounterId);
  let readyMs = authoredMs;
  if (encounter?.end !== undefined) readyMs = Math.max(readyMs, Date.parse(encounter.end));
  const sentMs = readyMs + ctx.rng.int(60, 2 * 60 * 60) * SECOND;
  const author = responsibleClinician(ctx, doc.performer)?.xcn ?? '';
  const authoredTs = hl7Timestamp(authoredMs);

  const txa = fields(19);
  txa[1] = '1';
  // TXA-2 is the sender's own document type table (HL7 table 0270 is user-defined): here the SNOMED code.
  txa[2] = escapeHl7(doc.type.code);
  txa[3] = 'TX';
  txa[4] = authoredTs;
  txa[5] = author;
  txa[6] = authoredTs;
  txa[9] = author;
  txa[12] = `${localEventNumber(ctx, doc.id, aboutDuplicate)}^${ctx.org.odsCode}`;
  txa[16] = escapeHl7(doc.title);
  // Table 0271 AU authenticated; table 0273 AV available for patient care.
  txa[17] = 'AU';
  txa[19] = 'AV';

  let tail = (encounter && pv1At(ctx, encounter, sentMs, aboutDuplicate)) ?? PV1_NO_VISIT;
  tail += segment('TXA', txa);
  const observation = codedElement(doc.type);
  let setId = 0;
  // Split on LF only: a CR inside a line is escaped (\X0D\), so joining the lines with LF gives the text back.
  for (const line of doc.text.split('\n')) {
    tail += `\rOBX|${++setId}|TX|${observation}||${escapeHl7(line)}||||||F`;
  }
  plan(ctx, sentMs, 'MDM^T02', 'MDM_T02', evnSegment('T02', hl7Timestamp(sentMs), authoredTs), tail, aboutDuplicate);
}
