import type { BreakerView } from '../../runtime/operator-views.js';
import type { ApiClient } from '../api-client.js';
import { formatBreakerList } from '../operator-output.js';
import { printJson, type OutputFormat } from '../output.js';

export async function listBreakersCommand(api: ApiClient, output: OutputFormat): Promise<void> {
  const { breakers } = await api.request<{ breakers: BreakerView[] }>('GET', '/v1/breakers');
  if (output === 'json') printJson({ breakers });
  else process.stdout.write(`${formatBreakerList(breakers)}\n`);
}

/** `vigil breakers reset <key>`: closes the breaker so calls go through again at once. */
export async function resetBreakerCommand(api: ApiClient, key: string, output: OutputFormat): Promise<void> {
  const breaker = await api.request<BreakerView>('POST', `/v1/breakers/${encodeURIComponent(key)}/reset`);
  if (output === 'json') printJson(breaker);
  else process.stdout.write(`Breaker ${breaker.key} is ${breaker.status}\n`);
}
