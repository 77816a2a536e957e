#!/usr/bin/env node
// The composition root and the `lynq` command line: the only place that reads configuration and wires effects.

export {};
