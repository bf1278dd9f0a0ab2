#!/usr/bin/env node
// Rewrites BENCHMARKS.md from bench/results.json (e.g. after editing bench/reading.md),
// without measuring again. `make bench` (bench/run.mjs) writes both files itself.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeReport } from './lib/report.mjs';

const ROOT = resolve(import.meta.dirname, '..');
writeReport(join(ROOT, 'BENCHMARKS.md'), JSON.parse(readFileSync(join(ROOT, 'bench/results.json'), 'utf8')));
