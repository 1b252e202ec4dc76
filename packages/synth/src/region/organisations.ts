import type { IcbKey } from '../people/index.ts';

/**
 * The fixed organisations of the region. Trust, site and hospice names are invented (London-sounding, but no
 * real body); local authorities are the real 32 boroughs and the City of London, which are public bodies.
 */

/** The five London integrated care boards: fictional ODS-style codes in the real `Q..` shape. */
export const LONDON_ICBS: readonly { key: IcbKey; odsCode: string; name: string }[] = [
  { key: 'north-central', odsCode: 'Q9A', name: 'NHS North Central London Integrated Care Board' },
  { key: 'north-east', odsCode: 'Q9B', name: 'NHS North East London Integrated Care Board' },
  { key: 'north-west', odsCode: 'Q9C', name: 'NHS North West London Integrated Care Board' },
  { key: 'south-east', odsCode: 'Q9D', name: 'NHS South East London Integrated Care Board' },
  { key: 'south-west', odsCode: 'Q9E', name: 'NHS South West London Integrated Care Board' },
];

export interface SiteSpec {
  name: string;
  borough: string;
  ed: boolean;
}

export interface TrustSpec {
  name: string;
  /** Where its headquarters (first site) is. */
  borough: string;
  /** Prefix of its local patient identifiers (hospital number). */
  localIdPrefix: string;
  system: string;
  sites: readonly SiteSpec[];
}

const site = (name: string, borough: string, ed = false): SiteSpec => ({ name, borough, ed });

