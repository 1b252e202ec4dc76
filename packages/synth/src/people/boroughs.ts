/**
 * London's 32 boroughs and the City of London: public bodies, so their real names are used. Populations are
 * rounded ONS mid-2022 population estimates (thousands). Postcode districts are real Royal Mail outward codes
 * that lie (mostly) in the borough, with their post towns; the inward halves generated from them are invented
 * (see postcode.ts), so no address is real.
 */

export type IcbKey = 'north-central' | 'north-east' | 'north-west' | 'south-east' | 'south-west';

export interface PostcodeDistrict {
  outward: string;
  postTown: string;
}

export interface Area {
  name: string;
  districts: readonly PostcodeDistrict[];
}

export interface Borough extends Area {
  /** Three-letter abbreviation used in local identifiers. */
  code: string;
  /** Thousands of residents. */
  population: number;
  icb: IcbKey;
  /** ONS "Inner London" for statistical purposes: denser, more flats. */
  inner: boolean;
}

function districts(spec: string): PostcodeDistrict[] {
  // "SE15 SE5 BR1:Bromley KT1:Kingston upon Thames": a district without a town is in the London post town;
  // words that are not an outward code continue the previous district's town.
  const result: PostcodeDistrict[] = [];
  for (const word of spec.split(' ')) {
    const last = result[result.length - 1];
    if (last && !/^[A-Z]{1,2}[0-9][0-9A-Z]?(:|$)/.test(word)) {
      last.postTown = `${last.postTown} ${word}`;
      continue;
    }
    const [outward, town] = word.split(':');
    result.push({ outward: outward!, postTown: town ?? 'London' });
  }
  return result;
}

