/** `npm start`: serves the examples on http://localhost:3000 (PORT overrides). */
import { serve } from 'weft/node';
import { createExampleApp } from './app.js';

const { weft, locals, fallback } = createExampleApp();
const port = Number(process.env.PORT ?? 3000);
await serve(weft, { port, locals, fallback });
console.log(`Weft examples: http://localhost:${port}/`);
