import type { PrincipalOrganisation } from '../../principal.ts';

/** A small region with one organisation of every kind. */
export const REGION: PrincipalOrganisation[] = [
  { odsCode: 'R1H', name: 'Barts Health NHS Trust', kind: 'acute-trust' },
  { odsCode: 'F84003', name: 'Lower Clapton Group Practice', kind: 'gp-practice' },
  { odsCode: 'RWK', name: 'East London NHS Foundation Trust', kind: 'mental-health-trust' },
  { odsCode: 'RRU', name: 'London Ambulance Service', kind: 'ambulance-service' },
  { odsCode: 'NHS111', name: 'London 111', kind: 'nhs-111' },
  { odsCode: 'RNH', name: 'Newham Community Services', kind: 'community-trust' },
  { odsCode: 'LBH', name: 'London Borough of Hackney', kind: 'local-authority' },
  { odsCode: 'VCH01', name: 'Victoria Care Home', kind: 'care-home' },
  { odsCode: 'FPH01', name: 'High Street Pharmacy', kind: 'pharmacy' },
  { odsCode: 'HOS01', name: 'St Joseph’s Hospice', kind: 'hospice' },
  { odsCode: 'RGT', name: 'Cambridge University Hospitals', kind: 'out-of-area-trust' },
];
