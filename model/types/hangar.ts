// Types Hangar adds to oVirt's model.
import { date, defineEntity, int, link, str } from '../meta';
import { User } from './user';
import { Vm } from './vm';

export const ApiToken = defineEntity('ApiToken', { doc: 'A named, long-lived token a user makes for scripts and robots.' }, {
  token: str('The secret itself; shown once, in the answer to the request that made it.', { readOnly: true }),
  expiration: date('When the token stops working.'),
  creation_time: date('When the token was made.', { readOnly: true }),
  user: link(() => User, 'The user the token acts as.'),
});

export const SerialConsole = defineEntity('SerialConsole', {
  computed: true, inherits: 'vm', doc: 'The serial console of a virtual machine whose guest runs on a real host, with what the guest wrote on it.',
}, {
  log: str('What the guest wrote on its serial console since it started, from `offset` on.', { readOnly: true }),
  offset: int('The byte of the log `log` starts at: the `offset` asked for.', { readOnly: true }),
  size: int('How many bytes the guest has written in all: the `offset` to ask for next.', { readOnly: true }),
  vm: link(() => Vm, 'Virtual machine the console belongs to.'),
});
