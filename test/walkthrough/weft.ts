import { createWeft, registry } from 'weft';
import { Notes } from './notes.js';

registry.register('notes', Notes);
export const weft = createWeft(); // reads WEFT_SECRET; required in production
