export { discharge, DischargeInput } from './discharge.js';
