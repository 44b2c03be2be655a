#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (through tsx), listing the files
// explicitly so the shell never hands node an unexpanded glob, and fails when no test ran.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(p);
  }
}
for (const r of roots.length ? roots : ['src', 'test']) {
  try {
    if (statSync(r).isDirectory()) walk(r);
    else files.push(r);
  } catch {
    /* missing root */
  }
}
files.sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
console.log(`run-tests: ${files.length} test files`);
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...flags, ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
// A file can fail with every test passing (an error after its test ended sets the exit code and only prints
// a diagnostic somewhere in the middle): keep those lines and repeat them under the summary, where CI logs look.
const diagnostics = [];
let partial = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const text = chunk.toString();
  tail = (tail + text).slice(-4000);
  const lines = (partial + text).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) if (!/^\s*[✔✖﹣]/.test(line) && /asynchronous activity|uncaught|unhandled|exitCode|signal:/i.test(line) && diagnostics.length < 50) diagnostics.push(line.trim());
});
child.on('close', (code) => {
  const tests = Number(/ℹ tests (\d+)/.exec(tail)?.[1] ?? 0);
  const pass = Number(/ℹ pass (\d+)/.exec(tail)?.[1] ?? 0);
  const fail = Number(/ℹ fail (\d+)/.exec(tail)?.[1] ?? 0);
  const skipped = Number(/ℹ skipped (\d+)/.exec(tail)?.[1] ?? 0);
  if (diagnostics.length) console.log(`diagnostics:\n  ${diagnostics.join('\n  ')}`);
  console.log(`${pass} passed, ${fail} failed, ${skipped} skipped`);
  if (tests === 0) {
    console.error('run-tests: ZERO tests ran; failing');
    process.exit(1);
  }
  process.exit(code ?? 1);
});
