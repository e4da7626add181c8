// @ts-check
/**
 * 新建评估: choose the framework (CMMM 2020 or SME 2024 questionnaires; the Article 13 tiers are classified in
 * every computed assessment) and the telemetry period — by default the last 30 days clipped to the stored data,
 * with the coverage shown before anything runs — then create, pre-fill from telemetry and open the assessment.
 */
import { apiCall, factoryPath } from '../api.js';
import { h } from '../dom.js';
import { getLang, t } from '../i18n.js';
import { clippedNote, coverageWarning, DAY_MS, dateMs, defaultPeriod, localDate } from '../periods.js';

/** @param {{ zh: string, en: string }} s */
export const tr = (s) => (getLang() === 'en' ? s.en : s.zh);

/**
 * @param {any} ctx the page context
 * @param {any} extent the factory's data extent (or null)
 * @param {{ id: string, kind: string, version: string, title: { zh: string, en: string } }[]} frameworks
 * @param {(e: any) => void} onError
 */
export function createForm(ctx, extent, frameworks, onError) {
  const p = defaultPeriod(extent, 30);
  const maturity = frameworks.filter((f) => f.kind === 'maturity');
  const framework = h(
    'select',
    { id: 'assess-framework', name: 'framework' },
    maturity.map((f) => h('option', { value: f.id }, `${tr(f.title)} · ${f.version}`)),
  );
  const from = h('input', { type: 'date', id: 'assess-from', value: localDate(p.fromMs) });
  const to = h('input', { type: 'date', id: 'assess-to', value: localDate(p.toMs - 1) });
  const assessor = /** @type {HTMLInputElement} */ (
    h('input', { type: 'text', id: 'assess-assessor', value: ctx.session?.name ?? '' })
  );
  const warning = h('div', { id: 'assess-coverage' });
  const status = h('p', { role: 'status', class: 'muted', id: 'assess-create-status' });
  /** The default (to the minute) unless the dates were changed; chosen dates are clipped to the data. */
  const period = () => {
    if (from.value === localDate(p.fromMs) && to.value === localDate(p.toMs - 1))
      return { fromMs: p.fromMs, toMs: p.toMs };
    return { fromMs: dateMs(from.value), toMs: dateMs(to.value) + DAY_MS };
  };
  /** @param {{ fromMs: number, toMs: number }} q */
  const clip = (q) => ({
    fromMs: extent?.firstMs != null ? Math.max(q.fromMs, extent.firstMs) : q.fromMs,
    toMs: extent?.lastMs != null ? Math.min(q.toMs, extent.lastMs + 1) : q.toMs,
  });
  const check = () => {
    const q = period();
    warning.replaceChildren(
      Number.isFinite(q.fromMs) && q.toMs > q.fromMs
        ? (coverageWarning(extent, q.fromMs, q.toMs, ctx.lang) ?? '')
        : h('p', { class: 'notice' }, t('period.invalid')),
    );
  };
  from.addEventListener('change', check);
  to.addEventListener('change', check);
  const submit = h('button', { type: 'submit', id: 'assess-create' }, t('assess.create'));
  const form = h(
    'form',
    {
      class: 'assess-create',
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        const q = clip(period());
        if (!(q.toMs > q.fromMs)) return check();
        /** @type {HTMLButtonElement} */ (submit).disabled = true;
        status.textContent = t('assess.creating');
        try {
          const base = factoryPath(ctx.factoryId, '/assessments');
          const a = await apiCall('POST', base, {
            frameworkId: /** @type {HTMLSelectElement} */ (framework).value,
            period: { from: q.fromMs, to: q.toMs },
            .../** @type {HTMLInputElement} */ (
              assessor.value.trim()
                ? { assessor: /** @type {HTMLInputElement} */ (assessor).value.trim() }
                : {}
            ),
          });
          await apiCall('POST', `${base}/${encodeURIComponent(a.id)}/autofill`, {});
          location.hash = `#/assess/${encodeURIComponent(ctx.factoryId)}/${encodeURIComponent(a.id)}`;
        } catch (err) {
          onError(err);
          status.textContent = '';
          /** @type {HTMLButtonElement} */ (submit).disabled = false;
        }
      },
    },
    h(
      'div',
      { class: 'assess-create-fields' },
      h('label', { class: 'field' }, t('assess.framework'), framework),
      h('label', { class: 'field' }, t('period.from'), from),
      h('label', { class: 'field' }, t('period.toIncl'), to),
      h('label', { class: 'field' }, t('assess.assessor'), assessor),
      h('div', { class: 'field field-submit' }, submit),
    ),
    clippedNote(extent, p),
    warning,
    h('p', { class: 'muted', id: 'assess-tiers-note' }, t('assess.tiersNote')),
    status,
  );
  return form;
}
