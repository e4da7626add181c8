// @ts-check
/**
 * 工厂设置 Factory settings: the tariff (time-of-use schedule — the Hunan 湘发改价调〔2025〕385号 one by default,
 * shown with its source — flat price, the monthly agency-purchase price table, the two-part tariff's demand
 * price, other media prices), contract demand and power-factor standard, the production calendar, the main
 * incomer and the alarm thresholds. Saved in one PUT …/settings; the overview, the Sankey's costs, the alarms
 * and the next diagnosis report use them. Inspectors see the settings read-only.
 */
import { apiCall, apiGet, factoryPath } from '../api.js';
import { h } from '../dom.js';
import { formatTime } from '../format.js';
import { label, t } from '../i18n.js';
import { canWrite } from './alarms.js';
import { pageHeader, section } from './common.js';
import { calendarFields, readCalendar } from './settings-calendar.js';

const OTHER_MEDIA = ['water', 'naturalGas', 'steam', 'compressedAir'];

/** @param {string} id @param {string} text @param {HTMLElement} input @param {string} [help] */
export function field(id, text, input, help) {
  input.id = id;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, text),
    input,
    help ? h('span', { class: 'help' }, help) : null,
  );
}

/** @param {number | null | undefined} v @param {Record<string, string>} [attrs] */
export const num = (v, attrs = {}) =>
  h('input', { type: 'number', step: 'any', min: '0', value: v ?? '', ...attrs });
/** @param {HTMLElement | null} el */
const val = (el) => {
  const s = /** @type {HTMLInputElement} */ (el)?.value?.trim() ?? '';
  return s === '' ? undefined : Number(s);
};

/** @param {{ month: string, flatPriceCnyPerKwh: number, source?: string }} [m] */
function monthRow(m) {
  const row = h(
    'div',
    { class: 'month-row' },
    h('input', { type: 'month', class: 'm-month', value: m?.month ?? '', 'aria-label': t('settings.month') }),
    h('input', {
      type: 'number',
      step: 'any',
      min: '0',
      class: 'm-price',
      value: m?.flatPriceCnyPerKwh ?? '',
      'aria-label': t('settings.flatPrice'),
    }),
    h('input', {
      type: 'text',
      class: 'm-source',
      value: m?.source ?? '',
      placeholder: t('settings.sourcePh'),
      'aria-label': t('settings.source'),
    }),
    h('button', { type: 'button', class: 'small-button', onclick: () => row.remove() }, t('settings.remove')),
  );
  return row;
}

