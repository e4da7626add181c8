import { checkBroker } from '../../broker-check.js';
import type { SourcePlugin } from '../plugin.js';
import { compilePath } from './json-path.js';
import { mqttSourceSchema } from './schema.js';
import { MqttSource } from './source.js';
import { compileTopicPattern, templateTags } from './topic-pattern.js';

export { type MqttSourceConfig, mqttSourceSchema } from './schema.js';
export { MqttSource } from './source.js';

/** MQTT/JSON device source (see ./README.md). */
export const mqttPlugin: SourcePlugin<typeof mqttSourceSchema> = {
  type: 'mqtt',
  summary: 'MQTT 设备 JSON 报文 / MQTT devices publishing JSON (topic tags, JSON paths, broker drop counter)',
  schema: mqttSourceSchema,
  validate(src, v) {
    src.subscriptions.forEach((sub, bi) => {
      const sat = `${v.at}.subscriptions[${bi}]`;
      const pattern = compileTopicPattern(sub.topic);
      if (typeof pattern === 'string') v.issue(`${sat}.topic`, pattern);
      else {
        for (const t of templateTags(sub.deviceId)) {
          if (!pattern.tags.includes(t)) {
            v.issue(
              `${sat}.deviceId`,
              `"{${t}}" is not a tag of topic "${sub.topic}" (tags: ${pattern.tags.join(', ') || 'none'})`,
            );
          }
        }
      }
      if (sub.timestamp) {
        const p = compilePath(sub.timestamp.path);
        if (typeof p === 'string') v.issue(`${sat}.timestamp.path`, p);
      }
      const keys = new Set<string>();
      sub.values.forEach((val, vi) => {
        const vat = `${sat}.values[${vi}]`;
        const p = compilePath(val.path);
        if (typeof p === 'string') v.issue(`${vat}.path`, p);
        for (const k of ['unitPath', 'qualityPath'] as const) {
          const extra = val[k];
          const c = extra === undefined ? null : compilePath(extra);
          if (typeof c === 'string') v.issue(`${vat}.${k}`, c);
        }
        v.metric(vat, null, val);
        if (keys.has(val.key)) v.issue(`${vat}.key`, `key "${val.key}" appears twice in this subscription`);
        keys.add(val.key);
      });
    });
  },
  resolvePaths(s, r) {
    const t = s.broker.tls;
    if (!t) return;
    if (t.caFile) t.caFile = r.abs(t.caFile);
    if (t.certFile) t.certFile = r.abs(t.certFile);
    if (t.keyFile) t.keyFile = r.abs(t.keyFile);
  },
  create: (cfg, ctx) => new MqttSource(cfg, ctx),
  check: async (s) => [
    await checkBroker(
      `mqtt ${s.name} ${s.broker.url}`,
      s.broker,
      `xiang-edge-check-${s.name}-${process.pid}`,
    ),
  ],
  health: [
    {
      key: 'brokerDropped',
      metric: 'xiang_edge_mqtt_broker_dropped_messages',
      type: 'gauge',
      help: 'Messages the source broker dropped on its queue/inflight limits ($SYS/broker/publish/messages/dropped, whole broker)',
    },
  ],
};
