// What `npm start` (vigil dev) loads: the example workflows.
import { discharge } from '@vigil-examples/discharge';
import { defineConfig } from 'vigil';

export default defineConfig({ workflows: [discharge] });
