// @ts-check
/**
 * 能源总览 Energy overview — the console's landing page per factory, what an energy manager opens every
 * morning: today / yesterday / this month / last month per medium (own unit, tce, tCO₂, ¥) with the change
 * against the same span before; the main incomer's load today against yesterday and the same weekday last week,
 * with the live power (last value held), the 15-min sliding demand, the contract demand and the time-of-use
 * bands; consumption by workshop, the ten biggest consumers, today's energy flow, the alarms, each line's
 * state with OEE and the six big losses, kWh per unit of output and the day's data coverage. Refreshes every
 * minute; `?at=<ISO or ms>` shows another instant from the stored history.
 */
import { apiGet, factoryPath } from '../api.js';
import { ChartSlot, loadECharts } from '../charts.js';
import { h } from '../dom.js';
import { barsOption, loadCurveOption, lossesOption, sankeyLayout, sankeyOption } from '../energy-charts.js';
import { formatNumber, formatTime, oneLanguage } from '../format.js';
import { t } from '../i18n.js';
import { fetchStepSeries } from '../series-source.js';
import { gapCount, knownShare, slidingMean, timeWeightedMean } from '../step.js';
import { acknowledge, alarmTable, canWrite } from './alarms.js';
import { emptyNote, pageHeader, section, updatedNote } from './common.js';
import { coveragePanel, mediaTable, periodCards, unitConsumptionTable } from './energy-figures.js';
import { lineTable } from './line-panel.js';

const REFRESH_MS = 60_000;
const WINDOW_MS = 900_000;

/** @param {any} ctx @param {string} name */
function chartLabels(ctx, name) {
  return {
    lang: ctx.lang,
    filename: `${ctx.factoryId}-${name}`,
    labels: { png: t('chart.png'), csv: t('chart.csv'), zoom: t('chart.zoom'), reset: t('chart.reset') },
    onCleanup: ctx.onCleanup,
  };
}

/** @param {string} id @param {string} cls */
const chartBox = (id, cls = 'chart-box') => h('div', { id, class: cls, role: 'img' });

/** The incomer's live power as a step series and its 15-min sliding mean, when it has a power gauge. */
async function livePower(/** @type {any} */ ctx, /** @type {any} */ load, /** @type {number} */ nowMs) {
  if (!load?.powerMetric) return { power: null, sliding: null, twa: null, gaps: null, known: null };
  const day0 = load.today[0].startMs;
  const power = await fetchStepSeries(ctx.factoryId, load.meterId, load.powerMetric, day0, nowMs);
  return {
    power,
    sliding: slidingMean(power, day0, nowMs, WINDOW_MS, 60_000),
    twa: timeWeightedMean(power, day0, nowMs),
    gaps: gapCount(power, day0, nowMs),
    known: knownShare(power, day0, nowMs),
  };
}

/** What the first render needs: the overview and the incomer's live power. @param {any} ctx */
async function loadMain(ctx) {
  const ov = await apiGet(factoryPath(ctx.factoryId, '/energy/overview'), { at: ctx.query.at });
  const nowMs = Math.min(ov.atMs, Date.now());
  return { ov, live: await livePower(ctx, ov.load, nowMs), nowMs };
}

/** The panels drawn as they arrive: line status, alarms, today's flow. @param {any} ctx @param {any} m */
async function loadRest(ctx, m) {
  const at = ctx.query.at;
  const day0 = m.ov.periods[0].fromMs;
  const [lines, alarms, flow] = await Promise.all([
    apiGet(factoryPath(ctx.factoryId, '/lines/status'), { at }).catch(() => null),
    apiGet(factoryPath(ctx.factoryId, '/alarms')).catch(() => null),
    m.nowMs > day0
      ? apiGet(factoryPath(ctx.factoryId, '/energy/flow'), {
          from: day0,
          to: m.ov.nowMs,
          medium: 'electricity',
        }).catch(() => null)
      : null,
  ]);
  return { lines, alarms, flow };
}

