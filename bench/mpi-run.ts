// The master patient index figure alone (figure 5 of npm run bench), for the million-record target run:
//   BENCH_ENGINES=postgres BENCH_MPI_RECORDS=1000000 npx node --max-old-space-size=12000 bench/mpi-run.ts
// Results go to .bench/results/mpi/ (latest.json, latest.svg), so that a full run's results are left alone.
import { benchMpi, readMpiOptions } from './mpi.ts';
import { runAlone } from './run-alone.ts';

await runAlone('master patient index', 'mpi', benchMpi, (name, quick) => readMpiOptions(name, quick).records);
