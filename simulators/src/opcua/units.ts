import { type EUInformation, makeEUInformation, standardUnits } from 'node-opcua';

/**
 * EngineeringUnits per protocol unit string. unitId = UNECE Recommendation 20 common code (as OPC 10000-8
 * §5.6.3 requires); codes not in node-opcua's `standardUnits` are built with the same helper from Rec 20 Rev 17:
 * KWH kilowatt hour, KVR kilovar, K3 kilovar hour (kilovolt ampere reactive hour), TNE tonne, E18 tonne per hour,
 * MQH cubic metre per hour, C62 one (dimensionless).
 */
const units: Record<string, EUInformation> = {
  V: standardUnits.volt,
  A: standardUnits.ampere,
  kW: standardUnits.kilowatt,
  kvar: makeEUInformation('KVR', 'kvar', 'kilovar'),
  kVA: makeEUInformation('KVA', 'kVA', 'kilovolt - ampere'),
  '1': makeEUInformation('C62', '1', 'one (dimensionless)'),
  Hz: standardUnits.hertz,
  '%': standardUnits.percent,
  kWh: makeEUInformation('KWH', 'kWh', 'kilowatt hour'),
  kvarh: makeEUInformation('K3', 'kvarh', 'kilovolt ampere reactive hour'),
  m3: standardUnits.cubic_metre,
  t: makeEUInformation('TNE', 't', 'tonne (metric ton)'),
  'm3/h': standardUnits.cubic_metre_per_hour,
  't/h': makeEUInformation('E18', 't/h', 'tonne per hour'),
  MPa: standardUnits.megapascal,
  Cel: standardUnits.degree_celsius,
  s: standardUnits.second,
};

export function engineeringUnits(unit: string): EUInformation | undefined {
  return units[unit];
}
