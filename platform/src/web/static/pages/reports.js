/**
 * 节能诊断 Diagnostics and 分级分类 Grading: lists of runs/assessments from
 * /api/v1/factories/:id/diagnoses and /assessments. Those resources arrive with later work; until then the
 * API answers 404 and the page says "not available yet" with the server's detail instead of failing.
 * Records are shown generically (their identifying and time fields first) so the page needs no change
 * when the resources land.
 */
import { ApiError, apiGet, factoryPath } from '../api.js';
import { h, table } from '../dom.js';
import { formatNumber, formatTime } from '../format.js';
import { t } from '../i18n.js';
import { emptyNote, pageHeader, section } from './common.js';

const PREFERRED = [
  'id',
  'frameworkId',
  'status',
  'level',
  'totalScore',
  'fromMs',
  'toMs',
  'createdAtMs',
  'updatedAtMs',
  'computedAtMs',
];
const MAX_COLUMNS = 8;

/** The list in a response: the array itself, or the first array property ({ items: [...] }, { runs: [...] }). */
export function recordsOf(body) {
  if (Array.isArray(body)) return body;
  if (body && typeof body === 'object') return Object.values(body).find(Array.isArray) ?? [];
  return [];
}

/** Scalar columns, preferred names first. */
export function columnsOf(records) {
  const keys = new Set();
  for (const r of records.slice(0, 50)) {
    for (const [k, v] of Object.entries(r ?? {})) if (v === null || typeof v !== 'object') keys.add(k);
  }
  const ordered = [
    ...PREFERRED.filter((k) => keys.has(k)),
    ...[...keys].filter((k) => !PREFERRED.includes(k)),
  ];
  return ordered.slice(0, MAX_COLUMNS);
}

function cellText(key, v, lang) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number' && /(Ms|At)$/.test(key) && v > 946684800000) return formatTime(v);
  if (typeof v === 'number') return formatNumber(v, lang);
  return String(v);
}

function reportPage(kind, resource) {
  return {
    async render(ctx) {
      ctx.view.append(pageHeader(t(`reports.${kind}.title`), t(`reports.${kind}.intro`)));
      let body;
      try {
        body = await apiGet(factoryPath(ctx.factoryId, `/${resource}`));
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 404) throw e;
        ctx.view.append(
          h(
            'div',
            { class: 'notice', role: 'status', id: 'not-available' },
            h('p', { class: 'notice-title' }, t('reports.notAvailable')),
            h('p', { class: 'muted' }, e.detail),
          ),
        );
        return;
      }
      const records = recordsOf(body);
      const cols = columnsOf(records);
      ctx.view.append(
        section(
          t('reports.count', { n: records.length }),
          records.length
            ? table(
                null,
                cols.map((k) => ({ label: k, cell: (r) => cellText(k, r[k], ctx.lang) })),
                records,
                { id: `${resource}-table` },
              )
            : emptyNote(t('reports.empty')),
          h(
            'details',
            {},
            h('summary', {}, t('reports.raw')),
            h('pre', { class: 'payload' }, JSON.stringify(body, null, 2).slice(0, 50_000)),
          ),
        ),
      );
    },
  };
}

export const diagnosesPage = reportPage('diagnoses', 'diagnoses');
export const gradingPage = reportPage('grading', 'assessments');
