import { readFileSync } from 'node:fs';

import { InvalidArgumentError } from '../core/errors.js';

/**
 * Reads a JSON option such as `--input` or `--value`: inline JSON, or `@path` for a file of
 * JSON. `flag` names the option in errors.
 */
export function readJsonArgument(value: string, flag: string): unknown {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (error) {
      throw new InvalidArgumentError(`${flag} ${value}: cannot read the file (${(error as Error).message})`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(`${flag} is not valid JSON: ${(error as Error).message}`);
  }
}
