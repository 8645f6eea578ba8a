// Peer side of asl_bench: the same two workloads on aws-local-stepfunctions (npm), printed as JSON.
// Usage: node asl_bench_peer.mjs <pass-chain-definition-file> <map-definition-file> <passRuns> <mapRuns>
import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';

const [passFile, mapFile, passRuns, mapRuns] = process.argv.slice(2);
const passMachine = new StateMachine(JSON.parse(readFileSync(passFile, 'utf8')));
const mapMachine = new StateMachine(JSON.parse(readFileSync(mapFile, 'utf8')));
const items = Array.from({ length: 1000 }, (_, i) => ({ id: i }));

async function passChainPerSecond(n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; ++i) await passMachine.run({ i }).result;
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function mapMilliseconds() {
  const start = process.hrtime.bigint();
  const out = await mapMachine.run({ go: true, items }).result;
  if (out.length !== 1000) throw new Error('unexpected map output');
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const passRates = [];
const mapTimes = [];
await passChainPerSecond(Math.min(200, Number(passRuns)));  // warm-up
for (let r = 0; r < 5; ++r) passRates.push(await passChainPerSecond(Number(passRuns)));
for (let r = 0; r < Number(mapRuns); ++r) mapTimes.push(await mapMilliseconds());
console.log(JSON.stringify({ passRates, mapTimes }));
