import { z } from 'zod';

/** An MCP server reached over Streamable HTTP. */
export interface McpHttpServer {
  name: string;
  url: string;
  /** Sent with every request (e.g. `authorization`); they stay in the worker, never in runs. */
  headers?: Record<string, string>;
}

/** An MCP server the worker starts as a child process and talks to over stdio. */
export interface McpStdioServer {
  name: string;
  command: string;
  args?: string[];
  env?: Record<string, string>;
}

export type McpServerConfig = McpHttpServer | McpStdioServer;

export const isHttpServer = (server: McpServerConfig): server is McpHttpServer => 'url' in server;

/** Server names prefix their tools (`<server>_<tool>`); no `_`, so a tool name splits one way only. */
export const mcpServerNamePattern = /^[a-zA-Z0-9-]{1,32}$/;

const name = z.string().regex(mcpServerNamePattern, 'an MCP server name is 1 to 32 letters, digits or -');

const httpServerSchema = z
  .object({
    name,
    url: z.string().refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), 'url must be an http:// or https:// URL'),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const stdioServerSchema = z
  .object({
    name,
    command: z.string().min(1, 'command must not be empty'),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** Either shape, told apart by `url` or `command` so an error names the right fields. */
export const mcpServerSchema = z.unknown().transform((value, context): McpServerConfig => {
  const candidate = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const schema = 'url' in candidate ? httpServerSchema : 'command' in candidate ? stdioServerSchema : undefined;
  if (!schema) {
    context.addIssue({ code: 'custom', message: 'an MCP server needs a url (Streamable HTTP) or a command (stdio)' });
    return z.NEVER;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) context.addIssue({ code: 'custom', message: issue.message, path: issue.path.map(String) });
    return z.NEVER;
  }
  return parsed.data as McpServerConfig;
});
