import type { AlertView } from '../../runtime/alert-view.js';
import type { ApiClient } from '../api-client.js';
import { formatTable, printJson, type OutputFormat } from '../output.js';

/** `vigil alerts list`: every alert rule that ever fired, firing ones first. */
export async function listAlertsCommand(api: ApiClient, output: OutputFormat): Promise<void> {
  const { alerts } = await api.request<{ alerts: AlertView[] }>('GET', '/v1/alerts');
  if (output === 'json') printJson({ alerts });
  else process.stdout.write(`${formatAlertList(alerts)}\n`);
}

export function formatAlertList(alerts: readonly AlertView[]): string {
  if (alerts.length === 0) return 'No alert has fired.';
  return formatTable([
    ['ALERT', 'STATE', 'SINCE', 'RESOLVED', 'MESSAGE'],
    ...alerts.map((a) => [a.id, a.state.toUpperCase(), a.since, a.resolvedAt ?? '-', a.message]),
  ]);
}
