import { z } from 'zod';

/**
 * The task-plan format (TaskBench / HuggingGPT style), shared by the agent that
 * makes plans, learning that mines them and the cloud teacher that trains on
 * them. Import and export are exactly this JSON so external TaskBench data works:
 *   {"task_steps": ["Step 1: ...", ...],
 *    "task_nodes": [{"task": "<tool name>", "arguments": {...} | [...]}],
 *    "task_links": [{"source": "<tool name>", "target": "<tool name>"}]}
 * An argument value "<node-j>" (0-based) refers to the output of the j-th node.
 * TaskBench has two argument shapes: a list of positional values (resource
 * domains; strings, and numbers or booleans such as a speed factor) or a list
 * of {name, value} (temporal / dailylifeapis; any JSON value); HomeSight's own
 * tools take an object of named arguments. All three parse here.
 */
export const NODE_REF = /^<node-(\d+)>$/;

export const namedArgumentSchema = z.object({ name: z.string(), value: z.unknown() });

/** A positional argument as TaskBench writes it: a scalar JSON value. */
const positionalArgumentSchema = z.union([z.string(), z.number(), z.boolean()]);

export const taskNodeSchema = z.object({
  task: z.string().min(1),
  arguments: z.union([z.record(z.string(), z.unknown()), z.array(z.union([namedArgumentSchema, positionalArgumentSchema]))]).default({}),
});

export const taskLinkSchema = z.object({ source: z.string().min(1), target: z.string().min(1) });

export const taskPlanSchema = z.object({
  task_steps: z.array(z.string()).default([]),
  task_nodes: z.array(taskNodeSchema),
  task_links: z.array(taskLinkSchema).default([]),
});

export type TaskNode = z.infer<typeof taskNodeSchema>;
export type TaskLink = z.infer<typeof taskLinkSchema>;
export type TaskPlan = z.infer<typeof taskPlanSchema>;
