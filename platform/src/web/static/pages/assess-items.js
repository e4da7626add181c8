// @ts-check
/**
 * The item editor of an assessment: one fieldset per item with its control (score scale, option, options or
 * scenario level), the evidence document reference and note, and — where telemetry suggested a value — the
 * suggestion with its evidence, an accept button and the reason an override needs. `collect()` turns the
 * edited items into the body of POST …/answers (one revision); an override without a reason is refused here
 * first, and again by the API.
 */
import { h } from '../dom.js';
import { formatNumber, formatPercent, formatTime } from '../format.js';
import { getLang, t } from '../i18n.js';
import { tr } from './assess-create.js';

/**
 * @typedef {{ score?: number, choice?: string, selected?: string[], level?: number }} AnswerValue
 * @typedef {{ zh: string, en: string }} I18n
 * @typedef {{ id: string, kind: 'score' | 'choice' | 'multi' | 'level', title: I18n, group: { id: string, name: I18n },
 *   level?: number, scale?: number[], options?: { id: string, label: I18n, points: number }[], maxLevel?: number,
 *   telemetry: string[], proveBy: I18n }} Item
 * @typedef {{ itemId: string, value: AnswerValue, source: 'telemetry' | 'assessor', suggested?: { value: AnswerValue,
 *   evidence: any[], rule: I18n, needsConfirmation?: boolean }, overrideReason?: string, evidence: any[],
 *   acceptedBy?: string, pendingConfirmation?: boolean, answeredBy?: string, answeredAtMs?: number, note?: string }} Answer
 */

/** @param {Item} item @param {AnswerValue | null | undefined} v */
export function valueText(item, v) {
  if (!v) return '—';
  if (v.score !== undefined) return formatNumber(v.score, getLang());
  if (v.level !== undefined) return t('assess.level', { n: v.level });
  const label = (/** @type {string} */ id) => {
    const o = item.options?.find((x) => x.id === id);
    return o ? tr(o.label) : id;
  };
  if (v.choice !== undefined) return label(v.choice);
  if (v.selected) return v.selected.length ? v.selected.map(label).join('；') : t('assess.tiers.none');
  return '—';
}

/** @param {AnswerValue | null | undefined} a @param {AnswerValue | null | undefined} b */
export function sameValue(a, b) {
  if (!a || !b) return false;
  const norm = (/** @type {AnswerValue} */ v) =>
    JSON.stringify([v.score, v.choice, v.selected ? [...v.selected].sort() : undefined, v.level]);
  return norm(a) === norm(b);
}

/** The control for one item: read with value(), written with set(). @param {Item} item @param {boolean} disabled */
function control(item, disabled) {
  if (item.kind === 'multi') {
    const boxes = (item.options ?? []).map((o) =>
      h('input', { type: 'checkbox', value: o.id, class: 'answer-option', disabled }),
    );
    const node = h(
      'div',
      { class: 'answer-value answer-multi' },
      (item.options ?? []).map((o, i) => h('label', { class: 'check' }, boxes[i], ` ${tr(o.label)}`)),
    );
    const inputs = /** @type {HTMLInputElement[]} */ (boxes);
    return {
      node,
      /** @returns {AnswerValue} */
      value: () => ({ selected: inputs.filter((b) => b.checked).map((b) => b.value) }),
      /** @param {AnswerValue | null | undefined} v */
      set: (v) => {
        for (const b of inputs) b.checked = !!v?.selected?.includes(b.value);
      },
    };
  }
  /** @type {[string, string][]} */
  const options =
    item.kind === 'score'
      ? (item.scale ?? [1, 0.8, 0.5, 0]).map((s) => [String(s), formatNumber(s, getLang())])
      : item.kind === 'level'
        ? Array.from({ length: (item.maxLevel ?? 5) + 1 }, (_, n) => [String(n), t('assess.level', { n })])
        : (item.options ?? []).map((o) => [o.id, tr(o.label)]);
  const select = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { class: 'answer-value', 'aria-label': t('assess.value'), disabled },
      h('option', { value: '' }, t('assess.choose')),
      options.map(([v, l]) => h('option', { value: v }, l)),
    )
  );
  return {
    node: select,
    /** @returns {AnswerValue | null} */
    value: () => {
      if (select.value === '') return null;
      if (item.kind === 'score') return { score: Number(select.value) };
      if (item.kind === 'level') return { level: Number(select.value) };
      return { choice: select.value };
    },
    /** @param {AnswerValue | null | undefined} v */
    set: (v) => {
      const raw = v?.score ?? v?.level ?? v?.choice;
      select.value = raw === undefined ? '' : String(raw);
    },
  };
}

/** @param {any} e telemetry evidence */
function evidenceLine(e) {
  return t('assess.evidence', {
    indicator: e.indicatorId,
    value: e.value === null ? '—' : formatNumber(e.value, getLang(), 3),
    coverage: e.coverage == null ? '—' : formatPercent(e.coverage, getLang()),
    from: formatTime(e.fromMs, { seconds: false }),
    to: formatTime(e.toMs, { seconds: false }),
  });
}

/**
 * @param {Item[]} items
 * @param {Answer[]} answers
 * @param {{ readOnly: boolean, onDirty: (n: number) => void }} o
 */
