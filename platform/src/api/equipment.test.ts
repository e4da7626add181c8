import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, bearer } from '../../../tests/platform/api-harness.js';
import { FACTORY, fixtureBirth } from '../../../tests/platform/fixtures.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await apiHarness();
  const b = fixtureBirth('session-0001');
  b.devices.push(
    { id: 'KY-1', kind: 'meter', assetPath: '', name: '1#空压机', medium: 'electricity' },
    {
      id: 'AC9',
      kind: 'meter',
      assetPath: '',
      name: 'Air compressor 9',
      equipment: { class: 'airCompressor', role: 'lead' },
    },
  );
  await h.ingest.processor.handle(`xiang/v1/${FACTORY}/A1/birth`, Buffer.from(JSON.stringify(b)));
});
afterAll(async () => h.close());

const auth = () => bearer(h.adminToken);
type View = {
  deviceId: string;
  equipment?: { class?: string; role?: string };
  sources: Record<string, string>;
  classKnown: boolean | null;
  suggestions: { class: string }[];
};

describe('equipment API', () => {
  it('lists the versioned class list', async () => {
    const r = (
      await h.app.inject({ method: 'GET', url: '/api/v1/equipment-classes', headers: auth() })
    ).json();
    expect(r.version).toMatch(/^\d{4}\.\d+$/);
    expect(r.classes.map((c: { id: string }) => c.id)).toContain('airCompressor');
  });

  it('shows declared classes with their source, and only suggests a class for undeclared devices', async () => {
    const rows = (
      await h.app.inject({ method: 'GET', url: `/api/v1/factories/${FACTORY}/equipment`, headers: auth() })
    ).json() as View[];
    const by = Object.fromEntries(rows.map((r) => [r.deviceId, r]));
    expect(by['AC9']).toMatchObject({
      equipment: { class: 'airCompressor', role: 'lead' },
      sources: { class: 'device', role: 'device' },
      classKnown: true,
      suggestions: [],
    });
    // The name suggests a compressor; nothing is declared until a person confirms it.
    expect(by['KY-1']?.equipment).toBeUndefined();
    expect(by['KY-1']?.suggestions.map((s) => s.class)).toContain('airCompressor');
  });

  it('a confirmation becomes the declared class, recorded as a person’s entry', async () => {
    const res = await h.app.inject({
      method: 'PATCH',
      url: `/api/v1/factories/${FACTORY}/equipment/KY-1`,
      headers: auth(),
      payload: { class: 'airCompressor' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const rows = (
      await h.app.inject({ method: 'GET', url: `/api/v1/factories/${FACTORY}/equipment`, headers: auth() })
    ).json() as View[];
    expect(rows.find((r) => r.deviceId === 'KY-1')).toMatchObject({
      equipment: { class: 'airCompressor' },
      sources: { class: 'person' },
      suggestions: [],
    });
  });

  it('rejects a malformed class id and an unknown device', async () => {
    const bad = await h.app.inject({
      method: 'PATCH',
      url: `/api/v1/factories/${FACTORY}/equipment/KY-1`,
      headers: auth(),
      payload: { class: 'Air Compressor!' },
    });
    expect(bad.statusCode).toBe(400);
    const missing = await h.app.inject({
      method: 'PATCH',
      url: `/api/v1/factories/${FACTORY}/equipment/NOPE`,
      headers: auth(),
      payload: { class: 'chiller' },
    });
    expect(missing.statusCode).toBe(404);
  });
});
