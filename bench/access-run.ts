// The access control figure alone (figure 6 of npm run bench):
//   BENCH_ENGINES=pglite BENCH_ACCESS_PEOPLE=400 npx node bench/access-run.ts
// Results go to .bench/results/access/ (latest.json, latest.svg), so that a full run's results are left alone.
import { benchAccess } from './access.ts';
import { runAlone } from './run-alone.ts';

await runAlone('access control', 'access', benchAccess);
