import type { ToolView } from '../../runtime/tool-registry.js';
import type { ApiClient } from '../api-client.js';
import { formatToolList } from '../operator-output.js';
import { printJson, type OutputFormat } from '../output.js';

/** `vigil tools list`: the tools the server knows, with their failure policies. */
export async function listToolsCommand(api: ApiClient, output: OutputFormat): Promise<void> {
  const { tools } = await api.request<{ tools: ToolView[] }>('GET', '/v1/tools');
  if (output === 'json') printJson({ tools });
  else process.stdout.write(`${formatToolList(tools)}\n`);
}
