// A compute worker (pool.ts): the platform runs its TypeScript sources through tsx, and so does this thread.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { computeTasks } = await import('./tasks.ts');
parentPort.on('message', (m) => {
  try {
    parentPort.postMessage({ id: m.id, ok: true, value: computeTasks[m.task](m.arg) });
  } catch (e) {
    parentPort.postMessage({
      id: m.id,
      ok: false,
      error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
    });
  }
});
parentPort.postMessage({ ready: true });
