import type { Medium } from '@xiang/protocol';
import type { Category, Severity } from '../finding.js';
import type { Lang, Text } from '../types.js';
import { unitText } from './zh.js';

/** Report wording, zh-CN first and English second, plus number and date formatting per language. */
export const pick = (lang: Lang, x: Text): string => (lang === 'en' ? x.en : x.zh);

const labels = {
  reportTitle: { zh: '节能诊断报告', en: 'Energy-Saving Diagnosis Report' },
  subtitle: {
    zh: '依据《湖南省先进制造业促进条例》第十一条开展的工业节能诊断',
    en: 'Industrial energy-saving diagnosis under Article 11 of the Hunan Advanced Manufacturing Promotion Regulations',
  },
  s1: { zh: '一、企业概况与诊断期', en: '1. Enterprise profile and period' },
  s2: { zh: '二、能源消费结构与能流', en: '2. Energy structure and flow' },
  s3: { zh: '三、能效指标对标', en: '3. Indicators against benchmarks' },
  s4: { zh: '四、诊断发现', en: '4. Findings' },
  s5: { zh: '五、节能措施与效益（按节能效益排序）', en: '5. Measures ranked by saving' },
  s5v: { zh: '节能量验证（IPMVP 方案 C）', en: 'Savings verification (IPMVP Option C)' },
  appA: { zh: '附录A 数据质量', en: 'Appendix A. Data quality' },
  appB: { zh: '附录B 折算系数、限值及来源', en: 'Appendix B. Coefficients, limits and their sources' },
  factory: { zh: '企业名称', en: 'Enterprise' },
  factoryId: { zh: '企业编号', en: 'Enterprise id' },
  province: { zh: '所在省份', en: 'Province' },
  industry: { zh: '行业类型', en: 'Industry' },
  industryCode: { zh: '国民经济行业代码', en: 'Industry code (GB/T 4754)' },
  products: { zh: '主要产品', en: 'Products' },
  metersMachines: { zh: '计量表 / 设备数', en: 'Meters / machines' },
  period: { zh: '诊断期', en: 'Period' },
  days: { zh: '天数', en: 'Days' },
  productionHours: { zh: '计划生产时间', en: 'Planned production time' },
  generated: { zh: '生成时间', en: 'Generated' },
  basis: { zh: '折算口径', en: 'Conversion basis' },
  equivalent: { zh: '电力按当量值', en: 'electricity at calorific equivalent' },
  equal: { zh: '电力按等价值', en: 'electricity at equal value' },
  gridFactor: { zh: '电网排放因子', en: 'Grid emission factor' },
  tariff: { zh: '分时电价', en: 'Time-of-use tariff' },
  notPriced: { zh: '未配置平段电价，费用未计算', en: 'no flat price configured: costs not computed' },
  medium: { zh: '能源品种', en: 'Medium' },
  quantity: { zh: '实物量', en: 'Quantity' },
  unit: { zh: '单位', en: 'Unit' },
  kgce: { zh: '折标准煤 kgce', en: 'kgce' },
  share: { zh: '占比', en: 'Share' },
  co2: { zh: 'CO₂ kg', en: 'CO₂ kg' },
  cost: { zh: '费用 元', en: 'Cost ¥' },
  counted: { zh: '计入综合能耗', en: 'In total' },
  total: { zh: '合计', en: 'Total' },
  comprehensive: { zh: '综合能源消费量', en: 'Comprehensive energy consumption' },
  byMedium: { zh: '能源消费结构（折标准煤）', en: 'Energy by medium (kgce)' },
  tree: { zh: '计量网络与分项用能', en: 'Metering tree and consumption by node' },
  meter: { zh: '表计', en: 'Meter' },
  role: { zh: '类型', en: 'Role' },
  gaps: { zh: '缺测 h', en: 'Missing h' },
  balance: { zh: '计量平衡（上级表 − 下级表合计）', en: 'Metering balance (parent − Σ children)' },
  month: { zh: '月份', en: 'Month' },
  parent: { zh: '上级表', en: 'Parent' },
  children: { zh: '下级表合计', en: 'Sub-meters' },
  loss: { zh: '差额', en: 'Remainder' },
  touTitle: { zh: '分时电量与电费', en: 'Energy and cost by time-of-use period' },
  monthly: { zh: '逐月能耗', en: 'Monthly consumption' },
  loadCurve: { zh: '负荷曲线', en: 'Load curve' },
  meanKw: { zh: '平均负荷', en: 'Mean load' },
  maxKw: { zh: '最大负荷', en: 'Maximum load' },
  heatmap: { zh: '周内 × 小时平均负荷热力图', en: 'Weekday × hour mean load' },
  duration: { zh: '负荷持续曲线', en: 'Load-duration curve' },
  timeShare: { zh: '时间占比', en: 'share of time' },
  indicator: { zh: '指标', en: 'Indicator' },
  value: { zh: '数值', en: 'Value' },
  reference: { zh: '对标值', en: 'Reference' },
  assessment: { zh: '评价', en: 'Assessment' },
  noFindings: { zh: '本类别无发现。', en: 'No findings in this category.' },
  where: { zh: '位置', en: 'Where' },
  when: { zh: '时间', en: 'When' },
  evidence: { zh: '证据', en: 'Evidence' },
  series: { zh: '数据序列', en: 'Series' },
  saving: { zh: '年节能效益', en: 'Annual saving' },
  assumptions: { zh: '测算假设', en: 'Assumptions' },
  recommendation: { zh: '建议', en: 'Recommendation' },
  standard: { zh: '依据', en: 'Basis' },
  rank: { zh: '序号', en: 'Rank' },
  measure: { zh: '措施', en: 'Measure' },
  kwh: { zh: '节电 kWh/a', en: 'kWh/a' },
  tce: { zh: '节能 tce/a', en: 'tce/a' },
  tco2: { zh: '减排 tCO₂/a', en: 'tCO₂/a' },
  cny: { zh: '效益 元/a', en: '¥/a' },
  investment: { zh: '投资 元', en: 'Investment ¥' },
  payback: { zh: '回收期 年', en: 'Payback years' },
  noMeasures: { zh: '未识别出可量化的节能措施。', en: 'No quantifiable measures identified.' },
  verMeasure: { zh: '措施', en: 'Measure' },
  verDate: { zh: '实施日期', en: 'Date' },
  verModel: { zh: '基准模型', en: 'Baseline model' },
  verSaved: { zh: '节能量 kWh', en: 'Saved kWh' },
  verUnc: { zh: '不确定度 kWh', en: 'Uncertainty kWh' },
  dqMeters: { zh: '表计数据完整性', en: 'Meter data completeness' },
  frozen: { zh: '冻结 h', en: 'Frozen h' },
  negative: { zh: '负值', en: 'Negative' },
  implausible: { zh: '不合理', en: 'Implausible' },
  resets: { zh: '复位/翻转', en: 'Resets/rollovers' },
  source: { zh: '来源', en: 'Source' },
  notes: { zh: '说明', en: 'Notes' },
  skipped: { zh: '未执行的诊断项', en: 'Checks not run' },
  coefficient: { zh: '系数', en: 'Coefficient' },
  year: { zh: '年份', en: 'Year' },
  confidence: { zh: '可信度', en: 'Confidence' },
  override: { zh: '企业覆盖值', en: 'Override' },
  confidenceLegend: {
    zh: '可信度：C = 见于标准原文；S = 仅见于二手资料；R = 记忆值，未核实。S/R 项为可配置默认值，使用前应核对原文。',
    en: 'Confidence: C = read in the document; S = secondary source only; R = recalled, not verified. S/R values are configurable defaults: check the original before relying on them.',
  },
  settingsApplied: { zh: '本次诊断调整的参数', en: 'Settings changed for this run' },
  flatPrice: { zh: '平段电价', en: 'flat price' },
  appC: { zh: '附录C 分表指标明细', en: 'Appendix C. Indicators per meter' },
  indSummary: { zh: '分表指标汇总', en: 'Indicators per meter, summarised' },
  indSummaryNote: {
    zh: '各表计逐月指标的汇总；逐项明细见附录C，未达标项列于下表。',
    en: 'Per-meter monthly indicators summarised; every row is in Appendix C, the ones that fail are listed below.',
  },
  indMeters: { zh: '表计数', en: 'Meters' },
  indRows: { zh: '项数', en: 'Rows' },
  indPass: { zh: '符合/优于', en: 'Within' },
  indFail: { zh: '未达标', en: 'Fail' },
  indNoRef: { zh: '无对标值', en: 'No reference' },
  indRange: { zh: '范围', en: 'Range' },
  indFailing: { zh: '未达标的分表指标', en: 'Per-meter indicators that fail' },
  appD: { zh: '附录D 提示项明细', en: 'Appendix D. Notes in detail' },
  infoCondensed: {
    zh: '以下提示项在多处出现，逐项列出，证据与建议见附录D。',
    en: 'The notes below recur in several places: one row each, evidence and advice in Appendix D.',
  },
  infoItem: { zh: '提示项', en: 'Note' },
  diagnosedBy: { zh: '诊断机构', en: 'Diagnosed by' },
} satisfies Record<string, Text>;

