import { stdin, stdout, stderr } from 'node:process';
import { hashPassword } from './sign-in.ts';

// Prints the scrypt hash of a password read from standard input, for JOINEDUP_USERS:
//   printf '%s' 'the password' | node apps/server/src/access/oauth/hash-password.cli.ts
// The password is read from stdin, not the command line, so that it stays out of shell history and `ps`.

const chunks: Buffer[] = [];
for await (const chunk of stdin) chunks.push(chunk as Buffer);
const password = Buffer.concat(chunks)
  .toString('utf8')
  .replace(/\r?\n$/, '');
if (password.length < 12) {
  stderr.write('Give a password of at least 12 characters on standard input.\n');
  process.exitCode = 1;
} else {
  stdout.write(`${await hashPassword(password)}\n`);
}
