import type { AnswerValue, Evidence } from '../assessment.js';
import { type Lang, tr } from '../common.js';
import { type LabelKey, label } from './labels.js';
import { escapeXml as esc, radarSvg } from './radar.js';
import type { GradingReport } from './schema.js';

/**
 * The printable grading report: one self-contained HTML file (inline CSS and SVG, no scripts, no external
 * assets), zh-CN unless English is asked for.
 */
export function renderGradingHtml(report: GradingReport, langOverride?: Lang): string {
  const lang = langOverride ?? report.lang;
  const L = (k: LabelKey) => label(k, lang);
  const T = (t: { zh: string; en: string }) => esc(tr(t, lang));
  const time = (ms: number) =>
    esc(new Date(ms + report.utcOffsetMinutes * 60_000).toISOString().slice(0, 16).replace('T', ' '));
  const pct = (v: number | null) => (v === null ? '—' : `${(Math.round(v * 1000) / 10).toFixed(1)}%`);
  const num = (v: number | null, d = 2) => (v === null ? '—' : String(Math.round(v * 10 ** d) / 10 ** d));
  const r = report.result;
  const row = (cells: string[], tag = 'td') =>
    `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
  const table = (head: string[], rows: string[]) =>
    rows.length === 0
      ? `<p class="muted">${L('none')}</p>`
      : `<table>${row(head.map(esc), 'th')}${rows.join('')}</table>`;
  const value = (v: AnswerValue | null) =>
    v === null
      ? '—'
      : esc(
          v.score !== undefined
            ? String(v.score)
            : v.level !== undefined
              ? `L${v.level}`
              : (v.choice ?? (v.selected ?? []).join(', ')),
        );
  const evidence = (e: Evidence[]) =>
    e
      .map((x) =>
        x.kind === 'telemetry'
          ? `${esc(x.indicatorId)} = ${pct(x.value)}（${time(x.fromMs)} – ${time(x.toMs)}）`
          : `${L('document')}: ${esc(x.ref)}${x.note ? ` — ${esc(x.note)}` : ''}`,
      )
      .join('<br>');

  const levelText = r.level ? `${r.level} · ${r.levelName ? T(r.levelName) : ''}` : L('noLevel');
  const meta = [
    [L('factory'), esc(report.factory.name)],
    [L('industry'), L(report.factory.industry)],
    [L('framework'), T(r.title)],
    [L('version'), esc(`${report.assessment.frameworkId} ${report.assessment.frameworkVersion}`)],
    [L('assessmentId'), esc(report.assessment.id)],
    ...(report.assessment.period
      ? [[L('period'), `${time(report.assessment.period.fromMs)} – ${time(report.assessment.period.toMs)}`]]
      : []),
    ...(report.assessment.coveredPeriod
      ? [
          [
            L('coveredPeriod'),
            `${time(report.assessment.coveredPeriod.fromMs)} – ${time(report.assessment.coveredPeriod.toMs)}`,
          ],
        ]
      : []),
    ...(report.assessment.assessor ? [[L('assessor'), esc(report.assessment.assessor)]] : []),
    ...(report.assessment.status ? [[L('status'), L(`status_${report.assessment.status}`)]] : []),
    ...(report.assessment.submittedBy && report.assessment.submittedAtMs
      ? [
          [
            L('submittedBy'),
            `${esc(report.assessment.submittedBy)} · ${time(report.assessment.submittedAtMs)}`,
          ],
        ]
      : []),
    ...(report.assessment.lockedBy && report.assessment.lockedAtMs
      ? [[L('reviewer'), `${esc(report.assessment.lockedBy)} · ${time(report.assessment.lockedAtMs)}`]]
      : []),
    [L('generated'), time(report.generatedAtMs)],
    ...(report.assessment.tailoring.length > 0
      ? [
          [
            L('tailoring'),
            report.assessment.tailoring.map((t) => `${esc(t.subjectId)}（${esc(t.reason)}）`).join('；'),
          ],
        ]
      : []),
  ];
  const summary = `
<section class="summary">
  <div class="big">${L('level')}：<b>${levelText}</b></div>
  <div>${T(r.totalScoreLabel)}：<b>${num(r.totalScore)}</b> / ${num(r.totalScoreMax)}${
    r.band
      ? `　${L('band')}：${r.band.level ? `${r.band.level} · ${r.band.name ? T(r.band.name) : ''}` : '—'}`
      : ''
  }</div>
  ${r.band?.conflictsWithLevel ? `<p class="warn">${L('bandConflict')}</p>` : ''}
  ${
    r.levelScores
      ? table(
          [L('level'), L('score'), L('reached'), L('counted')],
          r.levelScores.map((l) =>
            row([
              `${l.level} · ${T(l.name)}`,
              num(l.score, 3),
              l.reached ? L('reached') : L('notReached'),
              l.counted ? L('yes') : L('notCounted'),
            ]),
          ),
        )
      : ''
  }
</section>`;
  const radar = radarSvg(
    r.domains.map((d) => ({
      label: tr(d.name, lang),
      value: d.max > 0 ? d.score / d.max : 0,
      display: num(d.score),
    })),
    { title: L('domains') },
  );
  const domains = `<section><h2>${L('domains')}</h2><div class="radar">${radar}</div>${table(
    [L('group'), L('score')],
    r.domains.map((d) => row([T(d.name), `${num(d.score)} / ${num(d.max)}`])),
  )}</section>`;
  const indicators = `<section><h2>${L('indicators')}</h2>${table(
    [L('indicator'), L('value'), L('coverage'), L('period'), L('formula'), L('counts'), L('pullingDown')],
    report.indicators.map((i) =>
      row([
        T(i.name),
        `<b>${pct(i.value)}</b>`,
        i.coverage === null || i.coverage === undefined
          ? '—'
          : i.lowCoverage
            ? `<span class="warn">${pct(i.coverage)}</span>`
            : pct(i.coverage),
        `${time(i.fromMs)}<br>${time(i.toMs)}`,
        `${T(i.formula)}<br><span class="muted">${esc(i.formulaVersion)}</span>${i.notes.map((n) => `<br><span class="muted">${T(n)}</span>`).join('')}`,
        Object.entries(i.counts)
          .map(([k, v]) => `${esc(k)}=${num(v)}`)
          .join('<br>'),
        i.pullingDown
          .slice(0, 5)
          .map((p) => `${esc(p.ref)}${p.assetPath ? ` (${esc(p.assetPath)})` : ''}: ${T(p.reason)}`)
          .join('<br>') || '—',
      ]),
    ),
  )}</section>`;
  const tiers = `<section><h2>${L('tiers')}</h2>${table(
    [L('asset'), L('level'), L('tier'), L('notMet')],
    report.tiers.map((t) =>
      row([
        `${esc(t.name)}<br><span class="muted">${esc(t.assetPath || '/')}${t.deviceId ? ` · ${esc(t.deviceId)}` : ''}</span>`,
        L(t.level === 'factory' ? 'factoryLevel' : t.level),
        t.tierName ? `<b>${T(t.tierName)}</b>` : '—',
        t.conditions
          .filter((c) => c.passed === false)
          .map((c) => `${T(c.label)}（${pct(c.value)}）`)
          .join('<br>') || '—',
      ]),
    ),
  )}</section>`;
  const gaps = `<section><h2>${L('gaps')}</h2>${table(
    [L('rank'), L('item'), L('group'), L('currentTarget'), L('delta'), L('blocking'), L('proveBy')],
    report.gaps
      .slice(0, 60)
      .map((g) =>
        row([
          String(g.rank),
          `${T(g.title)}<br><span class="muted">${esc(g.itemId)}${g.level ? ` · L${g.level}` : ''}</span>`,
          T(g.group),
          `${esc(g.current)} → ${esc(g.target)}`,
          num(g.deltaScore, 3),
          g.blocking ? `<b>${L('yes')}</b>` : L('no'),
          `${T(g.proveBy)}${g.telemetry.length > 0 ? `<br><span class="muted">${L('telemetry')}: ${esc(g.telemetry.join(', '))}</span>` : ''}`,
        ]),
      ),
  )}</section>`;
  const status = (s: GradingReport['items'][number]) =>
    s.status === 'missing'
      ? L('missing')
      : s.status === 'tailored'
        ? L('tailored')
        : s.status === 'invalid'
          ? L('invalid')
          : s.source === 'telemetry'
            ? L('telemetry')
            : L('assessorSrc');
  const items = `<section><h2>${L('answers')}</h2><p class="muted">${L('confidence')}</p>${table(
    [L('item'), L('group'), L('value'), L('source'), L('evidence')],
    report.items.map((i) =>
      row([
        `${T(i.title)} <span class="muted">${esc(i.itemId)} ${i.confidence}</span>`,
        T(i.group),
        value(i.value),
        status(i),
        evidence(i.evidence) || '—',
      ]),
    ),
  )}</section>`;
  const overrides = `<section><h2>${L('overrides')}</h2>${table(
    [L('item'), L('suggested'), L('final'), L('reason')],
    report.overrides.map((o) => row([T(o.title), value(o.suggested), value(o.final), esc(o.reason)])),
  )}</section>`;
  const pending =
    report.pendingConfirmation.length > 0
      ? `<section><h2>${L('pending')}</h2>${table(
          [L('item'), L('suggested'), L('coverage')],
          report.pendingConfirmation.map((p) =>
            row([
              T(p.title),
              value(p.suggested),
              p.indicators
                .map((i) => `${esc(i.id)}: ${i.coverage === null ? '—' : pct(i.coverage)}`)
                .join('<br>'),
            ]),
          ),
        )}</section>`
      : '';
  const progress =
    report.progress.length > 0
      ? `<section><h2>${L('progress')}</h2>${table(
          [L('generated'), L('level'), L('score')],
          report.progress.map((p) =>
            row([time(p.computedAtMs), p.level === null ? '—' : String(p.level), num(p.totalScore)]),
          ),
        )}</section>`
      : '';
  const notes = `<section><h2>${L('unverified')}</h2><ol>${report.unverifiedRules.map((u) => `<li>${T(u)}</li>`).join('')}</ol>${
    r.warnings.length > 0
      ? `<h3>${L('warnings')}</h3><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`
      : ''
  }</section>`;
  return `<!doctype html>
<html lang="${lang === 'en' ? 'en' : 'zh-CN'}"><head><meta charset="utf-8">
<title>${esc(report.factory.name)} · ${L('reportTitle')}</title>
<style>${CSS}</style></head><body>
<h1>${esc(report.factory.name)} ${L('reportTitle')}</h1>
<table class="meta">${meta.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
${summary}${domains}${indicators}${tiers}${gaps}${pending}${overrides}${progress}${items}${notes}
<footer class="muted">${esc(report.schemaVersion)} · xiang-iiot</footer>
</body></html>
`;
}

const CSS = `body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#222;font-size:13px}
h1{font-size:22px;border-bottom:3px solid #c0392b;padding-bottom:6px}h2{font-size:16px;margin-top:28px;color:#c0392b}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #ccd;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f3f4f7}table.meta{width:auto}table.meta th{width:8em}.summary .big{font-size:20px;margin:12px 0}
.muted{color:#777;font-size:11px}.warn{color:#b35900;font-weight:bold}.radar{text-align:center}
@media print{body{margin:10mm}section{page-break-inside:avoid}h2{page-break-after:avoid}}`;