export type LabelKey = keyof typeof labels;
export const L = (lang: Lang, k: LabelKey): string => pick(lang, labels[k]);

const media: Record<Medium, Text> = {
  electricity: { zh: '电力', en: 'Electricity' },
  naturalGas: { zh: '天然气', en: 'Natural gas' },
  water: { zh: '新水', en: 'Water' },
  compressedAir: { zh: '压缩空气', en: 'Compressed air' },
  steam: { zh: '蒸汽', en: 'Steam' },
  heat: { zh: '热力', en: 'Heat' },
  diesel: { zh: '柴油', en: 'Diesel' },
  gasoline: { zh: '汽油', en: 'Gasoline' },
  lpg: { zh: '液化石油气', en: 'LPG' },
  coal: { zh: '原煤', en: 'Coal' },
  oxygen: { zh: '氧气', en: 'Oxygen' },
  nitrogen: { zh: '氮气', en: 'Nitrogen' },
};
export const mediumName = (lang: Lang, m: Medium): string => pick(lang, media[m]);

const touNames: Record<string, Text> = {
  valley: { zh: '谷段', en: 'Valley' },
  flat: { zh: '平段', en: 'Flat' },
  peak: { zh: '峰段', en: 'Peak' },
  critical: { zh: '尖峰', en: 'Critical peak' },
};
export const touName = (lang: Lang, t: string): string => pick(lang, touNames[t] ?? { zh: t, en: t });

