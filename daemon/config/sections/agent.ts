import { z } from 'zod';
import { secretFile } from './common.js';

export const agentSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    planner: z.enum(['local', 'retrieval', 'cloud']).default('local').describe('local GGUF planner; retrieval = nearest past plan; cloud = OpenAI-compatible endpoint'),
    llm: z
      .strictObject({
        model: z.string().default('planner.gguf').describe('GGUF file; relative to paths.models_dir'),
        threads: z.number().int().min(1).max(64).default(1).describe('llama.cpp threads; on small boards fewer is often faster (benchmark it)'),
        context_size: z.number().int().min(128).max(131_072).default(2048),
        gpu_layers: z.union([z.literal('auto'), z.number().int().min(0)]).default('auto'),
        max_tokens: z.number().int().min(16).max(8192).default(512),
        temperature: z.number().min(0).max(2).default(0),
        timeout_ms: z.number().int().min(100).default(60_000),
        few_shots: z.number().int().min(0).max(16).default(3),
      })
      .prefault({}),
    cloud: z
      .strictObject({
        url: z.string().url().optional().describe('OpenAI-compatible base URL, e.g. https://api.example.com/v1'),
        model: z.string().default('gpt-4o-mini'),
        api_key_file: secretFile.optional(),
        timeout_ms: z.number().int().min(100).default(30_000),
        min_confidence: z.number().max(0).default(-1.5).describe('mean token log-prob under which the cloud planner is asked'),
      })
      .prefault({}),
    max_repairs: z.number().int().min(0).max(5).default(2),
    node_timeout_ms: z.number().int().min(10).default(30_000),
    allow_tools: z.array(z.string()).default([]).describe('tools with side effects that may run (publish_to_hub, remember); side-effect-free tools always may'),
    hub_topics: z.array(z.string()).default([]).describe('MQTT topics the publish tool may write to'),
    rate_limit_per_min: z.number().int().min(1).default(30).describe('asks per client per minute'),
    max_payload_bytes: z.number().int().min(256).default(16_384),
  })
  .prefault({});
