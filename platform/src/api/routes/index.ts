import type { RouteModule } from '../types.js';
import { agentRoutes } from './agents.js';
import { alarmRoutes } from './alarms.js';
import { assessmentReportLinkRoutes } from './assessment-report-links.js';
import { assessmentWorkflowRoutes } from './assessment-workflow.js';
import { assessmentRoutes } from './assessments.js';
import { assetRoutes } from './assets.js';
import { auditRoutes } from './audit.js';
import { cliRoutes } from './cli.js';
import { coefficientRoutes } from './coefficients.js';
import { dataExtentRoutes } from './data-extent.js';
import { deviceRoutes } from './devices.js';
import { diagnosisRoutes } from './diagnoses.js';
import { energyFlowRoutes } from './energy-flow.js';
import { energyOverviewRoutes } from './energy-overview.js';
import { equipmentRoutes } from './equipment.js';
import { factoryRoutes } from './factories.js';
import { factorySettingsRoutes } from './factory-settings.js';
import { gradingIndicatorRoutes } from './grading-indicators.js';
import { healthRoutes } from './health.js';
import { ingestRoutes } from './ingest.js';
import { latestRoutes } from './latest.js';
import { lineStatusRoutes } from './line-status.js';
import { lineRoutes } from './lines.js';
import { oeeRoutes } from './oee.js';
import { prometheusRoutes } from './prometheus.js';
import { timeseriesRoutes } from './timeseries.js';
import { tokenRoutes } from './tokens.js';

/** Every API resource, one file each. A new resource is a new file plus one line here. */
export const routes: RouteModule[] = [
  healthRoutes,
  prometheusRoutes,
  factoryRoutes,
  assetRoutes,
  agentRoutes,
  deviceRoutes,
  equipmentRoutes,
  lineRoutes,
  lineStatusRoutes,
  oeeRoutes,
  gradingIndicatorRoutes,
  assessmentRoutes,
  assessmentWorkflowRoutes,
  assessmentReportLinkRoutes,
  diagnosisRoutes,
  coefficientRoutes,
  latestRoutes,
  timeseriesRoutes,
  ingestRoutes,
  tokenRoutes,
  auditRoutes,
  cliRoutes,
  energyOverviewRoutes,
  energyFlowRoutes,
  dataExtentRoutes,
  factorySettingsRoutes,
  alarmRoutes,
];
