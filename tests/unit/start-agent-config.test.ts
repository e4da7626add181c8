import { describe, expect, it } from 'vitest';
import { confineToFactory } from '../../scripts/start/agent-config.js';

describe('confineToFactory', () => {
  it('makes the named factory level literal and leaves every other level alone', () => {
    expect(confineToFactory('plant/+factory/utility/+device', 'hn-gearbox')).toBe(
      'plant/hn-gearbox/utility/+device',
    );
    expect(confineToFactory('plant/+/env/+device', 'F1')).toBe('plant/+/env/+device');
    expect(confineToFactory('a/+factoryX/b', 'F1')).toBe('a/+factoryX/b');
  });
});
