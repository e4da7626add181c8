// @ts-check
/**
 * The production calendar in the settings form: workdays, shifts with their breaks, holidays and make-up
 * workdays (调休). Read back into the protocol's shift-calendar shape (the API validates it and names the
 * field at fault).
 */
import { h } from '../dom.js';
import { t } from '../i18n.js';

/** @typedef {{ name: string, start: string, end: string, breaks: { start: string, end: string, name?: string }[] }} Shift */

/** "10:00-10:10 工间休息; 12:00-13:00 午餐" ⇄ breaks. @param {Shift['breaks']} breaks */
export const breaksText = (breaks) =>
  breaks.map((b) => `${b.start}-${b.end}${b.name ? ` ${b.name}` : ''}`).join('; ');
/** @param {string} s @returns {Shift['breaks']} */
export function parseBreaks(s) {
  return s
    .split(/[;；]/)
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => {
      const m = /^(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})\s*(.*)$/.exec(x);
      if (!m) return { start: x, end: x };
      const pad = (/** @type {string} */ v) => v.padStart(5, '0');
      return {
        start: pad(/** @type {string} */ (m[1])),
        end: pad(/** @type {string} */ (m[2])),
        ...(m[3] ? { name: m[3] } : {}),
      };
    });
}

/** @param {Shift} [s] */
function shiftRow(s) {
  const row = h(
    'div',
    { class: 'shift-row' },
    h('input', {
      type: 'text',
      class: 's-name',
      value: s?.name ?? '',
      placeholder: t('settings.shiftName'),
      'aria-label': t('settings.shiftName'),
    }),
    h('input', {
      type: 'time',
      class: 's-start',
      value: s?.start ?? '08:00',
      'aria-label': t('settings.shiftStart'),
    }),
    h('input', {
      type: 'time',
      class: 's-end',
      value: s?.end ?? '17:00',
      'aria-label': t('settings.shiftEnd'),
    }),
    h('input', {
      type: 'text',
      class: 's-breaks',
      value: breaksText(s?.breaks ?? []),
      placeholder: '12:00-13:00 午餐',
      'aria-label': t('settings.breaks'),
    }),
    h('button', { type: 'button', class: 'small-button', onclick: () => row.remove() }, t('settings.remove')),
  );
  return row;
}

/** @param {any} cal the stored calendar or null */
export function calendarFields(cal) {
  const days = cal?.workdays ?? [1, 2, 3, 4, 5];
  const shifts = h('div', { id: 'shift-rows' }, (cal?.shifts ?? []).map(shiftRow));
  return h(
    'div',
    { id: 'calendar-fields' },
    h('p', { class: 'help' }, cal ? t('settings.calendarHelp') : t('settings.noCalendar')),
    h(
      'fieldset',
      { class: 'weekdays' },
      h('legend', {}, t('settings.workdays')),
      [1, 2, 3, 4, 5, 6, 7].map((d) =>
        h(
          'label',
          { class: 'inline' },
          h('input', { type: 'checkbox', class: 'wd', value: d, checked: days.includes(d) }),
          ` ${t(`weekday.${d}`)}`,
        ),
      ),
    ),
    h('h3', {}, t('settings.shifts')),
    shifts,
    h(
      'button',
      { type: 'button', class: 'small-button', id: 'add-shift', onclick: () => shifts.append(shiftRow()) },
      t('settings.addShift'),
    ),
    h(
      'div',
      { class: 'field-row' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'set-holidays' }, t('settings.holidays')),
        h('textarea', { id: 'set-holidays', rows: 2 }, (cal?.holidays ?? []).join(', ')),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'set-extra' }, t('settings.extraWorkdays')),
        h('textarea', { id: 'set-extra', rows: 2 }, (cal?.extraWorkdays ?? []).join(', ')),
      ),
    ),
  );
}

const dates = (/** @type {string} */ s) => s.split(/[\s,，;；]+/).filter(Boolean);

/** The calendar from the form, or null when no shift is entered. @param {HTMLElement} form */
export function readCalendar(form) {
  const shifts = [...form.querySelectorAll('.shift-row')]
    .map((r) => ({
      name: /** @type {HTMLInputElement} */ (r.querySelector('.s-name')).value.trim(),
      start: /** @type {HTMLInputElement} */ (r.querySelector('.s-start')).value,
      end: /** @type {HTMLInputElement} */ (r.querySelector('.s-end')).value,
      breaks: parseBreaks(/** @type {HTMLInputElement} */ (r.querySelector('.s-breaks')).value),
    }))
    .filter((s) => s.name && s.start && s.end);
  if (!shifts.length) return null;
  return {
    utcOffsetMinutes: 480,
    workdays: [...form.querySelectorAll('input.wd')]
      .filter((c) => /** @type {HTMLInputElement} */ (c).checked)
      .map((c) => Number(/** @type {HTMLInputElement} */ (c).value)),
    shifts,
    holidays: dates(/** @type {HTMLTextAreaElement} */ (form.querySelector('#set-holidays')).value),
    extraWorkdays: dates(/** @type {HTMLTextAreaElement} */ (form.querySelector('#set-extra')).value),
  };
}
