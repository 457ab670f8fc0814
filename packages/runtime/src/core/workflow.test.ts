import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

import { InvalidArgumentError } from './errors.js';
import { defineWorkflow, isWorkflow, type WorkflowInput, type WorkflowOutput } from './workflow.js';

const input = z.object({ id: z.string(), count: z.number().default(1) });

describe('defineWorkflow', () => {
  it('makes a branded, frozen definition with version 1 by default', () => {
    const wf = defineWorkflow({ name: 'orders.sync', input, steps: ['a', 'b'] }, () => Promise.resolve(1));
    expect(wf).toMatchObject({ name: 'orders.sync', version: 1, steps: ['a', 'b'] });
    expect(isWorkflow(wf)).toBe(true);
    expect(isWorkflow({ name: 'x' })).toBe(false);
    expect(Object.isFrozen(wf)).toBe(true);
  });

  it('types the input a caller passes and the output a run returns', () => {
    const typed = defineWorkflow({ name: 'typed', input }, (_ctx, parsed) => {
      expectTypeOf(parsed).toEqualTypeOf<{ id: string; count: number }>();
      return Promise.resolve({ total: parsed.count });
    });
    expect(typed.name).toBe('typed');
    expectTypeOf<WorkflowInput<typeof typed>>().toEqualTypeOf<{ id: string; count?: number | undefined }>();
    expectTypeOf<WorkflowOutput<typeof typed>>().toEqualTypeOf<{ total: number }>();
  });

  it.each([
    [{ name: '', input }, /name/],
    [{ name: 'has space', input }, /name/],
    [{ name: 'x'.repeat(129), input }, /name/],
    [{ name: 'ok', version: 0, input }, /version/],
    [{ name: 'ok', version: 1.5, input }, /version/],
    [{ name: 'ok', input: {} as z.ZodType }, /zod schema/],
    [{ name: 'ok', input, steps: ['a', 'a'] }, /unique/],
    [{ name: 'ok', input, steps: ['$now'] }, /reserved/],
    [{ name: 'ok', input, steps: ['a\u0000b'] }, /control characters/],
  ])('refuses %o', (options, message) => {
    expect(() => defineWorkflow(options as never, () => Promise.resolve())).toThrow(InvalidArgumentError);
    expect(() => defineWorkflow(options as never, () => Promise.resolve())).toThrow(message);
  });
});