const roleNames: Record<string, Text> = {
  mainIncomer: { zh: '总进线', en: 'main incomer' },
  feeder: { zh: '馈线', en: 'feeder' },
  equipment: { zh: '设备', en: 'equipment' },
  utility: { zh: '公用', en: 'utility' },
  submeter: { zh: '分表', en: 'sub-meter' },
};
export const roleName = (lang: Lang, r: string | null): string =>
  r ? pick(lang, roleNames[r] ?? { zh: r, en: r }) : '—';

export const categories: { key: Category; text: Text }[] = [
  { key: 'energyEfficiency', text: { zh: '（一）能源利用与能效', en: '4.1 Energy use and efficiency' } },
  { key: 'metering', text: { zh: '（二）能源计量', en: '4.2 Energy metering' } },
  { key: 'energyManagement', text: { zh: '（三）能源管理', en: '4.3 Energy management' } },
  { key: 'keyEquipment', text: { zh: '（四）重点用能设备', en: '4.4 Key energy-using equipment' } },
  { key: 'processSystem', text: { zh: '（五）工艺与系统', en: '4.5 Process and systems' } },
];

const severities: Record<Severity, Text> = {
  info: { zh: '提示', en: 'Info' },
  low: { zh: '低', en: 'Low' },
  medium: { zh: '中', en: 'Medium' },
  high: { zh: '高', en: 'High' },
};
export const severityName = (lang: Lang, s: Severity): string => pick(lang, severities[s]);

const assessments: Record<string, Text> = {
  better: { zh: '优于', en: 'better' },
  within: { zh: '符合', en: 'within' },
  worse: { zh: '未达标', en: 'worse' },
  unknown: { zh: '—', en: '—' },
};
export const assessmentName = (lang: Lang, a: string): string =>
  pick(lang, assessments[a] ?? assessments.unknown!);

const weekdays: Text[] = ['一', '二', '三', '四', '五', '六', '日'].map((d, i) => ({
  zh: `周${d}`,
  en: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][i]!,
}));
export const weekdayNames = (lang: Lang): string[] => weekdays.map((w) => pick(lang, w));

/** Locale number format; null/NaN → "—". */
export function num(lang: Lang, v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return numberFormat(lang, digits).format(v);
}

/**
 * One formatter per language and digits, built once: building an Intl.NumberFormat costs tens of µs, and a
 * year-long diagnosis words thousands of figures (60 ms of its CPU profile). Formatters are immutable, so
 * sharing them changes no output.
 */
const formats = new Map<string, Intl.NumberFormat>();
function numberFormat(lang: Lang, digits: number): Intl.NumberFormat {
  const key = `${lang} ${digits}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'zh-CN', {
      maximumFractionDigits: digits,
      minimumFractionDigits: 0,
    });
    formats.set(key, f);
  }
  return f;
}

/** A number with its unit as printed ("1" → nothing, m3 → m³, CNY → 元/¥). */
export function numUnit(lang: Lang, v: number | null | undefined, unit: string, digits = 1): string {
  const u = unitText(lang, unit);
  const n = num(lang, v, digits);
  return u && n !== '—' ? `${n} ${u}` : n;
}

/** Local date-time "YYYY-MM-DD HH:MM" at the factory's UTC offset. */
export function localTime(ms: number, offsetMin: number, withTime = true): string {
  const iso = new Date(ms + offsetMin * 60_000).toISOString();
  return withTime ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}
