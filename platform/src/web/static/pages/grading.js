/**
 * 分级分类 Grading: the factory's assessments from /api/v1/factories/:id/assessments (framework, period,
 * answers from telemetry, level, score), each with its printable HTML report and JSON. The report needs the
 * Bearer token, so it is fetched and handed to the browser as a file (a link could not carry the token).
 * Users who may write (admin, factory) can start a CMMM self-assessment: create → auto-fill from telemetry
 * → compute, the assessor's answers coming later through the API or `xiang grade`.
 */
import { apiGet, apiCall as call, factoryPath } from '../api.js';
import { h, table } from '../dom.js';
import { formatNumber, formatTime } from '../format.js';
import { getLang, t } from '../i18n.js';
import { clippedNote, dataExtent, defaultPeriod } from '../periods.js';
import { emptyNote, pageHeader, section, updatedNote } from './common.js';

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function reportButtons(ctx, a, onError) {
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
    // The telemetry period: the last 30 days, clipped to the stored data.
    const telemetryPeriod = defaultPeriod(extent, 30);
    const status = h('div', { role: 'status', id: 'grading-status', class: 'muted' });
    const onError = (e) => {
      status.textContent = `${t('err.title')}: ${e.detail ?? e.message}`;
    };
    const rows = [...list].sort((a, b) => b.createdAtMs - a.createdAtMs);
    const canWrite = ctx.session?.role === 'admin' || ctx.session?.role === 'factory';
    const start = canWrite
      ? h(
          'button',
          {
            type: 'button',
            id: 'grading-start',
            onclick: async (e) => {
              e.target.disabled = true;
              status.textContent = t('grading.running');
              try {
                const base = factoryPath(ctx.factoryId, '/assessments');
                const a = await call('POST', base, {
                  frameworkId: 'cmmm-2020',
                  period: { from: telemetryPeriod.fromMs, to: telemetryPeriod.toMs },
                });
                await call('POST', `${base}/${encodeURIComponent(a.id)}/autofill`, {});
                await call('POST', `${base}/${encodeURIComponent(a.id)}/compute`);
                if (ctx.isCurrent()) ctx.rerender();
              } catch (err) {
                onError(err);
                e.target.disabled = false;
              }
            },
          },
          t('grading.start'),
        )
      : null;
    ctx.view.append(
      section(
        t('reports.count', { n: rows.length }),
        start ? h('p', {}, start, ' ', h('span', { class: 'muted' }, t('grading.startHelp'))) : null,
        start ? clippedNote(extent, telemetryPeriod) : null,
        status,
        rows.length
          ? table(
              null,
              [
                { label: t('grading.col.framework'), cell: (a) => `${a.frameworkId} ${a.frameworkVersion}` },
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
