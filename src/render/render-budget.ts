// The per-node time and output budget that compiled templates check while they run (T5).

import { TemplateFault, templateCodes } from './template-fault.js';
import { threadCpuMillis } from './thread-cpu-clock.js';

export interface RenderBudgetLimits {
  readonly maxOutputBytesPerNode: number;
  readonly maxRenderMillisPerNode: number;
}

interface Budget {
  /** When to look at the thread's CPU time next (wall clock, `performance.now()`). */
  deadline: number;
  /** The thread's CPU time when the render began; `undefined` where it cannot be read. */
  readonly cpuAtStart: number | undefined;
  readonly maxOutput: number;
  readonly maxMillis: number;
  output: number;
  ticks: number;
}

/*
 * Templates run synchronously on one thread, so the budget of the render in progress is one
 * module-level slot: set for the duration of one node's render, cleared afterwards.
 */
let active: Budget | undefined;

/*
 * Reading the thread's CPU time is a system call, costly next to a node's render (tens of
 * microseconds): a node starts from a reading at most `anchorMaxAgeMillis` old, so it may be
 * charged for up to that much of the nodes before it, against a limit of seconds.
 */
const anchorMaxAgeMillis = 50;
let cpuAnchor: { readonly wall: number; readonly cpu: number | undefined } | undefined;

const tooSlow = (budget: Budget): TemplateFault =>
  new TemplateFault(
    templateCodes.budgetExceeded,
    `render took longer than ${budget.maxMillis} ms (limit per node)`,
  );

const tooBig = (budget: Budget): TemplateFault =>
  new TemplateFault(
    templateCodes.budgetExceeded,
    `render output exceeds ${budget.maxOutput} bytes (limit per node)`,
  );

/**
 * Runs `fn` with a fresh budget. Nested calls keep the outer budget (one node = one budget).
 * Throws whatever `fn` throws, including the budget's own `TemplateLimitExceeded` faults.
 */
export const withRenderBudget = <T>(limits: RenderBudgetLimits, fn: () => T): T => {
  if (active !== undefined) return fn();
  const now = performance.now();
  if (cpuAnchor === undefined || now - cpuAnchor.wall > anchorMaxAgeMillis) {
    cpuAnchor = { wall: now, cpu: threadCpuMillis() };
  }
  active = {
    deadline: now + limits.maxRenderMillisPerNode,
    cpuAtStart: cpuAnchor.cpu,
    maxOutput: limits.maxOutputBytesPerNode,
    maxMillis: limits.maxRenderMillisPerNode,
    output: 0,
    ticks: 0,
  };
  try {
    return fn();
  } finally {
    active = undefined;
  }
};

/** Called on every loop iteration and macro call; reading the clock every call would cost more. */
export const tick = (bufferLength: number): void => {
  const budget = active;
  if (budget === undefined) return;
  if (bufferLength > budget.maxOutput) throw tooBig(budget);
  budget.ticks += 1;
  if ((budget.ticks & 0xff) === 0 && performance.now() > budget.deadline) spentOrExtend(budget);
};

/**
 * The wall clock passed the deadline: fail if the render used its limit in CPU time; otherwise
 * the thread waited for a core, so move the deadline by what is left of the limit. Where CPU
 * time cannot be read, the wall clock decides.
 */
const spentOrExtend = (budget: Budget): void => {
  const now = budget.cpuAtStart === undefined ? undefined : threadCpuMillis();
  if (now === undefined || budget.cpuAtStart === undefined) throw tooSlow(budget);
  const used = now - budget.cpuAtStart;
  if (used >= budget.maxMillis) throw tooSlow(budget);
  budget.deadline = performance.now() + (budget.maxMillis - used);
};

/** Counts text appended to a node's output; fails once the node's output limit is passed. */
export const spendOutput = (length: number): void => {
  const budget = active;
  if (budget === undefined) return;
  budget.output += length;
  if (budget.output > budget.maxOutput) throw tooBig(budget);
};

/** Checks the clock now (between leaves, where a check is cheap relative to the work). */
export const checkDeadline = (): void => {
  const budget = active;
  if (budget !== undefined && performance.now() > budget.deadline) spentOrExtend(budget);
};
