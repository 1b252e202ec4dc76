import type { AnswerLine, ClinicalEvent, Life, Region, SourceRecord } from '../model.ts';
import { createRng } from '../random.ts';
import { localIdFor, localIdSystem } from './local-id.ts';
import { sourceDemographics } from './noise.ts';

export { localIdFor, localIdSystem } from './local-id.ts';
export { NOISE, typo } from './noise.ts';

const DAY_MS = 86_400_000;

/** Share of acute trust records, among people seen in an ED, that gain a duplicate record later merged. */
const DUPLICATE_SHARE = 0.04;

/**
 * What each organisation holds of one person: one record per organisation that recorded anything about them
 * (and always their GP practice and care home), each under the organisation's own local identifier, with
 * that organisation's kind of demographic errors, and only the events it recorded.
 */
export function sourceRecordsFor(life: Life, region: Region, seed: string): SourceRecord[] {
  const { person, events } = life;
  const rng = createRng(`${seed}/sources/${person.index}`);
  const byOds = new Map<string, ClinicalEvent[]>();
  const ensure = (ods: string | undefined) => {
    if (ods && !byOds.has(ods)) byOds.set(ods, []);
  };
  ensure(person.gpPracticeOdsCode);
  ensure(person.careHomeOdsCode);
  for (const e of events) {
    let list = byOds.get(e.odsCode);
    if (!list) byOds.set(e.odsCode, (list = []));
    list.push(e);
  }

  const deathMs = person.deathDate ? Date.parse(person.deathDate) : undefined;
  const records: SourceRecord[] = [];
  for (const [odsCode, own] of byOds) {
    const org = region.byOdsCode.get(odsCode);
    if (!org) throw new Error(`event recorded by ${odsCode}, which is not an organisation of the region`);
    const { demographics, noise } = sourceDemographics(rng, org.kind, person);
    // The GP is told of every death; another organisation knows of it when it was there at the time.
    const knowsOfDeath =
      deathMs !== undefined &&
      (org.kind === 'gp-practice' || own.some((e) => Math.abs(Date.parse(e.at) - deathMs) <= 2 * DAY_MS));
    if (knowsOfDeath) demographics.deathDate = person.deathDate;
    const record: SourceRecord = {
      odsCode,
      localId: localIdFor(org, seed, person.index),
      localIdSystem: localIdSystem(org),
      demographics,
      events: own,
      noise,
    };

    if (org.kind === 'acute-trust' && rng.chance(DUPLICATE_SHARE)) {
      // A second record made in a hurry at an ED attendance, found and merged by the trust's PAS team.
      const ed = own.find((e) => e.kind === 'encounter' && e.setting === 'emergency');
      if (ed) {
        const mergedAt = new Date(Date.parse(ed.at) + rng.int(1, 60) * DAY_MS).toISOString().slice(0, 19) + 'Z';
        if (mergedAt.slice(0, 10) <= life.asOf) {
          const dup = sourceDemographics(rng, 'ambulance-service', person);
          record.duplicate = {
            localId: localIdFor(org, seed, person.index, 1),
            demographics: dup.demographics,
            createdAt: ed.at,
            mergedAt,
          };
        }
      }
    }
    records.push(record);
  }
  return records;
}

/** The answer file's lines for one person: the truth behind each source record. */
export function answerLines(life: Life, records: SourceRecord[]): AnswerLine[] {
  return records.map((r) => ({
    personId: life.person.personId,
    ...(life.person.nhsNumber ? { nhsNumber: life.person.nhsNumber } : {}),
    odsCode: r.odsCode,
    localId: r.localId,
    ...(r.duplicate ? { duplicateLocalId: r.duplicate.localId } : {}),
    noise: r.noise,
  }));
}
