import { allergens, reactions } from '../codes/index.ts';
import type { AllergyEvent, Coding } from '../model.ts';
import type { Rng } from '../random.ts';
import { type HistoryContext, type PhysicalTraits, eventBase, timeOn } from './context.ts';

function clamp(x: number, low: number, high: number): number {
  return x < low ? low : x > high ? high : x;
}

/**
 * Blood pressure, heart rate and body size. Clinic BP rises with age (Health Survey for England 2019); among adults
 * without a diagnosis, some have raised readings that no one has acted on (HSE: about a third of people with
 * hypertension are undiagnosed), graded by NICE NG136 (domain.md 6.6.2): stage 1 from 140/90, stage 2 from
 * 160/100, severe from 180/120.
 */
export function drawTraits(ctx: HistoryContext, rng: Rng): PhysicalTraits {
  const { age, conditions } = ctx;
  const male = ctx.person.sex === 'male';
  let systolic: number;
  let diastolic: number;
  let undiagnosedHighBp = false;
  if (age < 18) {
    systolic = clamp(rng.normal(100 + age, 6), 85, 125);
    diastolic = clamp(rng.normal(60 + age / 2, 5), 45, 80);
  } else if (conditions.has.hypertension) {
    // Treated hypertension: NHS Digital QOF, about two thirds reach target (<140/90).
    systolic = clamp(rng.normal(136, 10), 110, 175);
    diastolic = clamp(rng.normal(81, 7), 60, 105);
  } else {
    const risk = age < 30 ? 0 : age < 40 ? 0.04 : age < 60 ? 0.09 : 0.13;
    if (rng.chance(risk)) {
      undiagnosedHighBp = true;
      const grade = rng.weighted<'1' | '2' | 'severe'>([
        ['1', 71],
        ['2', 25],
        ['severe', 4],
      ]);
      if (grade === '1') {
        systolic = rng.normal(149, 4);
        diastolic = rng.normal(93, 2.5);
      } else if (grade === '2') {
        systolic = rng.normal(168, 4);
        diastolic = rng.normal(104, 2.5);
      } else {
        systolic = rng.normal(188, 4);
        diastolic = rng.normal(121, 2);
      }
    } else {
      systolic = clamp(rng.normal(110 + 0.45 * (age - 18) + (male ? 4 : 0), 7), 95, 134);
      diastolic = clamp(rng.normal(70 + 0.2 * (age - 18), 5), 55, 85);
    }
  }
  const heightM = male ? clamp(rng.normal(1.75, 0.07), 1.5, 2.05) : clamp(rng.normal(1.62, 0.065), 1.4, 1.9);
  const bmi = clamp(rng.normal(26.5 + (conditions.diabetesType === 2 ? 3.5 : 0), 4.5), 16, 55);
  const heartRate =
    age < 16
      ? clamp(rng.normal(105 - age * 2.5, 8), 60, 150)
      : clamp(rng.normal(conditions.has.atrialFibrillation ? 82 : 72, 8), 48, 110);
  return {
    systolic,
    diastolic,
    undiagnosedHighBp,
    heartRate,
    heightM,
    bmi,
    penicillinAllergy: false,
    nsaidAllergy: false,
  };
}

interface AllergyRule {
  code: Coding;
  category: AllergyEvent['category'];
  weight: number;
  highCriticality: number;
  reactions: readonly Coding[];
}

// Drug allergy labels: about 10% of people carry a penicillin allergy label (BSACI); food allergy: FSA estimates.
const ALLERGY_RULES: readonly (readonly [AllergyRule, number])[] = (
  [
    {
      code: allergens.penicillin,
      category: 'medication',
      weight: 45,
      highCriticality: 0.1,
      reactions: [reactions.rash, reactions.urticaria, reactions.urticaria, reactions.anaphylaxis],
    },
    {
      code: allergens.nsaid,
      category: 'medication',
      weight: 12,
      highCriticality: 0.1,
      reactions: [reactions.wheeze, reactions.angioedema, reactions.rash],
    },
    {
      code: allergens.codeine,
      category: 'medication',
      weight: 5,
      highCriticality: 0,
      reactions: [reactions.nausea, reactions.rash],
    },
    {
      code: allergens.peanut,
      category: 'food',
      weight: 10,
      highCriticality: 0.4,
      reactions: [reactions.urticaria, reactions.angioedema, reactions.anaphylaxis],
    },
    {
      code: allergens.egg,
      category: 'food',
      weight: 5,
      highCriticality: 0.1,
      reactions: [reactions.urticaria, reactions.diarrhoea],
    },
    {
      code: allergens.latex,
      category: 'environment',
      weight: 5,
      highCriticality: 0.2,
      reactions: [reactions.urticaria, reactions.rash],
    },
    {
      code: allergens.houseDustMite,
      category: 'environment',
      weight: 10,
      highCriticality: 0,
      reactions: [reactions.wheeze, reactions.rash],
    },
    {
      code: allergens.grassPollen,
      category: 'environment',
      weight: 8,
      highCriticality: 0,
      reactions: [reactions.wheeze, reactions.rash],
    },
  ] satisfies AllergyRule[]
).map((r) => [r, r.weight] as const);

/** About 15% of people have an allergy or intolerance recorded; one in eight of those has two. */
export function addAllergies(ctx: HistoryContext, rng: Rng): void {
  if (!rng.chance(0.15)) return;
  const count = rng.chance(0.12) ? 2 : 1;
  const seen = new Set<Coding>();
  for (let i = 0; i < count; i++) {
    const rule = rng.weighted(ALLERGY_RULES);
    if (seen.has(rule.code)) continue;
    seen.add(rule.code);
    if (rule.code === allergens.penicillin) ctx.traits.penicillinAllergy = true;
    if (rule.code === allergens.nsaid) ctx.traits.nsaidAllergy = true;
    const from = Math.min(ctx.lastDay, Math.max(ctx.windowStart, ctx.birthDay + 180));
    const day = from + Math.floor(rng.next() * (ctx.lastDay - from + 1));
    const reaction = rng.pick(rule.reactions);
    const allergy: AllergyEvent = {
      ...eventBase(ctx, rng, ctx.orgs.gp, ['gp', 'nurse'], timeOn(rng, day, 8, 18)),
      kind: 'allergy',
      code: rule.code,
      category: rule.category,
      criticality: reaction === reactions.anaphylaxis || rng.chance(rule.highCriticality) ? 'high' : 'low',
      reaction,
    };
    ctx.events.push(allergy);
  }
}