export const BOROUGHS: readonly Borough[] = [
  {
    name: 'Barking and Dagenham',
    code: 'BDG',
    population: 221,
    icb: 'north-east',
    inner: false,
    districts: districts('IG11:Barking RM8:Dagenham RM9:Dagenham RM10:Dagenham'),
  },
  {
    name: 'Barnet',
    code: 'BNE',
    population: 390,
    icb: 'north-central',
    inner: false,
    districts: districts('N2 N3 N11 N12 N14 N20 NW4 NW7 NW9 NW11 EN4:Barnet EN5:Barnet'),
  },
  {
    name: 'Bexley',
    code: 'BEX',
    population: 248,
    icb: 'south-east',
    inner: false,
    districts: districts('DA5:Bexley DA6:Bexleyheath DA7:Bexleyheath DA14:Sidcup DA15:Sidcup DA16:Welling'),
  },
  {
    name: 'Brent',
    code: 'BEN',
    population: 341,
    icb: 'north-west',
    inner: false,
    districts: districts('NW2 NW10 HA0:Wembley HA9:Wembley'),
  },
  {
    name: 'Bromley',
    code: 'BRY',
    population: 330,
    icb: 'south-east',
    inner: false,
    districts: districts('BR1:Bromley BR2:Bromley BR3:Beckenham BR4:West Wickham BR5:Orpington BR6:Orpington'),
  },
  {
    name: 'Camden',
    code: 'CMD',
    population: 218,
    icb: 'north-central',
    inner: true,
    districts: districts('NW1 NW3 NW5 NW6 WC1H WC1N WC1X'),
  },
  {
    name: 'City of London',
    code: 'CTY',
    population: 9,
    icb: 'north-east',
    inner: true,
    districts: districts('EC2M EC2V EC3A EC3V EC4M EC4N'),
  },
  {
    name: 'Croydon',
    code: 'CRY',
    population: 393,
    icb: 'south-west',
    inner: false,
    districts: districts('CR0:Croydon CR2:South Croydon CR7:Thornton Heath SE25'),
  },
  {
    name: 'Ealing',
    code: 'EAL',
    population: 367,
    icb: 'north-west',
    inner: false,
    districts: districts('W3 W5 W7 W13 UB1:Southall UB2:Southall UB5:Northolt UB6:Greenford'),
  },
  {
    name: 'Enfield',
    code: 'ENF',
    population: 330,
    icb: 'north-central',
    inner: false,
    districts: districts('EN1:Enfield EN2:Enfield EN3:Enfield N9 N13 N18 N21'),
  },
  {
    name: 'Greenwich',
    code: 'GRE',
    population: 291,
    icb: 'south-east',
    inner: false,
    districts: districts('SE3 SE7 SE9 SE10 SE18 SE28'),
  },
  {
    name: 'Hackney',
    code: 'HCK',
    population: 261,
    icb: 'north-east',
    inner: true,
    districts: districts('E5 E8 E9 N16'),
  },
  {
    name: 'Hammersmith and Fulham',
    code: 'HMF',
    population: 184,
    icb: 'north-west',
    inner: true,
    districts: districts('W6 W12 W14 SW6'),
  },
  {
    name: 'Haringey',
    code: 'HGY',
    population: 264,
    icb: 'north-central',
    inner: true,
    districts: districts('N8 N10 N15 N17 N22'),
  },
  {
    name: 'Harrow',
    code: 'HRW',
    population: 262,
    icb: 'north-west',
    inner: false,
    districts: districts('HA1:Harrow HA2:Harrow HA3:Harrow HA5:Pinner'),
  },
  {
    name: 'Havering',
    code: 'HAV',
    population: 264,
    icb: 'north-east',
    inner: false,
    districts: districts(
      'RM1:Romford RM2:Romford RM3:Romford RM7:Romford RM11:Hornchurch RM12:Hornchurch RM14:Upminster',
    ),
  },
  {
    name: 'Hillingdon',
    code: 'HIL',
    population: 309,
    icb: 'north-west',
    inner: false,
    districts: districts('UB3:Hayes UB4:Hayes UB7:West Drayton UB8:Uxbridge UB10:Uxbridge HA4:Ruislip HA6:Northwood'),
  },
  {
    name: 'Hounslow',
    code: 'HNS',
    population: 290,
    icb: 'north-west',
    inner: false,
    districts: districts('TW3:Hounslow TW4:Hounslow TW5:Hounslow TW7:Isleworth TW8:Brentford TW13:Feltham W4'),
  },
  {
    name: 'Islington',
    code: 'ISL',
    population: 217,
    icb: 'north-central',
    inner: true,
    districts: districts('N1 N4 N5 N7 N19 EC1V'),
  },
  {
    name: 'Kensington and Chelsea',
    code: 'KEC',
    population: 144,
    icb: 'north-west',
    inner: true,
    districts: districts('W8 W10 W11 SW3 SW5 SW7 SW10'),
  },
  {
    name: 'Kingston upon Thames',
    code: 'KUT',
    population: 169,
    icb: 'south-west',
    inner: false,
    districts: districts('KT1:Kingston upon Thames KT2:Kingston upon Thames KT3:New Malden KT5:Surbiton KT6:Surbiton'),
  },
  {
    name: 'Lambeth',
    code: 'LBH',
    population: 318,
    icb: 'south-east',
    inner: true,
    districts: districts('SE11 SE27 SW2 SW4 SW8 SW9'),
  },
  {
    name: 'Lewisham',
    code: 'LEW',
    population: 300,
    icb: 'south-east',
    inner: true,
    districts: districts('SE4 SE6 SE8 SE13 SE14 SE23'),
  },
  {
    name: 'Merton',
    code: 'MRT',
    population: 216,
    icb: 'south-west',
    inner: false,
    districts: districts('SW19 SW20 CR4:Mitcham SM4:Morden'),
  },
  {
    name: 'Newham',
    code: 'NWM',
    population: 357,
    icb: 'north-east',
    inner: true,
    districts: districts('E6 E7 E12 E13 E15 E16'),
  },
  {
    name: 'Redbridge',
    code: 'RDB',
    population: 311,
    icb: 'north-east',
    inner: false,
    districts: districts('IG1:Ilford IG2:Ilford IG3:Ilford IG4:Ilford IG5:Ilford IG6:Ilford E18'),
  },
  {
    name: 'Richmond upon Thames',
    code: 'RIC',
    population: 195,
    icb: 'south-west',
    inner: false,
    districts: districts('TW1:Twickenham TW2:Twickenham TW9:Richmond TW10:Richmond TW11:Teddington TW12:Hampton SW14'),
  },
  {
    name: 'Southwark',
    code: 'SWK',
    population: 307,
    icb: 'south-east',
    inner: true,
    districts: districts('SE1 SE5 SE15 SE16 SE17 SE22'),
  },
  {
    name: 'Sutton',
    code: 'STN',
    population: 210,
    icb: 'south-west',
    inner: false,
    districts: districts('SM1:Sutton SM2:Sutton SM3:Sutton SM5:Carshalton'),
  },
  {
    name: 'Tower Hamlets',
    code: 'TWH',
    population: 312,
    icb: 'north-east',
    inner: true,
    districts: districts('E1 E1W E2 E3 E14'),
  },
  {
    name: 'Waltham Forest',
    code: 'WFT',
    population: 278,
    icb: 'north-east',
    inner: false,
    districts: districts('E4 E10 E11 E17'),
  },
  {
    name: 'Wandsworth',
    code: 'WND',
    population: 328,
    icb: 'south-west',
    inner: true,
    districts: districts('SW11 SW12 SW15 SW17 SW18'),
  },
  {
    name: 'Westminster',
    code: 'WSM',
    population: 205,
    icb: 'north-west',
    inner: true,
    districts: districts('W1D W1F W1G W1H W1U W2 W9 NW8 SW1P SW1V WC2N'),
  },
];

export const BOROUGH_INDEX_BY_NAME: ReadonlyMap<string, number> = new Map(BOROUGHS.map((b, i) => [b.name, i]));

/** Areas outside London where the out-of-area trusts are (Kent, Surrey, Essex, Hertfordshire). */
export const OUTSIDE_LONDON: readonly Area[] = [
  { name: 'Kent', districts: districts('ME15:Maidstone ME16:Maidstone DA1:Dartford') },
  { name: 'Surrey', districts: districts('KT18:Epsom KT19:Epsom GU1:Guildford GU2:Guildford') },
  { name: 'Essex', districts: districts('CM1:Chelmsford CM2:Chelmsford CM20:Harlow') },
  { name: 'Hertfordshire', districts: districts('WD17:Watford WD18:Watford AL1:St Albans') },
];

/** Borough weights by population, for picking where someone lives. */
export const BOROUGH_WEIGHTS: readonly (readonly [number, number])[] = BOROUGHS.map((b, i) => [i, b.population]);
