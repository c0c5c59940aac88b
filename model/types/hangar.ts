// Types Hangar adds to oVirt's model.
import { date, defineEntity, link, str } from '../meta';
import { User } from './user';

export const ApiToken = defineEntity('ApiToken', { doc: 'A named, long-lived token a user makes for scripts and robots.' }, {
  token: str('The secret itself; shown once, in the answer to the request that made it.', { readOnly: true }),
  expiration: date('When the token stops working.'),
  creation_time: date('When the token was made.', { readOnly: true }),
  user: link(() => User, 'The user the token acts as.'),
});
