import { z } from 'zod';
import { live } from '../live.js';
import { secretFile } from './common.js';

export const agentSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    planner: z
      .enum(['local', 'retrieval', 'cloud'])
      .default('local')
      .describe(
        'first planner: local GGUF (falls back to retrieval when the model is missing); ' +
          'retrieval = nearest past plan; cloud = OpenAI-compatible endpoint',
      ),
    llm: z
      .strictObject({
        model: z
          .string()
          .default('planner/homesight-planner-2m-q8_0.gguf')
          .describe(
            "GGUF file; relative to paths.models_dir, else to HomeSight's own models/ folder (the shipped " +
              'planner model, models/MANIFEST.md)',
          ),
        threads: z
          .number()
          .int()
          .min(1)
          .max(64)
          .default(1)
          .describe('llama.cpp threads; on small boards fewer is often faster (benchmark it)'),
        context_size: z.number().int().min(128).max(131_072).default(2048).describe('llama.cpp context in tokens (prompt and plan)'),
        gpu_layers: z
          .union([z.literal('auto'), z.number().int().min(0)])
          .default('auto')
          .describe('auto = offload when a GPU is there; 0 = CPU only'),
        max_tokens: z.number().int().min(16).max(8192).default(512).describe('most tokens generated for one plan'),
        temperature: z.number().min(0).max(2).default(0).describe('sampling temperature (0 = always the likeliest token)'),
        timeout_ms: z.number().int().min(100).default(60_000).describe('bound for generating one plan'),
        few_shots: z
          .number()
          .int()
          .min(0)
          .max(16)
          .default(3)
          .describe('past plans put in the prompt (dropped first when the context is small)'),
        grammar: z
          .enum(['node', 'plan'])
          .default('node')
          .describe(
            'node = one grammar per plan node (references only to fitting earlier nodes; every plan valid); ' +
              'plan = one grammar for the whole plan',
          ),
        max_nodes: z.number().int().min(2).max(8).default(6).describe('most nodes in a local plan'),
        max_string_chars: z.number().int().min(8).max(200).default(48).describe('longest free-text argument the grammar admits'),
        prompt_budget: z.number().int().min(64).optional().describe('prompt tokens (default context_size − max_tokens)'),
      })
      .prefault({}),
    cloud: z
      .strictObject({
        url: z.string().url().optional().describe('OpenAI-compatible base URL, e.g. https://api.example.com/v1'),
        model: z.string().default('gpt-4o-mini'),
        api_key_file: secretFile.optional(),
        timeout_ms: z.number().int().min(100).default(30_000),
        // from the shipped planner model's calibration on the dev set (bench/results/planner-calibration.md)
        min_confidence: z
          .number()
          .max(0)
          .default(-3.96)
          .describe(
            "plan confidence (ln; the planner model's least tool-choice margin, a generic GGUF's mean token log-prob) " +
              'under which the cloud planner is asked',
          ),
      })
      .prefault({}),
    max_repairs: live(z.number().int().min(0).max(5).default(2).describe('re-plans with the validation errors fed back')),
    node_timeout_ms: z.number().int().min(10).default(30_000).describe('bound for one plan node'),
    allow_tools: live(
      z
        .array(z.enum(['remember', 'publish_to_hub']))
        .default([])
        .describe('tools with side effects that may run (remember, publish_to_hub); side-effect-free tools always may'),
    ),
    hub_topics: live(
      z
        .array(z.string().regex(/^[^#+]+$/, 'no MQTT wildcards'))
        .default([])
        .describe('MQTT topics the publish tool may write to'),
    ),
    rate_limit_per_min: z.number().int().min(1).default(30).describe('asks per client (reply topic) per minute'),
    max_payload_bytes: z.number().int().min(256).default(16_384).describe('largest ask payload accepted'),
    max_concurrent: z.number().int().min(1).max(16).default(2).describe('questions answered at once; more get E_BUSY'),
  })
  .prefault({});
