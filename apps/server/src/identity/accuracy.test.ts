import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { publicDataSet } from '../platform/public-data.ts';
import { deduplicate } from './deduplicate.ts';
import { loadFebrl } from './febrl.ts';
import { estimateWeights } from './weights.ts';

const DATASET1 = path.join(publicDataSet('febrl'), 'dataset1.csv');

// FEBRL dataset1: 1,000 records, 500 originals and one duplicate of each (500 true pairs). Measured with weights
// estimated by EM on the set itself and the default thresholds: 496 automatic links, all true (precision 100%,
// recall 99.2%), 3 pairs for review. The floors leave a margin for changes that move a pair or two.
test(
  'FEBRL dataset1: automatic links are precise and find nearly every duplicate',
  { skip: !fs.existsSync(DATASET1) },
  () => {
    const { records, entity } = loadFebrl(DATASET1, '1');
    assert.equal(records.length, 1000);
    const { weights } = estimateWeights(records);
    const d = deduplicate(records, { weights });
    let truePositives = 0;
    let falsePositives = 0;
    for (const l of d.links) {
      if (l.outcome !== 'MATCH') continue;
      if (entity[l.a] === entity[l.b]) truePositives++;
      else falsePositives++;
    }
    const precision = truePositives / (truePositives + falsePositives);
    const recall = truePositives / 500;
    assert.ok(precision >= 0.995, `precision ${precision}`);
    assert.ok(recall >= 0.975, `recall ${recall}`);
    const review = d.links.filter((l) => l.outcome === 'POSSIBLE_MATCH').length;
    assert.ok(review <= 20, `review queue ${review}`);
  },
);
