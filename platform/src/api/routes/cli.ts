import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { CLI_API_PATH, type DataCommand, type RemoteLine } from '../../commands/data-command.js';
import { diagnoseData } from '../../commands/diagnose.js';
import { withServerData } from '../../commands/factory-data.js';
import { gradeData } from '../../commands/grade.js';
import { EXIT } from '../../commands/types.js';
import type { RouteModule } from '../types.js';

// biome-ignore lint/suspicious/noExplicitAny: each command validates its own arguments
const dataCommands: Record<string, DataCommand<any>> = { diagnose: diagnoseData, grade: gradeData };

/**
 * `xiang diagnose` / `xiang grade` run beside a serving platform by sending their work here, so one process
 * writes the data directory (commands/data-dir-lock.ts). Admin only. The answer is NDJSON, streamed as the
 * command runs: `{"err": line}` (progress), `{"out": line}`, `{"file": {path, content}}` (written by the CLI
 * on its side) and a last `{"exit": code}`.
 */
export const cliRoutes: RouteModule = {
  name: 'cli',
  register(app, { registry, store }) {
    app.post(
      `${CLI_API_PATH}/:command`,
      {
        config: { access: 'admin' },
        schema: {
          tags: ['cli'],
          summary: '命令行任务在平台内执行 · Run a `xiang` data command inside the serving platform',
          description:
            'Used by the `xiang diagnose` and `xiang grade` CLIs when a platform serves their data directory. ' +
            'Answers application/x-ndjson lines: {"err"}, {"out"}, {"file": {path, content}}, then {"exit"}.',
          params: z.object({ command: z.enum(['diagnose', 'grade']) }),
          body: z.object({ factoryId: z.string().min(1), args: z.record(z.string(), z.unknown()) }).strict(),
        },
      },
      async (req, reply) => {
        const cmd = dataCommands[req.params.command] as DataCommand<unknown>;
        const stream = new PassThrough();
        const send = (l: RemoteLine) => stream.write(`${JSON.stringify(l)}\n`);
        const io = { out: (out: string) => send({ out }), err: (err: string) => send({ err }) };
        void withServerData(
          cmd.name,
          { registry, store, dataDir: 'the serving platform' },
          req.body.factoryId,
          io,
          async (data) => {
            const r = await cmd.execute(req.body.args, data, io);
            for (const file of r.files) send({ file });
            return r.code;
          },
        )
          .catch((e: unknown) => {
            req.log.error({ err: e }, 'cli command failed');
            io.err(`xiang ${cmd.name}: ${(e as Error)?.message ?? e}`);
            return EXIT.failed;
          })
          .then((exit) => {
            send({ exit });
            stream.end();
          });
        return reply.type('application/x-ndjson').send(stream);
      },
    );
  },
};