/** @param {any} s settings @param {any[]} meters */
function tariffSection(s, meters) {
  const tariff = s.tariff;
  const months = h('div', { id: 'monthly-prices' }, tariff.monthlyPrices.map(monthRow));
  const shipped = s.shippedSchedules[0];
  return section(
    t('settings.tariff'),
    field(
      'set-tou',
      t('settings.touSchedule'),
      h(
        'select',
        {},
        h(
          'option',
          { value: 'hunan-tou-2025-385', selected: tariff.touScheduleId === 'hunan-tou-2025-385' },
          shipped?.name ?? 'Hunan',
        ),
        h('option', { value: 'none', selected: tariff.touScheduleId === 'none' }, t('settings.touNone')),
        tariff.touScheduleId === 'custom'
          ? h('option', { value: 'custom', selected: true }, t('settings.touCustom'))
          : null,
      ),
      `${t('settings.source')}：${shipped?.source ?? ''}（${t('settings.confidence')} ${shipped?.confidence ?? ''}）`,
    ),
    h(
      'div',
      { class: 'field-row' },
      field('set-flat', t('settings.flatPrice'), num(tariff.flatPriceCnyPerKwh), t('settings.flatHelp')),
      field(
        'set-flat-source',
        t('settings.source'),
        h('input', {
          type: 'text',
          value: tariff.flatPriceSource ?? '',
          placeholder: t('settings.sourcePh'),
        }),
      ),
    ),
    h('h3', {}, t('settings.monthly')),
    h('p', { class: 'help' }, t('settings.monthlyHelp')),
    months,
    h(
      'button',
      { type: 'button', class: 'small-button', id: 'add-month', onclick: () => months.append(monthRow()) },
      t('settings.addMonth'),
    ),
    h(
      'div',
      { class: 'field-row' },
      field('set-demand-price', t('settings.demandPrice'), num(tariff.demandPriceCnyPerKwMonth)),
      field('set-contract', t('settings.contractDemand'), num(s.contractDemandKw)),
      field(
        'set-pf',
        t('settings.pfStandard'),
        h(
          'select',
          {},
          [0.9, 0.85, 0.8].map((v) =>
            h('option', { value: v, selected: v === s.powerFactorStandard }, String(v)),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'field-row' },
      OTHER_MEDIA.map((m) =>
        field(
          `set-price-${m}`,
          t('settings.mediumPrice', { medium: label('medium', m) }),
          num(tariff.mediumPricesCny?.[m]),
        ),
      ),
    ),
    field(
      'set-incomer',
      t('settings.mainIncomer'),
      h(
        'select',
        {},
        h('option', { value: '' }, '—'),
        meters.map((d) =>
          h('option', { value: d.id, selected: d.id === s.mainIncomerId }, `${d.name ?? d.id}（${d.id}）`),
        ),
      ),
    ),
    h(
      'p',
      { class: 'muted', id: 'tariff-resolved' },
      `${s.resolvedTariff.prices}；${s.resolvedTariff.schedule}`,
    ),
  );
}

const ALARM_FIELDS = [
  ['offShiftLoad', ['windowMin', 'baselineDays', 'marginShare', 'minExcessKw']],
  ['demand', ['warnShare']],
  ['powerFactor', ['warnMargin']],
  ['meterSilent', ['silentMin', 'frozenMin', 'minPowerKw']],
  ['deviceOffline', ['minMinutes']],
];

/** @param {any} a alarm thresholds */
function alarmSection(a) {
  return section(
    t('settings.alarms'),
    field(
      'set-alarm-interval',
      t('settings.alarm.evaluationIntervalS'),
      num(a.evaluationIntervalS, { min: '5' }),
    ),
    ALARM_FIELDS.map(([kind, keys]) =>
      h(
        'fieldset',
        { class: 'alarm-fieldset' },
        h(
          'legend',
          {},
          h(
            'label',
            {},
            h('input', {
              type: 'checkbox',
              id: `set-alarm-${kind}-enabled`,
              checked: a[/** @type {string} */ (kind)].enabled,
            }),
            ' ',
            t(`alarm.kind.${kind}`),
          ),
        ),
        h(
          'div',
          { class: 'field-row' },
          /** @type {string[]} */ (keys).map((k) =>
            field(
              `set-alarm-${kind}-${k}`,
              t(`settings.alarm.${k}`),
              num(a[/** @type {string} */ (kind)][k]),
            ),
          ),
        ),
      ),
    ),
  );
}

export const settingsPage = {
  /** @param {any} ctx */
  async render(ctx) {
    const [s, devices] = await Promise.all([
      apiGet(factoryPath(ctx.factoryId, '/settings')),
      apiGet(factoryPath(ctx.factoryId, '/devices')),
    ]);
    if (!ctx.isCurrent()) return;
    const meters = devices.filter(
      (/** @type {any} */ d) => d.kind === 'meter' && (d.medium ?? 'electricity') === 'electricity',
    );
    const status = h('p', { id: 'settings-status', role: 'status' });
    const writable = canWrite(ctx);
    const formEl = h(
      'form',
      { id: 'settings-form', class: 'settings-form' },
      tariffSection(s, meters),
      section(t('settings.calendar'), calendarFields(s.calendar)),
      alarmSection(s.alarms),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { type: 'submit', id: 'settings-save', disabled: !writable }, t('settings.save')),
        status,
      ),
    );
    if (!writable)
      for (const el of formEl.querySelectorAll('input, select, button')) el.setAttribute('disabled', '');
    const q = (/** @type {string} */ sel) => /** @type {HTMLInputElement} */ (formEl.querySelector(sel));
    formEl.addEventListener('submit', async (/** @type {Event} */ e) => {
      e.preventDefault();
      const monthlyPrices = [...formEl.querySelectorAll('.month-row')]
        .map((r) => ({
          month: /** @type {HTMLInputElement} */ (r.querySelector('.m-month')).value,
          flatPriceCnyPerKwh: Number(/** @type {HTMLInputElement} */ (r.querySelector('.m-price')).value),
          source: /** @type {HTMLInputElement} */ (r.querySelector('.m-source')).value || undefined,
        }))
        .filter((m) => m.month && m.flatPriceCnyPerKwh > 0);
      /** @type {Record<string, number>} */
      const mediumPricesCny = {};
      for (const m of OTHER_MEDIA) {
        const v = val(q(`#set-price-${m}`));
        if (v !== undefined) mediumPricesCny[m] = v;
      }
      /** @type {any} */
      const alarms = { evaluationIntervalS: val(q('#set-alarm-interval')) };
      for (const [kind, keys] of ALARM_FIELDS) {
        /** @type {any} */
        const o = { enabled: q(`#set-alarm-${kind}-enabled`).checked };
        for (const k of keys) o[k] = val(q(`#set-alarm-${kind}-${k}`));
        alarms[/** @type {string} */ (kind)] = o;
      }
      const body = {
        tariff: {
          touScheduleId: q('#set-tou').value,
          ...(s.tariff.customTou ? { customTou: s.tariff.customTou } : {}),
          flatPriceCnyPerKwh: val(q('#set-flat')),
          flatPriceSource: q('#set-flat-source').value || undefined,
          monthlyPrices,
          demandPriceCnyPerKwMonth: val(q('#set-demand-price')),
          mediumPricesCny,
        },
        alarms,
        contractDemandKw: val(q('#set-contract')) ?? null,
        powerFactorStandard: Number(q('#set-pf').value),
        calendar: readCalendar(formEl),
        mainIncomerId: q('#set-incomer').value || null,
      };
      status.textContent = t('settings.saving');
      try {
        const saved = await apiCall('PUT', factoryPath(ctx.factoryId, '/settings'), body);
        status.textContent = t('settings.saved', { time: formatTime(saved.updatedAtMs, { seconds: false }) });
        status.dataset.saved = 'true';
        const r = formEl.querySelector('#tariff-resolved');
        if (r) r.textContent = `${saved.resolvedTariff.prices}；${saved.resolvedTariff.schedule}`;
      } catch (err) {
        status.textContent = `${t('err.title')}：${/** @type {any} */ (err)?.detail ?? String(err)}`;
        status.dataset.saved = 'false';
      }
    });
    ctx.view.append(
      pageHeader(t('settings.title'), t('settings.intro')),
      h(
        'p',
        { class: 'muted' },
        s.updatedAtMs
          ? t('settings.lastSaved', { time: formatTime(s.updatedAtMs, { seconds: false }), by: s.updatedBy })
          : t('settings.defaults'),
      ),
      formEl,
    );
  },
};
