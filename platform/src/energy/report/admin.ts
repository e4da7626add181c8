import { z } from 'zod';
import type { DiagnosisResult } from '../result.js';
import type { Lang, Text } from '../types.js';
import { num, pick } from './i18n.js';
import { table } from './sections-flow.js';
import { esc } from './svg.js';

/**
 * The administrative part of a 节能诊断报告: who diagnosed (organisation, team), when (on-site dates, report
 * date), the enterprise's confirmation, the rectification plan and its follow-up. MIIT's 工业节能诊断服务
 * programme (工信部节函〔2019〕101号) expects a report to end in ranked measures and a follow-up plan
 * (/work/shared/reference/energy-diagnostics.md §3, confidence R); organisation, team and the enterprise's
 * signed confirmation are what diagnosis-service campaigns hand over with a report (R — convention, not a
 * quoted clause). Everything is optional: what is not given prints as a blank line to fill in by hand.
 */
const line = z.string().trim().min(1).max(200);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');

export const reportAdminSchema = z
  .object({
    organisation: z
      .object({ name: line, qualification: line.optional(), contact: line.optional() })
      .strict()
      .optional()
      .describe('诊断机构: name, qualification (资质), contact'),
    team: z
      .array(z.object({ name: line, role: line.optional(), title: line.optional() }).strict())
      .max(30)
      .optional()
      .describe('诊断人员: name, role (组长/成员), title (职称)'),
    onSite: z
      .object({ from: date, to: date })
      .strict()
      .refine((d) => d.from <= d.to, 'onSite.from must not be after onSite.to')
      .optional()
      .describe('现场诊断日期'),
    reportDate: date.optional().describe('报告日期'),
    enterprise: z
      .object({
        contact: line.optional(),
        representative: line.optional(),
        opinion: z.string().max(2000).optional(),
      })
      .strict()
      .optional()
      .describe('企业确认: contact (联系人), representative (负责人), opinion (企业意见)'),
    rectification: z
      .array(
        z
          .object({
            measure: line,
            responsible: line.optional(),
            deadline: date.optional(),
            status: line.optional(),
          })
          .strict(),
      )
      .max(100)
      .optional()
      .describe('整改计划; when absent, the ranked measures with blank responsible/deadline columns'),
    followUp: z
      .object({
        date: date.optional(),
        by: line.optional(),
        method: line.optional(),
        notes: z.string().max(2000).optional(),
      })
      .strict()
      .optional()
      .describe('跟踪复查: date, by, method (现场/远程数据), notes'),
  })
  .strict();
export type ReportAdmin = z.infer<typeof reportAdminSchema>;

const labels = {
  work: { zh: '诊断工作概况', en: 'The diagnosis' },
  org: { zh: '诊断机构', en: 'Diagnosing organisation' },
  qualification: { zh: '机构资质', en: 'Qualification' },
  contact: { zh: '联系方式', en: 'Contact' },
  team: { zh: '诊断人员', en: 'Team' },
  name: { zh: '姓名', en: 'Name' },
  role: { zh: '分工', en: 'Role' },
  title: { zh: '职称', en: 'Title' },
  sign: { zh: '签字', en: 'Signature' },
  onSite: { zh: '现场诊断日期', en: 'On-site diagnosis' },
  reportDate: { zh: '报告日期', en: 'Report date' },
  entContact: { zh: '企业联系人', en: 'Enterprise contact' },
  s6: { zh: '六、整改计划与跟踪', en: '6. Rectification plan and follow-up' },
  measure: { zh: '整改措施', en: 'Measure' },
  responsible: { zh: '责任部门/人', en: 'Responsible' },
  deadline: { zh: '完成期限', en: 'Deadline' },
  status: { zh: '进展', en: 'Status' },
  planNote: {
    zh: '未提供整改计划：下表列出第五章的节能措施，责任部门与期限由企业填写。',
    en: 'No rectification plan given: the measures of section 5 are listed for the enterprise to assign.',
  },
  followUp: { zh: '跟踪复查', en: 'Follow-up' },
  fuDate: { zh: '复查日期', en: 'Date' },
  fuBy: { zh: '复查人', en: 'By' },
  fuMethod: { zh: '复查方式', en: 'Method' },
  fuNotes: { zh: '复查结论', en: 'Findings' },
  s7: { zh: '七、确认', en: '7. Confirmation' },
  entConfirm: { zh: '企业确认意见', en: 'Enterprise confirmation' },
  entText: {
    zh: '本企业已阅知本报告所列诊断发现与节能措施，对诊断所用数据与企业情况无异议。',
    en: 'The enterprise has read the findings and measures in this report and agrees with the data and facts used.',
  },
  representative: { zh: '企业负责人', en: 'Enterprise representative' },
  seal: { zh: '（企业盖章）', en: '(company seal)' },
  leader: { zh: '诊断负责人', en: 'Diagnosis lead' },
  reviewer: { zh: '审核人', en: 'Reviewed by' },
  orgSeal: { zh: '（诊断机构盖章）', en: '(organisation seal)' },
  date: { zh: '日期', en: 'Date' },
} satisfies Record<string, Text>;
const A = (lang: Lang, k: keyof typeof labels) => pick(lang, labels[k]);
const BLANK = '<span class="blank"></span>';
const val = (s: string | undefined) => (s ? esc(s) : BLANK);

