// @ts-check
/**
 * 评估详情 One assessment, answered in the console: every item of the framework with its control, evidence
 * document and note; telemetry suggestions with their evidence, accepted or overridden with a reason; save (one
 * revision), pre-fill, compute, submit (assessor = a writer of the factory), lock or return (reviewer = an
 * inspector or admin token, not the submitter); revision history, progress against the previous assessment, the
 * Article 13 tiers, and the printable report opened in a tab through a short-lived link.
 */
import { apiCall, apiGet, apiGetOptional, factoryPath } from '../api.js';
import { h } from '../dom.js';
import { formatNumber, formatTime } from '../format.js';
import { getLang, t } from '../i18n.js';
import { tr } from './assess-create.js';
import { itemEditor } from './assess-items.js';
import { historyTable, progressTable, tiersTable } from './assess-panels.js';
import { pageHeader, section, updatedNote } from './common.js';
import { statusBadge } from './grading.js';

/** A message that survives the re-render after an action. */
let flash = '';

/** @param {string} url */
async function openReport(url) {
  const lang = getLang() === 'en' ? 'en' : 'zh';
  const link = await apiCall('POST', `${url}/report-links`, { lang });
  const w = window.open(link.url, '_blank'); // with 'noopener' it would always return null
  if (w) w.opener = null;
  else location.assign(link.url); // pop-ups blocked: open it here
}

