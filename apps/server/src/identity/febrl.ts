// The FEBRL record-linkage data sets (../shared/data/febrl; Christen, "Febrl: a freely available record linkage
// system", 2008) as MatchRecords, for the accuracy benchmark and tests. soc_sec_id stands in for an unverified
// NHS number: it has no check digit and the generator puts errors in it.
import fs from 'node:fs';
import { fromDemographics, type MatchRecord } from './demographics.ts';

/** The records of one FEBRL file and the true entity of each (`rec-N-org` and `rec-N-dup-K` are entity N). */
export function loadFebrl(file: string, sideName = file): { records: MatchRecord[]; entity: string[] } {
  const lines = fs.readFileSync(file, 'utf8').split('\n').slice(1).filter(Boolean);
  const records: MatchRecord[] = [];
  const entity: string[] = [];
  for (const line of lines) {
    const c = line.split(',').map((v) => v.trim());
    const [recId, given, surname, number, address1, , , postcode, , dob, ssid] = c;
    entity.push(/^rec-(\d+)-/.exec(recId!)![1]!);
    records.push(
      fromDemographics(
        {
          id: `${sideName}/${recId}`,
          source: sideName,
          ...(ssid ? { nhsNumber: ssid } : {}),
          nhsNumberVerified: false,
          family: surname ?? '',
          given: given ? [given] : [],
          ...(dob ? { birthDate: dob } : {}),
          ...(postcode ? { postcode } : {}),
          addressLines: [[number, address1].filter(Boolean).join(' ')],
        },
        { identifier: 'unchecked', postcode: 'any' },
      ),
    );
  }
  return { records, entity };
}