// London has 17 acute trusts with 27 type 1 emergency departments between them (NHS England A&E attendances
// and emergency admissions, provider-level data): here 17 invented trusts whose sites have exactly 27 EDs.
export const ACUTE_TRUSTS: readonly TrustSpec[] = [
  {
    name: 'Aldgate and Whitechapel Hospitals NHS Trust',
    borough: 'Tower Hamlets',
    localIdPrefix: 'AW',
    system: 'Cerulean PAS',
    sites: [
      site('Royal Aldgate Hospital', 'Tower Hamlets', true),
      site("St Hild's Hospital", 'Newham', true),
      site('Leytonmarsh Hospital', 'Waltham Forest', true),
      site('Bow Common Hospital', 'Tower Hamlets'),
    ],
  },
  {
    name: "Fleetbridge and St Aidan's NHS Foundation Trust",
    borough: 'Lambeth',
    localIdPrefix: 'FA',
    system: 'Helix EPR',
    sites: [site('Fleetbridge Hospital', 'Lambeth', true), site("St Aidan's Hospital", 'Southwark')],
  },
  {
    name: 'Camberwell Green University Hospital NHS Foundation Trust',
    borough: 'Southwark',
    localIdPrefix: 'CG',
    system: 'Helix EPR',
    sites: [
      site('Camberwell Green University Hospital', 'Southwark', true),
      site('Princess Adela Hospital', 'Bromley', true),
    ],
  },
  {
    name: 'Westway Healthcare NHS Trust',
    borough: 'Westminster',
    localIdPrefix: 'WW',
    system: 'Helix EPR',
    sites: [
      site("St Dunstan's Hospital", 'Westminster', true),
      site('Westway Hospital', 'Hammersmith and Fulham', true),
      site('Wormholt Hospital', 'Hammersmith and Fulham'),
    ],
  },
  {
    name: 'Bloomsbury University Hospitals NHS Foundation Trust',
    borough: 'Camden',
    localIdPrefix: 'BU',
    system: 'Helix EPR',
    sites: [
      site('Bloomsbury University Hospital', 'Camden', true),
      site('Brunswick Square Specialist Hospital', 'Camden'),
    ],
  },
  {
    name: 'Heathgate Hospitals NHS Foundation Trust',
    borough: 'Camden',
    localIdPrefix: 'HG',
    system: 'Helix EPR',
    sites: [
      site('Heathgate Hospital', 'Camden', true),
      site('Chipping Vale Hospital', 'Barnet', true),
      site('Edmonton Vale Hospital', 'Enfield', true),
      site('Forty Acre Hospital', 'Enfield'),
    ],
  },
  {
    name: 'Archway Health NHS Trust',
    borough: 'Islington',
    localIdPrefix: 'AH',
    system: 'Cerulean PAS',
    sites: [site('Archway Hospital', 'Islington', true)],
  },
  {
    name: 'Hackney Marshes University Hospital NHS Foundation Trust',
    borough: 'Hackney',
    localIdPrefix: 'HM',
    system: 'Cerulean PAS',
    sites: [site('Hackney Marshes Hospital', 'Hackney', true)],
  },
  {
    name: 'Eastbrook University Hospitals NHS Trust',
    borough: 'Havering',
    localIdPrefix: 'EB',
    system: 'Cerulean PAS',
    sites: [site('Eastbrook Hospital', 'Havering', true), site('Cranbrook Hospital', 'Redbridge', true)],
  },
  {
    name: 'Harrow Weald and Ealing Hospitals NHS Trust',
    borough: 'Harrow',
    localIdPrefix: 'HW',
    system: 'Helix EPR',
    sites: [
      site('Weald Park Hospital', 'Harrow', true),
      site('Ealing Common Hospital', 'Ealing', true),
      site('Central Wembley Hospital', 'Brent'),
    ],
  },
  {
    name: 'Fulham Reach Hospitals NHS Foundation Trust',
    borough: 'Kensington and Chelsea',
    localIdPrefix: 'FR',
    system: 'Helix EPR',
    sites: [
      site('Chelsea Embankment Hospital', 'Kensington and Chelsea', true),
      site('Hounslow Heath Hospital', 'Hounslow', true),
    ],
  },
  {
    name: 'Pinn Valley Hospitals NHS Foundation Trust',
    borough: 'Hillingdon',
    localIdPrefix: 'PV',
    system: 'Cerulean PAS',
    sites: [site('Pinn Valley Hospital', 'Hillingdon', true), site('Ickenham Vale Hospital', 'Hillingdon')],
  },
  {
    name: 'Tooting Bec University Hospitals NHS Foundation Trust',
    borough: 'Wandsworth',
    localIdPrefix: 'TB',
    system: 'Cerulean PAS',
    sites: [site('Tooting Bec Hospital', 'Wandsworth', true), site('Merton Park Hospital', 'Merton')],
  },
  {
    name: 'Carshalton and Sutton Hospitals NHS Trust',
    borough: 'Sutton',
    localIdPrefix: 'CS',
    system: 'Cerulean PAS',
    sites: [site('Carshalton Beeches Hospital', 'Sutton', true)],
  },
  {
    name: 'Croydon Downs University Hospital NHS Trust',
    borough: 'Croydon',
    localIdPrefix: 'CD',
    system: 'Cerulean PAS',
    sites: [site('Croydon Downs Hospital', 'Croydon', true)],
  },
  {
    name: 'Kingston and Richmond Riverside NHS Foundation Trust',
    borough: 'Kingston upon Thames',
    localIdPrefix: 'KR',
    system: 'Helix EPR',
    sites: [
      site('Riverside Kingston Hospital', 'Kingston upon Thames', true),
      site('Richmond Green Hospital', 'Richmond upon Thames'),
    ],
  },
  {
    name: 'Ravensbourne and Greenwich Hospitals NHS Trust',
    borough: 'Lewisham',
    localIdPrefix: 'RG',
    system: 'Cerulean PAS',
    sites: [site('Ravensbourne Hospital', 'Lewisham', true), site('Shooters Hill Hospital', 'Greenwich', true)],
  },
];

/** Nine mental health trusts (London has nine NHS mental health trusts), each with an inpatient unit and a base. */
export const MENTAL_HEALTH_TRUSTS: readonly TrustSpec[] = [
  ['Fleet Valley Mental Health NHS Foundation Trust', 'Islington', 'FV'],
  ['Northern Heights Mental Health NHS Trust', 'Barnet', 'NH'],
  ['East Thames Mental Health NHS Foundation Trust', 'Newham', 'ET'],
  ['Roding Valley Mental Health NHS Trust', 'Redbridge', 'RV'],
  ['Westbourne Mental Health NHS Foundation Trust', 'Westminster', 'WB'],
  ['Brentside Mental Health NHS Trust', 'Ealing', 'BS'],
  ['Great North Wood Mental Health NHS Foundation Trust', 'Lambeth', 'GN'],
  ['Shooters Way Mental Health NHS Foundation Trust', 'Greenwich', 'SW'],
  ['Wandle Valley Mental Health NHS Trust', 'Wandsworth', 'WV'],
].map(([name, borough, prefix]) => {
  const stem = name!.replace(/ Mental Health NHS( Foundation)? Trust$/, '');
  return {
    name: name!,
    borough: borough!,
    localIdPrefix: prefix!,
    system: 'Tributary MH',
    sites: [site(`${stem} Inpatient Unit`, borough!), site(`${stem} Community Mental Health Centre`, borough!)],
  };
});