export const assessPage = {
  /** @param {any} ctx */
  async render(ctx) {
    const id = ctx.params.assessmentId;
    const url = factoryPath(ctx.factoryId, `/assessments/${encodeURIComponent(id)}`);
    const [one, history, progress, report, frameworks] = await Promise.all([
      apiGet(url),
      apiGet(`${url}/history`),
      apiGet(`${url}/progress`),
      apiGetOptional(`${url}/report`),
      apiGet(factoryPath(ctx.factoryId, '/frameworks')),
    ]);
    const a = one.assessment;
    const role = ctx.session?.role;
    const canWrite = role === 'admin' || role === 'factory';
    const isReviewer = role === 'admin' || role === 'inspector';
    const readOnly = a.status !== 'draft' || !canWrite;
    const fw = frameworks.find((/** @type {any} */ f) => f.id === a.frameworkId);
    const period = a.period
      ? `${formatTime(a.period.fromMs, { seconds: false })} – ${formatTime(a.period.toMs, { seconds: false })}`
      : '—';
    const status = h('p', { role: 'status', id: 'assess-status', class: 'muted' }, flash);
    flash = '';
    /** @param {any} e */
    const onError = (e) => {
      status.className = 'problem-detail';
      status.textContent = `${t('err.title')}: ${e?.detail ?? e?.message ?? String(e)}`;
    };
    /** Runs an action, then re-renders with its message. @param {() => Promise<string>} fn */
    const act = (fn) => async (/** @type {Event} */ e) => {
      const b = /** @type {HTMLButtonElement} */ (e.currentTarget);
      b.disabled = true;
      try {
        flash = await fn();
        if (ctx.isCurrent()) ctx.rerender();
      } catch (err) {
        onError(err);
        b.disabled = false;
      }
    };

    const counted = a.answers.filter((/** @type {any} */ x) => !x.pendingConfirmation);
    const unsaved = h('span', { id: 'assess-unsaved', class: 'muted' });
    const editor = itemEditor(one.items, a.answers, {
      readOnly,
      onDirty: (n) => {
        unsaved.textContent = n ? t('assess.unsaved', { n }) : '';
      },
    });

    const save = async () => {
      const answers = editor.collect();
      if (answers.length === 0) return t('assess.nothingToSave');
      const r = await apiCall('POST', `${url}/answers`, { answers });
      return t('assess.saved', { n: answers.length, revision: r.revision });
    };
    const button = (
      /** @type {string} */ idAttr,
      /** @type {string} */ label,
      /** @type {() => Promise<string>} */ fn,
    ) => h('button', { type: 'button', id: idAttr, onclick: act(fn) }, label);
    const returnReason = /** @type {HTMLInputElement} */ (
      h('input', {
        type: 'text',
        id: 'assess-return-reason',
        'aria-label': t('assess.returnReason'),
        placeholder: t('assess.returnReason'),
      })
    );
    const actions = h(
      'div',
      { class: 'assess-actions' },
      !readOnly ? button('assess-save', t('assess.save'), save) : null,
      !readOnly
        ? button('assess-autofill', t('assess.autofill'), async () => {
            const r = await apiCall('POST', `${url}/autofill`, {});
            return `${t('assess.action.autofill')}: ${r.applied.length}`;
          })
        : null,
      canWrite && a.status !== 'locked'
        ? button('assess-compute', t('assess.compute'), async () => {
            if (editor.dirtyCount() > 0) await save();
            const lang = getLang() === 'en' ? 'en' : 'zh';
            const r = await apiCall('POST', `${url}/compute?lang=${lang}`);
            return t('assess.computed', {
              level: r.level ?? '—',
              score: formatNumber(r.totalScore, getLang(), 2),
            });
          })
        : null,
      !readOnly
        ? button('assess-submit', t('assess.submit'), async () => {
            if (editor.dirtyCount() > 0) await save();
            await apiCall('POST', `${url}/submit`);
            return t('assess.submitted');
          })
        : null,
      a.status === 'submitted' && isReviewer
        ? [
            button('assess-lock', t('assess.lock'), async () => {
              await apiCall('POST', `${url}/lock`);
              return t('assess.locked');
            }),
            returnReason,
            button('assess-return', t('assess.return'), async () => {
              await apiCall('POST', `${url}/return`, { reason: returnReason.value });
              return t('assess.status.draft');
            }),
          ]
        : null,
      report
        ? h(
            'button',
            {
              type: 'button',
              id: 'assess-report',
              onclick: () => openReport(url).catch(onError),
            },
            t('assess.report'),
          )
        : null,
      unsaved,
    );

    ctx.view.append(
      pageHeader(
        `${fw ? tr(fw.title) : a.frameworkId}`,
        t('assess.meta', {
          framework: `${a.frameworkId} ${a.frameworkVersion}`,
          period,
          assessor: a.assessor ?? '—',
        }),
        h('a', { href: `#/grading/${encodeURIComponent(ctx.factoryId)}` }, t('assess.back')),
      ),
      h(
        'section',
        { class: 'panel assess-summary', id: 'assess-summary', 'data-status': a.status },
        h(
          'p',
          {},
          statusBadge(a.status),
          ' ',
          t('assess.progressLine', {
            answered: counted.length,
            total: one.items.length,
            tele: a.answers.filter((/** @type {any} */ x) => x.source === 'telemetry').length,
            pending: a.answers.length - counted.length,
          }),
          report
            ? ` · ${t('assess.computed', { level: report.result.level ?? '—', score: formatNumber(report.result.totalScore, getLang(), 2) })}`
            : '',
        ),
        a.lockedBy
          ? h('p', {}, t('assess.reviewer', { name: a.lockedBy, at: formatTime(a.lockedAtMs) }))
          : null,
        a.returnReason ? h('p', { class: 'notice' }, t('assess.returned', { reason: a.returnReason })) : null,
        readOnly
          ? h(
              'p',
              { class: 'notice', id: 'assess-readonly' },
              a.status !== 'draft'
                ? t('assess.readOnly', { status: t(`assess.status.${a.status}`) })
                : t('assess.readOnlyRole'),
            )
          : null,
        actions,
        status,
      ),
      section(t('assess.progress'), progressTable(progress)),
      section(t('assess.items', { n: one.items.length }), editor.node),
      section(t('assess.tiers'), tiersTable(report)),
      section(t('assess.history'), historyTable(history)),
      updatedNote(),
    );
  },
};
