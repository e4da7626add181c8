/**
 * 分级分类 Grading: the factory's assessments from /api/v1/factories/:id/assessments (framework, period,
 * answers from telemetry, level, score), each with its printable HTML report and JSON. The report needs the
 * Bearer token, so it is fetched and handed to the browser as a file (a link could not carry the token).
 * Users who may write (admin, factory) create an assessment (assess-create.js) and answer it on its own page
 * (assess.js): every item, telemetry suggestions accepted or overridden, submit, review and lock.
 */
import { apiGet, apiCall as call, factoryPath } from '../api.js';
import { h, table } from '../dom.js';
import { formatNumber, formatTime } from '../format.js';
import { getLang, t } from '../i18n.js';
import { dataExtent } from '../periods.js';
import { createForm } from './assess-create.js';
import { emptyNote, pageHeader, section, updatedNote } from './common.js';

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function statusBadge(status) {
  return h(
    'span',
    { class: ['badge', `badge-assess-${status}`], 'data-status': status },
    t(`assess.status.${status}`),
  );
}

export function reportButtons(ctx, a, onError) {
  if (a.computedAtMs === null) return h('span', { class: 'muted' }, t('grading.notComputed'));
  const base = factoryPath(ctx.factoryId, `/assessments/${encodeURIComponent(a.id)}/report`);
  const lang = getLang() === 'en' ? 'en' : 'zh';
  const get = (format, type, ext) => async () => {
    try {
      const body = await call('GET', `${base}?format=${format}&lang=${lang}`, undefined, type);
      download(
        `${a.frameworkId}-${a.id}.${ext}`,
        format === 'html' ? body : JSON.stringify(body, null, 2),
        type,
      );
    } catch (e) {
      onError(e);
    }
  };
  return h(
    'span',
    { class: 'report-links' },
    h(
      'a',
      {
        href: `${base}?format=html&lang=${lang}`,
        class: 'report-html',
        'data-assessment': a.id,
        onclick: (e) => {
          e.preventDefault();
          get('html', 'text/html', 'html')();
        },
      },
      t('grading.html'),
    ),
    ' · ',
    h(
      'a',
      {
        href: `${base}?format=json`,
        onclick: (e) => {
          e.preventDefault();
          get('json', 'application/json', 'json')();
        },
      },
      'JSON',
    ),
  );
}

function period(p) {
  if (!p) return '—';
  return `${formatTime(p.fromMs, { seconds: false })} – ${formatTime(p.toMs, { seconds: false })}`;
}

export const gradingPage = {
  async render(ctx) {
    ctx.view.append(pageHeader(t('reports.grading.title'), t('reports.grading.intro')));
    const [list, extent] = await Promise.all([
      apiGet(factoryPath(ctx.factoryId, '/assessments')),
      dataExtent(ctx.factoryId),
    ]);
    const status = h('div', { role: 'status', id: 'grading-status', class: 'muted' });
    const onError = (e) => {
      status.textContent = `${t('err.title')}: ${e.detail ?? e.message}`;
    };
    const rows = [...list].sort((a, b) => b.createdAtMs - a.createdAtMs);
    const canWrite = ctx.session?.role === 'admin' || ctx.session?.role === 'factory';
    const frameworks = canWrite ? await apiGet(factoryPath(ctx.factoryId, '/frameworks')) : [];
    const open = (a) =>
      h(
        'a',
        {
          href: `#/assess/${encodeURIComponent(ctx.factoryId)}/${encodeURIComponent(a.id)}`,
          class: 'assess-open',
          'data-assessment': a.id,
        },
        t('assess.open'),
      );
    if (canWrite) ctx.view.append(section(t('assess.new'), createForm(ctx, extent, frameworks, onError)));
    ctx.view.append(
      section(
        t('reports.count', { n: rows.length }),
        status,
        rows.length
          ? table(
              null,
              [
                { label: t('grading.col.framework'), cell: (a) => `${a.frameworkId} ${a.frameworkVersion}` },
                { label: t('assess.col.status'), cell: (a) => statusBadge(a.status) },
                {
                  label: t('grading.col.created'),
                  cell: (a) => formatTime(a.createdAtMs, { seconds: false }),
                },
                { label: t('grading.col.period'), cell: (a) => period(a.period) },
                {
                  label: t('grading.col.answers'),
                  class: 'num',
                  cell: (a) => t('grading.answers', { n: a.answers, tele: a.fromTelemetry }),
                },
                {
                  label: t('grading.col.level'),
                  class: 'num',
                  cell: (a) => (a.level === null ? '—' : String(a.level)),
                },
                {
                  label: t('grading.col.score'),
                  class: 'num',
                  cell: (a) => (a.totalScore === null ? '—' : formatNumber(a.totalScore, ctx.lang, 2)),
                },
                { label: t('grading.col.report'), cell: (a) => reportButtons(ctx, a, onError) },
                { label: '', cell: open },
              ],
              rows,
              { id: 'assessments-table' },
            )
          : emptyNote(t('reports.empty')),
      ),
      updatedNote(),
    );
  },
};
