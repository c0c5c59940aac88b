// Test files run in parallel, one worker per core and at least two: each engine a test starts has
// its own data dir and PostgreSQL schema, and much of a test's time is spent waiting on disks and
// on PostgreSQL, which another file's work fills.
const os = require('node:os');

module.exports = {
  spec: ['dist/test/**/*.test.js'],
  timeout: 30000,
  exit: true,
  parallel: true,
  jobs: Math.max(2, os.availableParallelism()),
};
