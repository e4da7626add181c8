/**
 * The platform's public HTTP API as the soak checker reads it (the platform runs in a child process, so the
 * API is the only door). Every call is bounded in time.
 */
export type Api = { url: string; token: string };

export type IngestStats = {
  connected: boolean;
  parkedBatches: number;
  deadLetters: number;
  totals: {
    messages: Record<string, number>;
    rejectedMessages: Record<string, number>;
    rejectedPoints: Record<string, number>;
    pointsStored: number;
    duplicates: number;
    parked: number;
    rebirthsRequested: number;
  };
  store: { kind: string; ok: boolean; backlogPoints: number };
};

export type DeadLetter = { id: number; agentId?: string; reason: string; pointCount: number };
export type RawPoint = { tsMs: number; value: number | null; text: string | null; status: number };

export async function getJson<T>(api: Api, urlPath: string, timeoutMs = 30_000): Promise<T> {
  const res = await fetch(`${api.url}/api/v1${urlPath}`, {
    headers: { authorization: `Bearer ${api.token}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`GET ${urlPath}: HTTP ${res.status} ${(await res.text()).slice(0, 500)}`);
  return (await res.json()) as T;
}

export const ingestStats = (api: Api) => getJson<IngestStats>(api, '/ingest/stats', 5_000);

/** Every dead letter of the factory (pages of 1000, at most 100 pages). */
export async function deadLetters(api: Api, factoryId: string): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  let before = '';
  for (let page = 0; page < 100; page++) {
    const rows = await getJson<DeadLetter[]>(
      api,
      `/factories/${factoryId}/ingest/dead-letters?limit=1000${before}`,
    );
    out.push(...rows);
    if (rows.length < 1000) break;
    before = `&beforeId=${Math.min(...rows.map((r) => r.id))}`;
  }
  return out;
}

/** Series the platform's registry knows for the factory (from births), as "<deviceId>:<metric>". */
export async function registeredSeries(api: Api, factoryId: string): Promise<string[]> {
  const rows = await getJson<{ deviceId: string; key: string }[]>(api, `/factories/${factoryId}/metrics`);
  return rows.map((r) => `${r.deviceId}:${r.key}`);
}

const FROM_MS = 946_684_800_000; // 2000-01-01, the protocol's lower bound
const TO_MS = 4_102_444_800_000; // 2100-01-01

/** Every stored point of each series over the protocol's whole time range, one series per request, paged. */
export async function rawPoints(
  api: Api,
  factoryId: string,
  refs: string[],
): Promise<Map<string, RawPoint[]>> {
  const out = new Map<string, RawPoint[]>();
  // One series at a time, paged by time: a response carries at most 500 000 points (the API's budget).
  const PAGE = 500_000;
  for (const ref of refs) {
    const points: RawPoint[] = [];
    let from = FROM_MS;
    for (let page = 0; page < 10_000; page++) {
      const body = await getJson<{ series: { deviceId: string; metric: string; points: RawPoint[] }[] }>(
        api,
        `/factories/${factoryId}/timeseries/raw?series=${encodeURIComponent(ref)}&from=${from}&to=${TO_MS}&limit=${PAGE}`,
        120_000,
      ).catch((e: unknown) => {
        // A series the platform never learned (no birth of it got through) answers 404 since unknown series
        // are refused by name: it holds no points. Whether that is a loss is the invariant's call (acked vs
        // stored), not an error of the checker.
        if (String(e).includes('HTTP 404') && String(e).includes('no such series')) return { series: [] };
        throw e;
      });
      const got = body.series[0]?.points ?? [];
      points.push(...got);
      if (got.length < PAGE) break;
      from = (got.at(-1) as RawPoint).tsMs + 1;
    }
    out.set(ref, points);
  }
  return out;
}
