import { createWeft, registry, userFromLocals } from 'weft';
import { Notes } from './notes.js';

registry.register('notes', Notes);
export const weft = createWeft({
  // The user is the one your login put in the locals; a name identifies them.
  user: userFromLocals,
  userId: (user) => user.name,
}); // reads WEFT_SECRET; required in production
