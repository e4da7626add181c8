import { describe, expect, it } from 'vitest';
import {
  configUnit,
  datatypeFromOpcua,
  guessPhase,
  guessQuantity,
  splitPhase,
  toId,
  toMetricKey,
} from './guess.js';

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

describe('phase-aware names', () => {
  const key = (n: string) => {
    const p = splitPhase(n);
    return { key: p.suffix ? `${toMetricKey(p.base)}.${p.suffix}` : toMetricKey(p.base), phase: p.phase };
  };
  it('keeps phase suffixes as a phase, not as letters glued to the name', () => {
    expect(key('Voltage L1')).toEqual({ key: 'voltage.L1', phase: 'L1' });
    expect(key('Voltage_L2')).toEqual({ key: 'voltage.L2', phase: 'L2' });
    expect(key('CurrentL3')).toEqual({ key: 'current.L3', phase: 'L3' });
    expect(key('Voltage L1-N')).toEqual({ key: 'voltage.L1', phase: 'L1' });
    expect(key('Active Power Phase B')).toEqual({ key: 'activePower.L2', phase: 'L2' });
    expect(key('Phase C Current')).toEqual({ key: 'current.L3', phase: 'L3' });
    expect(key('Ua')).toEqual({ key: 'voltage.L1', phase: 'L1' });
    expect(key('Ic')).toEqual({ key: 'current.L3', phase: 'L3' });
    expect(key('B相电流')).toEqual({ key: 'current.L2', phase: 'L2' });
    expect(key('A相有功功率')).toEqual({ key: 'activePower.L1', phase: 'L1' });
  });
  it('keeps line-to-line values apart from per-phase values (no phase)', () => {
    expect(key('Voltage L1-L2')).toEqual({ key: 'voltage.L1L2', phase: undefined });
    expect(key('Voltage L23')).toEqual({ key: 'voltage.L2L3', phase: undefined });
    expect(key('Uab')).toEqual({ key: 'voltage.L1L2', phase: undefined });
    expect(key('CA线电压')).toEqual({ key: 'voltage.L3L1', phase: undefined });
    expect(splitPhase('Uca').lineToLine).toBe(true);
  });
  it('leaves names without a phase alone', () => {
    expect(key('Total Active Power')).toEqual({ key: 'totalActivePower', phase: undefined });
    expect(key('L1')).toEqual({ key: 'l1', phase: undefined });
    expect(key('Frequency')).toEqual({ key: 'frequency', phase: undefined });
  });
});
