import { builtinTools } from './builtin.js';
import { serveTool, type ServedTool } from './served-tool.js';
import type { Tool } from './tool.js';
import { isToolName, toolNameRule } from './tool-name.js';

/**
 * The tools one worker serves, by name. MCP servers that connect late add
 * theirs while the worker runs; `onChange` lets the catalogue follow.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, ServedTool>();
  private readonly listeners = new Set<() => void>();

  constructor(tools: ServedTool[] = []) {
    for (const tool of tools) this.register(tool);
  }

  /** The built-in tools plus the given config tools. */
  static withBuiltins(configTools: Tool[] = []): ToolRegistry {
    return new ToolRegistry([...builtinTools.map((tool) => serveTool(tool, 'builtin')), ...configTools.map((tool) => serveTool(tool, 'config'))]);
  }

  register(tool: ServedTool): void {
    if (!isToolName(tool.name)) throw new Error(`invalid tool name "${tool.name}" (${toolNameRule})`);
    if (this.tools.has(tool.name)) throw new Error(`tool "${tool.name}" is registered twice`);
    this.tools.set(tool.name, tool);
    for (const listener of this.listeners) listener();
  }

  /** Replaces one source's tools at once (an MCP server's list, after it reconnects). */
  replace(predicate: (tool: ServedTool) => boolean, tools: ServedTool[]): void {
    const kept = [...this.tools.values()].filter((tool) => !predicate(tool));
    const names = new Set(kept.map((tool) => tool.name));
    for (const tool of tools) {
      if (!isToolName(tool.name)) throw new Error(`invalid tool name "${tool.name}" (${toolNameRule})`);
      if (names.has(tool.name)) throw new Error(`tool "${tool.name}" is registered twice`);
      names.add(tool.name);
    }
    this.tools.clear();
    for (const tool of [...kept, ...tools]) this.tools.set(tool.name, tool);
    for (const listener of this.listeners) listener();
  }

  get(name: string): ServedTool | undefined {
    return this.tools.get(name);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  list(): ServedTool[] {
    return [...this.tools.values()];
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