/** @param {any} ctx @param {any} d */
function loadStats(ctx, d) {
  const l = d.ov.load;
  const lastSliding = d.live.sliding?.filter((/** @type {any} */ p) => p[1] !== null).pop();
  const fig = (
    /** @type {string} */ key,
    /** @type {number | null | undefined} */ v,
    /** @type {string} */ id,
  ) =>
    h(
      'span',
      { class: 'load-stat', id },
      `${t(key)} `,
      h('strong', {}, v === null || v === undefined ? '—' : `${formatNumber(v, ctx.lang, 0)} kW`),
    );
  return h(
    'p',
    { class: 'load-stats' },
    fig('energy.load.peakToday', l.peakToday?.kw, 'load-peak'),
    l.peakToday
      ? h('span', { class: 'muted' }, ` ${formatTime(l.peakToday.startMs, { seconds: false }).slice(-5)}`)
      : null,
    fig('energy.load.slidingNow', lastSliding?.[1], 'load-sliding-now'),
    fig('energy.load.twa', d.live.twa, 'load-twa'),
    fig('energy.load.contractShort', l.contractDemandKw, 'load-contract'),
  );
}

export const energyPage = {
  /** @param {any} ctx */
  async render(ctx) {
    // The chart library loads and evaluates while the data is on its way (it is the biggest module).
    loadECharts().catch(() => {});
    const d0 = await loadMain(ctx);
    if (!ctx.isCurrent()) return;
    const rest0 = loadRest(ctx, d0);
    const name = ctx.factory.name || ctx.factoryId;
    const subtitle = h('p', { class: 'subtitle', id: 'energy-asof' });
    const notes = h('div', { class: 'notes' });
    const figures = h('div', {});
    const media = h('div', {});
    const loadFigure = h('figure', { class: 'chart-figure', id: 'load-curve' });
    const loadStatsBox = h('div', {});
    const areaNote = h('p', { class: 'muted' });
    const slots = {
      load: new ChartSlot(chartBox('load-chart', 'chart-box chart-tall'), chartLabels(ctx, 'load')),
      areas: new ChartSlot(chartBox('areas-chart'), chartLabels(ctx, 'areas')),
      top: new ChartSlot(chartBox('top-chart'), chartLabels(ctx, 'top10')),
      flow: new ChartSlot(chartBox('flow-chart', 'chart-box chart-tall'), chartLabels(ctx, 'flow')),
      losses: new ChartSlot(chartBox('losses-chart'), chartLabels(ctx, 'losses')),
    };
    const alarmsBox = h('div', { id: 'overview-alarms' });
    const linesBox = h('div', { id: 'overview-lines' });
    const unitBox = h('div', {});
    const coverageBox = h('div', {});
    const updated = h('div', {});
    loadFigure.append(h('figcaption', {}, t('energy.load.title')), loadStatsBox, slots.load.el);
    const flowLink = h('a', { href: `#/flow/${encodeURIComponent(ctx.factoryId)}` }, t('energy.flow.open'));
    ctx.view.append(
      pageHeader(`${t('energy.title')} · ${name}`, null),
      subtitle,
      notes,
      figures,
      section(t('energy.mediaTitle'), media),
      h('section', { class: 'panel' }, loadFigure),
      h(
        'div',
        { class: 'columns' },
        section(t('energy.areasTitle'), areaNote, slots.areas.el),
        section(t('energy.topTitle'), slots.top.el),
      ),
      // The whole width: a name line for each of tens of end meters, and room between the columns for the
      // feeders' names (in half a 1366-px screen they ran into the next column and onto each other).
      section(t('energy.flowTodayTitle'), flowLink, slots.flow.el),
      h(
        'div',
        { class: 'columns' },
        section(t('lines.title'), linesBox, slots.losses.el),
        h(
          'div',
          {},
          section(t('alarm.activeTitle'), alarmsBox),
          section(t('energy.unitTitle'), unitBox, h('h3', {}, t('energy.coverageTitle')), coverageBox),
        ),
      ),
      updated,
    );

    const drawAlarms = (/** @type {any[]} */ active) =>
      alarmsBox.replaceChildren(
        active.length
          ? alarmTable(active.slice(0, 8), {
              lang: ctx.lang,
              compact: true,
              canAck: canWrite(ctx),
              onAck: (a) => acknowledge(ctx, a).catch(() => {}),
            })
          : emptyNote(t('alarm.none')),
        h('p', {}, h('a', { href: `#/alarms/${encodeURIComponent(ctx.factoryId)}` }, t('alarm.all'))),
      );

    const draw = async (/** @type {any} */ d) => {
      const ov = d.ov;
      subtitle.textContent = `${t('energy.asOf', { time: formatTime(ov.atMs, { seconds: false }) })} · ${t('app.tz')}`;
      notes.replaceChildren(
        ...ov.notes.map((/** @type {string} */ n) =>
          h(
            'p',
            { class: 'notice', 'data-note': n },
            t(`energy.note.${n}`),
            ' ',
            h('a', { href: `#/settings/${encodeURIComponent(ctx.factoryId)}` }, t('nav.settings')),
          ),
        ),
      );
      figures.replaceChildren(periodCards(ov.periods, ctx.lang));
      media.replaceChildren(
        mediaTable(ov.periods, ctx.lang),
        h(
          'p',
          { class: 'muted', id: 'tariff-used' },
          `${t('energy.tariffUsed')}${ctx.lang === 'en' ? ': ' : '：'}${oneLanguage(ov.tariff.prices, ctx.lang)}` +
            `${ctx.lang === 'en' ? '; ' : '；'}${oneLanguage(ov.tariff.schedule, ctx.lang)}`,
        ),
      );
      unitBox.replaceChildren(
        ov.unitConsumption.length
          ? unitConsumptionTable(ov.unitConsumption, ctx.lang)
          : emptyNote(t('energy.noUnit')),
      );
      coverageBox.replaceChildren(coveragePanel(ov.coverage, ctx.lang));
      if (ov.load) {
        loadStatsBox.replaceChildren(loadStats(ctx, d));
        Object.assign(loadFigure.dataset, {
          meter: ov.load.meterId,
          peakKw: String(ov.load.peakToday?.kw ?? ''),
          twaKw: String(d.live.twa ?? ''),
          gaps: String(d.live.gaps ?? ''),
          knownShare: String(d.live.known ?? ''),
          fromMs: String(ov.periods[0].fromMs),
          toMs: String(d.nowMs),
        });
        await slots.load.set(loadCurveOption(ov.load, d.live, ctx.lang));
      } else loadStatsBox.replaceChildren(emptyNote(t('energy.noIncomer')));
      const workshops = ov.areas.filter((/** @type {any} */ a) => a.level !== 'line');
      const rows = workshops.map((/** @type {any} */ a) => ({
        name: a.path === '' ? t('energy.siteWide') : a.name,
        value: a.kwh,
      }));
      if (ov.unallocatedKwh !== null) rows.push({ name: t('energy.unallocated'), value: ov.unallocatedKwh });
      areaNote.textContent = t('energy.areasNote');
      await slots.areas.set(barsOption(rows, 'kWh', ctx.lang));
      await slots.top.set(
        barsOption(
          ov.topConsumers.map((/** @type {any} */ c) => ({
            name: c.name,
            value: c.quantity,
            note: c.assetPath,
          })),
          'kWh',
          ctx.lang,
        ),
      );
    };
    const drawRest = async (/** @type {any} */ d) => {
      if (d.flow?.links.length) {
        const narrow = ctx.view.clientWidth < 640;
        const height = `${sankeyLayout(d.flow, narrow).heightPx}px`;
        const resized = slots.flow.el.style.height !== height;
        slots.flow.el.style.height = height;
        const chart = await slots.flow.set(sankeyOption(d.flow, ctx.lang, narrow));
        if (resized) chart.resize();
        chart.off('click');
        chart.on('click', (/** @type {any} */ p) => {
          if (p.dataType === 'node' && !String(p.name).includes('~'))
            location.hash = `#/flow/${encodeURIComponent(ctx.factoryId)}?node=${encodeURIComponent(p.name)}`;
        });
      }
      drawAlarms(d.alarms?.active ?? []);
      if (d.lines?.lines.length) {
        linesBox.replaceChildren(lineTable(ctx, d.lines.lines));
        await slots.losses.set(lossesOption(d.lines.lines, ctx.lang));
      } else linesBox.replaceChildren(emptyNote(t('lines.empty')));
      updated.replaceChildren(updatedNote());
    };
    await draw(d0);
    // The first render is the figures and the load curve; the other panels fill in as their answers arrive.
    rest0.then((r) => ctx.isCurrent() && drawRest(r)).catch(() => {});
    const feed = ctx.alarmFeed?.();
    if (feed) ctx.onCleanup(feed.subscribe((/** @type {any} */ s) => s.lastEvent && drawAlarms(s.active)));
    if (!ctx.query.at)
      ctx.every(REFRESH_MS, async () => {
        const d = await loadMain(ctx).catch(() => null);
        if (!d || !ctx.isCurrent()) return;
        await draw(d);
        const r = await loadRest(ctx, d).catch(() => null);
        if (r && ctx.isCurrent()) await drawRest(r);
      });
  },
};
