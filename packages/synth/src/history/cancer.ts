import { procedures, referrals, specialties } from '../codes/index.ts';
import type { ReferralEvent } from '../model.ts';
import type { Rng } from '../random.ts';
import { type HistoryContext, eventBase, timeOn } from './context.ts';
import { YEAR_DAYS, formatDay } from './dates.ts';
import { addAdmission, addClinic } from './encounters.ts';
import type { CancerSite } from './conditions.ts';

const TUMOUR_SITES: Record<CancerSite, string> = {
  breast: 'Breast',
  prostate: 'Urological',
  lung: 'Lung',
  colorectal: 'Lower gastrointestinal',
  melanoma: 'Skin',
};

const RULED_OUT_SITES = [
  'Breast',
  'Lower gastrointestinal',
  'Skin',
  'Urological',
  'Upper gastrointestinal',
  'Gynaecological',
  'Head and neck',
  'Lung',
  'Haematological',
] as const;

/**
 * Urgent suspected cancer referrals from the GP: about 3 million a year in England (5% of people), more with age,
 * about 6% of them diagnosed with cancer (NHS England Cancer Waiting Times). The cancer on the person's problem
 * list, if diagnosed within the window, is reached through one of them.
 */
export function addCancerPathways(ctx: HistoryContext, rng: Rng): void {
  const cancer = ctx.conditions.has.cancer;
  const diagnosisDay = cancer && cancer.onsetDay >= ctx.windowStart + 60 ? cancer.onsetDay : undefined;
  if (diagnosisDay !== undefined) addPathway(ctx, rng, diagnosisDay, true);
  let day = Math.max(ctx.windowStart, ctx.birthDay + Math.floor(25 * YEAR_DAYS));
  for (;;) {
    const age = (day - ctx.birthDay) / YEAR_DAYS;
    const rate = age < 40 ? 0.02 : age < 60 ? 0.045 : age < 75 ? 0.08 : 0.1;
    day += Math.max(1, Math.floor((-Math.log(1 - rng.next()) * YEAR_DAYS) / rate));
    if (day > ctx.lastDay) return;
    addPathway(ctx, rng, day, false);
  }
}

