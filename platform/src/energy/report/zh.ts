import { equipmentClasses } from '@xiang/protocol';
import type { Lang } from '../types.js';

/**
 * Chinese for the free-text strings rules and data tables carry in one language (method notes, standard notes,
 * coefficient sources, tariff names written "中文 English"). The zh-CN report shows Chinese only: a known
 * sentence is translated, anything else keeps its Chinese, standard designations, formulas and units and drops
 * the English prose. The English report shows the text as it is.
 */
const sentences: [RegExp, string][] = [
  [/^period × 8760 h ÷ observed hours$/, '观测期能耗 × 8760 h ÷ 观测小时数'],
  [/^grid factor (\S+); fuels (.+)$/, '电网排放因子（$1）；燃料 $2'],
  [/^E\(off-shift\) ÷ E\(total\)(?: \(reference §9\))?$/, 'E(非生产时段) ÷ E(总)'],
  [/^PF = Ep\/√\(Ep²\+Eq²\), monthly, 2 decimals$/, 'PF = Ep/√(Ep²+Eq²)，按月计算，保留两位小数'],
  [/^15-min demand sliding every minute, from minute energy$/, '15 分钟需量，每分钟滑差，由分钟电量计算'],
  [
    /^demand source: 15-min demand sliding every minute, from minute energy$/,
    '需量来源：15 分钟滑差需量（每分钟），由分钟电量计算',
  ],
  [/^LF = P_avg \/ P_max(?: \(opengrid\))?$/, '负荷率 LF = P_avg / P_max'],
  [/^Load factor = P_avg \/ P_max(?: \(reference §9\))?$/, '负荷率 = P_avg / P_max'],
  [/^mean running power \/ rated power$/, '运行平均功率 ÷ 额定功率'],
  [/^installed ÷ required$/, '已配备 ÷ 应配备'],
  [/^energy of the line meters ÷ good output$/, '产线表计用能 ÷ 合格产量'],
  [/^Metering-tree balance: parent − Σ children$/, '计量网络平衡：上级表 − Σ 下级表'],
  [/^Qc = P·\(tan φ1 − tan φ2\)(?: \(reference §9\))?$/, '补偿容量 Qc = P·(tan φ1 − tan φ2)'],
  [/^95 % value of 10-min values$/, '10 分钟值的 95% 概率大值'],
  [
    /^thresholds: ≥ 1 kW and ≥ 2 % of the meter's production-time load$/,
    '阈值：≥ 1 kW 且 ≥ 该表生产时段负荷的 2%',
  ],
  [
    /^Per off-production window against the declared standby \/ always-on load.*$/,
    '逐个非生产时段与登记的待机/常开负荷比较',
  ],
  [
    /^Two-part tariff: maximum demand = 15-min demand sliding every 1 min \(滑差\), >105 % of contract demand billed double.*$/,
    '两部制电价：最大需量按 15 分钟滑差（每 1 分钟）计，超过合同需量 105% 部分加倍收费',
  ],
  [
    /^Off-shift leak test: leak kWh = compressor power with no production × non-production hours.*$/,
    '停产泄漏测试：泄漏电量 = 无生产用气时空压机功率 × 非生产小时数（DOE MEASUR 泄漏检测方法）',
  ],
  [
    /^Base \(idle\) load and non-production energy ratio.*$/,
    '基础（空载）负荷与非生产时段用能占比（按日汇总）',
  ],
  [
    /^Peak-valley shift potential ΔC = Σ ΔE_shifted × \(p_peak − p_valley\).*$/,
    '移峰填谷潜力 ΔC = Σ ΔE转移 × (p峰 − p谷)',
  ],
  [
    /^OPC 40001-1 MachineryItemState \(NotExecuting = ready, not producing\) against the shift calendar$/,
    'OPC 40001-1 设备状态（NotExecuting = 就绪未生产）对照班次日历',
  ],
  [
    /^secondary source example \(6\.19 vs 7\.63 kW\/\(m³\/min\)\)(.*)$/,
    '二手资料示例（6.19 与 7.63 kW/(m³/min)）$1',
  ],
  [/^two-part tariff practice$/, '两部制电价惯例'],
  [
    /^fixed 15-min blocks \(no minute data: understates the billed sliding maximum\)$/,
    '固定 15 分钟区间（无分钟数据：低于按滑差计费的最大需量）',
  ],
  [
    /^(GB 19153-2019 \S+): The reference does not contain GB 19153-2019's grade limits.*$/,
    '$1：参考资料未收录该标准按排气量与压力分档的能效等级限值，此处不作推算，比功率仅与合理范围比较；补入标准表格行（fadFromM3Min、fadToM3Min、pressureMpa、grade1/2/3，单位 kW/(m³/min)）后即可评级。',
  ],
  [
    /^(.*?)\s*\((\d{4})\): 215号 table for 0\.90 as read in a coded implementation and a Q&A page$/,
    '$1（$2）：215号文 0.90 档调整表（据代码实现与问答页面转述）',
  ],
  [/^demand above 105 % of the contract is billed at double price$/, '超过合同需量 105% 的部分按两倍计费'],
  [/^1 kgce in kJ$/, '1 kgce 折合 kJ'],
  [/^≤20 kV three-phase supply$/, '≤20 kV 三相供电'],
  [/^load rate$/, '负载率'],
  [/^× contract demand$/, '× 合同需量'],
  [/^× demand price$/, '× 需量电价'],
  [/^discrete$/, '离散制造'],
  [/^process$/, '流程制造'],
  [/^counter$/, '电能/累计量计数器'],
  [/^power$/, '功率积分'],
];

