import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  aclFor,
  type BrokerUser,
  brokerUsersSchema,
  hashPassword,
  verifyPassword,
} from '../../platform/src/broker/acl.js';

/**
 * MQTT credentials of the embedded broker of `npm start`, generated into <data-dir>/broker on the first start:
 *   users.json    — the broker's user table: scrypt hashes and each user's ACL (what the broker reads)
 *   clients.json  — the passwords of the clients npm start itself runs (mode 0600), handed to them at start
 * Users: the platform (`xiang-platform`: reads xiang/v1/#, writes command topics), the edge agent
 * (`<factory>.<agent>`: its own xiang/v1/<factory>/<agent>/ topics and its command topic, plus reading its
 * MQTT devices under plant/<factory>/), and the simulated MQTT field devices (`<factory>.devices`: write
 * plant/<factory>/#). The simulated history is replayed with the agent's credentials (it is that agent's history).
 */
export type StartClient = { username: string; password: string };
export type StartCredentials = {
  platform: StartClient;
  agent: StartClient;
  devices: StartClient;
  users: BrokerUser[];
};

const clientsSchema = z.object({
  platform: z.object({ username: z.string(), password: z.string() }),
  agent: z.object({ username: z.string(), password: z.string() }),
  devices: z.object({ username: z.string(), password: z.string() }),
});

const newPassword = () => randomBytes(24).toString('base64url');

/** The ACL of each user npm start runs (recomputed at every start from the factory and agent ids). */
function aclOf(role: 'platform' | 'agent' | 'devices', factoryId: string, agentId: string) {
  if (role === 'platform') return aclFor.platform();
  if (role === 'devices') return { publish: [`plant/${factoryId}/#`], subscribe: [] };
  const a = aclFor.agent(factoryId, agentId);
  return { publish: a.publish, subscribe: [...a.subscribe, `plant/${factoryId}/#`] };
}

/** Reads the kept credentials, or generates them (first start, or after --fresh). */
export async function startCredentials(
  dataDir: string,
  factoryId: string,
  agentId: string,
): Promise<StartCredentials> {
  const dir = path.join(dataDir, 'broker');
  const usersFile = path.join(dir, 'users.json');
  const clientsFile = path.join(dir, 'clients.json');
  let clients: z.infer<typeof clientsSchema>;
  let users: BrokerUser[];
  if (existsSync(usersFile) && existsSync(clientsFile)) {
    clients = clientsSchema.parse(JSON.parse(readFileSync(clientsFile, 'utf8')));
    users = brokerUsersSchema.parse(JSON.parse(readFileSync(usersFile, 'utf8'))).users;
  } else {
    clients = {
      platform: { username: 'xiang-platform', password: newPassword() },
      agent: { username: aclFor.agentUsername(factoryId, agentId), password: newPassword() },
      devices: { username: `${factoryId}.devices`, password: newPassword() },
    };
    users = [];
    for (const role of ['platform', 'agent', 'devices'] as const) {
      const c = clients[role];
      users.push({
        username: c.username,
        passwordHash: await hashPassword(c.password),
        ...aclOf(role, factoryId, agentId),
      });
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(clientsFile, `${JSON.stringify(clients, null, 2)}\n`, { mode: 0o600 });
    writeFileSync(usersFile, `${JSON.stringify({ users }, null, 2)}\n`, { mode: 0o600 });
  }
  for (const role of ['platform', 'agent', 'devices'] as const) {
    const c = clients[role];
    const u = users.find((x) => x.username === c.username);
    if (!u || !(await verifyPassword(c.password, u.passwordHash)))
      throw new Error(`${clientsFile} and ${usersFile} disagree on "${c.username}"; start over with --fresh`);
  }
  return { ...clients, users };
}