export function itemEditor(items, answers, o) {
  /** @type {Map<string, { item: Item, answer: Answer | undefined, value: () => AnswerValue | null,
   *   ref: HTMLInputElement, note: HTMLInputElement, reason: HTMLInputElement, node: HTMLElement,
   *   accepted: boolean }>} */
  const rows = new Map();
  const dirty = new Set();
  /** @type {Map<string, HTMLElement>} */
  const groups = new Map();
  for (const item of items) {
    const answer = answers.find((a) => a.itemId === item.id);
    const ctl = control(item, o.readOnly);
    ctl.set(answer?.value);
    const doc = answer?.evidence.find((e) => e.kind === 'document');
    const ref = /** @type {HTMLInputElement} */ (
      h('input', { type: 'text', class: 'answer-ref', value: doc?.ref ?? '', disabled: o.readOnly })
    );
    const note = /** @type {HTMLInputElement} */ (
      h('input', {
        type: 'text',
        class: 'answer-note',
        value: doc?.note ?? answer?.note ?? '',
        disabled: o.readOnly,
      })
    );
    const reason = /** @type {HTMLInputElement} */ (
      h('input', {
        type: 'text',
        class: 'answer-reason',
        value: answer?.overrideReason ?? '',
        disabled: o.readOnly,
      })
    );
    const sug = answer?.suggested;
    const reasonField = h(
      'label',
      { class: 'field answer-reason-field' },
      t('assess.overrideReason'),
      reason,
    );
    const status = h('span', { class: 'answer-status' });
    const row = {
      item,
      answer,
      value: ctl.value,
      ref,
      note,
      reason,
      node: /** @type {HTMLElement} */ (h('div')),
      accepted: false,
    };
    const refresh = () => {
      const v = ctl.value();
      const overriding = !!sug && !!v && !sameValue(v, sug.value);
      reasonField.hidden = !overriding && !answer?.overrideReason;
      row.node.dataset.override = String(overriding);
      row.node.dataset.answered = String(
        !!v && !(answer?.pendingConfirmation && !row.accepted && !dirty.has(item.id)),
      );
    };
    const touch = () => {
      dirty.add(item.id);
      row.node.dataset.dirty = 'true';
      refresh();
      o.onDirty(dirty.size);
    };
    const acceptButton = sug
      ? h(
          'button',
          {
            type: 'button',
            class: 'answer-accept',
            disabled: o.readOnly,
            onclick: () => {
              ctl.set(sug.value);
              reason.value = '';
              row.accepted = true;
              touch();
            },
          },
          t('assess.accept'),
        )
      : null;
    const suggestion = sug
      ? h(
          'div',
          {
            class: ['suggestion', sug.needsConfirmation ? 'suggestion-pending' : ''],
            'data-suggested': JSON.stringify(sug.value),
          },
          h(
            'p',
            {},
            h('b', {}, t('assess.suggestion', { value: valueText(item, sug.value) })),
            ' ',
            acceptButton,
          ),
          h(
            'ul',
            { class: 'suggestion-evidence' },
            sug.evidence.filter((e) => e.kind === 'telemetry').map((e) => h('li', {}, evidenceLine(e))),
          ),
          h('p', { class: 'muted' }, t('assess.suggestionRule', { rule: tr(sug.rule) })),
          answer?.pendingConfirmation ? h('p', { class: 'notice' }, t('assess.needsConfirm')) : null,
        )
      : null;
    if (answer?.answeredBy || answer?.acceptedBy)
      status.textContent = `${t(`assess.source.${answer.source}`)} · ${t('assess.answeredBy', {
        by: answer.acceptedBy ?? answer.answeredBy,
        at: formatTime(answer.answeredAtMs ?? null, { seconds: false }),
      })}`;
    row.node = h(
      'fieldset',
      { class: 'assess-item', 'data-item': item.id, 'data-kind': item.kind },
      h(
        'legend',
        {},
        h('span', { class: 'item-id' }, item.id),
        item.level !== undefined ? ` L${item.level} ` : ' ',
        tr(item.title),
      ),
      h('p', { class: 'muted' }, t('assess.proveBy', { text: tr(item.proveBy) })),
      suggestion,
      h(
        'div',
        { class: 'assess-item-fields' },
        h('label', { class: 'field' }, t('assess.value'), ctl.node),
        h('label', { class: 'field' }, t('assess.docRef'), ref),
        h('label', { class: 'field' }, t('assess.docNote'), note),
      ),
      reasonField,
      status,
    );
    for (const el of [ctl.node, ref, note, reason]) {
      el.addEventListener('change', () => {
        if (el === ctl.node) row.accepted = false;
        touch();
      });
    }
    refresh();
    rows.set(item.id, row);
    const g =
      groups.get(item.group.id) ??
      h('section', { class: 'assess-group', 'data-group': item.group.id }, h('h3', {}, tr(item.group.name)));
    groups.set(item.group.id, g);
    g.append(row.node);
  }

  /**
   * The edited items as POST …/answers entries; throws an Error naming the first override without a reason.
   * @returns {any[]}
   */
  function collect() {
    const out = [];
    for (const id of dirty) {
      const r = rows.get(id);
      if (!r) continue;
      const v = r.value();
      if (!v) continue;
      const sug = r.answer?.suggested;
      const differs = !!sug && !sameValue(v, sug.value);
      const reason = r.reason.value.trim();
      if (differs && !reason) throw new Error(t('assess.reasonRequired', { item: id }));
      const ref = r.ref.value.trim();
      const note = r.note.value.trim();
      if (sug && !differs && !ref && !note) {
        out.push({ itemId: id, accept: true });
        continue;
      }
      out.push({
        itemId: id,
        ...v,
        ...(differs ? { overrideReason: reason } : {}),
        evidence: ref ? [{ ref, ...(note ? { note } : {}) }] : [],
        ...(!ref && note ? { note } : {}),
      });
    }
    return out;
  }

  return {
    node: h('div', { class: 'assess-items' }, [...groups.values()]),
    collect,
    dirtyCount: () => dirty.size,
  };
}