/** Words that are part of a designation or a citation, translated in place before prose is dropped. */
const words: [RegExp, string][] = [
  [/\bTables? ([A-Z0-9][\w.–-]*)/g, '表 $1'],
  [/\bAnnex ([A-Z])\b/g, '附录 $1'],
  [/\bclauses? /g, '条款 '],
  [/\bmandatory\b/g, '强制性'],
  [/\bas compiled in the reference §(\d+)/g, '（见参考资料 §$1）'],
  [/\breference §(\d+)/g, '参考资料 §$1'],
  [/\b(\d{4}) value\b/g, '$1 年值'],
  [/ per (?=[\d.])/g, ' 每 '],
  [/\b0\.7–0\.8 MPa oil-injected screw compressors\b/g, '0.7–0.8 MPa 喷油螺杆空压机'],
  [/ & /g, ' '],
  [
    /\s*\(as quoted in the grid's agency-purchase price notice; the doc number also appears written (\S+?)\)/g,
    '（据电网代理购电价格公告转引；文号亦写作 $1）',
  ],
  [/\bconfirm against\b/g, '应核对'],
  [/\bmust not be used\b/g, '不得使用'],
  [/\blegacy\b/g, '旧值'],
];

const classWords = equipmentClasses.classes.map((c) => ({ re: new RegExp(`\\b${c.id}\\b`, 'g'), zh: c.zh }));

/** Latin words kept in Chinese text: units, acronyms, symbols. */
const KEEP =
  /^(?:[A-Z0-9][A-Z0-9]*|kWh|kW|kvar|kvarh|kgce|tce|kgCO₂|tCO₂|kJ|MJ|GJ|kcal|NCV|Hz|kV|min|pcs|m³|kg|vs|Ep|Bad|Good|Uncertain|Eq|tan|Qc|opengrid|OpenEIS|MEASUR|[a-zA-Z]|[A-Z][a-z]?)$/;

const HAN = /\p{Script=Han}/u;

/** Chinese of a free-text string for the zh-CN report; unchanged for English. */
export function zhOnly(lang: Lang, s: string): string {
  if (lang === 'en' || !s) return s;
  for (const [re, zh] of sentences) if (re.test(s)) return s.replace(re, zh);
  let out = s;
  for (const [re, zh] of words) out = out.replace(re, zh);
  for (const c of classWords) out = out.replace(c.re, c.zh);
  // Parentheses holding English prose only, e.g. "(as quoted in the grid's … notice)".
  out = out.replace(/\s*\(([^()]*)\)/g, (m, inner: string) =>
    !HAN.test(inner) && /[a-z]{3,}\s+[a-z]{2,}/i.test(inner) ? '' : m,
  );
  // Remaining English prose: runs of lowercase-led words that are not units or acronyms.
  out = out
    .split(/(\s+)/)
    .filter((tok) => {
      const bare = tok.replace(/^[^\p{L}]+|[^\p{L}₂³]+$/gu, '');
      return !bare || HAN.test(bare) || KEEP.test(bare) || !/^[A-Za-z][A-Za-z'’-]+$/.test(bare);
    })
    .join('');
  return tidy(out);
}

function tidy(s: string): string {
  return s
    .replace(/\s+([,;:，；：—])/g, '$1')
    .replace(/([,;，；:：—])\s*(?=[,;，；:：—]|$)/g, '')
    .replace(/\s{2,}/g, ' ')
    .replace(/\(\s*\)|（\s*）/g, '')
    .replace(/^[\s,;:—，；：]+|[\s,;:—，；：]+$/g, '')
    .trim();
}

/** GB/T 4754-2017 sectors our factory profiles use, and the profile's industry type. */
export function industryName(lang: Lang, industry: string): string {
  if (lang === 'en')
    return industry === 'discrete'
      ? 'discrete manufacturing'
      : industry === 'process'
        ? 'process industry'
        : industry;
  return zhOnly(lang, industry);
}

/** Units as printed: dimensionless "1" prints nothing; superscripts and subscripts; CNY as 元 / ¥. */
export function unitText(lang: Lang, unit: string | null | undefined): string {
  if (!unit || unit === '1') return '';
  const u = unit
    .replace(/m3\b/g, 'm³')
    .replace(/CO2\b/g, 'CO₂')
    .replace(/^load rate$/, lang === 'en' ? 'load rate' : '负载率');
  if (u === 'CNY') return lang === 'en' ? '¥' : '元';
  return zhOnly(lang, u);
}
