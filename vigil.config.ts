// What `npm start` (vigil dev) loads: the example workflows and their tools (for `vigil tools list`).
import { discharge, tools } from '@vigil-examples/discharge';
import { defineConfig } from 'vigil';

export default defineConfig({ workflows: [discharge], tools: Object.values(tools) });
