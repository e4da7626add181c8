import type { Quantity } from '@xiang/protocol';
import type { RegistryDevice } from '../../registry/model.js';
import type { I18n } from '../common.js';

/**
 * Which business link (业务环节, the SME 2024 evaluation's list) a telemetry series serves. Our mapping, not
 * the evaluation's: machine state and mode → equipment management; output counters, product and cycle time →
 * production control; reject counters → quality; meters and utility flows → energy. Anything else → other.
 */
export const BUSINESS_LINKS: Record<string, I18n> = {
  productionControl: { zh: '生产管控', en: 'Production control' },
  equipment: { zh: '设备管理', en: 'Equipment management' },
  quality: { zh: '质量管理', en: 'Quality management' },
  energy: { zh: '能耗管理', en: 'Energy management' },
  other: { zh: '其他', en: 'Other' },
};

const BY_QUANTITY: Partial<Record<Quantity, string>> = {
  machineState: 'equipment',
  operationMode: 'equipment',
  goodCount: 'productionControl',
  idealCycleTime: 'productionControl',
  currentProduct: 'productionControl',
  rejectCount: 'quality',
};

export function businessLinkOf(
  quantity: Quantity | undefined,
  kind: RegistryDevice['kind'] | undefined,
): string {
  if (quantity && BY_QUANTITY[quantity]) return BY_QUANTITY[quantity] as string;
  if (kind === 'meter') return 'energy';
  return 'other';
}
