#!/usr/bin/env node
// The policy benchmark in Node (a fresh process, so validation runs once before the service
// data is loaded). Prints one JSON object. Used by bench/run.mjs.
//   node bench/policy-node.mjs '{"runs":5,"samples":400,"minMs":800}'
import { readFileSync, readdirSync } from 'node:fs';
import * as callseal from '../pkg/node/policy.js';
import * as peer from './pages/peer-iam.mjs';
import { runPolicyBench, validateLatency } from './lib/policy-bench.mjs';

const options = JSON.parse(process.argv[2] ?? '{}');
const dir = new URL('../tests/policy/evaluate/', import.meta.url);
const cases = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
  .flatMap((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')).cases);
const validateNoServiceData = validateLatency({ callseal, peer, samples: options.samples });
await callseal.loadServiceData();
console.log(JSON.stringify({ validateNoServiceData, ...runPolicyBench({ callseal, peer, cases, ...options }) }));
