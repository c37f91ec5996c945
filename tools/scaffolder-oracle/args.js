'use strict';

// The oracles' command-line paths: argument `index` of `node oracle.js …`,
// or `fallback` (relative to this directory) when it is not given.
const path = require('node:path');

function pathArg(index, fallback) {
  return path.resolve(process.argv[index] ?? path.join(__dirname, fallback));
}

module.exports = { pathArg };
