export { createClient, RunFailedError, RunstreamApiError, type RunstreamClient } from './client/index.js';
export * from './protocol/index.js';
export { defineTool, type Tool, type ToolContext } from './tools/tool.js';
export type { LanguageModel, ModelRequest, ToolSpec } from './providers/language-model.js';
export type { ModelEvent } from './providers/model-events.js';