function addPathway(ctx: HistoryContext, rng: Rng, anchorDay: number, diagnosed: boolean): void {
  const hospital = ctx.orgs.outOfArea.length > 0 && rng.chance(0.1) ? rng.pick(ctx.orgs.outOfArea) : ctx.orgs.acute;
  if (!hospital) return;
  // domain.md 6.5: FDS (diagnosis or ruling out within 28 days) met for about 77%, 31-day (decision to treat to
  // first treatment) for about 91%, 62-day (referral to first treatment) for about 70% (NHS England CWT, 2024-25).
  let referralDay: number;
  let communicatedOffset: number;
  let dttOffset: number | undefined;
  let treatmentOffset: number | undefined;
  if (diagnosed) {
    const metFds = rng.chance(0.77);
    communicatedOffset = metFds ? rng.int(10, 28) : rng.int(29, 60);
    referralDay = anchorDay - communicatedOffset;
    const met62 = rng.chance(0.7);
    treatmentOffset = met62
      ? rng.int(Math.min(62, communicatedOffset + 10), 62)
      : rng.int(Math.max(63, communicatedOffset + 10), 110);
    const met31 = rng.chance(0.91);
    const toTreatment = met31 ? rng.int(5, 31) : rng.int(32, 45);
    dttOffset = Math.max(communicatedOffset, treatmentOffset - toTreatment);
  } else {
    referralDay = anchorDay;
    communicatedOffset = rng.chance(0.78) ? rng.int(7, 28) : rng.int(29, 55);
  }
  if (referralDay < ctx.windowStart || referralDay > ctx.lastDay) return;
  const firstSeenOffset = Math.min(communicatedOffset, rng.int(5, 14));
  const tumourSite =
    diagnosed && ctx.conditions.cancerSite ? TUMOUR_SITES[ctx.conditions.cancerSite] : rng.pick(RULED_OUT_SITES);
  const within = (offset: number | undefined): string | undefined =>
    offset !== undefined && referralDay + offset <= ctx.lastDay ? formatDay(referralDay + offset) : undefined;
  const pathway: NonNullable<ReferralEvent['cancer']> = {
    tumourSite,
    referralDate: formatDay(referralDay),
    diagnosed: diagnosed && referralDay + communicatedOffset <= ctx.lastDay,
  };
  const firstSeen = within(firstSeenOffset);
  if (firstSeen) pathway.firstSeenDate = firstSeen;
  const communicated = within(communicatedOffset);
  if (communicated) pathway.diagnosisCommunicatedDate = communicated;
  const dtt = within(dttOffset);
  if (dtt && pathway.diagnosed) pathway.decisionToTreatDate = dtt;
  const treated = within(treatmentOffset);
  if (treated && pathway.diagnosed) pathway.firstTreatmentDate = treated;
  const referral: ReferralEvent = {
    ...eventBase(ctx, rng, ctx.orgs.gp, ['gp'], timeOn(rng, referralDay, 8, 18)),
    kind: 'referral',
    code: referrals.patientReferral,
    priority: 'urgent',
    toOdsCode: hospital.org.odsCode,
    cancer: pathway,
  };
  ctx.events.push(referral);

  const specialty =
    tumourSite === 'Skin'
      ? specialties.dermatology
      : tumourSite === 'Urological'
        ? specialties.urology
        : tumourSite === 'Lung'
          ? specialties.respiratoryMedicine
          : tumourSite === 'Breast'
            ? specialties.generalSurgery
            : specialties.gastroenterology;
  if (referralDay + firstSeenOffset <= ctx.lastDay) {
    addClinic(
      ctx,
      rng,
      hospital,
      specialty,
      referralDay + firstSeenOffset,
      `Seen on the urgent suspected cancer pathway (${tumourSite.toLowerCase()}); examination and investigations arranged.`,
      'Results will be communicated within the 28-day Faster Diagnosis Standard.',
    );
  }
  if (communicatedOffset !== firstSeenOffset && referralDay + communicatedOffset <= ctx.lastDay) {
    addClinic(
      ctx,
      rng,
      hospital,
      diagnosed ? specialties.medicalOncology : specialty,
      referralDay + communicatedOffset,
      diagnosed
        ? `Investigations confirm cancer (${tumourSite.toLowerCase()}). The diagnosis was discussed with the patient today.`
        : 'Investigations show no evidence of cancer; the patient was reassured.',
      diagnosed
        ? 'Discussed at the multidisciplinary team meeting; treatment options offered.'
        : 'Discharged back to GP care.',
    );
  }
  if (treated && pathway.diagnosed && treatmentOffset !== undefined) {
    const day = referralDay + treatmentOffset;
    const surgical = ctx.conditions.cancerSite !== 'prostate' && rng.chance(0.6);
    const startMs = timeOn(rng, day, 8, 11);
    if (surgical) {
      const stay = addAdmission(ctx, rng, {
        place: hospital,
        startMs,
        days: ctx.conditions.cancerSite === 'melanoma' ? 0 : rng.int(1, 7),
        reason: ctx.conditions.has.cancer?.code,
        firstWard: ctx.conditions.cancerSite === 'melanoma' ? 'Day Surgery Unit' : 'Surgical Ward',
        professions: ['consultant'],
      });
      ctx.events.push({
        ...eventBase(ctx, rng, hospital, ['consultant'], startMs + 90 * 60_000, stay.id),
        kind: 'procedure',
        code: procedures.surgery,
      });
    } else {
      ctx.events.push({
        ...eventBase(ctx, rng, hospital, ['consultant', 'nurse'], startMs),
        kind: 'procedure',
        code: rng.chance(0.5) ? procedures.chemotherapy : procedures.radiotherapy,
      });
    }
  }
}
