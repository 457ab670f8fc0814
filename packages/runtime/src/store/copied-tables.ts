/** The tables `vigil copy` moves between stores, in the order it moves them. */
export const COPIED_TABLES = ['runs', 'steps'] as const;
export type CopiedTable = (typeof COPIED_TABLES)[number];
