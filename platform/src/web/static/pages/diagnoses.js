/**
 * 节能诊断 Diagnostics: the factory's diagnosis runs from /api/v1/factories/:id/diagnoses (period, who ran it,
 * status with progress, findings by severity, comprehensive energy use, estimated saving), a form to start one
 * for a period (local dates, the end day included; every token of the factory may start one — inspectors too),
 * and each finished run's printable report. A browser tab cannot send the Bearer token, so "open report" asks
 * for a short-lived report link and opens that (a blob would inherit the console's CSP and lose the report's
 * styling). While a run is queued or running the list refreshes itself.
 */
import { apiGet, apiCall as call, factoryPath } from '../api.js';
import { h, table } from '../dom.js';
import { formatNumber, formatTime, UTC_OFFSET_MIN } from '../format.js';
import { getLang, t } from '../i18n.js';
import { clippedNote, coverageWarning, dataExtent, wholeDaysPeriod } from '../periods.js';
import { emptyNote, pageHeader, section, updatedNote } from './common.js';

const DAY_MS = 86_400_000;
const POLL_MS = 2000;

/** "2025-03-03" (local date at UTC+8) ↔ epoch ms of its local midnight. */
export function localDate(ms) {
  return new Date(ms + UTC_OFFSET_MIN * 60_000).toISOString().slice(0, 10);
}
export function localMidnightMs(date) {
  return Date.parse(`${date}T00:00:00Z`) - UTC_OFFSET_MIN * 60_000;
}

/** The default period: the 14 local days before today, clipped to the whole days of stored data. */
export function defaultPeriod(nowMs, extent = null) {
  return wholeDaysPeriod(extent, 14, nowMs);
}

function statusCell(r) {
  const cls = {
    done: 'badge-online',
    failed: 'badge-offline',
    running: 'badge-q-uncertain',
    queued: 'badge-q-uncertain',
  }[r.status];
  const pct = r.status === 'running' && r.progress ? ` ${Math.round(r.progress.pct)} %` : '';
  return h(
    'span',
    {},
    h(
      'span',
      { class: ['badge', cls], 'data-status': r.status },
      `${t(`diagnoses.status.${r.status}`)}${pct}`,
    ),
    r.error ? h('span', { class: 'muted' }, ` ${r.error}`) : null,
  );
}

function findingsCell(r, lang) {
  const s = r.summary;
  if (!s) return '—';
  const by = s.findingsBySeverity;
  return ['high', 'medium', 'low', 'info']
    .map((k) => `${t(`diagnoses.severity.${k}`)} ${formatNumber(by[k], lang)}`)
    .join(' · ');
}

function reportLinks(ctx, r, onError) {
  if (r.status !== 'done') return '—';
  const base = factoryPath(ctx.factoryId, `/diagnoses/${encodeURIComponent(r.id)}/report`);
  const lang = getLang() === 'en' ? 'en' : 'zh-CN';
  return h(
    'span',
    { class: 'report-links' },
    h(
      'a',
      {
        href: `${base}?format=html&lang=${lang}`,
        class: 'report-html',
        'data-run': r.id,
        onclick: async (e) => {
          e.preventDefault();
          // A short-lived link the new tab can open without the token; the report keeps its own styling.
          try {
            const link = await call(
              'POST',
              factoryPath(ctx.factoryId, `/diagnoses/${encodeURIComponent(r.id)}/report-links`),
              { lang },
            );
            const w = window.open(link.url, '_blank'); // with 'noopener' it would always return null
            if (w) w.opener = null;
            else location.assign(link.url); // pop-ups blocked: open it here
          } catch (err) {
            onError(err);
          }
        },
      },
      t('diagnoses.html'),
    ),
    ' · ',
    h(
      'a',
      {
        href: `${base}?format=json`,
        onclick: async (e) => {
          e.preventDefault();
          try {
            const body = await call('GET', `${base}?format=json`);
            const url = URL.createObjectURL(
              new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' }),
            );
            const a = h('a', { href: url, download: `diagnosis-${r.id}.json` });
            document.body.append(a);
            a.click();
            a.remove();
            setTimeout(() => URL.revokeObjectURL(url), 10_000);
          } catch (err) {
            onError(err);
          }
        },
      },
      'JSON',
    ),
  );
}