/** Six community health trusts (district nursing, community services). */
export const COMMUNITY_TRUSTS: readonly TrustSpec[] = [
  ['Marylebone Community Health NHS Trust', 'Westminster', 'MC'],
  ['Thames Reach Community Health NHS Trust', 'Hackney', 'TR'],
  ['Riverside Community Health NHS Trust', 'Hounslow', 'RC'],
  ['Bromley Common Community Health NHS Trust', 'Bromley', 'BC'],
  ['Wandle Community Health NHS Trust', 'Sutton', 'WC'],
  ['Northern Fields Community Health NHS Trust', 'Haringey', 'NF'],
].map(([name, borough, prefix]) => {
  const stem = name!.replace(/ Community Health NHS Trust$/, '');
  return {
    name: name!,
    borough: borough!,
    localIdPrefix: prefix!,
    system: 'Tributary Community',
    sites: [site(`${stem} Health Centre`, borough!), site(`${stem} Community Hospital`, borough!)],
  };
});

export interface OutOfAreaSpec {
  name: string;
  area: string;
  localIdPrefix: string;
  siteName: string;
}

/** Trusts outside London that take referrals (specialist services, patients living near the boundary). */
export const OUT_OF_AREA_TRUSTS: readonly OutOfAreaSpec[] = [
  {
    name: 'Weald of Kent Hospitals NHS Trust',
    area: 'Kent',
    localIdPrefix: 'WK',
    siteName: 'Maidstone Weald Hospital',
  },
  {
    name: 'North Downs University Hospital NHS Trust',
    area: 'Surrey',
    localIdPrefix: 'ND',
    siteName: 'North Downs Hospital',
  },
  {
    name: 'Chelmer Valley Hospitals NHS Trust',
    area: 'Essex',
    localIdPrefix: 'CV',
    siteName: 'Chelmer Valley Hospital',
  },
  {
    name: 'Gade Valley Hospitals NHS Trust',
    area: 'Hertfordshire',
    localIdPrefix: 'GV',
    siteName: 'Gade Valley Hospital',
  },
];

/** About 15 adult hospices serve London (Hospice UK); these are invented. */
export const HOSPICES: readonly { name: string; borough: string }[] = [
  { name: "St Cuthman's Hospice", borough: 'Lewisham' },
  { name: "St Wystan's Hospice", borough: 'Hackney' },
  { name: "St Osmund's Hospice", borough: 'Harrow' },
  { name: 'Marlowe House Hospice', borough: 'Enfield' },
  { name: "St Edburga's Hospice", borough: 'Merton' },
  { name: 'Kestrel Lodge Hospice', borough: 'Redbridge' },
  { name: "St Alnoth's Hospice", borough: 'Hammersmith and Fulham' },
  { name: 'Thornbury Park Hospice', borough: 'Bromley' },
  { name: "St Frideswide's Hospice", borough: 'Camden' },
  { name: 'Elderfield Hospice', borough: 'Croydon' },
  { name: "St Botolph's Hospice", borough: 'Havering' },
  { name: 'Willowbrook Hospice', borough: 'Hillingdon' },
  { name: "St Erconwald's Hospice", borough: 'Barnet' },
  { name: 'Riverbank Hospice', borough: 'Richmond upon Thames' },
  { name: "St Cedd's Hospice", borough: 'Greenwich' },
];

/** The ambulance service and the NHS 111 provider, both London-wide. */
export const AMBULANCE_SERVICE = { name: 'Capital Ambulance Service NHS Trust', borough: 'Lambeth' };
export const NHS_111_PROVIDER = { name: 'Capital Urgent Care 111 Services', borough: 'Southwark' };

/** Local authority names as the councils style themselves. */
export function localAuthorityName(borough: string): string {
  if (borough === 'City of London') return 'City of London Corporation';
  if (borough === 'Westminster') return 'Westminster City Council';
  if (borough === 'Kensington and Chelsea' || borough === 'Kingston upon Thames' || borough === 'Greenwich') {
    return `Royal Borough of ${borough}`;
  }
  return `London Borough of ${borough}`;
}