/** "诊断工作概况": organisation, team with a signature column, dates — after the enterprise profile. */
export function workSection(admin: ReportAdmin, lang: Lang): string {
  const o = admin.organisation;
  const kv: [string, string][] = [
    [A(lang, 'org'), val(o?.name)],
    [A(lang, 'qualification'), val(o?.qualification)],
    [A(lang, 'contact'), val(o?.contact)],
    [A(lang, 'onSite'), admin.onSite ? esc(`${admin.onSite.from} — ${admin.onSite.to}`) : BLANK],
    [A(lang, 'reportDate'), val(admin.reportDate)],
    [A(lang, 'entContact'), val(admin.enterprise?.contact)],
  ];
  const team = admin.team?.length ? admin.team : [{ name: '' }, { name: '' }, { name: '' }];
  return `<section class="admin"><h2>${esc(A(lang, 'work'))}</h2><table class="kv"><tbody>${kv
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`)
    .join('')}</tbody></table><h3>${esc(A(lang, 'team'))}</h3>${table(
    [A(lang, 'name'), A(lang, 'role'), A(lang, 'title'), A(lang, 'sign')],
    team.map((m) => [
      val(m.name || undefined),
      val('role' in m ? m.role : undefined),
      val('title' in m ? m.title : undefined),
      BLANK,
    ]),
    'sign',
  )}</section>`;
}

/** Chapter 6: the rectification plan (given, or the ranked measures to assign) and the follow-up record. */
export function rectificationSection(r: DiagnosisResult, admin: ReportAdmin, lang: Lang): string {
  const given = admin.rectification ?? [];
  const rows = given.length
    ? given.map((x, i) => [String(i + 1), esc(x.measure), val(x.responsible), val(x.deadline), val(x.status)])
    : r.measures.map((m) => [
        String(m.rank),
        `${esc(pick(lang, m.title))} <small>(${num(lang, m.saving.energyKwh, 0)} kWh/a)</small>`,
        BLANK,
        BLANK,
        BLANK,
      ]);
  const plan = `${given.length ? '' : `<p class="meta">${esc(A(lang, 'planNote'))}</p>`}${table(
    ['#', A(lang, 'measure'), A(lang, 'responsible'), A(lang, 'deadline'), A(lang, 'status')],
    rows,
    'sign',
  )}`;
  const f = admin.followUp;
  const fu: [string, string][] = [
    [A(lang, 'fuDate'), val(f?.date)],
    [A(lang, 'fuBy'), val(f?.by)],
    [A(lang, 'fuMethod'), val(f?.method)],
    [A(lang, 'fuNotes'), f?.notes ? esc(f.notes) : `${BLANK}<br>${BLANK}`],
  ];
  return `<section class="admin"><h2>${esc(A(lang, 's6'))}</h2>${plan}<h3>${esc(A(lang, 'followUp'))}</h3><table class="kv"><tbody>${fu
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`)
    .join('')}</tbody></table></section>`;
}

/** Chapter 7: the enterprise's confirmation and both signature blocks (blank lines when not signed yet). */
export function confirmationSection(admin: ReportAdmin, lang: Lang): string {
  const e = admin.enterprise;
  const sig = (label: string, name?: string) =>
    `<p class="sigline"><span>${esc(label)}：</span>${name ? `<span class="filled">${esc(name)}</span>` : BLANK}<span>${esc(A(lang, 'sign'))}：</span>${BLANK}<span>${esc(A(lang, 'date'))}：</span>${BLANK}</p>`;
  const lead = admin.team?.find((m) => /组长|负责|lead/i.test(m.role ?? ''))?.name;
  return `<section class="admin confirm"><h2>${esc(A(lang, 's7'))}</h2>
<div class="sigblock"><h3>${esc(A(lang, 'entConfirm'))}</h3><p>${esc(e?.opinion ?? A(lang, 'entText'))}</p>${sig(A(lang, 'representative'), e?.representative)}<p class="seal">${esc(A(lang, 'seal'))}</p></div>
<div class="sigblock"><h3>${esc(admin.organisation?.name ?? A(lang, 'org'))}</h3>${sig(A(lang, 'leader'), lead)}${sig(A(lang, 'reviewer'))}<p class="seal">${esc(A(lang, 'orgSeal'))}</p></div></section>`;
}