function startForm(ctx, status, onStarted, extent) {
  const p = defaultPeriod(Date.now(), extent);
  const field = (id, text, input) => h('div', { class: 'field' }, h('label', { for: id }, text), input);
  const form = h(
    'form',
    { class: 'chart-controls', id: 'diagnose-form' },
    field(
      'diagnose-from',
      t('diagnoses.from'),
      h('input', { type: 'date', id: 'diagnose-from', value: p.from, required: true }),
    ),
    field(
      'diagnose-to',
      t('diagnoses.to'),
      h('input', { type: 'date', id: 'diagnose-to', value: p.to, required: true }),
    ),
    field(
      'diagnose-basis',
      t('diagnoses.basis'),
      h(
        'select',
        { id: 'diagnose-basis' },
        h('option', { value: 'equivalent', selected: true }, t('diagnoses.basis.equivalent')),
        h('option', { value: 'equal' }, t('diagnoses.basis.equal')),
      ),
    ),
    h(
      'div',
      { class: 'field field-submit' },
      h('button', { type: 'submit', id: 'diagnose-start' }, t('diagnoses.start')),
    ),
  );
  // A period reaching beyond the stored data says how much of it is covered, before the run.
  const coverage = h('div', { id: 'diagnose-coverage' }, clippedNote(extent, p));
  const check = () => {
    const from = form.querySelector('#diagnose-from').value;
    const to = form.querySelector('#diagnose-to').value;
    if (!from || !to || to < from) return;
    const warn = coverageWarning(extent, localMidnightMs(from), localMidnightMs(to) + DAY_MS, ctx.lang);
    coverage.replaceChildren(warn ?? clippedNote(extent, { clipped: false, days: 0 }));
  };
  form.addEventListener('change', check);
  form.append(coverage);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const from = form.querySelector('#diagnose-from').value;
    const to = form.querySelector('#diagnose-to').value;
    const button = form.querySelector('#diagnose-start');
    if (!from || !to || to < from) {
      status.textContent = t('diagnoses.badPeriod');
      return;
    }
    button.disabled = true;
    status.textContent = t('diagnoses.starting');
    try {
      await call('POST', factoryPath(ctx.factoryId, '/diagnoses'), {
        from: localMidnightMs(from),
        to: localMidnightMs(to) + DAY_MS, // the end day is included
        options: { electricityBasis: form.querySelector('#diagnose-basis').value },
      });
      status.textContent = t('diagnoses.started');
      button.disabled = false;
      await onStarted();
    } catch (err) {
      status.textContent = `${t('err.title')}: ${err.detail ?? err.message}`;
      button.disabled = false;
    }
  });
  return form;
}

function runsTable(ctx, runs, onError) {
  const lang = ctx.lang;
  return section(
    t('reports.count', { n: runs.length }),
    runs.length
      ? table(
          null,
          [
            { label: t('diagnoses.col.created'), cell: (r) => formatTime(r.createdAtMs, { seconds: false }) },
            {
              label: t('diagnoses.col.period'),
              cell: (r) => `${localDate(r.fromMs)} – ${localDate(r.toMs - 1)}`,
            },
            { label: t('diagnoses.col.by'), cell: (r) => r.requestedBy },
            { label: t('diagnoses.col.status'), cell: statusCell },
            { label: t('diagnoses.col.findings'), cell: (r) => findingsCell(r, lang) },
            {
              label: t('diagnoses.col.tce'),
              class: 'num',
              cell: (r) => (r.summary ? formatNumber(r.summary.comprehensiveTce, lang, 2) : '—'),
            },
            {
              label: t('diagnoses.col.saving'),
              class: 'num',
              cell: (r) => (r.summary ? formatNumber(Math.round(r.summary.saving.energyKwh), lang) : '—'),
            },
            { label: t('diagnoses.col.report'), cell: (r) => reportLinks(ctx, r, onError) },
          ],
          runs,
          { id: 'diagnoses-table' },
        )
      : emptyNote(t('reports.empty')),
  );
}

const active = (runs) => runs.some((r) => r.status === 'queued' || r.status === 'running');

export const diagnosesPage = {
  async render(ctx) {
    ctx.view.append(pageHeader(t('reports.diagnoses.title'), t('reports.diagnoses.intro')));
    const list = () => apiGet(factoryPath(ctx.factoryId, '/diagnoses'), { limit: 200 });
    let [runs, extent] = await Promise.all([list(), dataExtent(ctx.factoryId)]);
    const status = h('div', { role: 'status', id: 'diagnoses-status', class: 'muted' });
    const onError = (e) => {
      status.textContent = `${t('err.title')}: ${e.detail ?? e.message}`;
    };
    const holder = h('div', { id: 'diagnoses-runs' }, runsTable(ctx, runs, onError));
    // Queued or running runs move on: only the list is refreshed (the form keeps what is typed in it).
    const refresh = async () => {
      if (!active(runs)) return;
      const next = await list().catch(() => null);
      if (!next || !ctx.isCurrent()) return;
      runs = next;
      holder.replaceChildren(runsTable(ctx, runs, onError));
    };
    const started = () =>
      list().then((next) => {
        if (!ctx.isCurrent()) return;
        runs = next;
        holder.replaceChildren(runsTable(ctx, runs, onError));
      });
    ctx.view.append(
      section(
        t('diagnoses.new'),
        h('p', { class: 'muted' }, t('diagnoses.newHelp')),
        startForm(ctx, status, started, extent),
        status,
      ),
      holder,
      updatedNote(),
    );
    ctx.every(POLL_MS, refresh);
  },
};
