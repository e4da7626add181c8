import { describe, expect, it } from 'vitest';
import { configUnit, datatypeFromOpcua, guessPhase, guessQuantity, toId, toMetricKey } from './guess.js';

describe('browse guesses', () => {
  it('guesses quantities from names first, then units, and falls back to other', () => {
    expect(guessQuantity('activePower', 'kW', 'double')).toBe('activePower');
    expect(guessQuantity('ActivePowerTotal', 'W', 'double')).toBe('activePower');
    expect(guessQuantity('energyImport', 'Wh', 'double')).toBe('activeEnergyImport');
    expect(guessQuantity('reactivePower', 'kvar', 'double')).toBe('reactivePower');
    expect(guessQuantity('voltage', 'V', 'double')).toBe('voltage');
    expect(guessQuantity('Value1', 'kWh', 'double')).toBe('activeEnergyImport');
    expect(guessQuantity('powerFactor', undefined, 'double')).toBe('powerFactor');
    expect(guessQuantity('state', undefined, 'int')).toBe('machineState');
    expect(guessQuantity('currentProduct', undefined, 'string')).toBe('currentProduct');
    expect(guessQuantity('speed', 'rpm', 'double')).toBe('other');
    // A name rule whose unit does not fit is skipped: "power" in kWh is energy, not power.
    expect(guessQuantity('powerMeterReading', 'kWh', 'double')).toBe('activeEnergyImport');
  });
  it('maps built-in data types, phases, units and names', () => {
    expect(datatypeFromOpcua(11)).toBe('double');
    expect(datatypeFromOpcua(6)).toBe('int');
    expect(datatypeFromOpcua(1)).toBe('bool');
    expect(datatypeFromOpcua(12)).toBe('string');
    expect(datatypeFromOpcua(15)).toBeNull(); // ByteString
    expect(guessPhase('voltage.L2')).toBe('L2');
    expect(guessPhase('voltage')).toBeUndefined();
    expect(configUnit('activePower', 'kW')).toBeUndefined();
    expect(configUnit('activePower', 'W')).toBe('W');
    expect(toMetricKey('Active Power')).toBe('activePower');
    expect(toMetricKey('3phase')).toBe('v3phase');
    expect(toId('Meter #1 (main)')).toBe('Meter_1_main_');
  });
});
